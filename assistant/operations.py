"""The operations an answer can need: lookup, sum, difference, share, multiple, per-month and plain averages,
ranking, breakdown, prior-year comparison and balance. Each takes the understood frame, the document and
the resolved items and returns an `Answer` whose every figure is a cell or a `Decimal` computation over cells.
"""

from __future__ import annotations

import re
from decimal import Decimal

from assistant import answer as compose
from assistant.compute import amount, percent, plain, ratio, total, yuan
from assistant.compute import per_month as monthly
from assistant.glossary import definitions
from assistant.groups import leaves
from assistant.records import Answer, Document, Fact, Table, Value, format_decimal
from assistant.resolve import (
    CellRef,
    Item,
    cell,
    children,
    fact_item,
    level_rows,
    resolve,
    same_figure,
    text_facts,
)
from assistant.understand import Frame, Mention, Target, aliases, normalise, row_key, wording

# tables by economic class: of basic spending, of project spending, of all general spending
ECONOMIC_TABLES = ("economic", "project_economic", "general_economic")


def lookup(frame: Frame, doc: Document, items: list[Item]) -> Answer:
    items = items[:4]
    text = compose.lookup_text(items, frame.unit)
    return Answer(
        text,
        "table" if any(i.primary for i in items) else "text",
        compose.citations(doc.id, items),
        compose.values(items),
    )


def sum_of(frame: Frame, doc: Document, items: list[Item]) -> Answer:
    if len(items) < 2:
        return lookup(frame, doc, items)
    s = total([i.value for i in items])
    formula = " + ".join(compose.formula_operand(i) for i in items) + f" = {plain(s)}元"
    names = "、".join(i.label for i in items)
    text = f"{names}合计 **{amount(s, frame.unit)}**。\n\n计算：{formula}\n\n" + _sources(items)
    return _table_answer(text, doc, items, formula, ("合计", s))


def difference(frame: Frame, doc: Document, items: list[Item]) -> Answer:
    if len(items) < 2:
        return lookup(frame, doc, items)
    a, b = items[0], items[1]
    d = a.value - b.value
    formula = f"{compose.formula_operand(a)} − {compose.formula_operand(b)} = {plain(d)}元"
    more = "多" if d >= 0 else "少"
    text = f"{a.label}比{b.label}{more} **{amount(abs(d), frame.unit)}**。\n\n计算：{formula}\n\n" + _sources(
        items[:2]
    )
    return _table_answer(text, doc, items[:2], formula, ("差额", d))


def share(frame: Frame, doc: Document, items: list[Item]) -> Answer:
    part = items[0]
    whole = items[1] if len(items) > 1 else default_whole(doc, part)
    if whole is None:
        return lookup(frame, doc, items)
    part = in_table_of(part, whole)
    p = percent(part.value, whole.value)
    if p is None:
        return compose.refusal(f"{whole.label}为0，无法计算比例", suggestions(doc))
    formula = f"{compose.formula_operand(part)} ÷ {compose.formula_operand(whole)} × 100% = {p}%"
    note = "" if len(items) > 1 else f"（问题未说明占什么的比例，按{whole.label}计算）"
    text = f"{part.label}占{whole.label}的 **{p}%**{note}。\n\n计算：{formula}\n\n" + _sources([part, whole])
    return _table_answer(text, doc, [part, whole], formula, ("占比", p), unit="%")


def shares(frame: Frame, doc: Document, items: list[Item]) -> Answer:
    """货物、服务各占多少: the whole, then each part named with its figure and its share of the whole."""
    whole, parts = items[0], items[1:]
    if not parts or whole.value == 0:
        return lookup(frame, doc, items)
    lines, formulas = [], []
    for part in parts:
        p = percent(part.value, whole.value)
        lines.append(f"- {part.label}：{amount(part.value, frame.unit)}，占 **{p}%**")
        formulas.append(f"{compose.formula_operand(part)} ÷ {compose.formula_operand(whole)} × 100% = {p}%")
    text = (
        f"**{whole.label}** {amount(whole.value, frame.unit)}，其中：\n"
        + "\n".join(lines)
        + "\n\n计算：\n"
        + "\n".join(formulas)
        + "\n\n"
        + _sources([whole, *parts])
    )
    route = "table" if any(i.primary for i in items) else "text"
    return Answer(text, route, compose.citations(doc.id, items), compose.values(items), "；".join(formulas))


def in_table_of(part: Item, whole: Item) -> Item:
    """A part taken from its whole's own table where it has a cell there (基本支出 of the 部门支出总表 as a
    share of that table's 合计, not the 一般公共预算 basic spending another table prints)."""
    if whole.primary is None or part.primary is None or part.primary.table is whole.primary.table:
        return part
    there = [c for c in part.agreeing + part.differing if c.table is whole.primary.table]
    if not there and part.primary.yuan != whole.value:
        # 项目支出里委托业务费: the part from the table that breaks the whole down (项目支出按经济分类)
        there = [c for c in part.differing if _table_total(c.table, c.column) == whole.value]
    if not there:
        return part
    ref = there[0]
    others = [c for c in part.cells + part.differing if c is not ref]
    agreeing = [c for c in others if c.yuan == ref.yuan]
    differing = [c for c in others if c.yuan != ref.yuan]
    stated = part.stated if ref.yuan == part.value else []  # the text's figure was the other table's
    return Item(part.label, ref.yuan, ref, agreeing, differing, stated=stated)


