"""A table block (title, headers, flattened rows) → `Table` with cells placed by the identities.

Rows arrive as one line each with the empty cells dropped: `208 05 01 行政单位离退休 158,980 158,980`.
This module reads the codes, names and figures of each line, builds the constraint problem the template's
identities describe (see `assistant/data/layouts.toml`) and lets `align.solve` decide the columns.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from assistant.align import Problem, solve
from assistant.records import Cell, Row, Table

if TYPE_CHECKING:
    from assistant.documents import Block

_NUMBER = re.compile(r"^-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")
_CODE = re.compile(r"^(\d{3})(?:\s?(\d{2}))?(?:\s?(\d{2}))?(?=\s|[^\d,.\s])")
_ORDINAL = re.compile(r"^[一二三四五六七八九十]+、")
_SUBITEM = re.compile(r"^\d+[、.．]")
_SKIP = re.compile(r"^(编制(单位|部门)|预算(单位|部门)|单位[:：]|--\s*PAGE|第\s*\d+\s*页|-\s*\d+\s*-$)")
_UNIT = re.compile(r"单位[:：]\s*(万元|元)")
_TOTAL = re.compile(r"^(合计|总计)$")


def parse_number(token: str) -> Decimal | None:
    """`10,555,000` → Decimal('10555000'); `0.00` → Decimal('0.00'); anything else → None."""
    if not _NUMBER.match(token):
        return None
    try:
        return Decimal(token.replace(",", ""))
    except InvalidOperation:
        return None


def split_figures(text: str) -> tuple[str, list[Decimal]]:
    """`行政单位离退休 158,980 158,980` → ("行政单位离退休", [158980, 158980]): trailing figures off a label."""
    tokens = text.split()
    figures: list[Decimal] = []
    while tokens and (value := parse_number(tokens[-1])) is not None:
        figures.insert(0, value)
        tokens.pop()
    return "".join(tokens), figures


def split_code(text: str) -> tuple[str, str]:
    """`208 05 01 行政单位离退休 …` → ("208 05 01", "行政单位离退休 …"); glued codes too (`2013802一般…`)."""
    m = _CODE.match(text)
    if not m:
        return "", text
    code = " ".join(part for part in m.groups() if part)
    return code, text[m.end() :].strip()


def _segments(line: str, right_start: str) -> list[tuple[str, list[Decimal]]]:
    """A two-sided line → [(label, figures), …]; a run of labels splits where the right side starts."""
    out: list[tuple[list[str], list[Decimal]]] = []
    for token in line.split():
        value = parse_number(token)
        if value is not None and out:
            out[-1][1].append(value)
        elif value is None:
            starts_right = bool(re.match(right_start, token))
            if not out or out[-1][1] or (starts_right and out[-1][0]):
                out.append(([token], []))
            else:
                out[-1][0].append(token)
    return [("".join(label), figures) for label, figures in out]


def _header_words(template: dict[str, Any], header_vocab: set[str]) -> set[str]:
    words = set(header_vocab)
    for layout in template["layouts"]:
        words.update(layout["columns"])
        words.update(layout.get("left", []))
    return words


def _is_header(line: str, words: set[str]) -> bool:
    tokens = line.split()
    return bool(tokens) and all(
        t in words or re.fullmatch(r"(20\d\d年)?.*(预算数|经费|费|小计|数)", t) and parse_number(t) is None
        for t in tokens
    )


def choose_template(title: str, header_text: str, tables: list[dict[str, Any]]) -> tuple[dict[str, Any], str]:
    """The template the columns decide (titles can be wrong); returns it and a warning ('' if none)."""
    bare = re.sub(r"^(\d+[.．]|[一二三四五六七八九十]+、)\s*", "", title)
    matches = [t for t in tables if re.search(t["title"], bare)]
    decided = [t for t in matches if all(w in header_text for w in t.get("decided_by", []))]
    chosen = (decided or matches)[0]
    warning = ""
    literal = next((t for t in matches if t["name"] in bare), None)
    if literal is not None and literal["key"] != chosen["key"]:
        warning = f"标题为「{title}」，但表头为「{chosen['decided_by'][0]}」：按表头识别为{chosen['name']}"
    return chosen, warning


def canonical_title(title: str, template: dict[str, Any], year: int, wrong_name: str | None) -> str:
    bare = re.sub(r"^(\d+[.．]|[一二三四五六七八九十]+、)\s*", "", title)
    if wrong_name:
        bare = bare.replace(wrong_name, template["name"])
    if not bare.endswith(template["name"]) and template["name"][:-2] in bare:
        bare = bare[: bare.index(template["name"][:-3])] + template["name"]
    if year and not re.match(r"20\d\d", bare):
        bare = f"{year}年{bare}"
    return bare


def anchor_values(key: str, tables: list[Table], specs: list[dict[str, str]]) -> dict[str, Decimal]:
    """Known values for `key`'s total row, read from the income side of another table."""
    out: dict[str, Decimal] = {}
    for spec in specs:
        source = next((t for t in tables if t.key == spec["source_table"]), None)
        if spec["table"] != key or source is None:
            continue
        row = next(
            (r for r in source.rows if r.side == "收入" and re.search(spec["source_label"], r.name)), None
        )
        if row is not None:
            out[spec["column"]] = row.numbers[0] if row.numbers else Decimal(0)
    return out


