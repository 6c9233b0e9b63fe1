"""Operations across documents: pure functions over figures that keep their documents."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant import across
from assistant.answer import across as compose_across
from assistant.catalog import DocKey, Entry
from assistant.resolve import Item


def figure(doc: str, unit: str, value: str | int | None, year: int = 2026) -> across.Figure:
    item = None if value is None else Item("项目支出", Decimal(value))
    return across.Figure(Entry(doc, DocKey(unit, year, "单位预算")), item)


A, B, C = figure("a", "甲中心", 300), figure("b", "乙中心", 100), figure("c", "丙中心", 200)


@pytest.mark.parametrize(
    ("question", "series", "corpus", "op"),
    [
        ("两者相差多少", False, False, "compare"),
        ("前者是后者的几倍", False, False, "compare"),
        ("哪个最多", False, False, "rank"),
        ("合计多少", False, False, "sum"),
        ("分别是多少", False, False, "list"),
        ("安排了公务用车购置费的单位有几个", False, True, "count"),
        ("三公经费最多的单位", False, True, "rank"),
        ("人员经费", False, True, "rank"),
        ("增长了多少", True, False, "series"),
        ("三年加起来是多少", True, False, "sum"),
        ("审计局占两家合计的比例", False, False, "share"),
    ],
)
def test_operation_detected(question: str, series: bool, corpus: bool, op: str) -> None:
    assert across.detect(question, series, corpus) == op


def test_compare_two_units() -> None:
    result = across.run("compare", "前者是后者的几倍", [A, B])
    assert result.difference == Decimal(200)
    assert result.ratio == Decimal("3.00") and result.show_ratio


def test_rank_orders_and_keeps_ties() -> None:
    tie = figure("d", "丁中心", 300)
    result = across.run("rank", "哪个最多", [A, B, C, tie])
    assert [f.entry.id for f in result.figures] == ["a", "d", "c", "b"]
    assert [f.entry.id for f in result.ties] == ["a", "d"]
    low = across.run("rank", "倒数第二", [A, B, C])
    assert low.order == "min" and low.nth == 2 and low.figures[1].entry.id == "c"


def test_missing_items_are_named_not_counted_as_zero() -> None:
    result = across.run("rank", "最多", [A, figure("x", "无此项中心", None)])
    assert [e.id for e in result.missing] == ["x"]
    assert [f.entry.id for f in result.figures] == ["a"]


@pytest.mark.parametrize(
    ("question", "meeting"),
    [("安排了它的单位有几个", {"a", "c"}), ("为0的单位有几个", {"z", "x"}), ("超过250的单位有几个", {"a"})],
)
def test_counts_of_units_meeting_a_condition(question: str, meeting: set[str]) -> None:
    result = across.run("count", question, [A, C, figure("z", "零中心", 0), figure("x", "无中心", None)])
    assert {f.entry.id for f in result.figures} == meeting and result.count == len(meeting)


def test_series_measures_change_between_the_years_named() -> None:
    years = [
        figure("w23", "万里", 100, 2023),
        figure("w24", "万里", 150, 2024),
        figure("w25", "万里", 120, 2025),
    ]
    result = across.run("series", "增长多少", years, (2023, 2025))
    assert result.difference == Decimal(20) and result.percent == Decimal("20.00")
    assert result.nth == 2024  # the highest year
    default = across.run("series", "增长多少", years)
    assert [f.entry.id for f in default.ties] == ["w23", "w25"]


def test_share_of_the_total() -> None:
    result = across.run("share", "甲占两家合计的比例", [A, B])
    assert result.total == Decimal(400) and result.percent == Decimal("75.00")


amounts = st.decimals(min_value=0, max_value=10**10, places=2, allow_nan=False, allow_infinity=False)


@given(st.lists(amounts, min_size=3, max_size=12))
def test_sum_and_rank_are_exact(values: list[Decimal]) -> None:
    figures = [figure(f"d{n}", f"单位{n}", v) for n, v in enumerate(values)]
    assert across.run("sum", "合计", figures).total == sum(values, Decimal(0))
    ranked = across.run("rank", "最多", figures).figures
    assert [f.value for f in ranked] == sorted(values, reverse=True)


@given(amounts, amounts)
def test_compare_difference_is_exact(a: Decimal, b: Decimal) -> None:
    result = across.run("compare", "相差多少", [figure("a", "甲", a), figure("b", "乙", b)])
    assert result.difference == a - b


def test_every_figure_is_named_by_its_unit_and_cited_to_its_document() -> None:
    answer = compose_across(across.run("compare", "相差多少", [A, B]), None, "")
    assert "**甲中心**：300元" in answer.text and "**乙中心**：100元" in answer.text
    assert {v.label for v in answer.values} == {"甲中心 项目支出", "乙中心 项目支出"}
    years = compose_across(across.run("list", "", [A, figure("e", "戊中心", 5, 2024)]), None, "")
    assert "甲中心（2026年）" in years.text and "戊中心（2024年）" in years.text
