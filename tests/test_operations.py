"""Operations over resolved items: breakdowns by economic class, by project and through a lone part; each
part's share of a whole."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assistant.operations import parts_of, shares
from assistant.records import Cell, Document, Row, Table
from assistant.resolve import CellRef, Item
from assistant.understand import Frame


def _table(key: str, columns: list[str], rows: list[tuple[str, int, list[str]]]) -> Table:
    """rows: (name, level, one figure per column)."""
    return Table(
        key,
        key,
        key,
        "万元",
        columns,
        [Row("", name, level, n + 1) for n, (name, level, _) in enumerate(rows)],
        [
            Cell(n, c, Decimal(v))
            for n, (_, _, vs) in enumerate(rows)
            for c, v in zip(columns, vs, strict=True)
        ],
    )


SUMMARY = _table(
    "expenditure_summary",
    ["合计", "基本支出", "项目支出"],
    [
        ("合计", 0, ["500", "300", "200"]),
        ("社会保障和就业支出", 1, ["300", "300", "0"]),
        ("行政事业单位养老支出", 2, ["300", "300", "0"]),
        ("行政单位离退休", 3, ["200", "200", "0"]),
        ("机关事业单位职业年金缴费支出", 3, ["100", "100", "0"]),
        ("一般公共服务支出", 1, ["200", "0", "200"]),
    ],
)
ECONOMIC = _table(
    "economic",
    ["合计", "基本支出", "项目支出"],
    [
        ("合计", 0, ["500", "300", "200"]),
        ("工资福利支出", 1, ["250", "250", "0"]),
        ("商品和服务支出", 1, ["250", "50", "200"]),
    ],
)
PROJECTS = _table(
    "projects", ["合计"], [("合计", 0, ["200"]), ("预决算管理业务", 1, ["150"]), ("综合管理", 1, ["50"])]
)
DOC = Document("ops", "", "某局", 2026, "部门预算", [], [SUMMARY, ECONOMIC, PROJECTS])


def _item(table: Table, row: int, column: str) -> Item:
    ref = CellRef(table, row, column, table.value(row, column) or Decimal(0))
    return Item(table.rows[row].name if column == "合计" else column, ref.yuan, ref)


@pytest.mark.parametrize(
    ("question", "item", "expected"),
    [
        # 按经济分类: the economic table's classes in the item's own column there
        (
            "基本支出按经济分类分成哪几大类",
            _item(SUMMARY, 0, "基本支出"),
            [("工资福利支出", 2500000), ("商品和服务支出", 500000)],
        ),
        ("项目支出按经济分类怎么构成", _item(SUMMARY, 0, "项目支出"), [("商品和服务支出", 2000000)]),
        # a class whose only 款 is one row: that 款's parts
        (
            "社会保障和就业支出分成哪几项",
            _item(SUMMARY, 1, "合计"),
            [("行政单位离退休", 2000000), ("机关事业单位职业年金缴费支出", 1000000)],
        ),
        # which projects: the rows of the project table
        (
            "项目支出具体有哪些项目",
            _item(SUMMARY, 0, "项目支出"),
            [("预决算管理业务", 1500000), ("综合管理", 500000)],
        ),
    ],
)
def test_parts(question: str, item: Item, expected: list[tuple[str, int]]) -> None:
    parts = [
        p for depth, p in parts_of(DOC, item, Frame(question, op="breakdown"), depth=False) if depth == 0
    ]
    assert [(p.label, int(p.value)) for p in parts] == expected


def test_no_economic_classes_means_no_functional_ones_instead() -> None:
    doc = Document("ops", "", "某局", 2026, "部门预算", [], [SUMMARY])
    assert parts_of(doc, _item(SUMMARY, 0, "项目支出"), Frame("项目支出按经济分类", op="breakdown")) == []


def test_each_part_with_its_share_of_the_whole() -> None:
    items = [_item(SUMMARY, 0, "合计"), _item(SUMMARY, 1, "合计"), _item(SUMMARY, 5, "合计")]
    answer = shares(Frame("各占多少", op="shares"), DOC, items)
    assert "社会保障和就业支出：3,000,000元（300.00万元），占 **60.00%**" in answer.text
    assert "一般公共服务支出：2,000,000元（200.00万元），占 **40.00%**" in answer.text
    assert [v.value for v in answer.values] == ["5000000", "3000000", "2000000"]