def _table_total(table: Table, column: str) -> Decimal | None:
    """The figure of a table's 合计 row in a column, when it prints one."""
    row = next((i for i, r in enumerate(table.rows) if r.level == 0 and row_key(r.name) == "合计"), None)
    ref = cell(table, row, column) if row is not None else None
    return ref.yuan if ref is not None else None


def default_whole(doc: Document, part: Item) -> Item | None:
    if part.primary is not None:
        table = part.primary.table
        total_row = next(
            (
                i
                for i, r in enumerate(table.rows)
                if r.level == 0 and r.side != "收入" and re.search(r"(合计|总计)$", r.name)
            ),
            None,
        )
        if total_row is not None and total_row != part.primary.row:
            ref = cell(table, total_row, "合计" if "合计" in table.columns else part.primary.column)
            if ref:
                return Item(f"{_short(table.name)}合计", ref.yuan, ref)
        if part.primary.row == total_row and part.primary.column != "合计" and "合计" in table.columns:
            ref = cell(table, total_row, "合计")  # a column total (人员经费) as a share of the table total
            if ref:
                return Item(f"{table.rows[total_row].name}", ref.yuan, ref)
    return None


def multiple(frame: Frame, doc: Document, items: list[Item]) -> Answer:
    if len(items) < 2:
        return lookup(frame, doc, items)
    a, b = items[0], items[1]
    r = ratio(a.value, b.value)
    if r is None:
        return compose.refusal(f"{b.label}为0，无法计算倍数", suggestions(doc))
    formula = f"{compose.formula_operand(a)} ÷ {compose.formula_operand(b)} = {r}"
    text = f"{a.label}是{b.label}的 **{r}倍**。\n\n计算：{formula}\n\n" + _sources([a, b])
    return _table_answer(text, doc, [a, b], formula, ("倍数", r), unit="倍")


def per_month(frame: Frame, doc: Document, items: list[Item]) -> Answer:
    item = items[0]
    m = monthly(item.value)
    formula = f"{compose.formula_operand(item)} ÷ 12 = {plain(m)}元"
    text = (
        f"{item.label}全年 {amount(item.value)}，平均每月约 **{yuan(m)}**。\n\n计算：{formula}\n\n"
        + _sources([item])
    )
    return _table_answer(text, doc, [item], formula, ("每月平均", m))


def rank(frame: Frame, doc: Document, items: list[Item]) -> Answer:
    scope = (
        ("", items) if len(items) >= 2 else rank_scope(frame, doc, items)
    )  # 住房保障支出和卫生健康支出哪个多
    if scope is None or not scope[1]:
        return compose.refusal("无法确定要比较哪些项目", suggestions(doc))
    parent, group = scope
    group = sorted(group, key=lambda i: i.value, reverse=frame.order != "min")
    top = group[: frame.top] if frame.top else group[:1]
    word = "最少" if frame.order == "min" else "最多"
    if frame.nth and frame.nth <= len(group):
        top = [group[frame.nth - 1]]
        word = f"第{frame.nth}{'少' if frame.order == 'min' else '多'}"
    head = "、".join(f"**{i.label}**（{_shown(i)}）" for i in top)
    listing = "\n".join(f"{n}. {i.label}：{_shown(i)}" for n, i in enumerate(group[:10], start=1))
    if len(group) > 10:
        listing += f"\n（共{len(group)}项，仅列前10项）"
    text = f"{parent + '中' if parent else ''}{word}的是{head}。\n\n排序：\n{listing}\n\n" + _origin(group)
    return Answer(
        text,
        "table" if group[0].primary else "text",
        compose.citations(doc.id, group[:15]),
        compose.values(top),
    )


def rank_scope(frame: Frame, doc: Document, items: list[Item]) -> tuple[str, list[Item]] | None:
    """What to compare: the parts of the item named, or the rows of one level of a table."""
    first = items[0].primary if items else None
    if (
        first
        and frame.table_hint
        and first.table.key not in frame.table_hint
        and first.table.rows[first.row].level == 0
    ):
        items = []  # 哪个功能分类科目的支出最多: the table named, not the grand total
    if items:
        parts = [p for _, p in parts_of(doc, items[0], frame, depth=False)]
        if frame.level and items[0].primary and items[0].primary.table.rows[items[0].primary.row].code:
            ref = items[0].primary
            rows = [
                i
                for i, r in enumerate(ref.table.rows)
                if r.code.startswith(ref.table.rows[ref.row].code + " ") and r.level == frame.level
            ]
            parts = [Item(c.name, c.yuan, c) for i in rows if (c := cell(ref.table, i, ref.column))] or parts
        if parts:
            return items[0].label, parts
    for key in frame.table_hint + ["expenditure_summary", "economic"]:
        table = doc.table(key)
        if table is None or table.key == "three_public":
            continue
        rows = level_rows(table, frame.level or 1)
        if rows:
            col = frame.column if frame.column in table.columns else "合计"
            return "", [Item(c.name, c.yuan, c) for i in rows if (c := cell(table, i, col))]
    return None


def average(frame: Frame, doc: Document, items: list[Item]) -> Answer:
    scope = rank_scope(frame, doc, items if len(items) == 1 else [])
    group = items if len(items) > 1 else (scope[1] if scope else [])
    if not group:
        return compose.refusal("无法确定要平均哪些项目", suggestions(doc))
    s = total([i.value for i in group])
    mean = (s / len(group)).quantize(Decimal("0.01"))
    formula = f"({' + '.join(plain(i.value) for i in group)}) ÷ {len(group)} = {plain(mean)}元"
    names = "、".join(i.label for i in group)
    text = (
        f"{names}共{len(group)}项，平均 **{amount(mean, frame.unit)}**。\n\n计算：{formula}\n\n"
        + _sources(group)
    )
    return _table_answer(text, doc, group, formula, ("平均", mean))


