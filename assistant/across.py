"""Operations across documents: compare units, rank them, add up or count over them, follow one unit
across years. Each takes figures already resolved per document (every `Figure` keeps its document) and
returns numbers, never text; `answer.py` words them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from assistant import datafiles
from assistant.catalog import Entry
from assistant.compute import percent, ratio, total
from assistant.resolve import Item

_CN = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def wording() -> dict[str, Any]:
    """Operation wording across documents (assistant/data/across.toml)."""
    return datafiles.load("across.toml")


@dataclass(frozen=True)
class Figure:
    """One document's figure for the term asked about (None when the document has no such item)."""

    entry: Entry
    item: Item | None

    @property
    def value(self) -> Decimal:
        assert self.item is not None
        return self.item.value


@dataclass
class Result:
    op: str  # list | compare | rank | sum | count | series
    figures: list[Figure]  # the documents' figures used, in the order shown
    missing: list[Entry] = field(default_factory=list)  # documents without the item
    difference: Decimal | None = None
    ratio: Decimal | None = None
    percent: Decimal | None = None  # growth rate of a series, or a share
    total: Decimal | None = None
    count: int | None = None
    order: str = "max"
    top: int = 1
    nth: int | None = None
    ties: list[Figure] = field(default_factory=list)
    reverse: bool = False  # 后者是前者的几倍
    show_ratio: bool = False  # the question asks how many times


def detect(q: str, series: bool, corpus: bool) -> str:
    """The operation a question over several documents asks for."""
    if series:
        return "sum" if re.search(dict(wording()["ops"])["sum"], q) else "series"
    for op, pattern in wording()["ops"]:
        if re.search(pattern, q):
            if op == "count" and not corpus:
                continue
            return op
    return "rank" if corpus else "list"


def run(op: str, q: str, figures: list[Figure], years: tuple[int, ...] = ()) -> Result:
    """`years` are the years a question names: a series measures its change between them."""
    found = [f for f in figures if f.item is not None]
    missing = [f.entry for f in figures if f.item is None]
    if op == "count":
        return count(q, figures)
    if op == "series":
        result = series(q, found, years)
        result.missing = missing
        return result
    handler = {"rank": rank, "sum": add_up, "compare": compare, "share": share}.get(op)
    if op == "rank" and len(found) == 2 and not re.search(r"第|前[一二两三四五六七八九十\d]", q):
        handler = compare  # 哪家多，多多少: two units, each figure and the difference
    result = handler(q, found) if handler else Result("list", found)
    result.missing = missing
    return result


def compare(q: str, found: list[Figure]) -> Result:
    if len(found) != 2:
        return rank(q, found) if len(found) > 2 else Result("list", found)
    a, b = found
    reverse = bool(re.search(wording()["reverse"], q))
    x, y = (b, a) if reverse else (a, b)
    return Result(
        "compare",
        found,
        difference=a.value - b.value,
        ratio=ratio(x.value, y.value),
        reverse=reverse,
        show_ratio=bool(re.search(wording()["times"], q)),
    )


def rank(q: str, found: list[Figure]) -> Result:
    if re.search(wording()["nonzero"], q):
        found = [f for f in found if f.value != 0]  # 在有机关运行经费的单位里…最少
    order = "min" if re.search(wording()["min"], q) else "max"
    ordered = sorted(found, key=lambda f: f.value, reverse=order == "max")
    top = _number(re.search(r"(?:前|(?:最|排名)(?:多|少|高|低|大|小)的)([一二两三四五六七八九十\d]+)", q))
    nth = _number(re.search(r"第([一二两三四五六七八九十\d]+)", q))
    result = Result("rank", ordered, order=order, top=top or 1, nth=nth)
    lead = ordered[(nth or 1) - 1] if ordered and (nth or 1) <= len(ordered) else None
    result.ties = [f for f in ordered if lead is not None and f.value == lead.value]
    return result


def add_up(q: str, found: list[Figure]) -> Result:
    return Result("sum", found, total=total([f.value for f in found]))


def count(q: str, figures: list[Figure]) -> Result:
    """Units meeting a condition: having the item (default), having none or zero, above or below a number."""
    test, bound = "having", Decimal(0)
    for pattern, name in wording()["conditions"]:
        m = re.search(pattern, q)
        if m:
            test = name
            number = next((g for g in m.groups()[1:] if g), None) if m.groups() else None
            bound = Decimal(number) if number else Decimal(0)
            break
    checks = {
        "having": lambda f: f.item is not None and f.value != 0,
        "zero": lambda f: f.item is None or f.value == 0,
        "above": lambda f: f.item is not None and f.value > bound,
        "below": lambda f: f.item is not None and f.value < bound,
    }
    meeting = [f for f in figures if checks[test](f)]
    result = Result("count", meeting, count=len(meeting))
    result.order = test
    result.total = bound
    return result


def share(q: str, found: list[Figure]) -> Result:
    """审计局占两家合计的比例: the first unit's figure over the sum of all."""
    whole = total([f.value for f in found])
    result = Result("share", found, total=whole)
    if found:
        result.percent = percent(found[0].value, whole)
    return result


def series(q: str, found: list[Figure], years: tuple[int, ...] = ()) -> Result:
    ordered = sorted(found, key=lambda f: f.entry.key.year)
    result = Result("series", ordered)
    if len(ordered) >= 2:
        first, last = _pair(ordered, years)
        result.difference = last.value - first.value
        result.percent = percent(result.difference, first.value)
        result.ratio = ratio(last.value, first.value)
        result.show_ratio = bool(re.search(wording()["times"], q))
        result.ties = [first, last]
    if ordered:
        top = (
            max(ordered, key=lambda f: f.value)
            if not re.search(wording()["min"], q)
            else min(ordered, key=lambda f: f.value)
        )
        result.order = "min" if re.search(wording()["min"], q) else "max"
        result.nth = top.entry.key.year
    return result


def _pair(ordered: list[Figure], years: tuple[int, ...]) -> tuple[Figure, Figure]:
    """The two years a change is measured between: the earliest and latest named, else first and last."""
    named = [f for f in ordered if f.entry.key.year in years]
    if len(named) >= 2:
        return named[0], named[-1]
    return ordered[0], ordered[-1]


def _number(m: re.Match[str] | None) -> int | None:
    if not m:
        return None
    word = m.group(1)
    if word.isdigit():
        return int(word)
    if word == "十":
        return 10
    return _CN.get(word)
