"""Tables printed as several lists side by side (收入 | 支出功能分类 | 部门经济分类 | 政府经济分类), one figure column each.

A printed line holds at most one cell of each side, left to right: a label (or a fragment of one the page
wrapped onto several lines) and its figure. Extraction drops empty cells and keeps no positions, so each
token of a line is given the side whose row names it can start or continue (the family's `[sides.names]`),
the sides increasing along the line; a figure joins the cell of its side still waiting for one. Read from a
PDF, the ruled row under a line says which side each figure is in. Each side is then read top to bottom as
a list of rows. Where two readings of a line remain equally good and put a figure on different sides, the
figure is reported, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from assistant.records import GridRow, Row

_NUMBERED = re.compile(r"^([一二三四五六七八九十]+、|\d+、|[(（]\d+[)）])")
_ORDINAL = re.compile(r"^(\d+)、|^[(（](\d+)[)）]")
_HALF = str.maketrans("()", "（）")


def bare(label: str) -> str:
    """A label as its side's names list it: without its numbering, spaces and half-width brackets."""
    return _NUMBERED.sub("", re.sub(r"\s", "", label)).translate(_HALF)


@dataclass
class _Cell:
    """A side's row while it is read: its label so far, the line it starts on, its figures."""

    label: str
    line: int
    figures: list[Decimal] = field(default_factory=list)


@dataclass(frozen=True)
class _Token:
    text: str
    value: Decimal | None  # a figure, or None for a label


@dataclass(frozen=True)
class _Choice:
    side: int
    start: bool  # a label that starts a new row (False: continues the side's current label)


class Sides:
    """The family's sides and what each may be called."""

    def __init__(self, spec: dict[str, Any]):
        self.order: list[str] = list(spec["order"])
        self.names = [[bare(n) for n in spec["names"][side]] for side in self.order]
        self.levels = [re.compile(p) for p in spec.get("levels", [])]

    def starts(self, side: int, label: str) -> int:
        """2 when `label` is a whole name of the side, 1 when it begins one, 0 when it cannot start a row."""
        text = bare(label)
        if not text:
            return 0
        names = self.names[side]
        return 2 if text in names else (1 if any(n.startswith(text) for n in names) else 0)

    def level(self, label: str) -> int:
        return next((n + 1 for n, p in enumerate(self.levels) if p.match(label)), 0)


def read_stacked(
    lines: list[str],
    data: list[int],
    is_header: Any,
    spec: dict[str, Any],
    grid: dict[int, GridRow] | None = None,
) -> tuple[list[Row], list[str], list[str]]:
    """Rows of every side (side by side order, each top to bottom), warnings, and figures left unplaced."""
    sides = Sides(spec)
    current: list[_Cell | None] = [None] * len(sides.order)
    done: list[list[_Cell]] = [[] for _ in sides.order]
    warnings: list[str] = []
    unplaced: list[str] = []
    for i in data:
        tokens = [_token(t) for t in lines[i].split()]
        if not tokens or (is_header(lines[i]) and not _names_a_row(tokens, sides)):
            continue
        ruled = _ruled_sides(grid.get(i) if grid else None, len(sides.order))
        choices, open_figures = _best(tokens, sides, current, ruled)
        if choices is None and ruled is not None:  # the text and the ruling disagree: read the text alone
            choices, open_figures = _best(tokens, sides, current, None)
        if choices is None:
            if any(t.value is not None for t in tokens):
                unplaced.append(f"第{i + 1}行的数字无法确定属于哪一栏：{lines[i][:40]}")
            continue
        for token, choice in zip(tokens, choices, strict=True):
            _apply(token, choice, i, current, done)
        for value in open_figures:
            unplaced.append(f"第{i + 1}行的 {value}：无法确定属于哪一栏")
    for n, cell in enumerate(current):
        if cell is not None:
            done[n].append(cell)
    rows = [
        Row("", cell.label, sides.level(cell.label), cell.line + 1, sides.order[n], tuple(cell.figures))
        for n, cells in enumerate(done)
        for cell in cells
    ]
    return rows, warnings, unplaced


def _names_a_row(tokens: list[_Token], sides: Sides) -> bool:
    """A line of header words may still be a row (`本年收入合计 本年支出合计` printed without figures)."""
    return any(sides.starts(n, t.text) == 2 for t in tokens for n in range(len(sides.order)))


def _token(text: str) -> _Token:
    from assistant.tables import parse_number

    return _Token(text, parse_number(text))


def _ruled_sides(row: GridRow | None, count: int) -> list[Decimal | None] | None:
    """Each side's figure as the ruling lines place it (None: an empty cell); None without a ruled row."""
    if row is None or len(row.groups) != count or any(len(g) != 1 for g in row.groups):
        return None
    return [g[0] for g in row.groups]


def _apply(
    token: _Token, choice: _Choice, i: int, current: list[_Cell | None], done: list[list[_Cell]]
) -> None:
    side = choice.side
    if token.value is not None:
        cell = current[side]
        if cell is None:
            current[side] = _Cell("", i, [token.value])
        else:
            cell.figures.append(token.value)
    elif choice.start:
        if current[side] is not None:
            done[side].append(current[side])  # type: ignore[arg-type]
        current[side] = _Cell(token.text, i)
    else:
        cell = current[side]
        assert cell is not None
        cell.label += token.text