def code(frame: Frame, doc: Document, items: list[Item]) -> Answer:
    """科目编码是什么: the row's classification code, with the rows above it."""
    ref = next((c for i in items for c in i.cells if c.table.rows[c.row].code), None)
    if ref is None:
        return compose.refusal("文件没有给出这一项的科目编码", suggestions(doc))
    row = ref.table.rows[ref.row]
    parts = row.code.split()
    above = []
    for n in range(1, len(parts)):
        prefix = " ".join(parts[:n])
        parent = next((r for r in ref.table.rows if r.code == prefix), None)
        if parent is not None:
            above.append(f"{prefix} {parent.name}")
    chain = f"（{' › '.join(above)} › {row.code} {row.name}）" if above else ""
    where = f"（第{row.page}页）" if row.page else ""
    text = f"**{row.name}**的科目编码是 **{row.code}**{chain}。\n\n来源：《{ref.table.name}》{where}"
    return Answer(text, "table", [compose.cite_cell(doc.id, ref)], compose.values(items[:1]))


def count(frame: Frame, doc: Document, items: list[Item]) -> Answer:
    """几个/几项: a count stated in the text, or how many rows stand under a row (工资福利支出下面有几项)."""
    if items and items[0].primary is not None and parts_of(doc, items[0], frame, depth=False):
        return breakdown(frame, doc, items, counted=True)
    return lookup(frame, doc, items)


def breakdown(frame: Frame, doc: Document, items: list[Item], counted: bool = False) -> Answer:
    item = items[0]
    parts = parts_of(doc, item, frame, depth=not counted)
    if not parts:
        return lookup(frame, doc, items)
    lines = [f"{'  ' * depth}- {_row_title(p)}：{_shown(p)}" for depth, p in parts]
    top = [p for d, p in parts if d == 0]
    s = total([p.value for p in top])
    formula = " + ".join(f"{p.label} {plain(p.value)}" for p in top) + f" = {plain(s)}元"
    check = "" if s == item.value else f"（各项合计 {yuan(s)}）"
    number = f"共{len(top)}项，" if counted else ""
    text = (
        f"**{item.label}** {amount(item.value)}，{number}由以下部分构成{check}：\n"
        + "\n".join(lines)
        + f"\n\n核对：{formula}\n\n"
        + _origin([p for _, p in parts])
        + ("（各项为表中同一科目各行之和）" if any(_summed(p) for _, p in parts) else "")
    )
    cites = compose.citations(doc.id, [item] + [p for _, p in parts])
    return Answer(text, "table" if item.primary else "text", cites, compose.values([item]), formula)


def parts_of(doc: Document, item: Item, frame: Frame, depth: bool = True) -> list[tuple[int, Item]]:
    """The parts of an item: its child rows, the columns its identity sums, or the facts listed under it.

    A column total (人员经费, 公用经费) breaks down by economic class unless the question asks for the
    functional classification (功能/科目); a grand total by its identity (合计 = 人员经费 + 公用经费 + 项目支出)
    unless the question asks for classes.
    """
    if item.primary is None:
        return [(0, c) for c in children_items(doc, item)]
    if kinds := kind_parts(item):
        return [(0, p) for p in kinds]  # 政府采购 by 货物, 工程, 服务
    q = frame.question
    if re.search(wording()["projects"], q) and (projects := _project_rows(doc, item)):
        return [(0, p) for p in projects]  # 项目支出有哪些项目: the rows of the project table
    by_economic = bool(re.search(r"经济分类|经济科目|按经济", q))
    by_function = not by_economic and bool(re.search(r"功能|科目", q))
    by_rows = (
        by_function or by_economic or bool(re.search(r"[类款项]级|大类|[哪几各按个]一?类|哪些类|类别", q))
    )
    classes = bool(
        re.search(r"大[类块]|[哪几各按个]一?类|哪些类", q)
    )  # 分成哪几大类, 按经济分类分成哪几大块: the classes, not their items
    cells = list(item.cells)
    if by_economic:  # 基本支出按经济分类: the classes of the economic table, wherever the item was found
        cells = [
            c for c in [_economic_cell(doc, item)] + cells if c is not None and c.table.key in ECONOMIC_TABLES
        ]
        if not cells:
            return []  # no economic classes for this item: not its functional classes instead
    elif by_function:
        cells.sort(key=lambda c: c.table.key == "economic")
    elif any(c.column not in ("合计", "预算数") for c in cells):
        cells.sort(key=lambda c: c.table.key != "economic")
    if not by_rows:  # an income item breaks down by source of funds, as the income side lists them
        cells.sort(key=lambda c: c.table.rows[c.row].side != "收入")
    if not by_rows:
        for ref in cells:
            top = ref.table.rows[ref.row].level == 0 or ref.table.key == "three_public"
            if top and (parts := _identity_parts(ref)):
                return _identity_tree(doc, parts)
    if not by_rows and (defined := defined_parts(doc, item)):
        return [(0, p) for p in defined]  # 基本支出包括哪两块: 人员经费 and 公用经费
    for ref in cells:
        rows = children(ref)
        column_total = ref.column not in ("合计", "预算数")
        out: list[tuple[int, Item]] = []
        for i in rows:
            c = cell(ref.table, i, ref.column)
            if c is None or (c.yuan == 0 and (len(rows) > 3 or column_total)):
                continue
            out.append((0, Item(_whole_name(doc, c), c.yuan, c)))
            if depth and not (classes and by_rows):
                out += _subtree(c, 1, full=column_total and not classes)
        detail = bool(re.search(r"明细|详细|具体|全部|所有|各项|细分", q))
        if column_total and not detail and len(out) > 8:
            out = [(d, p) for d, p in out if d == 0]  # a column total's parts; the details only when asked
        top = [p for d, p in out if d == 0]
        if len(top) == 1 and top[0].primary is not None and top[0].value == item.value:
            # 社会保障和就业支出 → 行政事业单位养老支出 alone: that one's parts
            return parts_of(doc, top[0], frame, depth) or out
        if out:
            return out
    return [(0, p) for p in _items_by_code(doc, item)]