def parse_table(
    block: Block, lines: list[str], year: int = 0, totals: dict[str, Decimal] | None = None
) -> Table:
    """Parse one table block; cells the identities cannot place are listed in `Table.unplaced`."""
    from assistant.documents import layouts

    spec = layouts()
    body = list(range(block.start + 1, block.end))
    first_data = next((n for n, i in enumerate(body) if split_figures(lines[i])[1]), len(body))
    header_text = "".join(lines[i].replace(" ", "") for i in body[:first_data])
    template, warning = choose_template(block.title, header_text, spec["tables"])
    layout = next(lay for lay in template["layouts"] if all(w in header_text for w in lay["requires"]))
    unit = next((m.group(1) for i in body[:8] if (m := _UNIT.search(lines[i]))), "元")
    words = _header_words(template, set(spec["header"]["words"]))
    wrong = next(
        (t["name"] for t in spec["tables"] if t["name"] in block.title and t["key"] != template["key"]), None
    )
    table = Table(
        key=template["key"],
        title=block.title,
        name=canonical_title(block.title, template, year, wrong if warning else None),
        unit=unit,
        columns=list(layout["columns"]),
        rows=[],
        line=block.start + 1,
    )
    if warning:
        table.warnings.append(warning)
    data = [i for i in body if lines[i] and not _SKIP.match(lines[i])]
    if template["hierarchy"] == "sides":
        _read_sides(table, lines, data, words, spec["sides"], layout)
    else:
        _read_rows(table, lines, data, words, template["hierarchy"])
    _place(table, layout, template["hierarchy"], spec["sides"], totals or {})
    return table


def _read_rows(table: Table, lines: list[str], data: list[int], words: set[str], hierarchy: str) -> None:
    for i in data:
        line = lines[i]
        code, rest = split_code(line) if hierarchy == "code" else ("", line)
        name, figures = split_figures(rest)
        if not code and not figures and (_is_header(line, words) or not _TOTAL.match(name)):
            if hierarchy == "code" and not _is_header(line, words):
                table.warnings.append(f"第{i + 1}行无法识别，已跳过：{line[:40]}")
            continue
        if hierarchy == "code" and not code and not _TOTAL.match(name) and name:
            if table.rows and not table.rows[-1].numbers and figures:  # a name wrapped onto the next line
                prev = table.rows[-1]
                table.rows[-1] = Row(prev.code, prev.name + name, prev.level, prev.line, "", tuple(figures))
            else:
                table.warnings.append(f"第{i + 1}行无法识别，已跳过：{line[:40]}")
            continue
        level = len(code.split()) if code else 0
        table.rows.append(Row(code, name or ("合计" if not code else ""), level, i + 1, "", tuple(figures)))


def _read_sides(
    table: Table, lines: list[str], data: list[int], words: set[str], sides: dict[str, str], layout: dict
) -> None:
    for i in data:
        line = lines[i]
        if _is_header(line, words):
            continue
        for label, figures in _segments(line, sides["right_start"]):
            if not label:
                continue
            is_right = bool(re.search(r"支出$|支出总计$|支出合计$", label)) or (
                not re.search(sides["left_label"], label) and bool(_ORDINAL.match(label))
            )
            level = 1 if _ORDINAL.match(label) else (2 if _SUBITEM.match(label) else 0)
            table.rows.append(Row("", label, level, i + 1, "支出" if is_right else "收入", tuple(figures)))


