"""Operations over resolved items: breakdowns by economic class, by project and through a lone part; each
part's share of a whole."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assistant.operations import _asks_figure, parts_of, prior, shares
from assistant.records import Cell, Document, Fact, Row, Table
from assistant.resolve import CellRef, Item
from assistant.understand import Frame, Mention, normalise


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


THREE_COLUMNS = ["合计", "当年预算小计", "因公出国(境)费", "一般因公出国(境)费", "科研因公出国(境)费"]
THREE_COLUMNS += ["公务用车购置及运行费", "购置费", "运行费", "公务接待费", "上年结转结余小计"]
THREE_COLUMNS += ["上年结转因公出国(境)费", "上年结转一般因公出国(境)费", "上年结转科研因公出国(境)费"]
THREE_COLUMNS += ["上年结转公务用车购置及运行费", "上年结转购置费", "上年结转运行费", "上年结转公务接待费"]


def _three_public(this_year: list[str], carried: list[str]) -> Table:
    """A 三公 table split into the year's own budget and what is carried over (the changchun layout)."""
    table = _table("three_public", THREE_COLUMNS, [("合计", 0, this_year + carried)])
    table.family = "changchun"
    return table


@pytest.mark.parametrize(
    ("carried", "expected"),
    [
        # nothing carried over: the total is the year's subtotal alone, so its parts are the three items
        (
            ["0"] * 8,
            [("因公出国(境)费", 0), ("公务用车购置及运行费", 67500), ("公务接待费", 8600)],
        ),
        # something carried over: the split by source of funds is the breakdown
        (
            ["1", "0", "0", "0", "1", "0", "1", "0"],
            [("当年预算小计", 76100), ("上年结转结余小计", 10000)],
        ),
    ],
)
def test_a_total_that_is_one_subtotal_breaks_down_by_that_subtotals_parts(
    carried: list[str], expected: list[tuple[str, int]]
) -> None:
    this_year = ["7.61", "0", "0", "0", "6.75", "0", "6.75", "0.86"]
    total = str(Decimal("7.61") + Decimal(carried[0]))
    table = _three_public([total] + this_year, carried)
    doc = Document("ops", "", "某局", 2026, "部门预算", [], [table])
    parts = parts_of(doc, _item(table, 0, "合计"), Frame("三公经费各项分别是多少", op="breakdown"))
    assert [(p.label, int(p.value)) for _, p in parts] == expected


def test_no_economic_classes_means_no_functional_ones_instead() -> None:
    doc = Document("ops", "", "某局", 2026, "部门预算", [], [SUMMARY])
    assert parts_of(doc, _item(SUMMARY, 0, "项目支出"), Frame("项目支出按经济分类", op="breakdown")) == []


def test_each_part_with_its_share_of_the_whole() -> None:
    items = [_item(SUMMARY, 0, "合计"), _item(SUMMARY, 1, "合计"), _item(SUMMARY, 5, "合计")]
    answer = shares(Frame("各占多少", op="shares"), DOC, items)
    assert "社会保障和就业支出：3,000,000元（300.00万元），占 **60.00%**" in answer.text
    assert "一般公共服务支出：2,000,000元（200.00万元），占 **40.00%**" in answer.text
    assert [v.value for v in answer.values] == ["5000000", "3000000", "2000000"]


THREE = _table(
    "three_public",
    ["合计", "因公出国(境)费", "公务接待费", "公务用车购置及运行费"],
    [("合计", 0, ["12", "0", "5", "7"])],
)


def _fact(label: str, column: str, value: str, quote: str) -> Fact:
    return Fact(
        "ops",
        "某局",
        2026,
        "其他相关情况说明",
        "",
        label,
        0,
        column,
        Decimal(value),
        "万元",
        3,
        "text",
        quote,
    )