def kind_parts(item: Item) -> list[Item]:
    """A table total's parts by kind (`[categories]`: 政府采购 → 货物, 工程, 服务): the rows named by a kind
    (A-货物, 一、货物A), else the items summed by the letter their 品目 code starts with (A08060399 → 货物);
    only when the parts add up to the total."""
    ref = item.primary
    kinds = aliases()["categories"].get(ref.table.key, {}) if ref is not None else {}
    if ref is None or not kinds or row_key(ref.table.rows[ref.row].name) not in ("合计", "总计"):
        return []
    named: list[Item] = []
    coded: dict[str, list[CellRef]] = {}
    for i, row in enumerate(ref.table.rows):
        key, found = row_key(row.name), cell(ref.table, i, ref.column)
        if i == ref.row or found is None:
            continue
        kind = next((k for k, a in kinds.items() if re.fullmatch(rf"({a}-?)?{k}{a}?", key)), None)
        if kind:
            named.append(Item(found.name, found.yuan, found))
        elif code := re.search(r"([a-z])\d{8}", key):
            coded.setdefault(code.group(1), []).append(found)
    if named and total([p.value for p in named]) == item.value:
        return named
    parts = [
        Item(kind, total([c.yuan for c in coded[a]]), coded[a][0], coded[a][1:])
        for kind, a in kinds.items()
        if a in coded
    ]
    return parts if parts and total([p.value for p in parts]) == item.value else []


def defined_parts(doc: Document, item: Item) -> list[Item]:
    """A whole the budget defines as the sum of named parts (`[wholes]`: 基本支出 = 人员经费 + 公用经费), by
    those parts as the document gives them (its tables' cells, else the sentences stating them), when they
    add up to the whole's figure."""
    label = normalise(item.label)
    for whole, names in aliases()["wholes"].items():
        if not label.endswith(whole):
            continue
        parts = [_concept_item(doc, name) for name in names]
        found = [p for p in parts if p is not None]
        if len(found) == len(names) and total([p.value for p in found]) == item.value:
            return found
    return []


def _concept_item(doc: Document, name: str) -> Item | None:
    """A term of `[concepts]` as this document gives it: the first of its cells, else a stated figure."""
    cells = tuple(tuple(x.strip() for x in c.split("|")) for c in aliases()["concepts"].get(name, []))
    return resolve(doc, Mention(name, [Target("concept", name, cells)], 0, len(name)), Frame(name))  # type: ignore[arg-type]


def _whole_name(doc: Document, ref: CellRef) -> str:
    """A coded row's name as another table of the document prints it in full, where this table's is that
    name with characters left out in order (a name wrapped around its figures and read short: 事业单位基本支出
    for 2080505 机关事业单位基本养老保险缴费支出)."""
    code, name = ref.table.rows[ref.row].code, ref.name
    longer = {
        r.name
        for t in doc.tables
        for r in t.rows
        if code and r.code == code and len(r.name) > len(name) and not re.search(r"\d", r.name)
    }
    whole = [n for n in longer if _in_order(name, n)]
    return whole[0] if len(whole) == 1 else name


def _in_order(short: str, long: str) -> bool:
    """Every character of `short` in `long`, in order."""
    rest = iter(long)
    return all(ch in rest for ch in short)


def _items_by_code(doc: Document, item: Item) -> list[Item]:
    """A class whose rows a table prints only as its 项, once per budget unit in turn (北京's 一般公共预算支出表
    lists each unit's functions): the 项 of the one class whose rows add up to the item, each summed by code."""
    for rows in sorted(_class_groups(doc), key=lambda g: (any(_paired(c) for c in g), len(g))):
        if total([c.yuan for c in rows]) != item.value:
            continue
        by_code: dict[str, list[CellRef]] = {}
        for c in rows:
            by_code.setdefault(c.table.rows[c.row].code, []).append(c)
        return [Item(c[0].name, total([x.yuan for x in c]), c[0], c[1:]) for _, c in sorted(by_code.items())]
    return []


def _summed(item: Item) -> bool:
    """A part added up from several rows of one code (printed once per budget unit)."""
    return item.primary is not None and bool(item.agreeing) and item.primary.yuan != item.value


def _paired(ref: CellRef) -> bool:
    """A row printed with another classification beside its name (2080501-行政单位离退休 50299-… 30299-…)."""
    return bool(re.search(r"\d", ref.table.rows[ref.row].name))