def _options(
    tokens: list[_Token], n: int, sides: Sides, current: list[_Cell | None]
) -> list[tuple[_Choice, int]]:
    """Where the n-th token of a line may go, each with its score (how well its label fits there)."""
    token = tokens[n]
    if token.value is not None:
        return [(_Choice(side, False), 0) for side in range(len(sides.order))]
    out = []
    earlier = [t.text for t in tokens[:n] if t.value is None]
    for side in range(len(sides.order)):
        fit = sides.starts(side, token.text)
        if fit:
            out.append((_Choice(side, True), fit + _continuity(token.text, side, current)))
        if _NUMBERED.match(token.text) or token.text.startswith("其中"):
            continue
        cell = current[side]
        bases = [cell.label] if cell is not None and sides.starts(side, cell.label) < 2 else []
        bases += [
            t for t in earlier if 0 < sides.starts(side, t) < 2
        ]  # a label this line starts (`…的项 0.00 目`)
        joined = max((sides.starts(side, base + token.text) for base in bases), default=0)
        if joined:
            out.append((_Choice(side, False), joined + 1))
    return out


def _continuity(label: str, side: int, current: list[_Cell | None]) -> int:
    """A label numbered like the side's current row fits best there (`3、` after `2、`: 2; an unnumbered
    label under an unnumbered row, or the same kind of numbering: 1)."""
    cell = current[side]
    if cell is None:
        return 0
    m, before = _ORDINAL.match(label), _ORDINAL.match(cell.label)
    if _kind(label) != _kind(cell.label):
        return 0
    if m and before and (before.group(1) is None) == (m.group(1) is None):
        return 2 if int(before.group(1) or before.group(2)) + 1 == int(m.group(1) or m.group(2)) else 1
    return 1


def _kind(label: str) -> str:
    m = _NUMBERED.match(label)
    if not m:
        return ""
    return "一" if m.group(1)[0] in "一二三四五六七八九十" else ("(" if m.group(1)[0] in "(（" else "1")


def _best(
    tokens: list[_Token], sides: Sides, current: list[_Cell | None], ruled: list[Decimal | None] | None
) -> tuple[list[_Choice] | None, list[Decimal]]:
    """The best-scoring reading of a line, and the figures whose side the best readings disagree on."""
    options = [_options(tokens, n, sides, current) for n in range(len(tokens))]
    readings = list(_readings(tokens, options, current, ruled, 0, _State(), ()))
    if not readings:
        return None, []
    top = max(score for score, _ in readings)
    best = [choices for score, choices in readings if score == top]
    first = best[0]
    disputed = [
        t.value
        for n, t in enumerate(tokens)
        if t.value is not None and any(b[n].side != first[n].side for b in best)
    ]
    return list(first), [v for v in disputed if v is not None]


@dataclass(frozen=True)
class _State:
    """What a partial reading of a line has given each side so far."""

    last: int = -1
    starts: frozenset[int] = frozenset()
    joins: frozenset[int] = frozenset()
    figures: frozenset[int] = frozenset()
    score: int = 0
    label_side: int = -1  # the side of the token just read, when it was a label


def _readings(
    tokens: list[_Token],
    options: list[list[tuple[_Choice, int]]],
    current: list[_Cell | None],
    ruled: list[Decimal | None] | None,
    n: int,
    state: _State,
    chosen: tuple[_Choice, ...],
) -> Any:
    """Every valid reading of the line (sides increase along it; a side takes at most one new label, before its
    one figure, and one continued label), with its score."""
    if n == len(tokens):
        yield state.score, chosen
        return
    token = tokens[n]
    for choice, score in options[n]:
        side = choice.side
        if side < state.last:
            continue
        if token.value is not None:
            nxt = _with_figure(token.value, side, state, current, ruled)
        elif choice.start:
            if side in state.starts or side in state.figures or side in state.joins:
                continue
            nxt = _State(side, state.starts | {side}, state.joins, state.figures, state.score, side)
        else:
            if side in state.joins or (side not in state.starts and current[side] is None):
                continue
            nxt = _State(side, state.starts, state.joins | {side}, state.figures, state.score, side)
        if nxt is None:
            continue
        nxt = _State(nxt.last, nxt.starts, nxt.joins, nxt.figures, nxt.score + score, nxt.label_side)
        yield from _readings(tokens, options, current, ruled, n + 1, nxt, (*chosen, choice))


def _with_figure(
    value: Decimal, side: int, state: _State, current: list[_Cell | None], ruled: list[Decimal | None] | None
) -> _State | None:
    """A figure joins its side's row when that row has none yet (and, under a ruled row, its cell holds it)."""
    if side in state.figures:
        return None
    cell = current[side]
    waiting = side in state.starts or (cell is not None and not cell.figures)
    if not waiting or (
        ruled is not None and ruled[side] != value and not (ruled[side] is None and value == 0)
    ):
        return (
            None  # under a ruled row the figure is in its side's cell (a printed 0 may stand in an empty one)
        )
    adjacent = 1 if state.label_side == side else 0
    return _State(side, state.starts, state.joins, state.figures | {side}, state.score + adjacent, -1)
