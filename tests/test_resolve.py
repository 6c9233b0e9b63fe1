"""Linking terms to cells: rows printed without codes, a concept's column, rows named by their qualifiers; an
item inside one budget unit of a department budget: the unit's own row of a table of units, never the
department's figure (杭州市气象局 2026, a department budget with one subordinate unit)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from assistant.catalog import Member
from assistant.documents import read_document
from assistant.records import Cell, Document, Fact, Row, Table
from assistant.resolve import CellRef, Item, cell, children, member_cell, qualified_rows, resolve, within
from assistant.understand import Lexicon, understand
from tests.tables import small_table

HANGZHOU = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "other" / "hangzhou_qixiangju_2026.txt"
CENTRE = Member("杭州市气象服务中心（杭州市预警信息发布中心）", "hangzhou_qixiangju_2026")
OWN = Member("杭州市气象局", "hangzhou_qixiangju_2026", own=True)
ELSEWHERE = Member("杭州市气象科技中心", "hangzhou_qixiangju_2026")


@pytest.fixture(scope="module")
def doc():
    if not HANGZHOU.exists():
        pytest.skip("shared corpus not present")
    return read_document(HANGZHOU)


def _item(doc, table: str, row: str, column: str) -> Item:
    t = doc.table(table)
    ref = cell(t, next(i for i, r in enumerate(t.rows) if r.name == row), column)
    return Item("x", ref.yuan, ref)


@pytest.mark.parametrize(
    ("table", "row", "column", "member", "value", "row_printed"),
    [
        ("income_summary", "合计", "合计", CENTRE, "8656200", CENTRE.name),
        ("income_summary", "合计", "合计", OWN, "50110500", "杭州市气象局"),
        ("income_summary", "合计", "其他收入", CENTRE, "286900", CENTRE.name),
        ("three_public", "合计", "合计", CENTRE, "108900", CENTRE.name),
        ("three_public", "合计", "公务接待费", CENTRE, "900", CENTRE.name),
        ("three_public", "合计", "合计", OWN, "131300", "杭州市气象局"),
        # a row of another table named as a column of the table of units, with the same total
        ("financial_summary", "七、其他收入", "预算数", CENTRE, "286900", CENTRE.name),
        ("financial_summary", "一般公共预算", "预算数", OWN, "49161300", "杭州市气象局"),
        # not listed by unit (the function table; a total row of expenditure is not the income 合计), or a
        # unit the table does not hold: no figure at all
        ("expenditure_summary", "行政运行", "合计", CENTRE, None, None),
        ("expenditure_summary", "合计", "合计", CENTRE, None, None),
        ("income_summary", "合计", "合计", ELSEWHERE, None, None),
    ],
)
def test_within_takes_the_units_own_row(doc, table, row, column, member, value, row_printed) -> None:
    found = within(doc, _item(doc, table, row, column), member)
    if value is None:
        assert found is None
        return
    assert found.value == Decimal(value)
    assert found.primary.table.rows[found.primary.row].name == row_printed
    assert found.primary.column == column or table == "financial_summary"
    assert found.label == f"{member.label}x"


def test_the_departments_row_is_never_a_unit_row(doc) -> None:
    """The department's row heading its units (5,876.67) is its total, not its own part (5,011.05)."""
    total = _item(doc, "income_summary", "合计", "合计")
    assert total.value == Decimal("58766700")
    assert within(doc, total, OWN).value == Decimal("50110500")


@pytest.mark.parametrize(
    ("member", "table", "value"),
    [(CENTRE, "income_summary", "865.62"), (OWN, "income_summary", "5011.05"), (ELSEWHERE, None, None)],
)
def test_member_cell_cites_the_first_table_of_units(doc, member, table, value) -> None:
    ref = member_cell(doc, member)
    assert (ref.table.key, str(ref.value)) == (table, value) if ref else (table, value) == (None, None)