CHANGES = Document(
    "ops",
    "",
    "某局",
    2026,
    "部门预算",
    [],
    [THREE],
    [
        _fact("公务接待费", "", "5", "（二）公务接待费2026年预算安排5.00万元，与上年持平。"),
        _fact("公务接待费", "比2025年预算增减", "0", "（二）公务接待费2026年预算安排5.00万元，与上年持平。"),
        _fact(
            "三公经费预算", "比2025年预算增减", "-1.75", "三公经费预算较2025年减少1.75万元，主要是厉行节约。"
        ),
    ],
)


def _mention(surface: str, start: int) -> Mention:
    return Mention(surface, [], start, start + len(surface))


@pytest.mark.parametrize(
    ("question", "item", "shown", "stated"),
    [
        # the figure from its table, and the change (none, in words) from its sentence
        (
            "公务接待费安排了多少？跟上年相比有变化吗？",
            _item(THREE, 0, "公务接待费"),
            ["**公务接待费**：50,000元"],
            ["与2025年预算持平", "与上年持平"],
        ),
        # the total with its parts where the question asks for them, then the change with its reason
        (
            "三公经费一共多少？比上年少了多少？",
            Item("三公经费", Decimal(120000), CellRef(THREE, 0, "合计", Decimal(120000))),
            ["公务接待费：50,000元", "公务用车购置及运行费：70,000元"],
            ["比2025年预算减少1.75万元", "主要是厉行节约"],
        ),
    ],
)
def test_a_figure_and_its_stated_change(
    question: str, item: Item, shown: list[str], stated: list[str]
) -> None:
    surface = normalise(item.label)
    frame = Frame(question, op="prior", mentions=[_mention(surface, 0)])
    answer = prior(frame, CHANGES, [item])
    assert answer.route == "hybrid"
    assert all(s in answer.text for s in shown + stated)
    assert [c.source for c in answer.citations][0] == "table"
    assert "text" in [c.source for c in answer.citations]


def test_a_qualifier_before_the_item_is_not_an_item_of_its_own() -> None:
    frame = Frame(
        "财政拨款三公经费比上年少了多少",
        op="prior",
        mentions=[_mention("财政拨款", 0), _mention("三公经费", 4)],
    )
    answer = prior(frame, CHANGES, [])
    assert "三公经费预算**比2025年预算减少1.75万元" in answer.text


def test_no_stated_change_is_refused() -> None:
    frame = Frame("因公出国费比上年多吗", op="prior", mentions=[_mention("因公出国费", 0)])
    assert prior(frame, CHANGES, [_item(THREE, 0, "因公出国(境)费")]).route == "refuse"


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("公务接待费安排了多少？跟上年相比有变化吗？", True),
        ("公务用车运行维护费预算多少？跟去年比减少了多少？", True),
        ("三公经费比2025年增加多少？", False),  # only the change
        ("2025年财政拨款收入是多少？", False),  # the year before
        ("三公经费跟2025年相比有什么变化？为什么？", False),
    ],
)
def test_whether_the_figure_itself_is_asked(question: str, asked: bool) -> None:
    assert _asks_figure(normalise(question), 2026) is asked


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        # the budget as a whole, the change the text explains first; never an item's change
        (
            [
                ("公务接待费", "-0.27", "公务接待费和上年相比减低0.27万元，主要原因是过紧日子。"),
                ("预算收入", "-16640.31", "预算收入较上年减少16,640.31万元。"),
                ("预算支出", "-16640.31", "预算支出较上年减少16,640.31万元。主要原因说明：不再安排。"),
            ],
            "预算支出",
        ),
        ([("预算", "50.32", "2026年预算比2025年预算增加50.32万元。")], "预算"),
        ([("公务接待费", "-0.27", "公务接待费减低0.27万元，主要原因是过紧日子。")], None),
    ],
)
def test_the_change_of_the_budget_as_a_whole(changes, expected) -> None:
    from assistant.operations import budget_change

    facts = [_fact(label, "比2025年预算增减", value, quote) for label, value, quote in changes]
    doc = Document("ops", "", "某局", 2026, "部门预算", [], [], text_facts=facts)
    found = budget_change(doc)
    assert (found.row_name if found else None) == expected
