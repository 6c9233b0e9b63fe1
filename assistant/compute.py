"""Exact arithmetic on budget figures with `Decimal`, and how figures are written.

Every computed figure comes with its formula, written with the operands as printed, so a reader can redo it.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

UNIT_FACTOR = {"元": Decimal(1), "万元": Decimal(10000), "亿元": Decimal(100000000)}
CENT = Decimal("0.01")


def to_yuan(value: Decimal, unit: str) -> Decimal:
    """A figure in 元 (the 三公 table and the narrative print 万元)."""
    return value * UNIT_FACTOR.get(unit, Decimal(1))


def states(value: Decimal, unit: str, exact: Decimal) -> bool:
    """Whether a figure the text states in `unit` (万元 to the cent: 25.00万元) is `exact` yuan: within half a
    cent of that unit; in 元, exactly."""
    tolerance = to_yuan(Decimal("0.005"), unit) if unit != "元" else Decimal(0)
    return abs(to_yuan(value, unit) - exact) <= tolerance


def total(values: list[Decimal]) -> Decimal:
    return sum(values, Decimal(0))


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    """part ÷ whole × 100, to two decimals (None when the whole is zero)."""
    if whole == 0:
        return None
    return (part / whole * 100).quantize(CENT, rounding=ROUND_HALF_UP)


def ratio(a: Decimal, b: Decimal) -> Decimal | None:
    if b == 0:
        return None
    return (a / b).quantize(CENT, rounding=ROUND_HALF_UP)


def per_month(value: Decimal) -> Decimal:
    return (value / 12).quantize(CENT, rounding=ROUND_HALF_UP)


def yuan(value: Decimal) -> str:
    """10555000 → '10,555,000元'; cents kept when present."""
    if value == value.to_integral_value():
        return f"{int(value):,}元"
    return f"{value.quantize(CENT, rounding=ROUND_HALF_UP):,}元"


def exact_in(value: Decimal, unit: str) -> str:
    """A yuan amount in 万元/亿元, exact (never rounded), at least two decimals: 1181680 → '118.168万元'."""
    scaled = value / UNIT_FACTOR[unit]
    text = format(scaled.normalize(), "f")
    whole, _, frac = text.partition(".")
    frac = frac.ljust(2, "0")
    return (
        f"{int(whole):,}.{frac}{unit}" if not whole.startswith("-") else f"-{int(whole[1:]):,}.{frac}{unit}"
    )


def amount(value: Decimal, unit: str | None = None) -> str:
    """How an amount is shown: 元 with its 万元 equivalent, or first in the unit asked for."""
    if unit in ("万元", "亿元"):
        return f"{exact_in(value, unit)}（{yuan(value)}）"
    if abs(value) >= 10000:
        return f"{yuan(value)}（{exact_in(value, '万元')}）"
    return yuan(value)


def plain(value: Decimal) -> str:
    """An operand inside a formula: 850,000."""
    return yuan(value)[:-1]