BASIC = small_table(
    "basic_units",
    ["总计", "一般公共预算"],
    [
        ("合计", 0, "7519.44"),
        ("珠海市商务局", 1, "6258.73"),
        ("工资和福利支出", 2, "4250.28"),
        ("珠海市贸易服务中心", 1, "1069.53"),
        ("工资和福利支出", 2, "703.41"),
    ],
)
BASIC = replace(BASIC, name="部门预算基本支出预算表")
TRADE = Member("珠海市贸易服务中心", "basic")
ZHUHAI_OWN = Member("珠海市商务局", "basic", own=True)
BASIC_DOC = Document("basic", "", "珠海市商务局", 2026, "部门预算", [], [BASIC])


@pytest.mark.parametrize(
    ("label", "value", "member", "expected"),
    [
        # the item the table is titled by, with the table's total: the unit's row in the first column
        ("基本支出", "75194400", TRADE, ("珠海市贸易服务中心", "总计", Decimal("10695300"))),
        ("基本支出", "75194400", ZHUHAI_OWN, ("珠海市商务局", "总计", Decimal("62587300"))),
        # another figure, or an item the table is not titled by: not listed by unit
        ("基本支出", "75194401", TRADE, None),
        ("项目支出", "75194400", TRADE, None),
    ],
)
def test_within_a_table_titled_by_the_item(label: str, value: str, member: Member, expected) -> None:
    found = within(BASIC_DOC, Item(label, Decimal(value)), member)
    ref = found.primary if found is not None else None
    got = (BASIC.rows[ref.row].name, ref.column, found.value) if ref is not None else None
    assert got == expected


