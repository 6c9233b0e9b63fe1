"""A table row printed over several lines is put back on one line: by the PDF's ruled rows, or in plain text by
sharing the name lines around each figure line the way centred text prints."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assistant.align import row_candidates
from assistant.records import GridRow
from assistant.rowjoin import (
    drop_vertical_text,
    join_broken_figures,
    join_centred_labels,
    join_ruled,
    join_wrapped,
)
from assistant.tables import split_figures

D = Decimal


def _fragment(line: str) -> bool:
    name, figures = split_figures(line)
    return bool(name) and not figures


@pytest.mark.parametrize(
    ("printed", "joined"),
    [
        (
            [
                "合计 5,876.67 5,876.67",
                "杭州市气象局 5,876.67 5,876.67",
                "杭州市气象",
                "5,011.05 5,011.05",
                "局",
                "杭州市气象",
                "服务中心（杭",
                "865.62 865.62",
                "州市预警信息",
                "发布中心）",
            ],
            [
                "合计 5,876.67 5,876.67",
                "杭州市气象局 5,876.67 5,876.67",
                "杭州市气象局 5,011.05 5,011.05",
                "杭州市气象服务中心（杭州市预警信息发布中心） 865.62 865.62",
            ],
        ),
        (
            # three name lines: the figures share the middle one
            [
                "杭州市富春",
                "强制隔离戒毒 4,920.05 4,757.75",
                "所",
                "杭州市法律",
                "1,112.70 1,112.70",
                "援助中心",
            ],
            ["杭州市富春强制隔离戒毒所 4,920.05 4,757.75", "杭州市法律援助中心 1,112.70 1,112.70"],
        ),
        (
            ["工资福利支出 8,490.42", "机关事业单位基本养老保险缴", "596.89", "费", "职业年金缴费 298.45"],
            ["工资福利支出 8,490.42", "机关事业单位基本养老保险缴费 596.89", "职业年金缴费 298.45"],
        ),
    ],
)
def test_wrapped_names_join_their_figure_line(printed, joined):
    lines, data = join_wrapped(printed, list(range(len(printed))), _fragment)
    assert [lines[i] for i in data] == joined


def _ruled(values: tuple, first: int) -> GridRow:
    return GridRow((tuple(D(v) if v is not None else None for v in values),), first=first)


def test_the_lines_of_one_ruled_row_are_one_row():
    printed = [
        "2080505 机关事业单位",
        "基本养老保险缴费支出 626.55 626.55",
        "保险 0.00",
        "死亡抚恤 2.50 2.50",
    ]
    grid = {
        0: _ruled(("626.55", "626.55"), 0),
        1: _ruled(("626.55", "626.55"), 0),
        3: _ruled(("2.50", "2.50"), 3),
    }
    lines, data, notes = join_ruled(
        printed[:2] + printed[3:], [0, 1, 2], {0: grid[0], 1: grid[1], 2: grid[3]}
    )
    assert [lines[i] for i in data] == [
        "208 05 05 机关事业单位基本养老保险缴费支出 626.55 626.55",
        "死亡抚恤 2.50 2.50",
    ]
    assert notes == []


def test_a_figure_broken_in_its_narrow_cell_is_read_from_the_ruled_cells():
    printed = ["21,118.5", "合计 91,842.80 70,724.29", "12,868.0", "其他一般公共服务支出 12,868.00"]
    grid = {
        0: _ruled(("91842.80", "70724.29", "21118.51"), 0),
        1: _ruled(("91842.80", "70724.29", "21118.51"), 0),
        2: _ruled(("12868.00", None, "12868.00"), 2),
        3: _ruled(("12868.00", None, "12868.00"), 2),
    }
    lines, data, notes = join_ruled(printed, [0, 1, 2, 3], grid)
    assert [lines[i] for i in data] == [
        "合计 91842.80 70724.29 21118.51",
        "其他一般公共服务支出 12868.00 12868.00",
    ]
    assert notes == [
        "第2行的数字在窄格中折行印出，按表格线内的数字读取",
        "第4行的数字在窄格中折行印出，按表格线内的数字读取",
    ]


# 合计 | 小计 | 基本支出 | 人员经费 | 公用经费 | 项目支出 | 结转小计 | 结转基本 | 结转人员 | 结转公用 | 结转项目
ELEVEN = [(0, (1, 6)), (1, (2, 5)), (2, (3, 4)), (6, (7, 10)), (7, (8, 9))]


def _fits(row: tuple[Decimal, ...]) -> bool:
    return bool(row_candidates(row, 11, ELEVEN))


@pytest.mark.parametrize(
    ("printed", "joined", "notes"),
    [
        (  # narrow cells wrapped 1682.76, 1682.76, 1208.20 and two zeros above and below the row
            ["1682.7 1682.7 1208.2 0.0 0.0", "总计： 997.20 211.00 474.56 0.00 0.00 0.00", "6 6 0 0 0"],
            ["总计： 1682.76 1682.76 1208.20 997.20 211.00 474.56 0.00 0.00 0.00 0.00 0.00"],
            ["第2行的数字在窄格中折行印出（上下两行），已按行内恒等式拼回"],
        ),
        (  # only zeros wrapped, and 178.42 fits 人员经费 or 公用经费: the zeros read as empty cells
            ["0.0 0.0", "208 社会保障和就业支出 178.42 178.42 178.42 178.42 0.00 0.00 0.00 0.00 0.00", "0 0"],
            ["208 社会保障和就业支出 178.42 178.42 178.42 178.42 0.00 0.00 0.00 0.00 0.00"],
            ["第2行折行印出的数字均为0，按空格读"],
        ),
        (  # the lines around the row are names, not figure heads and tails: left as printed
            ["一般", "2014002 458.00 458.00", "行政管理事务"],
            ["一般", "2014002 458.00 458.00", "行政管理事务"],
            [],
        ),
    ],
)
def test_figures_wrapped_in_narrow_cells_are_joined_back(printed, joined, notes):
    lines, data, found = join_broken_figures(printed, list(range(len(printed))), 11, _fits)
    assert [lines[i] for i in data] == joined
    assert found == notes


@pytest.mark.parametrize(
    ("printed", "joined"),
    [
        (
            ["一、财政 一、一般公共服务", "13,649.07 10,528.33 一、基本支出 7,666.68", "拨款 支出"],
            ["一、财政拨款 13,649.07 一、一般公共服务支出 10,528.33 一、基本支出 7,666.68"],
        ),
        (["收入合", "13,649.07 支出合计 13,649.07", "计"], ["收入合计 13,649.07 支出合计 13,649.07"]),
        (  # two heads over one figure: not a centred label
            ["2.政府性 三、单位预留机", "三、国防支出 128.43", "基金预算 动经费"],
            ["2.政府性 三、单位预留机", "三、国防支出 128.43", "基金预算 动经费"],
        ),
    ],
)
def test_labels_wrapped_around_their_figures_are_joined_back(printed, joined):
    lines, data, _ = join_centred_labels(printed, list(range(len(printed))))
    assert [lines[i] for i in data] == joined


@pytest.mark.parametrize(
    ("printed", "kept"),
    [
        # the unit written down its cell around a wrapped project name: its characters left out
        (["长", "春", "2026信", "市", "访专项 30.00 30.00", "信", "经费", "访", "局"],
         ["2026信", "访专项 30.00 30.00", "经费"]),
        # a character printed after a fragment on its line: dropped, the fragment kept
        (["2026信 春", "访接待 市", "116.00 116.00", "中心运 信", "行费 访"],
         ["2026信", "访接待", "116.00 116.00", "中心运", "行费"]),
        # a figure line named by one character, and fragments of two characters or more: as printed
        (["目 474.56 474.56", "综合", "信访局", "员经费 信访"], ["目 474.56 474.56", "综合", "信访局", "员经费 信访"]),
    ],
)  # fmt: skip
def test_text_written_down_its_cell_is_left_out_of_the_names(printed: list[str], kept: list[str]) -> None:
    lines, data = drop_vertical_text(printed, list(range(len(printed))))
    assert [lines[i] for i in data] == kept
