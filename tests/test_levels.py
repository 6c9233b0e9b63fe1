"""Levels of rows printed without codes: indentation, the classification's 类 names and the figures in order."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assistant.levels import classification, name_levels
from assistant.records import Row

D = Decimal


def _rows(*printed: tuple[str, str]) -> list[Row]:
    return [Row("", name, 0, n + 1, "", (D(figure),)) for n, (name, figure) in enumerate(printed)]


FUNCTION = _rows(
    ("合计", "5753.07"),
    ("科学技术支出", "28.00"),
    ("技术研究与开发", "28.00"),
    ("科技成果转化与扩散", "28.00"),
    ("社会保障和就业支出", "396.67"),
    ("行政事业单位养老支出", "396.67"),
    ("行政单位离退休", "193.24"),
    ("机关事业单位基本养老保险缴费支出", "135.62"),
    ("机关事业单位职业年金缴费支出", "67.81"),
)


@pytest.mark.parametrize(
    ("indents", "classes", "expected"),
    [
        # a PDF: 类 flush left, 款 and 项 further in (the total's own indent does not count)
        ([5.4, 5.4, 15.4, 25.4, 5.4, 15.4, 25.4, 25.4, 25.4], "", [0, 1, 2, 3, 1, 2, 3, 3, 3]),
        ([5.4, 5.4, 15.9, 25.0, 5.4, 15.4, 25.4, 25.4, 25.4], "function", [0, 1, 2, 3, 1, 2, 3, 3, 3]),
        # plain text: 类 by name, then 款 = Σ its 项 in order
        ([None] * 9, "function", [0, 1, 2, 3, 1, 2, 3, 3, 3]),
    ],
)
def test_function_levels(indents, classes, expected):
    assert name_levels(FUNCTION, indents, classes) == (expected, "")


def test_indents_that_do_not_differ_leave_the_levels_to_the_names():
    levels, warning = name_levels(FUNCTION, [5.4] * 9, "function")
    assert levels == [0, 1, 2, 3, 1, 2, 3, 3, 3] and warning == ""


def test_one_indent_alone_leaves_the_levels_to_the_figures():
    # projects printed in a column of their own under their 一级项目, every name at the same indent in its cell
    rows = _rows(
        ("合计", "474.56"), ("综合管理", "474.56"), ("信访专项经费", "30.00"), ("驻京经费", "444.56")
    )
    assert name_levels(rows, [3.0] * 4) == ([0, 1, 2, 2], "")


def test_economic_rows_are_two_levels():
    rows = _rows(
        ("合计", "3745.07"), ("工资福利支出", "2709.90"), ("基本工资", "98.00"), ("商品和服务支出", "760.37")
    )
    assert name_levels(rows, [None] * 4, "economic") == ([0, 1, 2, 1], "")


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        # the department restates 合计; its units follow
        (
            [
                ("合计", "5876.67"),
                ("杭州市气象局", "5876.67"),
                ("杭州市气象局", "5011.05"),
                ("服务中心", "865.62"),
            ],
            [0, 1, 2, 2],
        ),
        # units straight under 合计
        ([("合计", "24.02"), ("杭州市气象局", "13.13"), ("服务中心", "10.89")], [0, 1, 1]),
    ],
)
def test_units_under_their_total(printed, expected):
    assert name_levels(_rows(*printed), [None] * len(printed)) == (expected, "")


def test_figures_that_fit_no_reading_are_reported():
    # under a 类 of 9: 款 5 = 3 + 2, then 4 would be a 款 without 项; no reading adds up
    rows = _rows(("合计", "9"), ("教育支出", "9"), ("a", "5"), ("b", "3"), ("c", "2"), ("d", "4"))
    levels, warning = name_levels(rows, [None] * 6, "function")
    assert levels == [0, 1, 2, 2, 2, 2]
    assert warning == "第3、4、5、6行无科目编码，层级（类/款/项）无法由名称和数字唯一确定"


def test_the_classifications_name_their_top_level():
    depth, top = classification("function")
    assert depth == 3 and {"一般公共服务支出", "自然资源海洋气象等支出", "住房保障支出"} <= top
    depth, top = classification("economic")
    assert depth == 2 and {"工资福利支出", "商品和服务支出", "对个人和家庭的补助", "资本性支出"} <= top
