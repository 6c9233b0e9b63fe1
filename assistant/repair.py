"""Table lines put back the way they were printed, before their codes, names and figures are read.

Text extraction flattens a table row onto a line, and some layouts add what is not a figure or break what
is: a running 序号 before each row, a name that ran over into its figure cell and was printed through it
(`服务保障中18心39311.66` is `服务保障中心` and `1839311.66`), a label with its figure glued on
(`…支出1839311.66`), two figures without a space between them (`210,000.00-194,000.00`), and, read from a
PDF, one ruled row printed on several lines (a name wrapped above and below its figures, the unit code on a
line of its own). Each repair is a pure function of lines; the family's `[lines]` settings switch on the
ones its layout needs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from assistant.records import GridRow

_SERIAL = re.compile(r"^(\d{1,3}) (?=\S)")
_GLUED_NEGATIVE = re.compile(r"(\d\.\d{2})(-\d)")
_GLUED_FIGURES = re.compile(r"(\d\.\d{2})(?=\d{1,3}(?:,\d{3})*\.\d{2}(?:\s|$|-))")
_SPACED_ORDINAL = re.compile(r"^([一二三四五六七八九十]+) 、")
_LABEL_FIGURE = re.compile(r"(?<=[\u4e00-\u9fff）)])(-?\d[\d,]*\.\d{2})$")
_FIGURE_CHARS = re.compile(r"[\d.,]")
_CJK = re.compile(r"[\u4e00-\u9fff（）()]")


def strip_serials(lines: list[str], data: list[int]) -> list[str]:
    """A table whose rows start 1, 2, 3 … (序号, gaps allowed where blank rows were left out) loses them."""
    numbered = [i for i in data if _SERIAL.match(lines[i])]
    if len(numbered) < 2 or [int(_SERIAL.match(lines[i]).group(1)) for i in numbered[:2]] != [1, 2]:  # type: ignore[union-attr]
        return lines
    out, expected = list(lines), 1
    for i in data:
        m = _SERIAL.match(lines[i])
        if m and expected <= int(m.group(1)) <= expected + 4:
            out[i] = lines[i][m.end() :]
            expected = int(m.group(1)) + 1
    return out


def undo_overprint(token: str) -> str:
    """`保障中18心39311.66` → `保障中心 1839311.66`; `列入0部.0门0预算的项目` → `列入部门预算的项目 0.00`: the
    figure (or code) a name was printed through, when taking it out leaves a whole figure and only a few
    characters of name between its digits."""
    if not (_CJK.search(token) and any(ch.isdigit() for ch in token[1:])):
        return token
    for p in range(1, len(token)):
        if not token[p].isdigit() or _FIGURE_CHARS.match(token[p - 1]):
            continue
        for q in range(len(token), p + 1, -1):
            if not token[q - 1].isdigit():
                continue
            window = token[p:q]
            figure = "".join(_FIGURE_CHARS.findall(window))
            rest = _FIGURE_CHARS.sub("", window)
            digits = sum(ch.isdigit() for ch in figure)
            if rest and len(rest) <= min(3, digits) and re.fullmatch(r"\d[\d,]*\.\d{2}|\d{3,}", figure):
                return f"{token[:p]}{rest}{token[q:]} {figure}"
    return token


def split_glued(line: str) -> str:
    """Figures glued to each other or to the label before them, and `三 、` for `三、`, spaced apart."""
    line = _SPACED_ORDINAL.sub(r"\1、", _GLUED_FIGURES.sub(r"\1 ", _GLUED_NEGATIVE.sub(r"\1 \2", line)))
    return " ".join(_LABEL_FIGURE.sub(r" \1", token) for token in line.split(" "))


def prepare(lines: list[str], data: list[int], settings: dict[str, Any]) -> list[str]:
    """The family's repairs applied to a table's data lines (a copy; other lines untouched)."""
    out = strip_serials(lines, data) if settings.get("serial") else list(lines)
    for i in data:
        line = _GLUED_NEGATIVE.sub(r"\1 \2", out[i])
        if settings.get("overprint"):
            line = split_glued(" ".join(undo_overprint(t) for t in line.split(" ")))
        out[i] = line
    return out


_CODE = re.compile(r"^\d{3,}$")
_GLUED_CODE = re.compile(r"^(\d{3,})(?=[\u4e00-\u9fff])")


def join_ruled_rows(
    lines: list[str], data: list[int], grid: Mapping[int, GridRow]
) -> tuple[list[str], list[int]]:
    """Lines inside one ruled row of a PDF (the same `GridRow`) become one line: its code, its name pieces
    in reading order, then the figures (which only one of the lines prints)."""
    out, keep = list(lines), []
    n = 0
    while n < len(data):
        i = data[n]
        group = [i]
        while n + len(group) < len(data) and _same_row(grid, i, data[n + len(group)]):
            group.append(data[n + len(group)])
        n += len(group)
        if len(group) == 1:
            keep.append(i)
            continue
        target = next((j for j in group if _has_figures(lines[j])), group[0])
        row = grid[i]
        printed = sum(v is not None for v in row.groups[-1]) if row.groups else 0
        codes = {str(v) for g in row.groups[:-1] for v in g if v is not None}  # a second code column
        out[target] = _joined([lines[j] for j in group], printed, codes)
        keep.append(target)
    return out, keep


def _same_row(grid: Mapping[int, GridRow], a: int, b: int) -> bool:
    row = grid.get(a)
    return row is not None and grid.get(b) is row


def _has_figures(line: str) -> bool:
    from assistant.tables import split_figures

    return bool(split_figures(line)[1])


def _joined(parts: list[str], printed: int, codes: set[str]) -> str:
    """The ruled row's lines as one: its code (a code-only line, or a first token the row's ruled figures
    leave over), the name pieces joined, a second code column with its name, the figures."""
    from assistant.tables import parse_number, split_figures

    code, first, second, other, figures = "", [], [], "", []
    for part in parts:
        tokens = part.split()
        if tokens and (glued := _GLUED_CODE.match(tokens[0])):  # `201001西安市委`
            tokens[:1] = [glued.group(1), tokens[0][glued.end() :]]
        found = split_figures(" ".join(tokens))[1]
        named = len(tokens) > 1 and (parse_number(tokens[1]) is None or tokens[1] in codes)
        leading = bool(tokens) and _CODE.match(tokens[0]) is not None and tokens[0] not in codes
        if not code and leading and (len(tokens) == 1 or named or len(found) > printed):
            code, tokens = tokens[0], tokens[1:]
        if printed and not figures and len(split_figures(" ".join(tokens))[1]) >= printed:
            figures, tokens = tokens[-printed:], tokens[:-printed]
        at = next((n for n, t in enumerate(tokens) if t in codes), None)
        if at is not None:
            first += tokens[:at]
            other, second = tokens[at], second + tokens[at + 1 :]
        elif codes and len(tokens) > 1:
            first.append(tokens[0])
            second += tokens[1:]
        else:
            first += tokens
    return " ".join(x for x in (code, "".join(first), other, "".join(second), " ".join(figures)) if x)
