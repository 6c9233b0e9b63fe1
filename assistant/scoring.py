"""Scoring one answer against the expectations of one evaluation question.

`score(expect, answer, category)` returns the reasons the answer fails (an empty list is a pass). The
rules, in the words of the design ("every number exact and traceable, precise, not a dump"):

- Figures are read from the answer text after full-width digits, `．`, `％` and `（）` are made
  half-width. A figure is a number (`10,555,000`, `1055.50`) with an optional unit right after it
  (spaces allowed): 元, 千元, 万元/万, 亿元/亿, %, 倍 or a counter word (个 项 辆 台 套 人 家 类 款 条).
  Not figures: years and dates (a number followed by 年, 年度, 月 or 日), budget codes (`208 05 01`,
  `301 02`, and a 3-digit class code followed by its name, `208 社会保障和就业支出`), list ordinals at
  the start of a line (`1.`, `2、`, `(3)`), `(1)`-style ordinals and `第N`, and digits glued to letters
  (`d001`). Signs are ignored: direction (增加/减少) is said in words and checked by `keywords`.
- `amounts` (yuan): each must be shown in some unit. A figure counts when it is exact, or when it is a
  correct rounding (off by at most half a unit of its last shown digit) that is also finer than 0.01%
  of the amount (|shown - expected| <= 0.0001 x |expected|): `1,055.5万元` and `1055.50 万元` show
  10,555,000; `1,056万元` does not. A bare number counts as 元 only when written with thousands
  separators or equal to the amount. Amount 0 needs a zero figure. `any_amounts`: at least one shown.
- `percents`: each shown as `x%`, with at least one decimal unless the expected value is an integer,
  and equal to the expected value rounded to the shown decimals (half a unit of the last digit + 1e-9).
- `ratios`: as percents, for a figure followed by 倍 or with no unit (`3.5倍`, `3.50`).
- `counts`: an integer, bare or followed by a counter word (`0台`, `12个`).
- `names`, `keywords`: substrings that must all appear; `any_keywords`: at least one; `forbid`:
  substrings that must not appear (all compared with parentheses made half-width).
- `cite`: one of the keys is a substring of some citation's table, section, row, column or quote. Every
  answer that is not a refusal needs at least one citation.
- `refuse: true`: the route must be `refuse` or `clarify`; otherwise it must not be, unless the
  expectation only forbids (a non-question turn may get a short reply).
- Not a dump: at most 3,000 characters and at most 12 distinct figures (24 for the categories
  `breakdown` and `rank`), counted over the whole text. Money figures (元/万元/亿元 or bare) are distinct
  by their value in yuan (`10,555,000元` and `1,055.5万元` are one figure), other figures by value and
  unit (`5%` and `5台` are two); years, codes and ordinals are not counted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_ANSWER_CHARS = 3000
MAX_FIGURES = 12
MAX_FIGURES_LISTING = 24
LISTING_CATEGORIES = frozenset({"breakdown", "rank"})
# what an answer must show; an expectation with none of these (only `forbid`) accepts a short reply or
# a refusal: 好的谢谢 after a figure must not repeat it, and need not answer anything
POSITIVE_KEYS = (
    "amounts",
    "any_amounts",
    "percents",
    "ratios",
    "counts",
    "names",
    "keywords",
    "any_keywords",
    "cite",
)
ROUNDING_TOLERANCE = Decimal("0.0001")  # 0.01% of the expected amount
PERCENT_SLACK = Decimal("1e-9")

NUMBER_KEYS = ("amounts", "any_amounts", "percents", "ratios", "counts")
TEXT_KEYS = ("names", "keywords", "any_keywords", "forbid", "cite")
EXPECT_KEYS = frozenset((*NUMBER_KEYS, *TEXT_KEYS, "refuse"))

YUAN_UNITS = {"元": 1, "千元": 1000, "万元": 10**4, "万": 10**4, "亿元": 10**8, "亿": 10**8}
COUNTER_WORDS = "个项辆台套人家类款条"
_DATE_UNITS = frozenset({"年", "年度", "月", "日"})

_HALF_WIDTH = str.maketrans("０１２３４５６７８９．％（）", "0123456789.%()")
_FIGURE = re.compile(
    r"(?<![0-9A-Za-z.,_])(?P<num>[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?)(?![0-9])"
    rf"[ \t\u3000]*(?P<unit>亿元|亿|万元|万|千元|元|%|倍|年度|年|月|日|[{COUNTER_WORDS}])?"
)
_NOT_FIGURES = (
    # budget codes: 类 款 项 as "208 05 01" / "301 02"
    re.compile(r"(?<![0-9.,])[0-9]{3}(?:[ \u3000][0-9]{2}){1,2}(?![0-9.,])"),
    # a 3-digit class code followed by its name: "208 社会保障和就业支出"
    re.compile(rf"(?<![0-9.,])[0-9]{{3}}(?=[ \u3000]+(?![亿万千元年月日{COUNTER_WORDS}])[\u4e00-\u9fff])"),
    # list ordinals at the start of a line, also of a quoted line: "1. ", "2、", "(3)", "- 4.", "> 5."
    re.compile(r"(?m)^[ \t]*(?:[-*+][ \t]+|>[ \t]*)?[0-9]{1,2}(?:[.、](?![0-9])|\))"),
    re.compile(r"\([0-9]{1,2}\)|第[0-9]+"),
)


@dataclass(frozen=True)
class Figure:
    """A number as shown in an answer, with the unit written right after it ("" when none)."""

    text: str
    value: Decimal
    decimals: int  # digits shown after the decimal point
    unit: str
    grouped: bool  # written with thousands separators


def normalise(text: str) -> str:
    """Make full-width digits, `．`, `％` and parentheses half-width, so 全角 and 半角 compare equal."""
    return text.translate(_HALF_WIDTH)


def figures(text: str) -> list[Figure]:
    """The figures of an answer text, in order, skipping years, dates, budget codes and ordinals."""
    text = normalise(text)
    for pattern in _NOT_FIGURES:
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    found = []
    for match in _FIGURE.finditer(text):
        unit = match.group("unit") or ""
        if unit in _DATE_UNITS:
            continue
        number = match.group("num")
        digits = number.replace(",", "")
        decimals = len(digits.split(".")[1]) if "." in digits else 0
        found.append(Figure(match.group(0).strip(), Decimal(digits), decimals, unit, "," in number))
    return found


def distinct_figures(text: str) -> int:
    """How many distinct numeric values the text shows (the "not a dump" measure)."""
    keys = set()
    for figure in figures(text):
        if figure.unit in YUAN_UNITS or figure.unit == "":
            keys.add(("元", (figure.value * YUAN_UNITS.get(figure.unit, 1)).normalize()))
        else:
            keys.add((figure.unit, figure.value.normalize()))
    return len(keys)


def figure_limit(category: str) -> int:
    return MAX_FIGURES_LISTING if category in LISTING_CATEGORIES else MAX_FIGURES


def _half_unit(decimals: int) -> Decimal:
    return Decimal(1).scaleb(-decimals) / 2


def shows_amount(figure: Figure, amount: Decimal) -> bool:
    """Whether `figure` shows `amount` yuan: exactly, or correctly rounded finer than 0.01%."""
    target = abs(amount)
    if figure.unit in YUAN_UNITS:
        multiplier = Decimal(YUAN_UNITS[figure.unit])
    elif figure.unit == "" and (figure.grouped or figure.value == target):
        multiplier = Decimal(1)
    else:
        return False
    difference = abs(figure.value * multiplier - target)
    if difference == 0:
        return True
    if target == 0:
        return False
    return (
        difference <= _half_unit(figure.decimals) * multiplier and difference <= target * ROUNDING_TOLERANCE
    )


def shows_rounded(figure: Figure, expected: Decimal) -> bool:
    """Whether `figure` is `expected` rounded to its shown decimals (integers only when exact)."""
    target = abs(expected)
    if figure.decimals == 0 and target != target.to_integral_value():
        return False
    return abs(figure.value - target) <= _half_unit(figure.decimals) + PERCENT_SLACK


def shows_percent(figure: Figure, expected: Decimal) -> bool:
    return figure.unit == "%" and shows_rounded(figure, expected)


def shows_ratio(figure: Figure, expected: Decimal) -> bool:
    return figure.unit in ("倍", "") and shows_rounded(figure, expected)


def shows_count(figure: Figure, expected: Decimal) -> bool:
    return (
        (figure.unit == "" or figure.unit in COUNTER_WORDS)
        and figure.decimals == 0
        and figure.value == abs(expected)
    )


def to_decimal(value: Any) -> Decimal:
    """An expectation number (int, float or numeric string) as Decimal; floats via their repr."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError(f"not a number: {value!r}")
    try:
        number = Decimal(str(value).replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return number


def validate_expect(expect: Any) -> list[str]:
    """Problems with an `expect` object (unknown keys, wrong types); empty when it can be scored."""
    if not isinstance(expect, dict):
        return ["expect must be an object"]
    problems = [f"unknown expect key {key!r}" for key in expect if key not in EXPECT_KEYS]
    for key in NUMBER_KEYS:
        values = expect.get(key, [])
        if not isinstance(values, list):
            problems.append(f"expect.{key} must be a list")
            continue
        for value in values:
            try:
                to_decimal(value)
            except ValueError as err:
                problems.append(f"expect.{key}: {err}")
    for key in TEXT_KEYS:
        values = expect.get(key, [])
        if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
            problems.append(f"expect.{key} must be a list of non-empty strings")
    if not isinstance(expect.get("refuse", False), bool):
        problems.append("expect.refuse must be true or false")
    return problems


def _citation_fields(citations: Any) -> list[str]:
    fields = []
    for citation in citations if isinstance(citations, list) else []:
        if isinstance(citation, dict):
            fields += [
                normalise(str(citation.get(k) or ""))
                for k in ("document", "table", "section", "row", "column", "quote")
            ]
    return fields


def _show(value: Decimal, unit: str) -> str:
    return f"{value:,}{unit}" if unit == "元" else f"{value}{unit}"


def _missing_numbers(
    kind: str, values: Iterable[Any], shown: list[Figure], test: Any, unit: str, need_all: bool
) -> list[str]:
    expected = [to_decimal(v) for v in values]
    hits = [any(test(figure, value) for figure in shown) for value in expected]
    if need_all:
        return [
            f"{kind} {_show(v, unit)} not shown" for v, hit in zip(expected, hits, strict=True) if not hit
        ]
    if expected and not any(hits):
        return [f"none of the {kind}s {', '.join(_show(v, unit) for v in expected)} shown"]
    return []


def score(expect: dict[str, Any], answer: dict[str, Any], category: str = "") -> list[str]:
    """Why `answer` (the JSON answer contract) fails `expect`; [] when it passes. Rules: module docstring."""
    text = normalise(str(answer.get("answer") or ""))
    route = str(answer.get("route") or "")
    citations = answer.get("citations") or []
    shown = figures(text)
    reasons: list[str] = []

    declined = route in ("refuse", "clarify")
    if expect.get("refuse"):
        if not declined:
            reasons.append(f"expected a refusal, got route {route or '(none)'!r}")
    elif declined and any(expect.get(k) for k in POSITIVE_KEYS):
        reasons.append("refused an answerable question")
    if not declined and not citations:
        reasons.append("no citation")

    reasons += _missing_numbers("amount", expect.get("amounts", []), shown, shows_amount, "元", True)
    reasons += _missing_numbers("amount", expect.get("any_amounts", []), shown, shows_amount, "元", False)
    reasons += _missing_numbers("percent", expect.get("percents", []), shown, shows_percent, "%", True)
    reasons += _missing_numbers("ratio", expect.get("ratios", []), shown, shows_ratio, "", True)
    reasons += _missing_numbers("count", expect.get("counts", []), shown, shows_count, "", True)

    for key, label in (("names", "name"), ("keywords", "keyword")):
        reasons += [f"missing {label} {s!r}" for s in expect.get(key, []) if normalise(s) not in text]
    any_keywords = expect.get("any_keywords", [])
    if any_keywords and not any(normalise(s) in text for s in any_keywords):
        reasons.append(f"none of the keywords {any_keywords} present")
    reasons += [f"forbidden text {s!r} present" for s in expect.get("forbid", []) if normalise(s) in text]

    cite = expect.get("cite", [])
    fields = _citation_fields(citations)
    if cite and "no citation" not in reasons and not any(normalise(k) in f for k in cite for f in fields):
        reasons.append(f"no citation from {cite}")

    if len(text) > MAX_ANSWER_CHARS:
        reasons.append(f"answer too long: {len(text)} characters > {MAX_ANSWER_CHARS}")
    count, limit = distinct_figures(text), figure_limit(category)
    if count > limit:
        reasons.append(f"too many figures: {count} distinct > {limit}")
    return reasons