def _class_groups(doc: Document) -> list[list[CellRef]]:
    """The 合计 cells of each table's coded 项 rows printed without their 类 row, grouped by 类 code."""
    groups: list[list[CellRef]] = []
    for table in doc.tables:
        if "合计" not in table.columns:
            continue
        classes: dict[str, list[CellRef]] = {}
        printed = {r.code for r in table.rows if r.code and r.level == 1}
        for i, r in enumerate(table.rows):
            head = r.code.split(" ")[0]
            if r.level == 3 and head not in printed and (c := cell(table, i, "合计")) and not c.empty:
                classes.setdefault(head, []).append(c)
        groups += classes.values()
    return groups


def _project_rows(doc: Document, item: Item) -> list[Item]:
    """The rows of the project table (one row per project), when its total is the item's figure."""
    table = doc.table("projects")
    if table is None or not table.columns:
        return []
    column = "合计" if "合计" in table.columns else table.columns[0]
    total = next((i for i, r in enumerate(table.rows) if r.level == 0), None)
    found = cell(table, total, column) if total is not None else None
    if found is None or found.yuan != item.value:
        return []
    deepest = max((r.level for r in table.rows), default=0)
    rows = [i for i, r in enumerate(table.rows) if r.level == deepest and r.level > 0]
    found = [cell(table, j, column) for i in rows for j in _projects_under(table, i, column)]
    return [Item(c.name, c.yuan, c) for c in found if c is not None]


def _projects_under(table: Table, row: int, column: str) -> list[int]:
    """A unit's row, or the projects printed under it without codes or levels (their groups told by their
    running sums: 通用项目 → 大型活动 → 审计培训), when one reading of those rows alone adds up to the unit."""
    under = []
    for j in range(row + 1, len(table.rows)):
        r = table.rows[j]
        if r.level or r.code or r.name in ("合计", "总计"):
            break
        under.append(j)
    head = cell(table, row, column)
    figures = [cell(table, j, column) for j in under]
    if not under or head is None or any(c is None for c in figures):
        return [row]
    read = leaves([c.yuan for c in figures if c is not None], head.yuan)
    return [under[k] for k in read] if read is not None else [row]


def _economic_cell(doc: Document, item: Item) -> CellRef | None:
    """The item's total in an economic table: its column there (基本支出, 项目支出), else the table's 合计
    when the item is what that table covers (a 基本支出 table's 合计, a 项目支出 table's 合计)."""
    if item.primary is None or item.primary.table.key in ECONOMIC_TABLES:
        return None
    tables = [t for key in ECONOMIC_TABLES if (t := doc.table(key)) is not None]
    return next((c for t in tables if (c := _economic_total(t, item)) is not None), None)


def _economic_total(table: Table, item: Item) -> CellRef | None:
    ref = item.primary
    assert ref is not None
    total = next(
        (i for i, r in enumerate(table.rows) if r.level == 0 and re.search(r"合计|总计", r.name)), None
    )
    if total is None:
        return None
    name = normalise(item.label)
    column = next((c for c in table.columns if normalise(c) == name or normalise(c) == ref.column), None)
    column = column or ("合计" if "合计" in table.columns else table.columns[0] if table.columns else "")
    found = cell(table, total, column) if column else None
    return found if found is not None and found.yuan == item.value else None


def prior(frame: Frame, doc: Document, items: list[Item]) -> Answer:
    """The change against the prior year as the text states it; with the figure itself from the tables when
    the question asks for both (公务接待费安排了多少？跟上年相比有变化吗？)."""
    surfaces = [m.surface for m in _qualified(frame)] or [normalise(i.label) for i in items]
    if not surfaces:  # the budget as a whole
        changes = [f for f in doc.text_facts if f.column.startswith("比")]
        change = budget_change(doc) or (changes[0] if changes else None)
        return _stated_change(doc, change, items) if change else _no_change(doc)
    stated = {s: facts[0] for s in surfaces if (facts := text_facts(doc, s, change=True))}
    asked = _asks_figure(frame.question, doc.year)
    figures = [i for i in items if asked and _changed(i, stated) or i.unit not in ("元", "万元", "亿元")]
    if not stated:
        return _figure_without_change(frame, doc, items) if asked else _no_change(doc)
    if not any(i.primary is not None for i in figures):
        whole = next(iter(stated.values()))
        return _with_parts_changed(doc, whole, _stated_change(doc, whole, items), frame.question)
    return _figure_and_change(frame, doc, figures, list(dict.fromkeys(stated.values())))


def _figure_without_change(frame: Frame, doc: Document, items: list[Item]) -> Answer:
    """公务接待费各预算多少？和上年相比怎么样？ where the text states no change: the figures the tables hold,
    and that the change is not given; a refusal when the tables hold none of them either."""
    held = [i for i in items if i.primary is not None]
    if not held:
        return _no_change(doc)
    shown = lookup(frame, doc, held)
    text = shown.text + "\n\n（文件没有给出这些项目与上年相比的增减数额。）"
    return Answer(text, shown.route, shown.citations, shown.values)


# the question asks where a change comes from: its reason, or which item changed
_WHERE_FROM = r"原因|为什么|为何|怎么回事|哪一?项|哪个|哪些"
# a marked heading inside a section (（一）机关运行经费, 八、…): where one subject's sentences end
_MARKER = re.compile(r"[（(][一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+、")


