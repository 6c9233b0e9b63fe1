"""Table lines put back the way they were printed before they are read."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assistant.records import GridRow
from assistant.repair import join_ruled_rows, prepare, split_glued, strip_serials, undo_overprint

D = Decimal


@pytest.mark.parametrize(
    ("token", "repaired"),
    [
        ("西安市人工影响天气服务保障中18心39311.66", "西安市人工影响天气服务保障中心 1839311.66"),
        ("(5)资本性支出(基本建0设.0)0", "(5)资本性支出(基本建设) 0.00"),
        ("其中：专项资金列入0部.0门0预算的项目", "其中：专项资金列入部门预算的项目 0.00"),
        ("机关事业单位基本养老保险50缴5费01", "机关事业单位基本养老保险缴费 50501"),
        ("C0301电信服务", "C0301电信服务"),
        ("2022年李家河水库", "2022年李家河水库"),
        ("1月-12月", "1月-12月"),
        ("3、机关资本性支出（一）0.00", "3、机关资本性支出（一）0.00"),
    ],
)
def test_a_figure_a_name_was_printed_through_is_taken_out(token: str, repaired: str) -> None:
    assert undo_overprint(token) == repaired


@pytest.mark.parametrize(
    ("line", "spaced"),
    [
        ("合计 210,000.00-194,000.00 -18,000.00", "合计 210,000.00 -194,000.00 -18,000.00"),
        ("合计 80,000.00462,000.00 205,400.00", "合计 80,000.00 462,000.00 205,400.00"),
        ("1、人员经费和公用经费支出1839311.66", "1、人员经费和公用经费支出 1839311.66"),
        ("三 、机关资本性支出", "三、机关资本性支出"),
        (
            "30101 基本工资 50101 工资奖金津补贴 5,041,518.30",
            "30101 基本工资 50101 工资奖金津补贴 5,041,518.30",
        ),
    ],
)
def test_glued_figures_and_labels_are_spaced_apart(line: str, spaced: str) -> None:
    assert split_glued(line) == spaced


def test_a_running_serial_number_is_dropped_and_codes_are_kept() -> None:
    lines = [
        "1 合计 100 50",
        "2 208 社会保障和就业支出 100 50",
        "3 20805 行政事业单位养老支出 100 50",
        "6 收入总计 100",
    ]
    assert strip_serials(lines, [0, 1, 2, 3]) == [
        "合计 100 50",
        "208 社会保障和就业支出 100 50",
        "20805 行政事业单位养老支出 100 50",
        "收入总计 100",
    ]
    assert strip_serials(["208 社会保障 1", "20805 养老 1"], [0, 1]) == ["208 社会保障 1", "20805 养老 1"]


def test_repairs_are_the_familys_choice() -> None:
    lines = ["1 合计 1,839,311.66", "2 西安市中18心39311.66"]
    assert prepare(lines, [0, 1], {}) == lines
    assert prepare(lines, [0, 1], {"serial": True, "overprint": True}) == [
        "合计 1,839,311.66",
        "西安市中心 1839311.66",
    ]


def test_the_lines_of_one_ruled_row_become_one_row() -> None:
    lines = [
        "中共西",
        "安市委宣传 255.00 255.00",
        "201001",
        "部",
        "机关事业单位基",
        "30108 50102 社会保障缴费 9.00 9.00",
        "本养老保险缴费",
    ]
    first, second = GridRow(((D(255), D(255)),)), GridRow(((D(50102),), (D(9), D(9))))
    grid = {0: first, 1: first, 2: first, 3: first, 4: second, 5: second, 6: second}
    out, keep = join_ruled_rows(lines, list(range(7)), grid)
    assert [out[i] for i in keep] == [
        "201001 中共西安市委宣传部 255.00 255.00",
        "30108 机关事业单位基本养老保险缴费 50102 社会保障缴费 9.00 9.00",
    ]
