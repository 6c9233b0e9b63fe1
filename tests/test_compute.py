"""Exact arithmetic and how figures are written: ROUND_HALF_UP, 万元 never rounded, zero wholes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.compute import amount, exact_in, per_month, percent, plain, ratio, to_yuan, total, yuan

D = Decimal


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        ("850000", "1792000", "47.43"),  # 47.4330…
        ("100000", "1792000", "5.58"),  # 5.5803…
        ("6720000", "10555000", "63.67"),  # 63.6665…
        ("1", "8", "12.50"),
        ("1", "3", "33.33"),
        ("2", "3", "66.67"),
        ("1", "800", "0.13"),  # 0.125 → half up
        ("1", "1600", "0.06"),  # 0.0625 → 0.06
        ("3", "1600", "0.19"),  # 0.1875 → 0.19
        ("0", "5", "0.00"),
        ("5", "5", "100.00"),
        ("-1", "8", "-12.50"),
    ],
)
def test_percent_rounds_half_up_to_two_decimals(part: str, whole: str, expected: str) -> None:
    result = percent(D(part), D(whole))
    assert result is not None
    assert str(result) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("300000", "20000", "15.00"),
        ("1", "8", "0.13"),
        ("5", "2", "2.50"),
        ("1", "3", "0.33"),
        ("2", "3", "0.67"),
    ],
)
def test_ratio_rounds_half_up(a: str, b: str, expected: str) -> None:
    assert str(ratio(D(a), D(b))) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("300000", "25000.00"),
        ("595600", "49633.33"),
        ("6", "0.50"),
        ("1", "0.08"),
        ("0.06", "0.01"),
        ("18", "1.50"),
    ],
)
def test_per_month_rounds_half_up(value: str, expected: str) -> None:
    assert str(per_month(D(value))) == expected


@pytest.mark.parametrize("fn", [percent, ratio])
@pytest.mark.parametrize("zero", ["0", "0.00", "-0"])
def test_zero_whole_gives_none(fn, zero: str) -> None:
    assert fn(D("100"), D(zero)) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10555000", "10,555,000元"),
        ("0", "0元"),
        ("1200", "1,200元"),
        ("999", "999元"),
        ("49633.33", "49,633.33元"),
        ("25000.00", "25,000元"),
        ("0.5", "0.50元"),
        ("-280000", "-280,000元"),
    ],
)
def test_yuan(value: str, expected: str) -> None:
    assert yuan(D(value)) == expected


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        ("1181680", "万元", "118.168万元"),
        ("158980", "万元", "15.898万元"),
        ("10555000", "万元", "1,055.50万元"),
        ("300000", "万元", "30.00万元"),
        ("1200", "万元", "0.12万元"),
        ("1", "万元", "0.0001万元"),
        ("0", "万元", "0.00万元"),
        ("12345678.9", "万元", "1,234.56789万元"),
        ("-280000", "万元", "-28.00万元"),
        ("150000", "亿元", "0.0015亿元"),
        ("123456789", "亿元", "1.23456789亿元"),
    ],
)
def test_exact_in_never_rounds(value: str, unit: str, expected: str) -> None:
    assert exact_in(D(value), unit) == expected


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        ("300000", None, "300,000元（30.00万元）"),
        ("1181680", None, "1,181,680元（118.168万元）"),
        ("10000", None, "10,000元（1.00万元）"),
        ("9999", None, "9,999元"),
        ("1200", None, "1,200元"),
        ("0", None, "0元"),
        ("300000", "万元", "30.00万元（300,000元）"),
        ("150000", "亿元", "0.0015亿元（150,000元）"),
        ("-280000", None, "-280,000元（-28.00万元）"),
    ],
)
def test_amount(value: str, unit: str | None, expected: str) -> None:
    assert amount(D(value), unit) == expected


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        ("15.00", "万元", "150000.00"),
        ("91.96", "万元", "919600.00"),
        ("300000", "元", "300000"),
        ("1", "亿元", "100000000"),
    ],
)
def test_to_yuan(value: str, unit: str, expected: str) -> None:
    assert str(to_yuan(D(value), unit)) == expected


def test_total_and_plain() -> None:
    assert total([]) == 0
    assert total([D("300000"), D("20000"), D("0.5")]) == D("320000.5")
    assert plain(D("1792000")) == "1,792,000"


def _parse_wan(text: str) -> Decimal:
    assert text.endswith("万元")
    return Decimal(text[: -len("万元")].replace(",", "")) * 10000


@given(st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False, allow_infinity=False))
def test_exact_in_round_trips(value: Decimal) -> None:
    shown = exact_in(value, "万元")
    assert _parse_wan(shown) == value
    whole, _, frac = shown[: -len("万元")].partition(".")
    assert len(frac) >= 2


@given(
    st.decimals(min_value=0, max_value=10**10, places=2, allow_nan=False, allow_infinity=False),
    st.decimals(min_value=D("0.01"), max_value=10**10, places=2, allow_nan=False, allow_infinity=False),
)
def test_percent_is_within_half_a_hundredth(part: Decimal, whole: Decimal) -> None:
    from fractions import Fraction

    result = percent(part, whole)
    assert result is not None
    true = Fraction(part) / Fraction(whole) * 100
    assert abs(Fraction(result) - true) <= Fraction(1, 200)
    assert result.as_tuple().exponent == -2
