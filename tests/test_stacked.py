"""Tables of several sides side by side (收入 | 支出功能分类 | 部门经济分类 | 政府经济分类): each token of a line goes
to the side whose row names it starts or continues, a wrapped label is put back together, and a figure the
line leaves ambiguous is reported, never guessed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assistant.layouts import family
from assistant.records import GridRow
from assistant.stacked import bare, read_stacked

D = Decimal
SIDES = family("xian")["sides"]


def _read(
    lines: list[str], grid: dict[int, GridRow] | None = None
) -> tuple[list[tuple[str, str, tuple]], list[str]]:
    rows, _, unplaced = read_stacked(lines, list(range(len(lines))), lambda line: False, SIDES, grid)
    return [(r.side, r.name, r.numbers) for r in rows], unplaced


@pytest.mark.parametrize(
    ("label", "name"),
    [
        ("1、一般公共服务支出", "一般公共服务支出"),
        ("(5)资本性支出(基本建设)", "资本性支出（基本建设）"),
        ("三、 机关资本性支出", "机关资本性支出"),
    ],
)
def test_bare_drops_numbering_spaces_and_half_width_brackets(label: str, name: str) -> None:
    assert bare(label) == name


def test_one_line_per_row_with_empty_cells_dropped() -> None:
    rows, unplaced = _read(
        [
            "1、财政拨款 400.00 1、一般公共服务支出 300.00 1、人员经费和公用经费支出 350.00 1、机关工资福利支出 250.00",
            "6、其他收入 100.00 2、外交支出 (1)工资福利支出 250.00 2、机关商品和服务支出 250.00",
            "5、教育支出 200.00 2、专项业务经费支出 150.00",
        ]
    )
    assert unplaced == []
    assert ("收入", "6、其他收入", (D("100.00"),)) in rows
    assert ("支出", "2、外交支出", ()) in rows
    assert ("支出", "5、教育支出", (D("200.00"),)) in rows
    assert ("部门经济分类", "(1)工资福利支出", (D("250.00"),)) in rows
    assert ("部门经济分类", "2、专项业务经费支出", (D("150.00"),)) in rows
    assert ("政府经济分类", "2、机关商品和服务支出", (D("250.00"),)) in rows


def test_labels_wrapped_above_and_below_their_figures_are_put_back_together() -> None:
    rows, unplaced = _read(
        [
            "1、一般公共服 1、人员经费和 1、机关工资",
            "1、财政拨款 500.00 300.00 200.00 100.00",
            "务支出 公用经费支出 福利支出",
        ]
    )
    assert unplaced == []
    assert rows == [
        ("收入", "1、财政拨款", (D("500.00"),)),
        ("支出", "1、一般公共服务支出", (D("300.00"),)),
        ("部门经济分类", "1、人员经费和公用经费支出", (D("200.00"),)),
        ("政府经济分类", "1、机关工资福利支出", (D("100.00"),)),
    ]


def test_a_label_numbered_like_the_rows_above_it_stays_on_their_side() -> None:
    rows, _ = _read(
        [
            "十四、债务发行费用支出 0 对企业补助 0 十四、预备费及预留 0",
            "对社会保障基金补助 0 十五、其他支出 0",
            "其他支出 0",
        ]
    )
    assert ("部门经济分类", "其他支出", (D(0),)) in rows
    assert ("支出", "其他支出", (D(0),)) not in rows


def test_the_ruled_row_says_which_side_a_figure_is_on() -> None:
    line = "8、社会保障和就业支出 100.00 (2)商品和服务支出 100.00"
    ruled = GridRow(((None,), (D("100.00"),), (D("100.00"),), (None,)))
    rows, unplaced = _read(["1、财政拨款 200.00 7、文化旅游体育与传媒支出 (1)工资福利支出", line], {1: ruled})
    assert unplaced == []
    assert ("支出", "8、社会保障和就业支出", (D("100.00"),)) in rows
    assert ("部门经济分类", "(2)商品和服务支出", (D("100.00"),)) in rows


def test_a_figure_no_side_can_take_is_reported() -> None:
    _, unplaced = _read(["项 目 预算数 100.00"])
    assert unplaced and "无法确定属于哪一栏" in unplaced[0]
