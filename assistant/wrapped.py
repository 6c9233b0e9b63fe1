"""Table lines as the PDF wrapped them → one line per row, before the rows are read.

A cell too narrow for its text wraps it over several lines, and the text layer prints those lines between
the lines of the neighbouring cells: a figure split around the label beside it (`24995.9` / `本年收入合计
24995.94 本年支出合计` / `4`), a name centred on its figures (`福州市医疗` / `保障基金中 345205.84 …` / `心`), and a
text column after the figures (绩效目标) whose lines interleave with the names. These functions take the lines
of one table block (indices into the document's lines) and return the lines put back together.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.tables import parse_number, split_figures

_FIGURE_HEAD = re.compile(r"^\d[\d,]*\.\d?$")
_FIGURE_TAIL = re.compile(r"^\d{1,2}$")
_FIGURE_THEN_TEXT = re.compile(r"(?<![\d,.])(\d{1,3}(?:,\d{3})+\.\d+|\d+\.\d+)(?=[^\d\s.,%])")


def join_wrapped_figures(lines: list[str], body: list[int]) -> list[str]:
    """`24995.9` / `本年收入合计 24995.94 本年支出合计` / `4`: a figure too wide for its cell, wrapped around the
    label line beside it, is put back together after that label (the two fragments' lines left blank)."""
    out = lines
    for a, b, c in zip(body, body[1:], body[2:], strict=False):
        head, tail, label = out[a], out[c], out[b].split()
        if not (_FIGURE_HEAD.match(head) and _FIGURE_TAIL.match(tail) and label):
            continue
        if parse_number(label[-1]) is not None or parse_number(head + tail) is None:
            continue
        if out is lines:
            out = list(lines)
        out[b], out[a], out[c] = f"{out[b]} {head}{tail}", "", ""
    return out


def without_other_text(lines: list[str], data: list[int], other: str) -> tuple[list[str], list[int]]:
    """A text column printed after the figures (绩效目标): what follows a line's figures is that column's, and so
    is a line, or the rest of a line, from the first word that reads as it (`other`: sentence punctuation, a
    numbered point). Lines left with nothing are dropped."""
    pattern = re.compile(other)
    out, keep = list(lines), []
    for i in data:
        tokens = _FIGURE_THEN_TEXT.sub(r"\1 ", lines[i]).split()
        first = next((n for n, t in enumerate(tokens) if parse_number(t) is not None), None)
        if first is not None:
            end = first
            while end < len(tokens) and parse_number(tokens[end]) is not None:
                end += 1
            tokens = _name_part(tokens[:first], pattern) + tokens[first:end]
        else:
            tokens = _name_part(tokens, pattern)
        if tokens:
            out[i] = " ".join(tokens)
            keep.append(i)
    return out, keep


def _name_part(tokens: list[str], pattern: re.Pattern[str]) -> list[str]:
    end = next((n for n, t in enumerate(tokens) if pattern.search(t)), len(tokens))
    return tokens[:end]


def join_wrapped_names(
    lines: list[str], data: list[int], is_name: Callable[[str], bool]
) -> tuple[list[str], list[int]]:
    """Names wrapped around their figures: a cell's text is centred on its figures, so the name lines of a
    row lie as far below its figure line as above it. Name lines above and below are paired outwards from
    the figure line while their distances agree (within one line: another column's lines may interleave);
    the pairs join the row's name in printed order, and name lines nobody pairs are left where they are."""
    figures = [i for i in data if split_figures(lines[i])[1]]
    names = [i for i in data if not split_figures(lines[i])[1] and is_name(lines[i])]
    out, taken = list(lines), set()
    for n, f in enumerate(figures):
        low = figures[n - 1] if n else -1
        high = figures[n + 1] if n + 1 < len(figures) else len(lines)
        above = [i for i in reversed(names) if low < i < f and i not in taken]
        below = [i for i in names if f < i < high]
        pairs = 0
        for a, b in zip(above, below, strict=False):
            if abs((f - a) - (b - f)) > 1:
                break
            pairs += 1
        head, tail = sorted(above[:pairs]), below[:pairs]
        taken.update(head, tail)
        label, printed = _label_and_figures(lines[f])
        name = "".join(lines[i].replace(" ", "") for i in head) + label
        out[f] = f"{name}{''.join(lines[i].replace(' ', '') for i in tail)} {printed}"
    return out, [i for i in data if i not in taken]


def _label_and_figures(line: str) -> tuple[str, str]:
    """A line's label (spaces removed) and its trailing figures as printed."""
    tokens = line.split()
    count = len(split_figures(line)[1])
    return "".join(tokens[: len(tokens) - count]), " ".join(tokens[len(tokens) - count :])