def _with_parts_changed(doc: Document, whole: Fact, answer: Answer, question: str) -> Answer:
    """A whole's change, then the sentences after it that say a part of it changed (公务用车运行维护费较2025年
    减少2.48万元，主要原因是…), when the question asks why or which item: where the change comes from."""
    if not re.search(_WHERE_FROM, question):
        return answer
    parts = parts_changed(doc, whole)
    if not parts:
        return answer
    lines = "\n".join(f"- {p.table}——“{p.quote}”" for p in parts)
    text = answer.text + f"\n\n其中有变化的各项：\n{lines}"
    cites = answer.citations + [compose.cite_fact(doc.id, p) for p in parts]
    return Answer(text, answer.route, cites, answer.values, answer.formula)


def parts_changed(doc: Document, whole: Fact) -> list[Fact]:
    """The sentences stated right after a whole's change, up to the next marked heading, that say a change
    (具体如下：1.因公出国（境）费用…比上年预算数下降100%): one fact per sentence, in order."""
    following = ""
    if not re.search(r"(如下|其中)[：:]", whole.quote):
        return []  # a sentence that announces no parts (4.行政单位离退休…增加): the next ones are its siblings
    for section in doc.sections:
        at = section.text.find(whole.quote) if whole.quote else -1
        if at >= 0:
            rest = section.text[at + len(whole.quote) :]
            following = rest[: m.start()] if (m := _MARKER.search(rest)) else rest
            break
    out: list[Fact] = []
    for fact in doc.text_facts:
        if fact.column or not fact.quote or fact.quote not in following:
            continue
        if re.search(r"减少|增加|下降|增长|上升|降低", fact.quote) and all(
            o.quote != fact.quote for o in out
        ):
            out.append(fact)
    return out


# what names the budget as a whole in the text (预算, 部门预算支出, 收入, 预算收支)
_WHOLE = r"(部门)?(预算)?(收入|支出|收支)?(预算|总额|总计|合计)?"


def budget_change(doc: Document) -> Fact | None:
    """The change the text states for the budget as a whole (部门预算支出较2025年年初预算减少…), the one
    it gives a reason for first."""
    changes = [
        f
        for f in doc.text_facts
        if f.column.startswith("比") and f.row_name and re.fullmatch(_WHOLE, normalise(f.row_name))
    ]
    changes.sort(key=lambda f: not re.search(r"原因|主要是", f.quote))
    return changes[0] if changes else None


def _qualified(frame: Frame) -> list[Mention]:
    """The mentions that name an item, without one that only qualifies the next (财政拨款“三公”经费)."""
    starts = {m.start for m in frame.mentions}
    return [m for m in frame.mentions if m.end not in starts]


def _asks_figure(question: str, year: int) -> bool:
    """Whether one clause of the question asks for this year's figure itself (安排了多少？跟上年相比有变化吗？),
    not only for the change (比2023年增加多少) or for a year before (2023年财政拨款收入是多少)."""
    for clause in re.split(r"[?？,，;；。]", question):
        other_year = any(y != str(year) for y in re.findall(r"20\d\d", clause))
        change = re.search(r"比|较|相比|对比|增|减|变化|持平|多了|少了|上年|去年", clause)
        if re.search(wording()["figure"], clause) and not change and not other_year:
            return True
    return False


def _changed(item: Item, stated: dict[str, Fact]) -> bool:
    """Whether the text states a change for this item (its label and a surface name each other)."""
    label = normalise(item.label)
    return any(s in label or label in s for s in stated)


def _figure_and_change(frame: Frame, doc: Document, figures: list[Item], stated: list[Fact]) -> Answer:
    """Each figure from its table (the total with its parts where the question asks for them), then each
    change in the sentence that states it."""
    blocks, cites, values = [], [], []
    for item in figures:
        whole = item.primary is not None and re.search(wording()["parts"], frame.question)
        shown = breakdown(frame, doc, [item]) if whole else lookup(frame, doc, [item])
        blocks.append(shown.text)
        cites += [c for c in shown.citations if c not in cites]
        values += shown.values
    formulas = []
    for f in stated:
        change = _stated_change(doc, f, [])
        blocks.append(change.text)
        cites += [c for c in change.citations if c not in cites]
        formulas += [change.formula] if change.formula else []
    return Answer("\n\n".join(blocks), "hybrid", cites, values, "；".join(formulas))


def _verdict(f: Fact) -> str:
    prior_year = m.group(0) if (m := re.search(r"20\d\d", f.column)) else ""
    if f.value == 0:
        return f"与{prior_year}年预算持平"
    return f"比{prior_year}年预算{'增加' if f.value > 0 else '减少'}{abs(f.value)}{f.unit}"


def _no_change(doc: Document) -> Answer:
    return compose.refusal("文件没有给出该项与上年相比的说明", suggestions(doc))


def _stated_change(doc: Document, f: Fact, items: list[Item]) -> Answer:
    """A change the text states, with the prior year's figure it implies when the text also states this
    year's."""
    change = f.value
    prior_year = re.search(r"20\d\d", f.column).group(0) if re.search(r"20\d\d", f.column) else ""
    verdict = _verdict(f)
    current = next((x for x in doc.text_facts if x.row_name == f.row_name and not x.column), None)
    current = current or next(  # 三公经费预算数为8.00万元 … 三公经费预算较2025年减少1.75万元
        (
            x
            for x in doc.text_facts
            if not x.column and x.line == f.line and x.row_name.startswith(f.row_name)
        ),
        None,
    )
    formula = ""
    text = f"**{f.row_name}**{verdict}。"
    cites = [compose.cite_fact(doc.id, f)]
    if current is not None:
        now = current.value
        before = now - change
        formula = f"{now} − ({change}) = {before}{f.unit}"
        text += (
            f"\n\n{doc.year}年为{now}{f.unit}，据此推算{prior_year}年预算约为 {before}{f.unit}"
            f"（由文中“{'持平' if change == 0 else verdict}”推算，为近似值）。"
            f"\n\n计算：{formula}"
        )
    text += f"\n\n来源：{f.table}——“{f.quote}”"
    extra = [c for c in compose.citations(doc.id, items) if c not in cites][:3]
    return Answer(text, "text", cites + extra, formula=formula)


