"""Linking a frame's mentions to cells: which table, row and column a term means in one document.

A term usually stands in several tables (社会保障和就业支出 is in five). All of them are gathered; the
preferred table (named in the question, else the template order) gives the answer and the others are
cited when they agree, or named when they differ.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import Decimal

from assistant.catalog import Member, unit_roles
from assistant.compute import to_yuan
from assistant.records import Document, Fact, Table
from assistant.understand import Frame, Mention, Target, aliases, normalise, row_key

TABLE_ORDER = [
    "expenditure_summary",
    "general_economic",  # all general spending by economic class, before its basic part (差旅费 with 项目支出)
    "economic",
    "three_public",
    "income_summary",
    "financial_summary",
    "fiscal_summary",
    "general_function",
    "fund_function",
    "capital_function",
]


@dataclass(frozen=True)
class CellRef:
    """One table cell (an empty cell counts as 0, as the identities do)."""

    table: Table
    row: int
    column: str
    value: Decimal  # as printed, in the table's unit
    empty: bool = False

    @property
    def yuan(self) -> Decimal:
        return to_yuan(self.value, self.table.unit)

    @property
    def row_label(self) -> str:
        r = self.table.rows[self.row]
        return f"{r.code} {r.name}".strip()

    @property
    def name(self) -> str:
        name = re.sub(r"^([一二三四五六七八九十]+、|\d+[、.．])", "", self.table.rows[self.row].name)
        if name in ("合计", "支出总计", "收入总计") and self.column not in ("合计", "预算数"):
            return self.column
        return name


@dataclass
class Item:
    """A resolved term: its value in 元, the cell that gives it and the cells that say the same."""

    label: str
    value: Decimal  # in 元
    primary: CellRef | None = None
    agreeing: list[CellRef] = field(default_factory=list)
    differing: list[CellRef] = field(default_factory=list)
    fact: Fact | None = None  # when the figure comes from the text
    unit: str = "元"  # 元 for money; 个 / 辆 / 台（套） for counts stated in the text
    stated: list[Fact] = field(default_factory=list)  # the same figure stated in the text

    @property
    def cells(self) -> list[CellRef]:
        return ([self.primary] if self.primary else []) + self.agreeing


def cell(table: Table, row: int, column: str) -> CellRef | None:
    """The cell, 0 when the row is printed but the column empty; None when the figure could not be placed."""
    value = table.value(row, column)
    if value is not None:
        return CellRef(table, row, column, value)
    r = table.rows[row]
    if r.side == "收入" and r.level == 0 and not r.numbers:
        return None  # a blank income total is missing in the source, not zero
    placed = sum(1 for c in table.cells if c.row == row)
    if len(r.numbers) > placed and r.side != "收入":
        return None  # a figure of this row is unplaced: do not claim the cell is empty
    return CellRef(table, row, column, Decimal(0), empty=True)


def default_column(table: Table, row: int) -> str:
    if table.rows[row].side == "收入" or "合计" not in table.columns:
        return "预算数" if table.rows[row].side == "收入" or "预算数" in table.columns else table.columns[0]
    return "合计"


def _row_cells(doc: Document, key: str, column: str | None, under: str = "") -> list[CellRef]:
    out = []
    for table in doc.tables:
        for idx, row in enumerate(table.rows):
            if row_key(row.name) != key or (under and not row.code.startswith(under + " ")):
                continue
            col = column if column else default_column(table, idx)
            if row.side == "收入":
                col = "预算数"
            elif col not in table.columns:
                continue
            if (ref := cell(table, idx, col)) is not None:
                out.append(ref)
    return out


def _concept_cells(doc: Document, target: Target, column: str | None) -> list[CellRef]:
    out = []
    for key, row_re, col in target.cells:
        table = doc.table(key)
        if table is None:
            continue
        idx = next((i for i, r in enumerate(table.rows) if re.search(row_re, row_key(r.name))), None)
        if idx is None and row_re == "^合计$":  # a row per year (2025年, 2026年, 增减变化金额): the budget's
            idx = next((i for i, r in enumerate(table.rows) if r.name == f"{doc.year}年"), None)
        if idx is None:
            continue
        if column and col == "合计" and column in table.columns:
            col = column
        elif not column and col == "合计" and target.key in table.columns:
            col = target.key  # 基本支出 in an economic table that also has a 项目支出 column: that column
        one = len(table.columns) == 1 and (bool(table.rows[idx].side) or col == "预算数")
        if col not in table.columns and one and col in ("合计", "预算数"):
            col = table.columns[0]  # a summary of one figure column (金额): that column is the total
        elif col not in table.columns and col != "预算数":
            continue
        if (ref := cell(table, idx, col)) is not None:
            out.append(ref)
    return out


def text_facts(doc: Document, surface: str, change: bool = False) -> list[Fact]:
    """Facts stated in the text whose label names the term (or the term contains the label)."""
    hits = []
    for fact in doc.text_facts:
        label = normalise(fact.row_name)
        if change != fact.column.startswith("比"):
            continue
        if (
            label == surface
            or (len(surface) >= 2 and surface in label)
            or (len(label) >= 4 and label in surface)
            or (change and label == re.sub(r"预算$", "", surface))  # 收入较去年增加 answers 收入预算
        ):
            hits.append(fact)
    hits.sort(key=lambda f: (normalise(f.row_name) != surface, len(f.row_name)))
    return hits


def resolve(
    doc: Document, mention: Mention, frame: Frame, column: str | None = None, under: str = ""
) -> Item | None:
    """A mention → the item it means in this document, or None when nothing in the tables or text says.

    `under` restricts rows to those below a code (行政运行 under 212 01 城乡社区管理事务)."""
    column = column or frame.column
    if frame.op == "count":  # 几辆/几台/几个: counts are stated in the text, not in the money tables
        keys = [mention.surface] + [t.key for t in mention.targets if t.kind == "text"]
        counted = [f for k in keys for f in text_facts(doc, k) if f.unit not in ("元", "万元", "亿元")]
        if counted:
            return fact_item(counted[0])
    cells: list[CellRef] = []
    for target in mention.targets:
        if target.kind == "row":
            cells += _row_cells(doc, target.key, column, under)
        elif target.kind == "concept":
            cells += _concept_cells(doc, target, column)
    cells = _unique(cells)
    if cells:
        order = {k: i for i, k in enumerate(frame.table_hint)}
        concept_order = [c[0] for t in mention.targets if t.kind == "concept" for c in t.cells]
        cells.sort(
            key=lambda c: (
                order.get(c.table.key, 99),
                concept_order.index(c.table.key) if c.table.key in concept_order else 50,
                TABLE_ORDER.index(c.table.key) if c.table.key in TABLE_ORDER else 60,
            )
        )
        primary = cells[0]
        # a concept's cell (also beside a row or text of the same name) is named as asked, not by the
        # column or the year row that holds it (运行费, 2026年)
        concept = all(t.kind == "concept" for t in mention.targets) or primary.table.key in concept_order
        total_row = primary.name in ("合计", "支出总计", "收入总计")
        label = primary.name if column or not (concept or total_row) else _label(mention, primary)
        if column and column not in ("合计", "预算数") and label != column:
            label = f"{label}（{column}）"
        item = Item(label, primary.yuan, primary)
        for other in cells[1:]:
            (item.agreeing if other.yuan == primary.yuan else item.differing).append(other)
        item.stated = [f for f in text_facts(doc, normalise(item.label)) if same_figure(f, item.value)][:1]
        return item
    facts = text_facts(doc, mention.surface) or [
        f for t in mention.targets if t.kind == "text" for f in text_facts(doc, t.key)
    ]  # 政府采购预算总额, said of the text's 纳入…的政府采购项目
    if facts and (held := _held_in_table(doc, mention, facts[0], frame)) is not None:
        return held
    return fact_item(facts[0]) if facts else None


# how the text qualifies a whole the tables hold: 财政拨款“三公”经费预算, 当年一般公共预算“三公”经费预算支出
_QUALIFIED = re.compile(
    r"^(通过)?(财政拨款|一般公共预算|拨款|财政|当年|本年|本部门)+(安排的?)?|预算(数|支出)?$"
)


def _held_in_table(doc: Document, mention: Mention, fact: Fact, frame: Frame) -> Item | None:
    """A whole the text states that a table holds (财政拨款三公经费预算 223.80万元 is the 三公 table's 合计):
    the table's cell, with its parts, the sentence cited beside it; only when the two figures agree."""
    core = _QUALIFIED.sub("", normalise(fact.row_name))
    spec = aliases()["concepts"].get(core)
    if not spec or fact.unit not in ("元", "万元", "亿元") or fact.column:
        return None
    parsed = tuple(tuple(part.strip() for part in c.split("|")) for c in spec)
    target = Target("concept", core, parsed)  # type: ignore[arg-type]
    cells = _concept_cells(doc, target, frame.column)
    if not cells or not same_figure(fact, cells[0].yuan):
        return None
    return resolve(doc, replace(mention, targets=[target]), frame)


def fact_item(fact: Fact) -> Item:
    """A figure stated in the text as an item: money in 元, counts in their own unit."""
    if fact.unit in ("元", "万元", "亿元"):
        return Item(fact.row_name, to_yuan(fact.value, fact.unit), fact=fact)
    return Item(fact.row_name, fact.value, fact=fact, unit=fact.unit)


def same_figure(fact: Fact, value: Decimal) -> bool:
    """A figure in the text equals a table figure, allowing the text's rounding to its printed decimals."""
    if fact.unit not in ("元", "万元", "亿元") or fact.column:
        return False
    stated = to_yuan(fact.value, fact.unit)
    step = to_yuan(Decimal(1).scaleb(fact.value.as_tuple().exponent), fact.unit)
    return abs(stated - value) <= step / 2


def _label(mention: Mention, ref: CellRef) -> str:
    """A concept is named as asked (三公经费, 收入预算), not by its cell's row (合计)."""
    if ref.name in ("支出总计", "收入总计") and mention.surface not in ("总支出", "总收入", "收入预算"):
        return ref.name  # 多少预算 / 花多少钱 / 全部支出 are phrasings; the row is 支出总计
    named = {t.key for t in mention.targets if t.kind == "concept"}
    if len(named) == 1 and mention.surface not in named and not mention.fuzzy:
        return named.pop()  # 买车 is named 公务用车购置费: an everyday word, by the item it stands for
    return ref.column if ref.column not in ("合计", "预算数") and mention.fuzzy else mention.surface


def _unique(cells: list[CellRef]) -> list[CellRef]:
    seen = set()
    out = []
    for c in cells:
        key = (c.table.key, c.row, c.column)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


def children(ref: CellRef) -> list[int]:
    """Rows directly under a row: 款 under 类 by code, level-1 rows under a total row."""
    table, row = ref.table, ref.table.rows[ref.row]
    if row.code:
        prefix = row.code + " "
        return [i for i, r in enumerate(table.rows) if r.code.startswith(prefix) and r.level == row.level + 1]
    if row.level == 0:
        return [i for i, r in enumerate(table.rows) if r.level == 1 and r.side == row.side]
    out = []  # rows printed without codes: the next level down, until a row of this level or above
    for i in range(ref.row + 1, len(table.rows)):
        r = table.rows[i]
        if r.side != row.side:
            continue
        if r.level <= row.level:
            break
        if r.level == row.level + 1:
            out.append(i)
    return out


def level_rows(table: Table, level: int) -> list[int]:
    return [i for i, r in enumerate(table.rows) if r.level == level and r.side != "收入"]


def same_item(doc: Document, other: Item) -> Item | None:
    """The item of `doc` at the place `other` has in its own document: the same table, row (code and name)
    and column, or the same statement of the text. None when `doc` has no such place (resolve it afresh).
    Across documents of one layout this is the same figure, found without understanding the question again."""
    if other.primary is not None:
        ref = other.primary
        table = doc.table(ref.table.key)
        if table is None:
            return None
        wanted = ref.table.rows[ref.row]
        rows = [i for i, r in enumerate(table.rows) if r.code == wanted.code and r.name == wanted.name]
        if len(rows) != 1 or ref.column not in table.columns:
            return None
        found = cell(table, rows[0], ref.column)
        return Item(other.label, found.yuan, found) if found is not None else None
    if other.fact is not None:
        facts = [
            f
            for f in doc.text_facts
            if f.row_name == other.fact.row_name
            and f.column == other.fact.column
            and f.table == other.fact.table
        ]
        return fact_item(facts[0]) if len(facts) == 1 else None
    return None


def within(doc: Document, item: Item, member: Member) -> Item | None:
    """The item's figure in one budget unit's row (杭州市气象服务中心, 本级): the same column of a table of units
    whose total row gives the department's figure, or a column of a table of units named as the item's row
    (一般公共预算 for 一般公共预算拨款收入, 其他收入) or the first column of a table titled by the item (基本支出 in
    部门预算基本支出预算表) whose total is the same figure. None when no table lists the figure by unit: a
    department's figure is never a unit's."""
    refs = [*item.cells, *item.differing]
    for ref in refs:
        roles = unit_roles([(r.name, r.level) for r in ref.table.rows], doc.unit_name)
        if roles and ref.row not in roles and ref.table.rows[ref.row].level <= 1:  # a total row
            found = _member_row_cell(ref.table, roles, member, ref.column)
            if found is not None:
                return Item(f"{member.label}{item.label}", found.yuan, found)
    named = [(row_key(r.table.rows[r.row].name), r.yuan) for r in refs if not _is_total(r)]
    named.append((normalise(item.label), item.value))
    for table in doc.tables:
        roles = unit_roles([(r.name, r.level) for r in table.rows], doc.unit_name)
        total = next((i for i, r in enumerate(table.rows) if r.level == 0), None)
        if not roles or total is None:
            continue
        for column in sorted(table.columns, key=len, reverse=True):
            whole = cell(table, total, column)
            if whole is not None and any(
                _names_column(table, column, name) and whole.yuan == v for name, v in named
            ):
                found = _member_row_cell(table, roles, member, column)
                if found is not None:
                    return Item(f"{member.label}{item.label}", found.yuan, found)
    return None


def _names_column(table: Table, column: str, name: str) -> bool:
    """Whether an item named `name` is this column of a table of units: the column is named in it (一般公共预算
    in 一般公共预算拨款收入), or the table is titled by it (基本支出 for 部门预算基本支出预算表) and the column
    is the table's first, its total."""
    return column in name or (bool(name) and name in normalise(table.name) and column == table.columns[0])


def _is_total(ref: CellRef) -> bool:
    row = ref.table.rows[ref.row]
    return row.level == 0 or bool(re.search(r"(合计|总计|小计)$", row.name))


def row_total(item: Item) -> Item | None:
    """The total of the row an item's figure stands in (a budget unit's 合计: 占其收入的比例)."""
    ref = item.primary
    if ref is None or not ref.table.columns or ref.column == ref.table.columns[0]:
        return None
    found = cell(ref.table, ref.row, ref.table.columns[0])
    return Item(f"{ref.row_label}{ref.table.columns[0]}", found.yuan, found) if found is not None else None


def _member_row_cell(table: Table, roles: dict[int, Member], member: Member, column: str) -> CellRef | None:
    row = next((i for i, m in roles.items() if m.name == member.name and m.own == member.own), None)
    return cell(table, row, column) if row is not None else None


def member_cell(doc: Document, member: Member) -> CellRef | None:
    """The first cell of a budget unit's row in the first table of units that lists it (its total)."""
    for table in doc.tables:
        roles = unit_roles([(r.name, r.level) for r in table.rows], doc.unit_name)
        row = next(
            (i for i, m in (roles or {}).items() if m.name == member.name and m.own == member.own), None
        )
        if row is not None and table.columns and (found := cell(table, row, table.columns[0])) is not None:
            return found
    return None


_JOINED = re.compile(r"和|与|及|、")
_QUALIFIER_NOISE = re.compile(r"20\d\d年度?|[-—－_·、（）()：:]")


def qualified_rows(doc: Document, question: str) -> list[Item]:
    """给拱北海关和珠海边检总站的春节慰问金: the rows that hold the shared name (春节慰问金) together with one of
    the qualifiers named before 的 (2026年春节慰问金-拱北海关, …-珠海边检总站); empty unless two or more do."""
    for m in re.finditer("的", question):
        before, after = question[: m.start()], question[m.end() :]
        stem = _shared_name(doc, after)
        if not _JOINED.search(before) or len(stem) < 3:
            continue
        items: dict[str, Item] = {}
        for table in doc.tables:
            for i, row in enumerate(table.rows):
                key = row_key(row.name)
                rest = _QUALIFIER_NOISE.sub("", key.replace(stem, "", 1)) if stem in key else ""
                ref = cell(table, i, default_column(table, i)) if len(rest) >= 2 and rest in before else None
                if ref is not None and key not in items:
                    items[key] = Item(ref.name, ref.yuan, ref)
        if len(items) >= 2:
            return list(items.values())
    return []


def _shared_name(doc: Document, text: str) -> str:
    """The longest start of `text` that some row name contains (春节慰问金加起来… → 春节慰问金)."""
    keys = [row_key(r.name) for t in doc.tables for r in t.rows]
    for size in range(min(len(text), 20), 2, -1):
        if any(text[:size] in k for k in keys):
            return text[:size]
    return ""