def _sum_groups(rows: list[Row], hierarchy: str, side: str = "") -> list[tuple[int, tuple[int, ...]]]:
    """Row sums: 类 = Σ款, 款 = Σ项 (by code), and the total row = Σ top-level rows."""
    idx = [r for r, row in enumerate(rows) if row.side == side]
    groups: list[tuple[int, tuple[int, ...]]] = []
    if hierarchy == "code":
        by_code = {rows[r].code: r for r in idx if rows[r].code}
        children: dict[int, list[int]] = {}
        for r in idx:
            parts = rows[r].code.split()
            if len(parts) > 1 and (parent := by_code.get(" ".join(parts[:-1]))) is not None:
                children.setdefault(parent, []).append(r)
        groups += [(p, tuple(ch)) for p, ch in children.items()]
        top = tuple(r for r in idx if rows[r].level == 1)
    else:
        current = None
        children = {}
        for r in idx:
            if rows[r].level == 1:
                current = r
            elif rows[r].level == 2 and current is not None:
                children.setdefault(current, []).append(r)
        groups += [(p, tuple(ch)) for p, ch in children.items()]
        top = tuple(r for r in idx if rows[r].level == 1)
    totals = [r for r in idx if rows[r].level == 0 and re.search(r"(合计|总计)$", rows[r].name)]
    if totals and top:
        groups.append((totals[-1], top))
    return groups


def _place(
    table: Table, layout: dict, hierarchy: str, sides: dict[str, str], totals: dict[str, Decimal]
) -> None:
    cols = table.columns
    identities = [(cols.index(t), tuple(cols.index(p) for p in parts)) for t, *parts in layout["identities"]]
    main_side = "支出" if hierarchy == "sides" else ""
    rows = [r for r, row in enumerate(table.rows) if row.side == main_side]
    local = {r: n for n, r in enumerate(rows)}
    sums = [
        (local[p], tuple(local[c] for c in ch)) for p, ch in _sum_groups(table.rows, hierarchy, main_side)
    ]
    anchors = _anchors(table, layout, local, sides) if hierarchy == "sides" else {}
    total_row = next((r for r in rows if table.rows[r].level == 0 and _TOTAL.match(table.rows[r].name)), None)
    if total_row is not None:
        anchors.update({(local[total_row], cols.index(c)): v for c, v in totals.items() if c in cols})
    problem = Problem([table.rows[r].numbers for r in rows], len(cols), identities, sums, anchors)
    solution = solve(problem)
    if not solution.consistent:
        table.warnings.append("表内恒等式不能同时成立：部分数字按行内关系放置")
    for n, r in enumerate(rows):
        row = table.rows[r]
        for value, col in zip(row.numbers, solution.columns[n], strict=True):
            if col is None:
                table.unplaced.append(f"第{row.line}行「{row.code} {row.name}」的 {value}：列无法唯一确定")
            else:
                table.cells.append(Cell(r, cols[col], value))
    for r, row in enumerate(table.rows):  # the income side has a single column
        if row.side == "收入":
            left = layout.get("left", ["预算数"])[0]
            table.cells.extend(Cell(r, left, v) for v in row.numbers[:1])
            if len(row.numbers) > 1:
                table.unplaced.append(f"第{row.line}行「{row.name}」收入方有多个数字")
    table.cells.sort(key=lambda c: (c.row, cols.index(c.column) if c.column in cols else -1))


def _anchors(table: Table, layout: dict, local: dict[int, int], sides: dict[str, str]) -> dict:
    """Two-sided tables balance: each income source equals the expenditure column it funds."""
    anchors: dict[tuple[int, int], Decimal] = {}
    total = next(
        (
            r
            for r, row in enumerate(table.rows)
            if row.side == "支出" and re.search(sides["right_total"], row.name)
        ),
        None,
    )
    if total is None:
        return anchors
    for left_word, column in layout.get("balance", []):
        source = next((row for row in table.rows if row.side == "收入" and left_word in row.name), None)
        if source is not None and column in table.columns:
            value = source.numbers[0] if source.numbers else Decimal(0)
            anchors[(local[total], table.columns.index(column))] = value
    return anchors