def balance(frame: Frame, doc: Document, items: list[Item]) -> Answer:
    table = doc.table("financial_summary") or doc.table("fiscal_summary")
    if table is None:
        return compose.refusal("文件中没有收支总表", suggestions(doc))
    inc = next((cell(table, i, "预算数") for i, r in enumerate(table.rows) if r.name == "收入总计"), None)
    exp_row = next((i for i, r in enumerate(table.rows) if r.name == "支出总计"), None)
    exp = cell(table, exp_row, table.columns[0]) if exp_row is not None else None
    if inc is None or exp is None:
        return compose.refusal("收支总计不完整", suggestions(doc))
    same = inc.yuan == exp.yuan
    verdict = "收支平衡" if same else "收支不相等"
    formula = f"收入总计 {plain(inc.yuan)} {'=' if same else '≠'} 支出总计 {plain(exp.yuan)}"
    text = f"**{verdict}**：收入总计 {amount(inc.yuan)}，支出总计 {amount(exp.yuan)}。\n\n{formula}\n\n来源：《{table.name}》"
    items = [Item("收入总计", inc.yuan, inc), Item("支出总计", exp.yuan, exp)]
    return Answer(text, "table", compose.citations(doc.id, items), compose.values(items), formula)


def suggestions(doc: Document) -> list[str]:
    """Three questions this document answers, made from what it holds: its largest spending area, its
    largest item of basic spending, and a term it defines (else its mandate)."""
    out = []
    area = _largest(doc, ("expenditure_summary", "general_function"), 1)
    if area:
        out.append(f"{area}预算是多少？由哪些部分构成？")
    item = _largest(doc, ("economic",), 2)
    if item:
        out.append(f"{item}是多少？占基本支出的比重是多少？")
    terms = _defined_terms(doc)
    if terms:
        out.append(f"什么是{terms[0]}？")
    elif doc.section("主要职能"):
        out.append("主要职能是什么？")
    if len(out) < 3 and (total := doc.table("expenditure_summary")) and total.cells:
        out.append(f"{doc.year}年支出预算总计是多少？" if doc.year else "支出预算总计是多少？")
    return out


def _largest(doc: Document, keys: tuple[str, ...], level: int) -> str:
    """The name of the largest row of a level (1 类, 2 款) in the first of `keys` the document has."""
    for key in keys:
        table = doc.table(key)
        if table is None or not table.columns:
            continue
        column = table.columns[0]
        rows = [
            (value, row.name)
            for r, row in enumerate(table.rows)
            if row.level == level and row.name and (value := table.value(r, column))
        ]
        if rows:
            return max(rows)[1]
    return ""


def _defined_terms(doc: Document) -> list[str]:
    """Terms the document's 名词解释 defines (“（一）基本支出：指…” → 基本支出), in order."""
    section = doc.section("名词解释")
    return list(definitions(section.text)) if section else []


def _short(table_name: str) -> str:
    """《2024年预算单位一般公共预算基本支出部门预算经济分类预算表》 → 经济分类预算表"""
    for word in ("经济分类", "功能分类", "支出预算总表", "收入预算总表", "财务收支", "财政拨款收支", "三公"):
        if word in table_name:
            return table_name[table_name.index(word) :]
    return table_name


def children_items(doc: Document, item: Item) -> list[Item]:
    """Rows under a row; for a fact stated in the text, the facts listed after it in the same sentence."""
    if item.primary is not None:
        return [
            Item(c.name, c.yuan, c)
            for i in children(item.primary)
            if (c := cell(item.primary.table, i, item.primary.column))
        ]
    if item.fact is None:
        return []
    same = [f for f in sentence_facts(doc, item.fact) if not f.column]
    after = same[same.index(item.fact) + 1 :] if item.fact in same else []
    return [fact_item(f) for f in after if f.unit == item.fact.unit]


def sentence_facts(doc: Document, fact: Fact) -> list[Fact]:
    """The facts stated in a fact's sentence, in order; a list its sentence opens with 其中 and goes on with
    after ；(其中，货物类采购预算…；工程类采购预算…；服务类采购预算…。) counts as one sentence."""
    same = [f for f in doc.text_facts if f.quote == fact.quote]
    if "其中" not in fact.quote:
        return same
    quotes = [fact.quote]
    for f in doc.text_facts[doc.text_facts.index(same[0]) :] if same else []:
        if f.line != fact.line or f.table != fact.table or f.quote in quotes:
            continue
        if not quotes[-1].rstrip().endswith(("；", ";")):
            break
        quotes.append(f.quote)
    return [f for f in doc.text_facts if f.quote in quotes and f.line == fact.line and f.table == fact.table]


