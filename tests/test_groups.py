"""Rows printed without codes or levels, read as groups by their running sums."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assistant.groups import leaves


def _d(figures: str) -> list[Decimal]:
    return [Decimal(f) for f in figures.split()]


@pytest.mark.parametrize(
    ("figures", "whole", "expected"),
    [
        # 通用项目 / 大型活动 / 审计培训 / 购买服务 / 购买中介机构审计服务 / 专用项目 / 审计业务经费 / three projects
        ("3650000 150000 150000 3500000 3500000 4840507.5 4840507.5 2858680 1000000 981827.5", "8490507.5",
         [2, 4, 7, 8, 9]),
        # every row a project
        ("30 20 50", "100", [0, 1, 2]),
        # one group of two, then a project
        ("70 30 40 30", "100", [1, 2, 3]),
        # groups in groups
        ("100 60 10 50 40", "100", [2, 3, 4]),
        # two readings with different projects (a group of one, or two projects under a total of both): none
        ("10 10 10", "20", None),
        # no reading adds up to the whole
        ("30 20", "100", None),
        # a row of 0 or below is not read
        ("100 0 100", "100", None),
        ("", "0", None),
    ],
)  # fmt: skip
def test_leaves(figures: str, whole: str, expected: list[int] | None) -> None:
    assert leaves(_d(figures), Decimal(whole)) == expected


def test_rows_too_alike_to_tell_groups_apart_are_not_read() -> None:
    assert leaves(_d("1 " * 40), Decimal(30)) is None  # 10 of 40 rows head a group of one: which ones?
