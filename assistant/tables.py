"""A table block (title, headers, flattened rows) → `Table` with cells placed by the identities.

Rows arrive as one line each with the empty cells dropped: `208 05 01 行政单位离退休 158,980 158,980`.
This module reads the codes, names and figures of each line, builds the constraint problem the template's
identities describe (see `assistant/data/layouts/`) and lets `align.solve` decide the columns.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from assistant.align import Problem, row_candidates, solve, vector
from assistant.layouts import TABLE_NUMBER, title_matches
from assistant.records import Cell, GridRow, Row, Table
from assistant.repair import join_ruled_rows, prepare
from assistant.stacked import read_stacked

if TYPE_CHECKING:
    from assistant.documents import Block

_NUMBER = re.compile(r"^-?(\d+(,\d{3})+|\d+)(\.\d+)?%?$")
_CODE = re.compile(r"^\[?(\d{3})(?:\s?(\d{2}))?(?:\s?(\d{2}))?\]?(?=\s|[^\d,.\s\]]|$)")
_ORDINAL = re.compile(r"^[一二三四五六七八九十]+、")
_SUBITEM = re.compile(r"^\d+[、.．]")
_SKIP = re.compile(
    r"^(注[:：]|无$|(单位|部门)预算\d+表$|(单位|部门)预算表\d+$|编制(单位|部门)|预算(单位|部门)|单位[:：]"
    r"|--\s*PAGE|第\s*\d+\s*页|-\s*\d+\s*-$)"
)
_UNIT = re.compile(r"单位[:：]\s*(万元|元|万(?=$))")  # `单位：万` / `元`: 万元 broken over two lines
_TOTAL = re.compile(r"^(合计|总计)$")


def parse_number(token: str) -> Decimal | None:
    """`10,555,000` → Decimal('10555000'); `0.00` → Decimal('0.00'); a rate `-60.86%` → Decimal('-60.86')
    (a column of changes in percent); anything else → None."""
    if not _NUMBER.match(token):
        return None
    try:
        return Decimal(token.replace(",", "").removesuffix("%"))
    except InvalidOperation:
        return None


def split_figures(text: str, sep: str = "") -> tuple[str, list[Decimal]]:
    """`行政单位离退休 158,980 158,980` → ("行政单位离退休", [158980, 158980]): trailing figures off a label
    (its words joined by `sep`: the PDF breaks names with spaces, but some tables print two text columns)."""
    tokens = text.split()
    figures: list[Decimal] = []
    while tokens and (value := parse_number(tokens[-1])) is not None:
        figures.insert(0, value)
        tokens.pop()
    return sep.join(tokens), figures


def split_code(text: str) -> tuple[str, str]:
    """`208 05 01 行政单位离退休 …` → ("208 05 01", "行政单位离退休 …"); glued codes too (`2013802一般…`)."""
    m = _CODE.match(text)
    if not m:
        return "", text
    code = " ".join(part for part in m.groups() if part)
    return code, text[m.end() :].strip().lstrip("-_－").strip()


_GLUED_FIGURE = re.compile(r"(?<![\d,.])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d{2})(?=[\u4e00-\u9fff])")


def _segments(line: str, right_start: str, complete: str = "") -> list[tuple[str, list[Decimal]]]:
    """A two-sided line → [(label, figures), …]; a run of labels splits where the right side starts, or
    after a complete income label (`complete`: `政府性基金预算 科技成果转化与扩散 28.00`, the income item
    printed without a figure).

    A figure glued to the next label (`178,830,483一、社会保障和就业支出`) is split off first.
    """
    out: list[tuple[list[str], list[Decimal]]] = []
    for token in _GLUED_FIGURE.sub(r"\1 ", line).split():
        value = parse_number(token)
        if value is not None and not out:
            out.append(([], [value]))
        elif value is not None:
            out[-1][1].append(value)
        elif value is None:
            starts_right = bool(re.match(right_start, token)) or bool(
                complete and out and re.match(complete, "".join(out[-1][0]))
            )
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
        t in words
        or re.fullmatch(r"(20\d\d年)?.*(预算数|经费|费|小计|数)", t)
        and parse_number(t) is None
        or _composed(t, words)
        for t in tokens
    )


def _composed(token: str, words: set[str]) -> bool:
    """True when a token is header words glued together (`一般公共预算政府性基金预算`, `类款项`)."""
    if len(token) > 60 or any(ch.isdigit() for ch in token):
        return False
    ok = [True] + [False] * len(token)
    for end in range(1, len(token) + 1):
        ok[end] = any(ok[start] and token[start:end] in words for start in range(max(0, end - 12), end))
    return ok[-1]


def choose_template(title: str, header_text: str, tables: list[dict[str, Any]]) -> tuple[dict[str, Any], str]:
    """The template the columns decide (titles can be wrong); returns it and a warning ('' if none)."""
    bare = re.sub(r"^(\d+[.．]|[一二三四五六七八九十]+、)\s*", "", title)
    matches = [t for t in tables if title_matches(t["title"], bare)]
    decided = [t for t in matches if all(w in header_text for w in t.get("decided_by", []))]
    chosen = (decided or matches)[0]
    warning = ""
    literal = next((t for t in matches if t["name"] in bare), None)
    if literal is not None and literal["key"] != chosen["key"]:
        warning = f"标题为「{title}」，但表头为「{chosen['decided_by'][0]}」：按表头识别为{chosen['name']}"
    return chosen, warning


def canonical_title(title: str, template: dict[str, Any], year: int, wrong_name: str | None) -> str:
    bare = re.sub(r"^(\d+[.．]|[一二三四五六七八九十]+、)\s*", "", title)
    bare = TABLE_NUMBER.sub("", bare)
    if re.sub(r"[\s“”\"]", "", bare) != bare and template["name"] not in bare:
        bare = template["name"]  # a title the PDF broke around its quotation marks
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
            (
                r
                for r in source.rows
                if r.side == spec.get("source_side", "收入") and re.search(spec["source_label"], r.name)
            ),
            None,
        )
        if row is not None:
            out[spec["column"]] = row.numbers[0] if row.numbers else Decimal(0)
    return out


def parse_table(
    block: Block,
    lines: list[str],
    year: int = 0,
    totals: dict[str, Decimal] | None = None,
    known: dict[tuple[int, str], Decimal] | None = None,
    grid: Mapping[int, GridRow] | None = None,
    floors: dict[tuple[int, str], Decimal] | None = None,
) -> Table:
    """Parse one table block; cells the identities cannot place are listed in `Table.unplaced`.

    `totals` fixes cells of the total row by column; `known` fixes cells by (row index, column), both read
    from other tables or the text by the caller; `grid` gives the ruled row under a line (from a PDF),
    whose cells are known outright.
    """
    from assistant import wrapped
    from assistant.documents import layouts

    spec = layouts(block.family)
    body = list(range(block.start + 1, block.end))
    lines = prepare(lines, body, spec.get("lines", {}))
    first_data = next((n for n, i in enumerate(body) if split_figures(lines[i])[1]), len(body))
    header_text = "".join(lines[i].replace(" ", "") for i in body[:first_data])
    template, warning = choose_template(block.title, header_text, spec["tables"])
    layout = next(lay for lay in template["layouts"] if all(w in header_text for w in lay["requires"]))
    template = {**template, "hierarchy": layout.get("hierarchy", template["hierarchy"])}  # a layout's own
    unit = next((m.group(1) for i in body[:8] if (m := _UNIT.search(lines[i]))), "元")
    unit = "万元" if unit == "万" else unit
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
        family=block.family,
    )
    if warning:
        table.warnings.append(warning)
    lines = wrapped.join_wrapped_figures(lines, body)
    data = _data_lines(block, lines, template, first_data, spec.get("lines", {}))
    data = [i for i in data if not _repeated_title(lines[i], template)]
    hierarchy, stacked = _read_body(table, template, layout, lines, data, grid or {}, spec, words)
    if hierarchy == "blocks":
        _block_levels(table)
    if "transpose" in template:
        ruled = _transpose(table, template["transpose"])
    else:
        ruled = ruled_placements(table, grid or {})
    if spec["family"].get("zeros_printed"):
        ruled = {**_full_rows(table), **ruled}
    rounding = Decimal(str(spec["family"].get("rounding", 0)))
    rounded = bool(spec.get("figures", {}).get("rounded"))
    partial = bool(spec.get("solver", {}).get("partial"))
    sides, known, floors = spec["sides"], known or {}, floors or {}
    _place(table, layout, hierarchy, sides, totals or {}, known, ruled, floors, rounding, rounded, partial)
    table.unplaced += stacked
    return table


def _read_body(
    table: Table,
    template: dict[str, Any],
    layout: dict[str, Any],
    lines: list[str],
    data: list[int],
    grid: Mapping[int, GridRow],
    spec: dict[str, Any],
    words: set[str],
) -> tuple[str, list[str]]:
    """The table's rows from its lines; returns the hierarchy they were read with (a coded template's table
    printed without codes is read by its names, their levels from indentation or the classification) and
    the figures of side-by-side lists that could not be read (`stacked`)."""
    rules = spec.get("lines", {})
    lines, data = _join_total_figures(lines, data)
    if template.get("vertical_text") and not grid:
        from assistant.rowjoin import drop_vertical_text

        lines, data = drop_vertical_text(lines, data)
    lines, data = _wrapped_lines(lines, data, template, words)
    hierarchy = _hierarchy(template, lines, data)
    if grid and hierarchy in ("code", "units") and rules.get("wrapped"):
        lines, data = join_ruled_rows(lines, data, grid)
    if hierarchy == "sides" and "order" in spec["sides"]:
        rows, notes, stacked = read_stacked(
            lines, data, lambda line: _is_header(line, words), spec["sides"], grid
        )
        table.rows, table.warnings = rows, table.warnings + notes
        return hierarchy, stacked
    if hierarchy == "sides":
        if rules.get("centred_labels"):
            lines, data = _centred_labels(table, lines, data)
        _read_sides(table, lines, data, words, spec["sides"], layout)
        _rebalance_sides(table, spec["sides"])
        return hierarchy, []
    if rules.get("broken_figures") and not grid:
        lines, data = _broken_figures(table, layout, lines, data)
    lines, data = _joined_rows(table, lines, data, grid, hierarchy, words, rules)
    codes = {**spec.get("codes", {}), "spaced": template.get("spaced_names", False)}
    wrapped_rows = {"wrapped": rules.get("wrapped"), **template}
    _read_rows(table, lines, data, words, hierarchy, rules, codes, wrapped_rows)
    _relabel(table, template.get("row_label", ""))
    if hierarchy == "names":
        _name_levels(table, grid, template.get("classes") or template.get("uncoded", ""))
    return hierarchy, []


def _data_lines(
    block: Block, lines: list[str], template: dict[str, Any], first_data: int, rules: dict
) -> list[int]:
    """The lines that may hold rows: not page furniture (`[lines] skip`), not the header above the first
    figures, nor the title and header printed again on a later page of the table."""
    hierarchy, title = template["hierarchy"], template["title"]
    skip = [re.compile(p) for p in rules.get("skip", []) + rules.get("furniture", [])]
    heads = set(block.parts)
    for start in block.parts:  # a later page's header, down to its first figures
        heads.update(i for i in range(start, _next_figures(lines, start, block.end)))
    body = list(range(block.start + 1, block.end))
    return [
        i
        for n, i in enumerate(body)
        if lines[i]
        and not _SKIP.match(lines[i])
        and not any(p.search(lines[i]) for p in skip)
        and i not in block.parts
        and (hierarchy == "sides" or (n >= first_data and i not in heads) or bool(split_code(lines[i])[0]))
        and not (i > block.start and title_matches(title, lines[i]))  # the title printed again
    ]


def _next_figures(lines: list[str], start: int, end: int) -> int:
    return next((i for i in range(start + 1, end) if split_figures(lines[i])[1]), end)


def table_hierarchy(table: Table, template: dict[str, Any]) -> str:
    """The hierarchy a parsed table was read with (a coded template's table printed without codes: names)."""
    uncoded = template["hierarchy"] == "code" and template.get("uncoded")
    if uncoded and not any(row.code for row in table.rows):
        return "names"
    return str(template["hierarchy"])


def _hierarchy(template: dict[str, Any], lines: list[str], data: list[int]) -> str:
    """The template's hierarchy; a coded one read by names (`uncoded`) when the table prints no codes."""
    uncoded = template["hierarchy"] == "code" and template.get("uncoded")
    if uncoded and not any(split_code(lines[i])[0] for i in data):
        return "names"
    return str(template["hierarchy"])


def _joined_rows(
    table: Table,
    lines: list[str],
    data: list[int],
    grid: Mapping[int, GridRow],
    hierarchy: str,
    words: set[str],
    rules: dict,
) -> tuple[list[str], list[int]]:
    """A row's lines put back together: those of one ruled row (`[lines] ruled_rows`, from a PDF), and in a
    table of names a name wrapped around its figures."""
    from assistant.rowjoin import join_ruled, join_wrapped

    if rules.get("ruled_rows") and grid:
        lines, data, notes = join_ruled(lines, data, grid)
        table.warnings.extend(notes)
    if hierarchy == "names":
        lines, data = join_wrapped(lines, data, lambda line: _is_fragment(line, words))
    return lines, data


def _centred_labels(table: Table, lines: list[str], data: list[int]) -> tuple[list[str], list[int]]:
    """`[lines] centred_labels`: in plain text, labels wrapped around their figures are joined (see rowjoin)."""
    from assistant.rowjoin import join_centred_labels

    lines, data, notes = join_centred_labels(lines, data)
    table.warnings.extend(notes)
    return lines, data


def _broken_figures(
    table: Table, layout: dict, lines: list[str], data: list[int]
) -> tuple[list[str], list[int]]:
    """`[lines] broken_figures`: in plain text, figures a narrow cell wrapped are joined back (see rowjoin)."""
    from assistant.rowjoin import join_broken_figures

    cols = layout["columns"]
    identities = [(cols.index(t), tuple(cols.index(p) for p in parts)) for t, *parts in layout["identities"]]
    lines, data, notes = join_broken_figures(
        lines, data, len(cols), lambda row: bool(row_candidates(row, len(cols), identities))
    )
    table.warnings.extend(notes)
    return lines, data


def _is_fragment(line: str, words: set[str]) -> bool:
    """A piece of a wrapped name: no figures, not a total, not made of header words only (a tail such as
    `费` is a fragment although a header could end so)."""
    name, figures = split_figures(line)
    return bool(name) and not figures and not _TOTAL.match(name) and not all(t in words for t in line.split())


def _relabel(table: Table, pattern: str) -> None:
    """`row_label`: the part of a printed label that names the row (`2026年` of `深圳市财政局（本级）2026年`,
    where the first words are the 预算单位 column)."""
    if not pattern:
        return
    for r, row in enumerate(table.rows):
        if m := re.search(pattern, row.name):
            table.rows[r] = replace(row, name=m.group(0))


def _name_levels(table: Table, grid: Mapping[int, GridRow], classes: str) -> None:
    """Levels of rows printed without codes (`assistant.levels`): indentation from the PDF, else names and
    figures."""
    from assistant.levels import name_levels

    indents = [grid[row.line - 1].indent if row.line - 1 in grid else None for row in table.rows]
    levels, warning = name_levels(table.rows, indents, classes)
    table.rows = [replace(row, level=level) for row, level in zip(table.rows, levels, strict=True)]
    if warning:
        table.warnings.append(warning)


def _wrapped_lines(
    lines: list[str], data: list[int], template: dict[str, Any], words: set[str]
) -> tuple[list[str], list[int]]:
    """Lines put back together where the PDF wrapped a name (`wrapped_names`) or printed a text column after
    the figures (`other_text`)."""
    from assistant import wrapped

    if "other_text" in template:
        lines, data = wrapped.without_other_text(lines, data, template["other_text"])
    if template.get("wrapped_names"):

        def is_name(line: str) -> bool:  # a name may end in 费 or 数, which `_is_header` takes for a header
            tokens = line.split()
            return not _TOTAL.match(line) and not all(t in words or _composed(t, words) for t in tokens)

        lines, data = wrapped.join_wrapped_names(lines, data, is_name)
    return lines, data


def _full_rows(table: Table) -> dict[int, tuple[int, ...]]:
    """Where a family prints every empty cell (as 0.00), a row printing every column has each figure's
    column known outright, even when its own figures disagree (the audit then reports the difference)."""
    main = "支出" if any(row.side for row in table.rows) else ""
    full = tuple(range(len(table.columns)))
    return {r: full for r, row in enumerate(table.rows) if row.side == main and len(row.numbers) == len(full)}


def _block_levels(table: Table) -> None:
    """Rows printed without codes whose groups show only in their sums (a unit, then its economic classes
    or its projects): after the total row, each group's first row is the sum of the rows after it, by the
    first column, up to the rounding of figures converted to 万元 (half a unit of the last printed digit a
    row; the audit reports the difference). Levels 1 and 2 when every group closes; else the rows stay flat."""
    rows = table.rows
    first = [row.numbers[0] if row.numbers else None for row in rows]
    r = next((n + 1 for n, row in enumerate(rows) if _TOTAL.match(row.name)), 0)
    levels: dict[int, int] = {}
    while r < len(rows):
        want, end, got = first[r], r + 1, Decimal(0)
        if want is None:
            return
        while end < len(rows) and got + (first[end] or 0) <= want + _slack(want, end - r + 1):
            got += first[end] or Decimal(0)
            end += 1
        if abs(got - want) > _slack(want, end - r):
            return
        levels.update({r: 1, **{c: 2 for c in range(r + 1, end)}})
        r = end
    table.rows = [replace(row, level=levels.get(n, row.level)) for n, row in enumerate(rows)]


def _slack(value: Decimal, rows: int) -> Decimal:
    """Half a unit of the last printed digit for each of `rows` rounded figures."""
    exponent = value.as_tuple().exponent
    return Decimal(rows) * Decimal(5).scaleb((exponent if isinstance(exponent, int) else 0) - 1)


def _repeated_title(line: str, template: dict[str, Any]) -> bool:
    """The table's own title printed again at the top of a continuation page."""
    bare = re.sub(r"^(\d+[.．]|[一二三四五六七八九十]+、)\s*", "", line)
    return len(bare) <= 80 and not split_figures(bare)[1] and title_matches(template["title"], bare)


def _join_total_figures(lines: list[str], data: list[int]) -> tuple[list[str], list[int]]:
    """`收入合计 支出合计` / `13,297.11 13,297.11`: total labels printed on the line above their figures are
    put back beside them (label by label when the counts agree)."""
    out, keep = lines, list(data)
    for a, b in zip(data, data[1:], strict=False):
        labels = lines[a].split()
        figures = lines[b].split()
        if not labels or not all(_TOTAL_LABEL.search(t) for t in labels):
            continue
        if not figures or any(parse_number(t) is None for t in figures):
            continue
        if out is lines:
            out = list(lines)
        pairs = (
            zip(labels, figures, strict=True)
            if len(labels) == len(figures)
            else [(" ".join(labels), " ".join(figures))]
        )
        out[a] = " ".join(f"{label} {value}" for label, value in pairs)
        keep.remove(b)
    return out, keep


_TOTAL_LABEL = re.compile(r"(合计|总计|小计)$")
_TOTAL_NAME = re.compile(r"(合计|总计)$")


def ruled_placements(table: Table, grid: Mapping[int, GridRow]) -> dict[int, tuple[int, ...]]:
    """Where the PDF's ruling lines put each printed figure of a row (column index per figure), for rows
    whose ruled cells hold exactly the figures the line prints; other rows are left to the identities."""
    out: dict[int, tuple[int, ...]] = {}
    for r, row in enumerate(table.rows):
        if row.side not in ("", "支出") or not row.numbers:
            continue  # the income side (and any other side but the expenditure's) has one column
        for line in (row.line - 1, row.line - 2, row.line):
            ruled = grid.get(line)
            if ruled is None or not ruled.groups:
                continue
            group = ruled.groups[-1]  # the expenditure side of a two-sided table; after the name otherwise
            labels = ruled.labels[-1] if ruled.labels else ()
            columns = _ruled_columns(len(group), labels, table.columns)
            if columns is not None and tuple(v for v in group if v is not None) == row.numbers:
                out[r] = tuple(columns[k] for k, v in enumerate(group) if v is not None)
                break
    return out


def _transpose(table: Table, spec: dict[str, Any]) -> dict[int, tuple[int, ...]]:
    """A table printed as a list (`[tables.transpose]`): each line's label names a column, each printed
    figure column is one of `rows`. The rows replace the printed lines; their placements are known outright."""
    names = spec["rows"]
    found: list[dict[int, Decimal]] = [{} for _ in names]
    first = 0
    for row in table.rows:
        column = next((c for pattern, c in spec["lines"] if re.search(pattern, row.name)), None)
        if row.numbers and (column is None or len(row.numbers) != len(names)):
            figures = "、".join(str(v) for v in row.numbers)
            table.unplaced.append(f"第{row.line}行「{row.name}」的 {figures}：列无法唯一确定")
            continue
        if column is None or column not in table.columns:
            continue
        first = first or row.line
        for n, value in enumerate(row.numbers):
            found[n][table.columns.index(column)] = value
    table.rows = [
        Row("", name, 0 if n == 0 else 1, first, "", tuple(cells[c] for c in sorted(cells)))
        for n, (name, cells) in enumerate(zip(names, found, strict=True))
    ]
    return {n: tuple(sorted(cells)) for n, cells in enumerate(found) if cells}


_BRACKETS = str.maketrans("（）", "()")


def _ruled_columns(width: int, labels: tuple[str, ...], columns: list[str]) -> tuple[int, ...] | None:
    """The table column of each ruled column: in order when the counts agree, else by the header words
    (a table printed without one of the template's columns); None when neither decides."""
    if width == len(columns):
        return tuple(range(width))
    names = [c.translate(_BRACKETS) for c in columns]
    found = []
    for label in labels:
        label = label.translate(_BRACKETS)
        exact = [n for n, name in enumerate(names) if name == label]
        near = exact or [n for n, name in enumerate(names) if name in label or label in name] if label else []
        if len(near) != 1:
            return None
        found.append(near[0])
    return tuple(found) if len(found) == width and len(set(found)) == width else None


_TRUNCATED_CODE = re.compile(r"^\d{1,2} (\d{2}) (\d{2}) (?=\D)")


_SHORT_PART = re.compile(r"^(\d{3}) (\d)(?= \D)")


def _repair_code(line: str, rows: list[Row]) -> str:
    """`7 11 02 事业单位医疗` under `210 11 行政事业单位医疗`: the 类 digits were lost; take them from the 款.
    `301 2 津贴补贴`: a 款 printed without its leading zero. `10 人力资源事务` under `201 …`: a 款 printed
    without its 类."""
    if short := _SHORT_PART.match(line):
        return f"{short.group(1)} 0{short.group(2)}" + line[short.end() :]
    m = _TRUNCATED_CODE.match(line)
    parent = rows[-1].code.split() if rows else []
    if m and len(parent) >= 2 and parent[1] == m.group(1):
        return f"{parent[0]} {m.group(1)} {m.group(2)} " + line[m.end() :]
    kuan = _BARE_KUAN.match(line)
    group = next((r.code for r in reversed(rows) if len(r.code.split()) == 1), "")
    if kuan and group and all(r.code.startswith(group) for r in rows[-1:]):
        return f"{group} {kuan.group(1)}" + line[kuan.end() :]
    return line


_BARE_KUAN = re.compile(r"^(\d{2})(?= [^\d\s])")  # `10 人力资源事务` under `201 一般公共服务支出`


_UNIT_CODE = re.compile(r"^((?:\d{3})+)(?=\s|[\u4e00-\u9fff（(]|$)\s*")


def split_unit_code(text: str) -> tuple[str, str]:
    """`024001 苏州市审计局 …` → ("024001", "苏州市审计局 …"): a unit's code (3 digits a level), when printed."""
    m = _UNIT_CODE.match(text)
    return (m.group(1), text[m.end() :]) if m else ("", text)


def _no_code(text: str) -> tuple[str, str]:
    return "", text


_CODE_READERS = {"code": split_code, "units": split_unit_code, "flat": split_code}

_OWN_DIGITS = re.compile(r"^(\d{2})(?=\s)")


def _full_code(line: str, rows: list[Row]) -> str:
    """`06 财政事务` printed under `201 一般公共服务支出` (a 款 or 项 with its own two digits, the columns of its
    parent left blank) → `201 06 财政事务`. After a 项 the digits are another 项 of the same 款, unless the 项
    printed so far already add up to their 款: then they open the next 款 of the 类."""
    m = _OWN_DIGITS.match(line)
    coded = [r for r in rows if r.code]
    if not m or not coded:
        return line
    parent = coded[-1].code.split()
    if len(parent) == 3:
        kuan = next((r for r in reversed(coded) if r.code.split() == parent[:2]), None)
        items = [r for r in coded if r.code.startswith(" ".join(parent[:2]) + " ")]
        total = sum((r.numbers[0] for r in items if r.numbers), Decimal(0))
        closed = kuan is not None and kuan.numbers and total == kuan.numbers[0]
        parent = parent[:1] if closed else parent[:2]
    return " ".join(parent[:2] + [m.group(1)]) + line[m.end() :]


def _read_rows(
    table: Table,
    lines: list[str],
    data: list[int],
    words: set[str],
    hierarchy: str,
    rules: dict | None = None,
    codes: dict[str, Any] | None = None,
    template: dict[str, Any] | None = None,
) -> None:
    """One row per line; a name the PDF wrapped around its figures (`…缴费支` / `208 05 05 4,412,547` /
    `出`) is put back together. `[lines] total_first`: a table's first row, printed without a code under the
    unit's name (预算单位), is its total."""
    total_first = bool((rules or {}).get("total_first"))
    codes = codes or {}
    template = template or {"hierarchy": hierarchy}
    wrap = _Wrap()
    fragment = ""  # a name fragment printed on the line before a row that has a code but no name
    fragment_at = -1
    pairs: dict[int, str] = {}  # line → the second classification printed on it
    split_row = -1  # the row whose name still waits for the tail printed after it
    for i in data:
        line = lines[i]
        if hierarchy == "code" and codes.get("partial"):
            line = _full_code(line, table.rows)
        elif hierarchy == "code" and (fixed := _repair_code(line, table.rows)) != line:
            table.warnings.append(
                f"第{i + 1}行科目编码残缺（{line.split()[0]}），按上级科目补全为{fixed[:9]}"
            )
            line = fixed
        second = template.get("second_code")
        if second and line.split() and re.match(second, line.split()[0]):
            code, rest = "", line  # the row starts with its second code: its own code is printed elsewhere
        else:
            code, rest = _CODE_READERS.get(hierarchy, _no_code)(line)
        rest, paired = _split_pair(rest, codes.get("pair", "")) if code else (rest, "")
        name, figures, detail = row_text(rest, template, " " if codes.get("spaced") else "")
        if _TOTAL.match(name.replace(" ", "")):
            name = name.replace(" ", "")  # `合 计`
        if total_first and hierarchy != "none" and not table.rows and not code and figures and name:
            name = "合计"
        plain = bool(template.get("wrapped"))  # the family's [lines] wrapped: names wrapped around rows
        if plain:
            # a single word ending in 费 reads as a header word, but may be the tail of the name above
            header = _is_header(line, words) and not (wrap.waiting >= 0 and len(line.split()) == 1)
            taken = _wrap_line(table, wrap, code, name, figures, header, hierarchy)
            if taken is None:
                continue
            name = taken
        tail = split_row == len(table.rows) - 1 >= 0 and len(name) <= 4  # `支出` ending a wrapped name
        if (
            hierarchy == "code"
            and not plain
            and not code
            and not figures
            and name
            and (tail or not _is_header(line, words))
        ):
            if split_row == len(table.rows) - 1 >= 0:
                prev = table.rows[-1]
                table.rows[-1] = Row(prev.code, prev.name + name, prev.level, prev.line, "", prev.numbers)
                split_row = -1
                continue
            if not _TOTAL.match(name):
                fragment, fragment_at = name, i
                continue
        if code and not name and fragment:
            name, fragment, split_row = fragment, "", len(table.rows)
        elif fragment and code and table.rows and table.rows[-1].code and table.rows[-1].line == fragment_at:
            prev = table.rows[-1]  # the tail of the name above, printed under it (`…缴费` / `支出`)
            table.rows[-1] = Row(prev.code, prev.name + fragment, prev.level, prev.line, "", prev.numbers)
            fragment = ""
        elif fragment:
            table.warnings.append(f"第{i}行无法识别，已跳过：{fragment[:40]}")
            fragment = ""
        if not code and not figures and (_is_header(line, words) or not _TOTAL.match(name)):
            if hierarchy == "code" and not plain and not _is_header(line, words):
                table.warnings.append(f"第{i + 1}行无法识别，已跳过：{line[:40]}")
            continue
        if hierarchy == "code" and not plain and not code and not _TOTAL.match(name) and name:
            if table.rows and not table.rows[-1].numbers and figures:  # a name wrapped onto the next line
                prev = table.rows[-1]
                table.rows[-1] = Row(prev.code, prev.name + name, prev.level, prev.line, "", tuple(figures))
            else:
                table.warnings.append(f"第{i + 1}行无法识别，已跳过：{line[:40]}")
            continue
        if code and table.rows and (code, name, tuple(figures), detail) == _key(table.rows[-1]):
            table.warnings.append(
                f"第{i + 1}行与上一行的科目编码、名称和数字完全相同（{code}），按重复打印跳过"
            )
            continue
        level = (len(code) // 3 if hierarchy == "units" else len(code.split())) if code else 0
        table.rows.append(
            Row(code, name or ("合计" if not code else ""), level, i + 1, "", tuple(figures), detail=detail)
        )
        pairs[i + 1] = paired
    _attach_pairs(table, pairs)


def _split_pair(rest: str, pattern: str) -> tuple[str, str]:
    """`基本工资 501 01 工资奖金津补贴 830.34` → ("基本工资 830.34", "501 01 工资奖金津补贴"): a second
    classification printed on the same row (the family's `[codes] pair`), taken out of the name."""
    m = re.search(pattern, rest) if pattern else None
    if not m:
        return rest, ""
    code, tail = split_code(rest[m.start() :].strip())
    name, figures = split_figures(tail)
    tokens = rest.split()
    kept = tokens[len(tokens) - len(figures) :] if figures else []
    return " ".join([rest[: m.start()].strip(), *kept]).strip(), f"{code} {name}".strip()


def _attach_pairs(table: Table, pairs: dict[int, str]) -> None:
    """Each row's second classification after its (possibly rejoined) name: `基本工资 501 01 工资奖金津补贴`."""
    table.rows = [
        replace(row, name=f"{row.name} {pairs[row.line]}") if pairs.get(row.line) else row
        for row in table.rows
    ]


def row_text(text: str, template: dict[str, Any], sep: str = "") -> tuple[str, list[Decimal], str]:
    """A row's name, its figures and any detail printed with it. `trailing_text`: a description may follow
    the figures; `figures = "first"` / `"last"`: only that figure of the run is the table's (counts, months
    and codes printed beside it are not); `second_code`: a second classification code and its name printed
    after the row's own name (`基本工资 50101 工资奖金津补贴`; the template gives its pattern) are the row's
    detail, not its name."""
    tokens = text.split()
    numbers = [n for n, t in enumerate(tokens) if parse_number(t) is not None]
    if template.get("trailing_text") and numbers:
        end = numbers[-1] + 1
        start = end
        while start > 0 and parse_number(tokens[start - 1]) is not None:
            start -= 1
        head, figures = tokens[:start], [parse_number(t) for t in tokens[start:end]]
    else:
        _, found = split_figures(text)
        head, figures = tokens[: len(tokens) - len(found)], list(found)
    pick = template.get("figures")
    if pick in ("first", "last") and figures:
        figures = figures[:1] if pick == "first" else figures[-1:]
    detail = ""
    if template.get("second_code"):
        at = next((n for n, t in enumerate(head) if re.match(template["second_code"], t)), None)
        if at is not None:
            head, detail = head[:at], " ".join(head[at:])
        elif not head and figures and tokens and re.match(template["second_code"], tokens[0]):
            detail, figures = (
                tokens[0],
                figures[1:],
            )  # the line starts with the second code (its name wrapped)
    return sep.join(head), [f for f in figures if f is not None], detail


@dataclass
class _Wrap:
    """A name wrapped around its row in a table without 科目 codes: the fragment printed above the figures,
    and the row whose name may still continue on the next line."""

    fragment: str = ""
    waiting: int = -1


def _wrap_line(
    table: Table, wrap: _Wrap, code: str, name: str, figures: list[Decimal], header: bool, hierarchy: str
) -> str | None:
    """The row's name with the fragment printed above it; None when the line was a piece of a wrapped row
    (a name fragment, the tail of the name above, or the unit code printed on a line of its own)."""
    last = len(table.rows) - 1
    tail = wrap.waiting == last >= 0
    if not figures and not code and name and not header and not _TOTAL.match(name):
        if tail:
            table.rows[last] = replace(table.rows[last], name=table.rows[last].name + name)
            wrap.waiting = -1
        else:
            wrap.fragment += name
        return None
    if code and not figures and last >= 0 and not table.rows[last].code and (tail or not name):
        prev = table.rows[last]
        level = len(code) // 3 if hierarchy == "units" else len(code.split())
        table.rows[last] = replace(prev, code=code, level=level, name=prev.name + name)
        if name:
            wrap.waiting = -1  # the code line carried the name's tail: the row is complete
        return None
    if figures and (wrap.fragment or (code and not name)):
        name, wrap.fragment, wrap.waiting = wrap.fragment + name, "", last + 1
    else:
        wrap.fragment, wrap.waiting = "", -1
    return name


def _key(row: Row) -> tuple[str, str, tuple[Decimal, ...], str]:
    return row.code, row.name, row.numbers, row.detail


def _is_left(label: str, sides: dict[str, Any]) -> bool:
    """An income-side label, also when the PDF wrapped it (`三、国有资本经营预` + `算`)."""
    if re.search(r"支出$|支出总计$|支出合计$", label) or re.search(sides.get("right_label", "^$"), label):
        return False
    if re.search(sides["left_label"], label):
        return True
    bare = _subitem(sides).sub("", _ORDINAL.sub("", label))
    return len(bare) >= 2 and any(name.startswith(bare) for name in sides.get("left_names", []))


def _subitem(sides: dict[str, Any]) -> re.Pattern[str]:
    """Second-level labels of a two-sided table (`1.` in Shanghai; `（一）` in other families)."""
    return re.compile(sides["subitem"]) if "subitem" in sides else _SUBITEM


def _complete(label: str, sides: dict[str, Any]) -> bool:
    third = sides.get("third_label")
    return (
        bool(re.search(r"(支出|总计|合计)$", label))
        or bool(re.search(sides["left_label"], label))
        or bool(third and re.search(third, label))
        or bool("complete" in sides and re.search(sides["complete"], label))
    )


def _read_sides(
    table: Table, lines: list[str], data: list[int], words: set[str], sides: dict[str, Any], layout: dict
) -> None:
    """Two-sided rows; a label the PDF wrapped keeps the figures printed beside its fragments."""
    identities = [
        (layout["columns"].index(t), tuple(layout["columns"].index(p) for p in parts))
        for t, *parts in layout["identities"]
    ]
    ncols = len(layout["columns"])
    pending: int | None = None  # a wrapped row still waiting for the rest of its label
    for i in data:
        line = lines[i]
        if _is_header(line, words) and (pending is None or len(line) > 4):
            continue  # a short tail (`费`) may end a wrapped label even though it reads as a header word
        segments = _segments(line, sides["right_start"], sides.get("left_complete", ""))
        twins = len(segments) == 2 and segments[0][0] == segments[1][0]  # `合计 … 合计 …`: the left first
        for at, (label, figures) in enumerate(segments):
            numbered = bool(_ORDINAL.match(label) or _subitem(sides).match(label))
            crossing = (
                table.rows[pending].side == "支出" and _is_left(label, sides)
                if pending is not None
                else False
            )
            if pending is not None and (not label or not numbered or crossing):
                row = table.rows[pending]
                left_share: list[Decimal] = []
                if label and _is_left(label, sides) and row.side == "支出" and not row.numbers and figures:
                    left_share, figures = _split_left(figures, ncols, identities)
                    table.rows.append(Row("", label, 1, i + 1, "收入", tuple(left_share)))
                    label = ""
                name = row.name + (
                    label if label and not _is_left(label, sides) or row.side == "收入" else ""
                )
                numbers = row.numbers + tuple(figures)
                table.rows[pending] = Row("", name, row.level, row.line, row.side, numbers)
                if label and name != row.name and _complete(name, sides):
                    pending = None
                elif label and name == row.name:
                    pending = None
                    table.rows.append(_side_row(label, figures, i, sides))
                continue
            if not label:
                table.warnings.append(f"第{i + 1}行的数字没有对应的项目，已跳过：{line[:40]}")
                continue
            table.rows.append(_side_row(label, figures, i, sides))
            if twins:
                table.rows[-1] = replace(table.rows[-1], side="收入" if at == 0 else "支出")
            if (
                not figures
                and not _complete(label, sides)
                and (_ORDINAL.match(label) or _subitem(sides).match(label))
            ):
                pending = len(table.rows) - 1
            elif pending is None or table.rows[pending].side == table.rows[-1].side:
                pending = None


def _rebalance_sides(table: Table, sides: dict[str, Any]) -> None:
    """A three-sided table whose wrapped use label (`三、单位预留机` / `动经费`) left its figure beside a
    function label on the same line: when the function side then exceeds its subtotal by exactly that figure
    and the use side falls short of it by as much, the figure moves to the use label (reported)."""
    third = sides.get("third_side")
    total = next(
        (r for r in table.rows if r.side == "支出" and re.search(sides.get("top_total") or "^$", r.name)),
        None,
    )
    if not third or total is None or not total.numbers:
        return
    want = total.numbers[0]
    spent = [r for r in table.rows if r.side == "支出" and r.level == 1]
    used = [r for r in table.rows if r.side == third and r.level == 1]
    excess = sum((r.numbers[0] for r in spent if r.numbers), Decimal(0)) - want
    short = want - sum((r.numbers[0] for r in used if r.numbers), Decimal(0))
    if excess <= 0 or excess != short:
        return
    moves = [
        (r, u)
        for r in spent
        if r.numbers == (excess,)
        for u in used
        if not u.numbers and abs(u.line - r.line) <= 1
    ]
    if len(moves) != 1:
        return
    r, u = moves[0]
    at_r, at_u = table.rows.index(r), table.rows.index(u)
    table.rows[at_r] = Row(r.code, r.name, r.level, r.line, r.side, ())
    table.rows[at_u] = Row(u.code, u.name, u.level, u.line, u.side, r.numbers)
    table.warnings.append(f"第{r.line}行的 {excess} 印在「{r.name}」旁，按两栏各自的小计归入「{u.name}」")


def _side_row(label: str, figures: list[Decimal], i: int, sides: dict[str, Any]) -> Row:
    total = "numbered_total" in sides and re.match(
        sides["numbered_total"], label
    )  # 一、本年支出 over 一、… rows
    level = 0 if total else 1 if _ORDINAL.match(label) else (2 if _subitem(sides).match(label) else 0)
    return Row("", label, level, i + 1, side_of(label, sides), tuple(figures))


def side_of(label: str, sides: dict[str, Any]) -> str:
    """收入 / 支出, or the family's third side (Jiangsu prints expenditure by function and by use)."""
    if "third_label" in sides and re.search(sides["third_label"], label):
        return str(sides["third_side"])
    bare = _ORDINAL.sub("", label)
    if (
        _ORDINAL.match(label)
        and len(bare) >= 3
        and any(n.startswith(bare) for n in sides.get("third_names", []))
    ):
        return str(sides["third_side"])  # a use label the PDF wrapped (`三、单位预留机` + `动经费`)
    return "收入" if _is_left(label, sides) else "支出"


def _split_left(
    figures: list[Decimal], ncols: int, identities: list[tuple[int, tuple[int, ...]]]
) -> tuple[list[Decimal], list[Decimal]]:
    """Figures beside an income label and a wrapped expenditure label: the income side takes the first
    figure only when the rest can stand as an expenditure row by its identities (else none)."""
    with_left = figures[1:]
    fits_with = bool(with_left) and bool(row_candidates(tuple(with_left), ncols, identities))
    fits_without = bool(row_candidates(tuple(figures), ncols, identities))
    if fits_with and not fits_without:
        return figures[:1], with_left
    if fits_without and not fits_with:
        return [], figures
    return figures[:1], with_left


def _sum_groups(
    rows: list[Row], hierarchy: str, side: str = "", top_total: str = "", numbered_total: str = ""
) -> list[tuple[int, tuple[int, ...]]]:
    """Row sums: 类 = Σ款, 款 = Σ项 (by code), and the total row = Σ top-level rows (`top_total`: the
    total that sums them, where a table prints several: 本年支出合计 before 支出总计; `numbered_total`: a
    numbered total, 一、本年支出, that sums the numbered rows printed under it)."""
    idx = [r for r, row in enumerate(rows) if row.side == side]
    groups: list[tuple[int, tuple[int, ...]]] = []
    if hierarchy == "units":
        by_code = {rows[r].code: r for r in idx if rows[r].code}
        children = {}
        for r in idx:
            code = rows[r].code
            parents = [c for c in by_code if c != code and code.startswith(c)]
            if code and parents:
                children.setdefault(by_code[max(parents, key=len)], []).append(r)
        groups += [(p, tuple(ch)) for p, ch in children.items()]
        coded = [r for r in idx if rows[r].code]
        least = min((rows[r].level for r in coded), default=1)
        top = tuple(r for r in coded if rows[r].level == least)
        if not coded:  # units listed by name only: each is part of the total
            top = tuple(r for r in idx if not re.search(r"(合计|总计)$", rows[r].name))
    elif hierarchy == "code":
        by_code = {rows[r].code: r for r in idx if rows[r].code}
        above: dict[str, int] = {}  # a code printed more than once: its rows belong to the nearest above
        children: dict[int, list[int]] = {}
        for r in idx:
            parts = rows[r].code.split()
            # the nearest printed ancestor (`301 02 01` sits under `301` when no `301 02` row is printed), the
            # nearest above where a code is printed more than once
            prefixes = (" ".join(parts[:k]) for k in range(len(parts) - 1, 0, -1))
            ancestors = (above.get(c, by_code.get(c)) for c in prefixes)
            if (parent := next((a for a in ancestors if a is not None), None)) is not None:
                children.setdefault(parent, []).append(r)
            if rows[r].code:
                above[rows[r].code] = r
        groups += [(p, tuple(ch)) for p, ch in children.items()]
        under = {c for ch in children.values() for c in ch}  # a table printing only 项 rows sums them
        top = tuple(r for r in idx if rows[r].code and r not in under)
    elif hierarchy == "names":
        groups += _order_groups(rows, idx)
        top = tuple(r for r in idx if rows[r].level == 1)
    elif hierarchy == "flat":  # a list of items under one total (units, projects, purchases)
        top = tuple(r for r in idx if not (rows[r].level == 0 and _TOTAL_NAME.search(rows[r].name)))
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
    tops = [r for r in idx if rows[r].level == 0 and top_total and re.search(top_total, rows[r].name)]
    numbered = bool(tops) and bool(numbered_total) and re.match(numbered_total, rows[tops[-1]].name)
    if tops and not numbered:  # lines after it (结转下年, numbered like the classes) are not part of it
        top = tuple(r for r in top if rows[r].line < rows[tops[-1]].line)
    totals = tops or [r for r in idx if rows[r].level == 0 and _TOTAL_NAME.search(rows[r].name)]
    if totals and top:
        groups.append((totals[-1], top))
    return groups


def _order_groups(rows: list[Row], idx: list[int]) -> list[tuple[int, tuple[int, ...]]]:
    """Rows without codes: a row's children are the rows below it one level deeper, up to the next row of
    its own level or above."""
    children: dict[int, list[int]] = {}
    above: dict[int, int] = {}  # level → the last row of that level
    for r in idx:
        level = rows[r].level
        if level >= 2 and level - 1 in above:
            children.setdefault(above[level - 1], []).append(r)
        above = {k: v for k, v in above.items() if k < level}
        if level >= 1:
            above[level] = r
    return [(p, tuple(ch)) for p, ch in children.items()]


def _place(
    table: Table,
    layout: dict,
    hierarchy: str,
    sides: dict[str, Any],
    totals: dict[str, Decimal],
    known: dict[tuple[int, str], Decimal],
    ruled: dict[int, tuple[int, ...]],
    floors: dict[tuple[int, str], Decimal],
    rounding: Decimal = Decimal(0),
    rounded: bool = False,
    partial: bool = False,
) -> None:
    """Place each row's figures: where the PDF ruled them (checked by the identities), else where the
    identities force them (within the figures' `rounding` where exactly they cannot hold, or within their
    last printed digits where the family's figures are `rounded`); what neither decides is listed as
    unplaced (with the columns it may be in). `partial` (the family's `[solver]`): sums that fail in some
    columns still place by the others."""
    cols = table.columns
    identities = [(cols.index(t), tuple(cols.index(p) for p in parts)) for t, *parts in layout["identities"]]
    main_side = "支出" if hierarchy == "sides" else ""
    rows = [r for r, row in enumerate(table.rows) if row.side == main_side]
    local = {r: n for n, r in enumerate(rows)}
    sums = [
        (local[p], tuple(local[c] for c in ch))
        for p, ch in _sum_groups(
            table.rows, hierarchy, main_side, sides.get("top_total", ""), sides.get("numbered_total", "")
        )
    ]
    anchors = _anchors(table, layout, local, sides) if hierarchy == "sides" else {}
    total_row = next((r for r in rows if table.rows[r].level == 0 and _TOTAL.match(table.rows[r].name)), None)
    if total_row is not None:
        anchors.update({(local[total_row], cols.index(c)): v for c, v in totals.items() if c in cols})
    anchors.update({(local[r], cols.index(c)): v for (r, c), v in known.items() if r in local and c in cols})
    for r, placement in ruled.items():
        cells = vector(table.rows[r].numbers, placement, len(cols))
        anchors.update({(local[r], c): v for c, v in enumerate(cells)})
    least = {(local[r], cols.index(c)): v for (r, c), v in floors.items() if r in local and c in cols}
    rates = frozenset(cols.index(c) for c in layout.get("rates", []))
    problem = Problem(
        [table.rows[r].numbers for r in rows],
        len(cols),
        identities,
        sums,
        anchors,
        least,
        rounding=rounding,
        rounded=rounded,
        partial=partial,
        rates=rates,
    )
    solution = solve(problem)
    if not solution.consistent:
        table.warnings.append("表内恒等式不能同时成立：部分数字按行内关系放置")
    for parent, children in solution.failed:
        row = table.rows[rows[parent]]
        what = "与其他表或正文的同一数字不符" if not children else "不等于其下级行之和"
        table.warnings.append(f"第{row.line}行「{row.code} {row.name}」{what}：该关系未用于定列")
    for n, r in enumerate(rows):
        row = table.rows[r]
        for k, (value, col) in enumerate(zip(row.numbers, ruled.get(r, solution.columns[n]), strict=True)):
            if col is None and value == 0:
                continue  # a zero whose column is open reads the same as the empty cells it could fill
            if col is None:
                where = "、".join(cols[c] for c in sorted({pl[k] for pl in solution.candidates[n]}))
                table.unplaced.append(
                    f"第{row.line}行「{row.code} {row.name}」的 {value}：列无法唯一确定"
                    + (f"（可能在：{where}）" if where else "")
                )
            else:
                table.cells.append(Cell(r, cols[col], value))
    left_columns = layout.get("left", ["预算数"])
    for r, row in enumerate(table.rows):  # the income side (and a third side): one column, or each printed
        if row.side and row.side != main_side:
            left = left_columns[0]
            if len(row.numbers) == len(left_columns) > 1:  # every cell printed (0.00 where empty): in order
                table.cells.extend(Cell(r, c, v) for c, v in zip(left_columns, row.numbers, strict=True))
                continue
            table.cells.extend(Cell(r, left, v) for v in row.numbers[:1])
            if len(row.numbers) > 1:
                table.unplaced.append(f"第{row.line}行「{row.name}」{row.side}方有多个数字")
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
        source = next(
            (
                row
                for row in table.rows
                if row.side == "收入" and _ORDINAL.match(row.name) and left_word in row.name
            ),
            None,
        )
        if source is not None and column in table.columns:
            value = source.numbers[0] if source.numbers else Decimal(0)
            anchors[(local[total], table.columns.index(column))] = value
    return anchors


# ---- the same figure in other tables and in the text -------------------------------------------------------

TOTAL_KEY = "总计"
NAME_KEY = "名:"  # rows printed without codes match across tables by the names from their 类 down


def _plain(name: str) -> str:
    return re.sub(r"\s", "", name.translate(_BRACKETS))


def row_keys(table: Table) -> dict[str, int]:
    """Keys by which rows match across tables: the code, `类:<name>` for top-level rows, `总计` for the total."""
    keys: dict[str, int] = {}
    main = "支出" if any(r.side for r in table.rows) else ""
    path: dict[int, str] = {}  # level → name, for rows printed without codes
    for r, row in enumerate(table.rows):
        if row.side != main:
            continue
        if row.code:
            keys[row.code] = r
        elif not main and row.level >= 1:
            path = {k: v for k, v in path.items() if k < row.level} | {row.level: _plain(row.name)}
            keys[NAME_KEY + "/".join(path[k] for k in sorted(path))] = r
        if row.level == 1:
            keys["类:" + _ORDINAL.sub("", row.name)] = r
        if row.level == 0 and re.search(r"(合计|总计)$", row.name):
            keys[TOTAL_KEY] = r
    rows = [r for r, row in enumerate(table.rows) if row.side == main]
    if TOTAL_KEY not in keys and len(rows) == 1 and table.rows[rows[0]].code:
        keys[TOTAL_KEY] = rows[
            0
        ]  # one coded row and no 合计 (a department of one unit): the row is the total
    return keys


def cell_known(table: Table, row: int | None, column: str) -> Decimal | None:
    """A cell's value when it is settled: placed, or empty in a row whose figures are all placed."""
    if column not in table.columns:
        return None
    if row is None:  # a row the table does not have; a table printed without figures is all zero
        settled = not table.unplaced and not any("无法识别" in w for w in table.warnings)
        return Decimal(0) if settled else None
    if column not in table.columns:
        return None
    value = table.value(row, column)
    if value is not None:
        return value
    line = table.rows[row].line
    if any(u.startswith(f"第{line}行") for u in table.unplaced):
        return None
    return Decimal(0)


def _linked(table: Table, key: str, column: str) -> Decimal | None:
    """The settled value of the row matching `key`; a 类 name the table lacks is unknown (names change
    between years), a code it lacks is 0."""
    keys = row_keys(table)
    row = keys.get(key)
    if row is None and key.startswith("类:") and table.rows:
        total = keys.get(TOTAL_KEY)
        zero = total is not None and cell_known(table, total, column) == 0
        return Decimal(0) if zero else None  # every row of a table whose total is 0 is 0
    if row is None and key.startswith(NAME_KEY) and not any(k.startswith(NAME_KEY) for k in keys):
        return None  # a table with codes says nothing of a name (names differ from codes)
    return cell_known(table, row, column)


def _table_total(table: Table | None, column: str) -> Decimal | None:
    if table is None:
        return None
    return cell_known(table, row_keys(table).get(TOTAL_KEY), column)


def link_values(
    table: Table, tables: list[Table], links: list[dict[str, Any]]
) -> dict[tuple[int, str], Decimal]:
    """Cells of `table` fixed by a cross-table equation `target = Σ parts` whose other terms are settled."""
    by_key = {t.key: t for t in tables}
    known: dict[tuple[int, str], Decimal] = {}
    mine = row_keys(table)
    for link in links:
        terms = [(link["target"], link["column"])] + [(k, c) for k, c in link["parts"]]
        if table.key not in [k for k, _ in terms] or any(k not in by_key for k, _ in terms[:1]):
            continue
        holds = True
        if link.get("when"):  # the equation holds when the first total equals the sum of the others
            first, *rest = [
                _table_total(by_key.get(k), c) if k in by_key else Decimal(0) for k, c in link["when"]
            ]
            holds = first is not None and None not in rest and first == sum(rest, Decimal(0))
        for key, r in mine.items():
            if link.get("match") == "name" and not (key.startswith("类:") or key == TOTAL_KEY):
                continue
            if link.get("match") == "total" and key != TOTAL_KEY:
                continue
            if link.get("match", "code") == "code" and key.startswith("类:"):
                continue
            values = []
            for tkey, column in terms:
                other = by_key.get(tkey)
                if other is None:
                    values.append(Decimal(0) if tkey != link["target"] else None)
                elif other is table:
                    values.append(("me", column))
                else:
                    values.append(_linked(other, key, column))
            mine_terms = [v for v in values if isinstance(v, tuple)]
            if len(mine_terms) != 1:
                continue
            column = mine_terms[0][1]
            if column not in table.columns:
                continue
            if not holds or any(v is None for v in values):
                # figures are never negative: a part of a settled zero is zero
                if values[0] != ("me", column) and values[0] == 0:
                    known[(r, column)] = Decimal(0)
                continue
            others = [v for v in values if not isinstance(v, tuple)]
            if values[0] == ("me", column):
                known[(r, column)] = sum(others, Decimal(0))
            else:
                known[(r, column)] = others[0] - sum(others[1:], Decimal(0))
    return known


def floor_values(
    table: Table, tables: list[Table], bounds: list[dict[str, Any]]
) -> dict[tuple[int, str], Decimal]:
    """Cells of `table` that are at least a cell of another table (`[[bounds]]`: the 支出总表's 基本支出 covers
    the 财政拨款 part of it), matched by code, or one row by a named row of the other (`row`, `source_row`)."""
    by_key = {t.key: t for t in tables}
    floors: dict[tuple[int, str], Decimal] = {}
    for bound in bounds:
        other = by_key.get(bound["at_least"][0]) if "at_least" in bound else None
        if bound["table"] != table.key or other is None:
            continue
        mine = row_keys(table)
        pairs = (
            [(mine.get(bound["row"]), bound["source_row"])]
            if "row" in bound
            else list(zip(mine.values(), mine, strict=True))
        )
        for r, key in pairs:
            value = _linked(other, key, bound["at_least"][1]) if r is not None else None
            if value is not None:
                floors[(r, bound["column"])] = value
    return floors


def ceiling_values(
    table: Table, tables: list[Table], bounds: list[dict[str, Any]]
) -> dict[tuple[int, str], Decimal]:
    """Cells of `table` that are at most a sum of other tables' cells (`[[bounds]] at_most`: spending from a
    source is at most that source's income); where that sum is settled at 0 the cell is 0 (figures are never
    negative). Rows match by code, or one row by a named row of the others (`row`, `source_row`)."""
    by_key = {t.key: t for t in tables}
    known: dict[tuple[int, str], Decimal] = {}
    for bound in bounds:
        if bound["table"] != table.key or "at_most" not in bound:
            continue
        mine = row_keys(table)
        pairs = (
            [(mine.get(bound["row"]), bound["source_row"])]
            if "row" in bound
            else [(r, k) for k, r in mine.items()]
        )
        for r, key in ((r, k) for r, k in pairs if r is not None):
            parts = [_linked(by_key[k], key, c) if k in by_key else Decimal(0) for k, c in bound["at_most"]]
            if None not in parts and sum(parts, Decimal(0)) == 0:
                known[(r, bound["column"])] = Decimal(0)
    return known


def text_values(
    table: Table, facts: list[Any], texts: list[str], specs: list[dict[str, Any]]
) -> dict[tuple[int, str], Decimal]:
    """The total row's cells as the narrative states them (same unit: 万元 text against a 万元 table; with
    `convert`, a 万元 statement that is exactly one of the row's printed 元 figures, or zero, counts too)."""
    total = row_keys(table).get(TOTAL_KEY)
    if total is None and len(table.rows) == 1:
        total = 0
    known: dict[tuple[int, str], Decimal] = {}
    if total is None:
        return known
    for spec in specs:
        if spec["table"] != table.key:
            continue
        for fact in facts:
            if fact.column or not re.search(spec["label"], fact.row_name):
                continue
            if spec.get("section") and fact.table != spec["section"]:
                continue  # the same words in another part of the text (机关运行经费's 公务接待费)
            if fact.unit == table.unit:
                known.setdefault((total, spec["column"]), fact.value)
            elif spec.get("convert") and _stated(
                value := _in_unit(fact.value, fact.unit, table.unit), table, total
            ):
                known.setdefault((total, spec["column"]), value)  # type: ignore[arg-type]
        if spec.get("zero") and any(re.search(spec["zero"], text) for text in texts):
            known.setdefault((total, spec["column"]), Decimal(0))
    return known


_SCALE = {"元": Decimal(1), "万元": Decimal(10000), "亿元": Decimal(100000000)}


def _stated(value: Decimal | None, table: Table, row: int) -> bool:
    return value is not None and (value == 0 or value in table.rows[row].numbers)


def _in_unit(value: Decimal, unit: str, wanted: str) -> Decimal | None:
    if unit not in _SCALE or wanted not in _SCALE:
        return None
    return value * _SCALE[unit] / _SCALE[wanted]


def class_values(table: Table, rules: list[dict[str, Any]]) -> dict[tuple[int, str], Decimal]:
    """Columns an economic class never uses (工资福利支出 is 人员经费), for rows the identities leave open."""
    open_lines = {int(m.group(1)) for u in table.unplaced if (m := re.match(r"第(\d+)行", u))}
    known: dict[tuple[int, str], Decimal] = {}
    for rule in rules:
        if rule["table"] != table.key:
            continue
        for r, row in enumerate(table.rows):
            parts = rule["code"].split()  # a class (`301`) or a 款 of it (`505 01`)
            if row.line in open_lines and row.code.split()[: len(parts)] == parts:
                for column in rule["empty"]:
                    known[(r, column)] = Decimal(0)
    return known
