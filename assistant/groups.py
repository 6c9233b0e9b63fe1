"""Rows printed one under another without codes or indentation, read as groups by their running sums.

Xi'an's 专项业务经费支出表 lists, under the unit, 通用项目 3,650,000 / 大型活动 150,000 / 审计培训 150,000 /
购买服务 3,500,000 / 购买中介机构审计服务 3,500,000 / 专用项目 …: a row heads a group when the rows after it add
up to it. The projects are the rows that head no group. A reading must use every row and add up to the total;
when two readings disagree on which rows are leaves, there is no answer (None), never a guess.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache

Reading = tuple[int, tuple[int, ...]]  # (the row after the last one read, the leaves read)

LIMIT = 60  # rows; beyond that the readings are not searched
READINGS = 256  # readings of one run of rows; beyond that the rows are too alike to tell groups apart


class _Ambiguous(Exception):
    """Too many readings to search."""


def leaves(values: list[Decimal], whole: Decimal) -> list[int] | None:
    """The indices of the rows that head no group, when exactly one set of them reads every row as groups
    adding up to `whole`; None when no reading or several disagree."""
    if not values or len(values) > LIMIT or any(v <= 0 for v in values):
        return None
    try:
        found = {read for end, read in _readings(tuple(values), 0, whole) if end == len(values)}
    except _Ambiguous:
        return None
    finally:
        _readings.cache_clear()
    return list(found.pop()) if len(found) == 1 else None


@cache
def _readings(values: tuple[Decimal, ...], start: int, target: Decimal) -> frozenset[Reading]:
    """Every way the rows from `start` read as siblings adding up to `target`, each a leaf or a group head
    followed by its own rows."""
    if target == 0:
        return frozenset({(start, ())})
    out: set[Reading] = set()
    if start >= len(values) or values[start] > target:
        return frozenset()
    value, rest = values[start], target - values[start]
    for end, read in _readings(values, start + 1, rest):  # a leaf
        out.add((end, (start, *read)))
    for inner_end, inner in _readings(values, start + 1, value):  # a group head: its rows, then its siblings
        for end, read in _readings(values, inner_end, rest):
            out.add((end, inner + read))
    if len(out) > READINGS:
        raise _Ambiguous
    return frozenset(out)
