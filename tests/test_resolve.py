"""Linking terms to cells: rows printed without codes, a concept's column, rows named by their qualifiers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assistant.records import Cell, Document, Row, Table
from assistant.resolve import CellRef, children, qualified_rows


def _table(key: str, columns: list[str], rows: list[tuple[str, int, str]]) -> Table:
    """rows: (name, level, figure of the first column)."""
    return Table(
        key,
        key,
        key,
        "万元",
        columns,
        [Row("", name, level, n + 1) for n, (name, level, _) in enumerate(rows)],
        [Cell(n, columns[0], Decimal(v)) for n, (_, _, v) in enumerate(rows)],
    )


UNCODED = _table(
    "expenditure_summary",
    ["合计"],
    [
        ("合计", 0, "500"),
        ("社会保障和就业支出", 1, "300"),
        ("行政事业单位养老支出", 2, "300"),
        ("行政单位离退休", 3, "200"),
        ("机关事业单位职业年金缴费支出", 3, "100"),
        ("卫生健康支出", 1, "200"),
        ("行政事业单位医疗", 2, "200"),
    ],
)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (0, ["社会保障和就业支出", "卫生健康支出"]),
        (1, ["行政事业单位养老支出"]),  # the 项 rows under the 款 are not the 类's children
        (2, ["行政单位离退休", "机关事业单位职业年金缴费支出"]),
        (3, []),
    ],
)
def test_children_of_rows_printed_without_codes(row: int, expected: list[str]) -> None:
    ref = CellRef(UNCODED, row, "合计", Decimal(0))
    assert [UNCODED.rows[i].name for i in children(ref)] == expected


PROJECTS = _table(
    "projects",
    ["总计"],
    [
        ("合计", 0, "2860"),
        ("拱北海关出境货兼客运行保障经费", 1, "120"),
        ("珠海边检总站出境货兼客运行保障经费", 1, "120"),
        ("2026年春节慰问金-拱北海关", 1, "1060"),
        ("2026年春节慰问金-珠海边检总站", 1, "500"),
        ("2026年春节慰问金-横琴海关", 1, "1060"),
    ],
)
DOC = Document("projects", "", "珠海市商务局", 2026, "部门预算", [], [PROJECTS])


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            "给拱北海关和珠海边检总站的春节慰问金加起来一共多少",
            ["2026年春节慰问金-拱北海关", "2026年春节慰问金-珠海边检总站"],
        ),
        ("拱北海关和横琴海关的春节慰问金哪个多", ["2026年春节慰问金-拱北海关", "2026年春节慰问金-横琴海关"]),
        ("拱北海关的春节慰问金是多少", []),  # one qualifier: the lexicon's own match
        ("办公费和印刷费的合计", []),
    ],
)
def test_rows_named_by_their_qualifiers(question: str, expected: list[str]) -> None:
    assert [i.label for i in qualified_rows(DOC, question)] == expected