UNCODED = small_table(
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


PROJECTS = small_table(
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


def _economic_table(key: str, travel: str) -> Table:
    return Table(
        key, key, key, "元", ["合计"], [Row("302 11", "差旅费", 2, 1)], [Cell(0, "合计", Decimal(travel))]
    )


OTHER = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "other"


@pytest.mark.parametrize(
    ("name", "question", "label", "column", "value"),
    [
        # the 三公 table's own item, also where an economic row or the text bears the same name; named as
        # asked, not by the year row (2026年) or the column (运行费) that holds it
        ("shenzhen_caizhengju_2026", "公务用车运行维护费预算多少", "公务用车运行维护费", "运行费", "74000"),
        (
            "zhuhai_shangwuju_2026",
            "公务用车购置及运行维护费安排了多少钱",
            "公务用车购置及运行维护费",
            "公务用车购置及运行费",
            "0",
        ),
        ("changsha_xinfangju_2026", "公务用车运行维护费是多少", "公务用车运行维护费", "运行费", "50000"),
        # 购置和运行维护费: the whole, joined by 和 as well as by 及
        (
            "zhuhai_shangwuju_2026",
            "公务用车购置和运行维护费安排了多少钱",
            "公务用车购置和运行维护费",
            "公务用车购置及运行费",
            "0",
        ),
        # an everyday word for a 三公 item is named by the item it stands for
        ("xian_xingzhengshenpifuwuju_2025", "有没有安排买车的钱", "公务用车购置费", "购置费", "0"),
        ("xian_xingzhengshenpifuwuju_2025", "购车花多少", "公务用车购置费", "购置费", "0"),
    ],
)
def test_a_three_public_item_is_named_as_asked(name, question, label, column, value) -> None:
    from assistant.resolve import resolve
    from assistant.understand import Lexicon, understand

    path = OTHER / f"{name}.txt"
    if not path.exists():
        pytest.skip("shared corpus not present")
    found = read_document(path)
    frame = understand(question, Lexicon(found), found)
    item = resolve(found, frame.mentions[0], frame)
    assert (item.label, item.primary.table.key, item.primary.column, item.value) == (
        label,
        "three_public",
        column,
        Decimal(value),
    )


@pytest.mark.parametrize(
    ("question", "value", "table", "other"),
    [
        # all general spending by economic class answers an item not said to be basic spending
        ("差旅费和办公费哪个多", "2800000", "general_economic", "350000"),
        # 基本支出 in the question: the table of basic spending
        ("基本支出中差旅费是多少", "350000", "economic", "2800000"),
    ],
)
def test_the_economic_table_of_all_spending_before_its_basic_part(
    question: str, value: str, table: str, other: str
) -> None:
    doc = Document(
        "t",
        "",
        "某局",
        2026,
        "部门预算",
        [],
        [_economic_table("economic", "350000"), _economic_table("general_economic", "2800000")],
    )
    frame = understand(question, Lexicon(doc), doc)
    item = resolve(doc, next(m for m in frame.mentions if m.surface == "差旅费"), frame)
    assert (item.value, item.primary.table.key, [c.yuan for c in item.differing]) == (
        Decimal(value),
        table,
        [Decimal(other)],
    )


@pytest.mark.parametrize(
    ("label", "surface", "found"),
    [
        ("收入", "收入预算", True),  # 收入较去年增加 answers 收入预算
        ("支出", "支出预算", True),
        ("支出", "基本支出", False),  # another item, not the budget's 支出
        ("收入", "财政拨款收入预算", False),
    ],
)
def test_a_stated_change_of_the_budgets_income_answers_its_budget(label, surface, found) -> None:
    from assistant.records import Fact
    from assistant.resolve import text_facts

    fact = Fact(
        "d", "某局", 2026, "预算编制说明", "", label, 0, "比2025年预算增减", Decimal(1), "万元", 1, "text", ""
    )
    doc = Document("d", "", "某局", 2026, "部门预算", [], [], text_facts=[fact])
    assert bool(text_facts(doc, surface, change=True)) is found


def _three_public_doc(label: str, stated: str) -> Document:
    """A 三公 table of 2,237,992.50元 and one sentence of the text stating a figure under `label`."""
    columns = ["合计", "因公出国(境)费", "公务接待费", "公务用车购置及运行费"]
    figures = ["2237992.50", "1277370", "116422.50", "844200"]
    table = Table(
        "three_public",
        "财政拨款“三公”经费支出表",
        "财政拨款“三公”经费支出表",
        "元",
        columns,
        [Row("", "合计", 0, 1)],
        [Cell(0, c, Decimal(v)) for c, v in zip(columns, figures, strict=True)],
        family="beijing",
    )
    fact = Fact("t", "某局", 2026, "其他相关情况说明", "", label, 0, "", Decimal(stated), "万元", 9, "text")
    return Document("t", "", "某局", 2026, "部门预算", [], [table], [fact])


@pytest.mark.parametrize(
    ("label", "stated", "question", "table", "value"),
    [
        # the text's whole, qualified as the table is (财政拨款, 预算): the table's cell, with its parts
        ("财政拨款三公经费预算", "223.80", "财政拨款三公经费预算各项多少", "three_public", "2237992.50"),
        ("三公经费预算", "223.80", "三公经费预算各项多少", "three_public", "2237992.50"),
        (
            "当年一般公共预算三公经费预算支出",
            "223.80",
            "当年一般公共预算三公经费预算支出多少",
            "three_public",
            "2237992.50",
        ),
        # the funds named with how they were spent (通过…安排的): still the table's whole
        (
            "通过一般公共预算财政拨款安排的三公经费预算",
            "223.80",
            "三公经费预算合计多少",
            "three_public",
            "2237992.50",
        ),
        # a figure the table does not print stays the text's
        ("财政拨款三公经费预算", "200.00", "财政拨款三公经费预算各项多少", None, "2000000"),
        # a whole no table holds under that name stays the text's
        ("财政拨款会议费预算", "223.80", "财政拨款会议费预算多少", None, "2238000"),
    ],
)
def test_a_whole_the_text_states_is_the_tables_when_they_agree(label, stated, question, table, value) -> None:
    found = _three_public_doc(label, stated)
    frame = understand(question, Lexicon(found), found)
    item = resolve(found, frame.mentions[0], frame)
    assert (item.primary.table.key if item.primary else None, item.value) == (table, Decimal(value))
