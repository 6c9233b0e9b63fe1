"""Levels of rows printed without codes (names only): which row is a 类, a 款, a 项, a unit of a department.

A PDF shows the level by indentation: the name of a 款 starts further right in its cell than the name of its
类. Plain text has lost that, so there the level comes from the classification's own names (the 类 names of
the functional and economic classifications are few and fixed: `assistant/data/classification.toml`) and,
below a 类, from the figures in order: a 款 is followed by its 项, whose totals add up to it. A table with no
classification (units, projects) is one level under its total, or two when its first row restates the total
(a department above its units). Where the figures admit no single reading, the rows stay one level below
their 类 and the caller is told.
"""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from functools import cache
from pathlib import Path

from assistant.records import Row

FILE = Path(__file__).parent / "data" / "classification.toml"
_TOTAL = re.compile(r"^(合计|总计)$")
_STEP = 2.0  # points: indents closer than this are one level


@cache
def classification(name: str) -> tuple[int, frozenset[str]]:
    """A classification's depth (类/款/项 = 3) and the names of its 类."""
    spec = tomllib.loads(FILE.read_text(encoding="utf-8"))[name]
    return int(spec["depth"]), frozenset(spec["top"])


def name_levels(rows: list[Row], indents: list[float | None], classes: str = "") -> tuple[list[int], str]:
    """Each row's level (0 for the total) and a warning ('' when every level is certain)."""
    levels = [0 if _TOTAL.match(row.name) else 1 for row in rows]
    body = [r for r, level in enumerate(levels) if level]
    known = [indents[r] for r in body if indents[r] is not None]
    if body and len(known) == len(body) and len(_ranks(known)) > 1:  # one indent alone tells no level
        ranks = _ranks(known)
        for r in body:
            levels[r] = ranks[_rank_key(indents[r] or 0.0, ranks)] + 1
        return levels, ""
    if classes:
        return _by_classes(rows, levels, body, classes)
    return _by_restated_total(rows, levels, body), ""


def _ranks(indents: list[float]) -> dict[float, int]:
    """Distinct indents (within `_STEP` of each other counted once), smallest first, with their rank."""
    out: dict[float, int] = {}
    for value in sorted(indents):
        if not out or value - max(out) >= _STEP:
            out[value] = len(out)
    return out


def _rank_key(indent: float, ranks: dict[float, int]) -> float:
    return max(v for v in ranks if v <= indent + _STEP / 2)


def _by_restated_total(rows: list[Row], levels: list[int], body: list[int]) -> list[int]:
    """Units under a department: the first row with the total's own figures is the department."""
    total = next((r for r, level in enumerate(levels) if level == 0 and rows[r].numbers), None)
    if total is not None and len(body) > 1 and rows[body[0]].numbers == rows[total].numbers:
        for r in body[1:]:
            levels[r] = 2
    return levels


def _by_classes(rows: list[Row], levels: list[int], body: list[int], classes: str) -> tuple[list[int], str]:
    depth, top = classification(classes)
    heads = [r for r in body if rows[r].name in top]
    unsure = [r for r in body if r < (heads[0] if heads else len(rows))]
    for n, head in enumerate(heads):
        below = [r for r in body if head < r < (heads[n + 1] if n + 1 < len(heads) else len(rows))]
        found = _below(rows, head, below, depth)
        if found is None:
            found, unsure = [2] * len(below), unsure + below
        for r, level in zip(below, found, strict=True):
            levels[r] = level
    warning = ""
    if unsure:
        lines = "、".join(str(rows[r].line) for r in unsure[:5])
        warning = f"第{lines}行无科目编码，层级（类/款/项）无法由名称和数字唯一确定"
    return levels, warning


def _below(rows: list[Row], head: int, below: list[int], depth: int) -> list[int] | None:
    """The levels of the rows under one 类: every row a 款 (depth 2), or 款 each followed by its 项 whose
    first figures (合计) add up to it, the 款 adding up to the 类; None unless exactly one reading fits."""
    values = [_first(rows[r]) for r in below]
    total = _first(rows[head])
    if depth < 3 or not below:
        return [2] * len(below)
    found = _splits(values, 0, total, limit=2)
    return found[0] if len(found) == 1 else None


def _first(row: Row) -> Decimal:
    return row.numbers[0] if row.numbers else Decimal(0)


def _splits(values: list[Decimal], start: int, rest: Decimal, limit: int) -> list[list[int]]:
    """Readings of values[start:] as 款 followed by their 项 (each 款 = Σ its 项), the 款 adding up to `rest`."""
    if start == len(values):
        return [[]] if rest == 0 else []
    out: list[list[int]] = []
    running = Decimal(0)
    for end in range(start + 1, len(values)):
        running += values[end]
        if running == values[start]:
            for tail in _splits(values, end + 1, rest - values[start], limit - len(out)):
                out.append([2] + [3] * (end - start) + tail)
                if len(out) >= limit:
                    return out
    return out