def _identity_parts(ref: CellRef) -> list[Item]:
    """The columns a cell's identity sums (合计 = 当年预算小计 + 上年结转结余小计), as its layout states it."""
    from assistant.documents import layouts

    template = next((t for t in layouts(ref.table.family)["tables"] if t["key"] == ref.table.key), None)
    for layout in template["layouts"] if template else []:
        for target, *parts in layout["identities"]:
            if target == ref.column and all(p in ref.table.columns for p in parts):
                return [Item(c.column, c.yuan, c) for p in parts if (c := cell(ref.table, ref.row, p))]
    return []


def _as_listed(doc: Document, part: Item) -> Item:
    """A source of funds by the name the income side of a summary lists it under with the same figure
    (the column 一般公共预算 is the row (1)一般公共预算拨款), that row cited beside the column."""
    if part.primary is None or not part.value:
        return part
    for table in doc.tables:
        for i, r in enumerate(table.rows):
            name = re.sub(r"^([一二三四五六七八九十]+、|\d+[、.．]|[(（]\d+[)）])", "", r.name)
            if r.side != "收入" or name == part.label or not name.startswith(part.label):
                continue
            if (c := cell(table, i, table.columns[0])) is not None and c.yuan == part.value:
                return Item(name, part.value, part.primary, part.agreeing + [c])
    return part


def _identity_tree(doc: Document, parts: list[Item]) -> list[tuple[int, Item]]:
    """The parts an identity sums, each printed 小计 (本年收入小计, 上年结转结余小计) with its own nonzero parts
    when every one of them is placed (they add up to it): 收入总计 is 一般公共预算, 其他收入 … through the
    subtotal the table prints for them. A whole that stands in one subtotal (the other 0) is that subtotal's
    parts."""
    filled = [p for p in parts if p.value != 0]
    if len(filled) == 1 and filled[0].primary is not None and filled[0].label.endswith("小计"):
        # the whole stands in one subtotal (上年结转结余小计 0): that subtotal's parts, zeros included
        parts = _identity_parts(filled[0].primary) or parts
        return [(0, _as_listed(doc, p)) for p in parts]
    out: list[tuple[int, Item]] = []
    for each in parts:
        part = _as_listed(doc, each)
        part = _as_stated(doc, part) if part is each else part
        out.append((0, part))
        if part.primary is None or not part.value:
            continue
        inner = [p for p in _identity_parts(part.primary) if p.value]
        subtotal = part.primary.column.endswith("小计")
        if not subtotal and any(re.match(_YEAR_ON_YEAR, p.label) for p in inner):
            continue  # 公务接待费 = 上年公务接待费 + 增减: last year and the change, not its parts
        if inner and total([p.value for p in inner]) == part.value:
            named = _as_listed if subtotal else _as_stated  # 运行费 by the name the text gives it
            out += [(1, named(doc, p)) for p in inner]
    return out


# a column that holds last year's figure or the change, not a part of this year's
_YEAR_ON_YEAR = r"上年|增减|变动|比上年"


def _as_stated(doc: Document, part: Item) -> Item:
    """A column named short (运行费) by the name the text states the same figure under (公务用车运行维护费预算
    39.50 万元), every character of the short name in order in the long one; not a name joining two items
    (公务用车购置和运行维护费 is the whole, though it holds 运行费's characters and its figure)."""
    if part.primary is None or not part.value:
        return part
    for fact in doc.text_facts:
        name = re.sub(r"^(20\d\d年?)?(安排)?|(20\d\d年度?)?(预算(数|支出)?)?$", "", normalise(fact.row_name))
        if re.search(r"[及和与]", name) and not re.search(r"[及和与]", part.label):
            continue
        if len(name) > len(part.label) and _in_order(part.label, name) and same_figure(fact, part.value):
            return Item(name, part.value, part.primary, part.agreeing, stated=[fact])
    return part


def _subtree(ref: CellRef, depth: int, full: bool) -> list[tuple[int, Item]]:
    out: list[tuple[int, Item]] = []
    for i in children(ref):
        c = cell(ref.table, i, ref.column)
        if c is None or c.yuan == 0:
            continue
        out.append((depth, Item(c.name, c.yuan, c)))
        if full:
            out += _subtree(c, depth + 1, full)
    return out


def _shown(item: Item) -> str:
    return yuan(item.value) if item.unit == "元" else f"{item.value}{item.unit}"


def _row_title(item: Item) -> str:
    if item.primary is not None and item.primary.table.rows[item.primary.row].code:
        if item.label != item.primary.name and item.primary.column in ("合计", "预算数"):
            return f"{item.primary.table.rows[item.primary.row].code} {item.label}"  # its whole name
        return item.primary.row_label if item.primary.column in ("合计", "预算数") else item.label
    return item.label


def _origin(items: list[Item]) -> str:
    tables = []
    for i in items:
        name = f"《{i.primary.table.name}》" if i.primary else (f"{i.fact.table}" if i.fact else "")
        if name and name not in tables:
            tables.append(name)
    return "来源：" + "、".join(tables)


def _sources(items: list[Item]) -> str:
    return "\n".join(f"- {i.label}：{compose.where(i)[3:]}" for i in items)


def _table_answer(
    text: str, doc: Document, items: list[Item], formula: str, result: tuple[str, Decimal], unit: str = "元"
) -> Answer:

    values = compose.values(items) + [Value(result[0], format_decimal(result[1]), unit)]
    route = "table" if any(i.primary for i in items) else "text"
    return Answer(text, route, compose.citations(doc.id, items), values, formula)
