"""Operations over resolved items: breakdowns by economic class, by project and through a lone part; each
part's share of a whole."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from assistant.operations import (
    _asks_figure,
    defined_parts,
    in_table_of,
    kind_parts,
    parts_of,
    prior,
    sentence_facts,
    share,
    shares,
)
from assistant.records import Cell, Document, Fact, Row, Table
from assistant.resolve import CellRef, Item
from assistant.understand import Frame, Mention, normalise
from tests.tables import small_table

SUMMARY = small_table(
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
ECONOMIC = small_table(
    "economic",
    ["合计", "基本支出", "项目支出"],
    [
        ("合计", 0, ["500", "300", "200"]),
        ("工资福利支出", 1, ["250", "250", "0"]),
        ("商品和服务支出", 1, ["250", "50", "200"]),
    ],
)
PROJECTS = small_table(
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
    table = small_table("three_public", THREE_COLUMNS, [("合计", 0, this_year + carried)])
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
        # something carried over: the split by source of funds, each subtotal with its nonzero parts
        (
            ["1", "0", "0", "0", "1", "0", "1", "0"],
            [("当年预算小计", 76100), ("公务用车购置及运行费", 67500), ("公务接待费", 8600),
             ("上年结转结余小计", 10000), ("上年结转公务用车购置及运行费", 10000)],
        ),
    ],
)  # fmt: skip
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


THREE = small_table(
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


@pytest.mark.parametrize(
    ("question", "route", "shown"),
    [
        # only the change asked, and none stated: refused
        ("因公出国费比上年多吗", "refuse", "文件没有给出该项与上年相比的说明"),
        # the figure asked too: the table's figure, and that no change is given
        ("因公出国费预算多少？和上年相比怎么样？", "table", "**因公出国(境)费**：0元"),
    ],
)
def test_no_stated_change(question: str, route: str, shown: str) -> None:
    frame = Frame(question, op="prior", mentions=[_mention("因公出国费", 0)])
    answer = prior(frame, CHANGES, [_item(THREE, 0, "因公出国(境)费")])
    assert (answer.route, shown in answer.text) == (route, True)
    assert ("没有给出这些项目与上年相比的增减数额" in answer.text) == (route == "table")


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


BASIC = small_table(
    "economic",
    ["合计"],
    [
        ("合计", 0, ["300"]),
        ("工资福利支出", 1, ["250"]),
        ("基本工资", 2, ["150"]),
        ("津贴补贴", 2, ["100"]),
        ("商品和服务支出", 1, ["50"]),
        ("办公费", 2, ["50"]),
    ],
)
PROJECT_ECONOMIC = small_table(
    "project_economic",
    ["预算数"],
    [("合计", 0, ["200"]), ("商品和服务支出", 1, ["150"]), ("对企业补助", 1, ["50"])],
)
BY_CLASS = Document("ops", "", "某局", 2026, "部门预算", [], [SUMMARY, BASIC, PROJECT_ECONOMIC])


@pytest.mark.parametrize(
    ("question", "item", "expected"),
    [
        # 哪几大类: the classes only
        (
            "基本支出按经济分类分成哪几大类",
            _item(SUMMARY, 0, "基本支出"),
            [(0, "工资福利支出", 2500000), (0, "商品和服务支出", 500000)],
        ),
        (
            "基本支出按经济分类分成哪几大块",
            _item(SUMMARY, 0, "基本支出"),
            [(0, "工资福利支出", 2500000), (0, "商品和服务支出", 500000)],
        ),
        # without asking for classes: each class with its items
        (
            "基本支出按经济分类怎么构成",
            _item(SUMMARY, 0, "基本支出"),
            [
                (0, "工资福利支出", 2500000),
                (1, "基本工资", 1500000),
                (1, "津贴补贴", 1000000),
                (0, "商品和服务支出", 500000),
                (1, "办公费", 500000),
            ],
        ),
        # 项目支出按经济分类: the table of project spending by economic class, whose total is the item's
        (
            "项目支出按经济分类怎么构成",
            _item(SUMMARY, 0, "项目支出"),
            [(0, "商品和服务支出", 1500000), (0, "对企业补助", 500000)],
        ),
    ],
)
def test_parts_by_economic_class(question: str, item: Item, expected: list[tuple[int, str, int]]) -> None:
    parts = parts_of(BY_CLASS, item, Frame(question, op="breakdown"))
    assert [(d, p.label, int(p.value)) for d, p in parts] == expected


def _subtotals(carried: str) -> Table:
    """A basic-spending table of the Changchun layout: 合计 = 当年预算小计 + 上年结转结余小计."""
    table = small_table(
        "economic",
        [
            "合计",
            "当年预算小计",
            "人员经费",
            "公用经费",
            "上年结转结余小计",
            "上年结转人员经费",
            "上年结转公用经费",
        ],
        [("合计", 0, [str(300 + int(carried)), "300", "250", "50", carried, carried, "0"])],
    )
    table.family = "changchun"
    return table


BEIJING_INCOME = [
    "合计", "本年收入小计", "一般公共预算", "政府性基金预算", "国有资本经营预算", "财政专户管理资金收入",
    "事业收入", "事业单位经营收入", "上级补助收入", "附属单位上缴收入", "其他收入", "上年结转结余小计",
    "上年结转一般公共预算", "上年结转政府性基金预算", "上年结转国有资本经营预算", "上年结转财政专户管理资金",
    "上年结转单位资金",
]  # fmt: skip


def _income(figures: dict[str, str]) -> Table:
    """A 收入总表 of the beijing family: one row, the columns given their figure, the others empty."""
    table = small_table(
        "income_summary", BEIJING_INCOME, [("合计", 0, [figures.get(c, "0") for c in BEIJING_INCOME])]
    )
    table.family = "beijing"
    table.cells = [c for c in table.cells if c.column in figures]
    return table


@pytest.mark.parametrize(
    ("carried", "expected"),
    [
        # nothing carried over: the whole stands in this year's subtotal, whose parts are the answer
        ("0", [(0, "人员经费", 2500000), (0, "公用经费", 500000)]),
        # something carried over: each subtotal with its own nonzero parts
        ("20", [(0, "当年预算小计", 3000000), (1, "人员经费", 2500000), (1, "公用经费", 500000),
                (0, "上年结转结余小计", 200000), (1, "上年结转人员经费", 200000)]),
    ],
)  # fmt: skip
def test_a_whole_of_two_subtotals_breaks_down_through_them(
    carried: str, expected: list[tuple[int, str, int]]
) -> None:
    table = _subtotals(carried)
    doc = Document("ops", "", "某局", 2026, "部门预算", [], [table])
    parts = parts_of(doc, _item(table, 0, "合计"), Frame("基本支出由哪几部分构成", op="breakdown"))
    assert [(d, p.label, int(p.value)) for d, p in parts] == expected


@pytest.mark.parametrize(
    ("figures", "expected"),
    [
        # each printed 小计 with its own parts
        (
            {"合计": "110", "本年收入小计": "100", "一般公共预算": "90", "其他收入": "10", "上年结转结余小计": "10",
             "上年结转一般公共预算": "6", "上年结转单位资金": "4"},
            [(0, "本年收入小计", 1000000), (1, "一般公共预算", 900000), (1, "其他收入", 100000),
             (0, "上年结转结余小计", 100000), (1, "上年结转一般公共预算", 60000), (1, "上年结转单位资金", 40000)],
        ),
        # a subtotal whose parts are not all placed (上年结转单位资金 unknown): the subtotal alone
        (
            {"合计": "110", "本年收入小计": "100", "一般公共预算": "100", "上年结转结余小计": "10",
             "上年结转一般公共预算": "6"},
            [(0, "本年收入小计", 1000000), (1, "一般公共预算", 1000000), (0, "上年结转结余小计", 100000)],
        ),
    ],
)  # fmt: skip
def test_an_income_total_through_its_subtotals(
    figures: dict[str, str], expected: list[tuple[int, str, int]]
) -> None:
    table = _income(figures)
    doc = Document("ops", "", "某局", 2026, "部门预算", [], [table])
    parts = parts_of(doc, _item(table, 0, "合计"), Frame("收入总计由哪几部分组成，各多少", op="breakdown"))
    assert [(d, p.label, int(p.value)) for d, p in parts] == expected


def _coded(key: str, rows: list[tuple[str, str, str]]) -> Table:
    """A function table printing only 项 rows (code, name, 合计), each unit's in turn, then 合计."""
    table = small_table(key, ["合计"], [(name, 3, [v]) for _, name, v in rows] + [("合计", 0, ["0"])])
    table.rows = [
        Row(code, r.name, r.level, r.line)
        for r, code in zip(table.rows, [c for c, _, _ in rows] + [""], strict=True)
    ]
    return table


PER_UNIT = _coded(
    "general_function",
    [
        ("201 40 01", "行政运行", "50"),
        ("208 05 01", "行政单位离退休", "30"),
        ("208 05 05", "机关事业单位基本养老保险缴费支出", "20"),
        ("201 40 01", "行政运行", "40"),
        ("208 05 05", "机关事业单位基本养老保险缴费支出", "5"),
        ("208 05 02", "事业单位离退休", "2"),
    ],
)
PAIRED = _coded(
    "expenditure_summary",
    [("208 05 01", "行政单位离退休 50299-其他商品和服务支出 30299-其他商品和服务支出", "30"),
     ("208 05 02", "事业单位离退休 50905-离退休费 30302-退休费", "2"),
     ("208 05 05", "机关事业单位基本养老保险缴费支出 50102-社会保障缴费 30108-机关事业单位基本养老保险缴费", "25")],
)  # fmt: skip
TOTALS = small_table(
    "income_expenditure", ["预算数"], [("社会保障和就业支出", 1, ["57"]), ("卫生健康支出", 1, ["9"])]
)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        # the 项 of the class whose rows add up to it, summed by code, from the table printing the names alone
        (0, [("行政单位离退休", 300000, 1), ("事业单位离退休", 20000, 1), ("机关事业单位基本养老保险缴费支出", 250000, 2)]),
        # no class of that figure: no parts
        (1, []),
    ],
)  # fmt: skip
def test_a_class_printed_only_as_its_items_unit_by_unit(
    row: int, expected: list[tuple[str, int, int]]
) -> None:
    doc = Document("ops", "", "某局", 2026, "部门预算", [], [TOTALS, PAIRED, PER_UNIT])
    parts = parts_of(doc, _item(TOTALS, row, "预算数"), Frame("分成哪几项", op="breakdown"))
    assert [(p.label, int(p.value), len(p.cells)) for _, p in parts] == expected
    assert all(p.primary.table is PER_UNIT for _, p in parts if p.primary)


def _listed(rows: list[tuple[str, str, str]]) -> Table:
    """A two-sided summary: (side, name, 预算数)."""
    table = small_table("income_expenditure", ["预算数"], [(name, 1, [v]) for _, name, v in rows])
    table.rows = [Row("", r.name, 1, r.line, side) for r, (side, _, _) in zip(table.rows, rows, strict=True)]
    return table


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # the income side lists the column's source by a longer name, with the same figure
        ([("收入", "(1)一般公共预算拨款", "90"), ("收入", "6、其他收入", "10")],
         [("本年收入小计", 1), ("一般公共预算拨款", 2), ("其他收入", 1), ("上年结转结余小计", 1),
          ("上年结转单位资金", 1)]),
        # another figure, or the expenditure side: the column's own name
        ([("收入", "一、一般公共预算拨款收入", "91"), ("支出", "一般公共预算拨款支出", "90")],
         [("本年收入小计", 1), ("一般公共预算", 1), ("其他收入", 1), ("上年结转结余小计", 1),
          ("上年结转单位资金", 1)]),
    ],
)  # fmt: skip
def test_a_source_of_funds_by_the_name_the_income_side_lists(
    rows: list[tuple[str, str, str]], expected: list[tuple[str, int]]
) -> None:
    income = _income(
        {"合计": "110", "本年收入小计": "100", "一般公共预算": "90", "其他收入": "10", "上年结转结余小计": "10",
         "上年结转单位资金": "10"}
    )  # fmt: skip
    doc = Document("ops", "", "某局", 2026, "部门预算", [], [_listed(rows), income])
    parts = parts_of(doc, _item(income, 0, "合计"), Frame("收入总计由哪几部分组成", op="breakdown"))
    assert [(p.label, len(p.cells)) for _, p in parts] == expected


@pytest.mark.parametrize(
    ("under", "expected"),
    [
        # projects printed under the unit in groups without codes: the rows that head no group
        ([("通用项目", "365"), ("大型活动", "15"), ("审计培训", "15"), ("购买服务", "350"),
          ("购买中介机构审计服务", "350"), ("审计事务", "100")],
         [("审计培训", 150000), ("购买中介机构审计服务", 3500000), ("审计事务", 1000000)]),
        # rows that no reading adds up to the unit: the unit's row, as before
        ([("通用项目", "300"), ("审计培训", "15")], [("某局", 4650000)]),
        # nothing under the unit: the unit's row
        ([], [("某局", 4650000)]),
    ],
)  # fmt: skip
def test_projects_printed_under_their_unit_in_groups(
    under: list[tuple[str, str]], expected: list[tuple[str, int]]
) -> None:
    rows = [("合计", 0, ["465"]), ("某局", 1, ["465"]), ("某局", 2, ["465"])]
    table = small_table("projects", ["项目金额"], rows + [(name, 0, [v]) for name, v in under])
    table.rows[1:3] = [Row("117", "某局", 1, 2), Row("117001", "某局", 2, 3)]
    doc = Document("ops", "", "某局", 2026, "部门预算", [], [table])
    parts = parts_of(
        doc, _item(table, 0, "项目金额"), Frame("专项业务经费都安排了哪些项目", op="breakdown"), depth=False
    )
    assert [(p.label, int(p.value)) for _, p in parts] == expected


def _class(key: str, names: list[str]) -> Table:
    """社会保障和就业支出 208 with its 款 20805 and two 项 named as given."""
    table = _coded(key, [("208 05 01", names[0], "72"), ("208 05 05", names[1], "106")])
    table.rows = [
        Row("208", "社会保障和就业支出", 1, 0),
        Row("208 05", "行政事业单位养老支出", 2, 0),
    ] + table.rows[:2]
    table.cells = [Cell(0, "合计", Decimal(178)), Cell(1, "合计", Decimal(178))] + [
        replace(c, row=c.row + 2) for c in table.cells if c.row < 2
    ]
    return table


@pytest.mark.parametrize(
    ("other", "expected"),
    [
        # another table prints the name in full, this one with characters left out in order: the full name
        (["行政单位离退休", "机关事业单位基本养老保险缴费支出"], ["行政单位离退休", "机关事业单位基本养老保险缴费支出"]),
        # a longer name that is not this one in full, or one printed with a second classification: as printed
        (["离退休（行政单位）", "机关事业单位养老保险缴费支出"], ["行政单位离退休", "事业单位基本支出"]),
        (["行政单位离退休", "机关事业单位基本养老保险缴费支出 50102-社会保障缴费"], ["行政单位离退休", "事业单位基本支出"]),
    ],
)  # fmt: skip
def test_a_name_read_short_is_named_as_another_table_prints_it(other: list[str], expected: list[str]) -> None:
    short = _class("expenditure_summary", ["行政单位离退休", "事业单位基本支出"])
    doc = Document("ops", "", "某局", 2026, "部门预算", [], [short, _class("general_function", other)])
    parts = parts_of(doc, _item(short, 0, "合计"), Frame("包括什么", op="breakdown"), depth=False)
    assert [p.label for _, p in parts] == expected


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


WHOLE = (
    "2026年“三公”经费预算394.49万元，较2025年减少2.48万元，其中：因公出国（境）费用184.49万元，与2025持平；"
)
CAR = "公务用车运行维护费200.00万元，较2025年减少2.48万元，主要原因是使用事业收入支出；"
ABROAD = "1.因公出国（境）费用：安排因公出国（境）费用预算0.00万元，比上年预算数下降100%。"
RECEPTION = "公务接待费10万元，与2025持平；"
NEXT = "2026年一般公共预算财政拨款运行经费1,815万元，比2025年增加21.99万元；"


def _stated(label: str, quote: str, value: str = "1") -> Fact:
    return Fact(
        "t", "某局", 2026, "其他相关情况说明", "", label, 0, "", Decimal(value), "万元", 1, "text", quote
    )


@pytest.mark.parametrize(
    ("whole", "text", "expected"),
    [
        # the parts said after a whole's change that announces them (其中：, 如下：): those that changed
        (WHOLE, WHOLE + RECEPTION + CAR + "（一）机关运行经费。" + NEXT, [CAR]),
        (
            "三公经费预算数为9.30万元，比上年预算数减少10万元，具体如下：",
            "三公经费预算数为9.30万元，比上年预算数减少10万元，具体如下：" + ABROAD + RECEPTION,
            [ABROAD],
        ),
        # the sentences after one that announces no parts are its siblings, not its parts
        (CAR, CAR + NEXT, []),
    ],
)
def test_the_parts_a_change_comes_from(whole: str, text: str, expected: list[str]) -> None:
    from assistant.operations import parts_changed
    from assistant.records import Section

    facts = [_stated("三公经费预算", whole)] + [_stated("项", q) for q in (RECEPTION, CAR, ABROAD, NEXT)]
    doc = Document("t", "", "某局", 2026, "部门预算", [Section("其他相关情况说明", "", text, 1)], [], facts)
    assert [f.quote for f in parts_changed(doc, facts[0])] == expected


THREE_PUBLIC = ["合计", "因公出国(境)费", "公务接待费", "公务用车购置及运行费", "购置费", "运行费"]


@pytest.mark.parametrize(
    ("stated", "expected"),
    [
        # the 公车 subtotal with its own nonzero parts, named by the columns
        ([], [(0, "因公出国(境)费", 1277370), (0, "公务接待费", 116420), (0, "公务用车购置及运行费", 844200),
              (1, "购置费", 449200), (1, "运行费", 395000)]),
        # a part named as the text states the same figure (公务用车运行维护费预算 39.50 万元)
        ([("公务用车运行维护费预算", "39.50")],
         [(0, "因公出国(境)费", 1277370), (0, "公务接待费", 116420), (0, "公务用车购置及运行费", 844200),
          (1, "购置费", 449200), (1, "公务用车运行维护费", 395000)]),
        # the name printed with the year before 预算数 (公务用车运行维护费 2026 年预算数 39.50 万元)
        ([("公务用车运行维护费2026年预算数", "39.50")],
         [(0, "因公出国(境)费", 1277370), (0, "公务接待费", 116420), (0, "公务用车购置及运行费", 844200),
          (1, "购置费", 449200), (1, "公务用车运行维护费", 395000)]),
        # a name joining two items is a whole, though it holds 运行费's characters and its figure
        ([("公务用车购置和运行维护费", "39.50")],
         [(0, "因公出国(境)费", 1277370), (0, "公务接待费", 116420), (0, "公务用车购置及运行费", 844200),
          (1, "购置费", 449200), (1, "运行费", 395000)]),
        # another figure under that name leaves the column's name
        ([("公务用车运行维护费预算", "40.00")],
         [(0, "因公出国(境)费", 1277370), (0, "公务接待费", 116420), (0, "公务用车购置及运行费", 844200),
          (1, "购置费", 449200), (1, "运行费", 395000)]),
    ],
)  # fmt: skip
def test_three_public_with_the_car_split(stated: list[tuple[str, str]], expected) -> None:
    figures = ["223.799", "127.737", "11.642", "84.42", "44.92", "39.50"]
    table = small_table("three_public", THREE_PUBLIC, [("合计", 0, figures)])
    table.family = "beijing"
    facts = [_stated(label, "", value) for label, value in stated]
    doc = Document("ops", "", "某局", 2026, "部门预算", [], [table], facts)
    parts = parts_of(doc, _item(table, 0, "合计"), Frame("三公经费各项多少", op="breakdown"))
    assert [(d, p.label, int(p.value)) for d, p in parts] == expected


def test_last_years_figure_and_the_change_are_not_parts() -> None:
    """A layout that prints last year and the change beside each column (公务接待费 = 上年公务接待费 + 增减公务接待费):
    only a part's own parts (购置费, 运行费) stand under it."""
    from assistant.documents import layouts

    template = next(t for t in layouts("xian")["tables"] if t["key"] == "three_public")
    columns = next(lay["columns"] for lay in template["layouts"] if "增减运行费" in lay["columns"])
    figures = {"合计": "4.5", "公务接待费": "2", "公务用车购置及运行费": "2.5", "运行费": "2.5"}
    figures |= {
        "上年合计": "5",
        "上年公务接待费": "2.5",
        "上年公务用车购置及运行费": "2.5",
        "上年运行费": "2.5",
    }
    figures |= {"增减合计": "-0.5", "增减公务接待费": "-0.5"}
    table = small_table("three_public", columns, [("合计", 0, [figures.get(c, "0") for c in columns])])
    table.family = "xian"
    doc = Document("ops", "", "某局", 2025, "部门预算", [], [table])
    parts = parts_of(doc, _item(table, 0, "合计"), Frame("三公经费各项多少", op="breakdown"))
    assert [(d, p.label, int(p.value)) for d, p in parts] == [
        (0, "因公出国(境)费", 0),
        (0, "公务接待费", 20000),
        (0, "公务用车购置及运行费", 25000),
        (1, "运行费", 25000),
    ]


def _procurement(column: str, rows: list[tuple[str, str]]) -> Table:
    return small_table("procurement", [column], [(name, 0, v) for name, v in rows])


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        # rows named by their kind, with or without the letter of the 品目 codes, total last or first
        (_procurement("合计", [("A-货物", "716.974"), ("C-服务", "12231.5131"), ("合 计", "12948.4871")]),
         [("A-货物", "7169740"), ("C-服务", "122315131")]),
        (_procurement("总计", [("合计", "60"), ("一、货物A", "10"), ("二、工程B", "20"), ("三、服务C", "30")]),
         [("货物A", "100000"), ("工程B", "200000"), ("服务C", "300000")]),
        # items summed by the letter their 品目 code starts with, in the kinds' order
        (_procurement("预算金额", [("合计", "10"), ("201030122001某局", "10"), ("2010306 C99000000其他服务", "3"),
                                 ("2010306 A05040201鼓粉盒", "4"), ("2010306 A08060399软件", "2"),
                                 ("2010306 B99000000修缮", "1")]),
         [("货物", "60000"), ("工程", "10000"), ("服务", "30000")]),
        # parts that do not add up to the total: none
        (_procurement("合计", [("合计", "10"), ("A-货物", "4"), ("C-服务", "5")]), []),
        (_procurement("合计", [("合计", "10"), ("项目甲 A05040201", "4"), ("项目乙", "6")]), []),
        # another table's total has no kinds
        (small_table("projects", ["合计"], [("合计", 0, "3"), ("A-货物", 0, "3")]), []),
    ],
)  # fmt: skip
def test_a_procurement_total_by_kind(table: Table, expected: list[tuple[str, str]]) -> None:
    total_row = next(i for i, r in enumerate(table.rows) if r.name.replace(" ", "") in ("合计", "总计"))
    item = _item(table, total_row, table.columns[0])
    assert [(p.label, p.value) for p in kind_parts(item)] == [(k, Decimal(v)) for k, v in expected]


FUNCTIONS = small_table(
    "general_function", ["合计", "基本支出", "项目支出"], [("合计", 0, ["150", "100", "50"])]
)
BASIC_BY_CLASS = small_table(
    "economic",
    ["合计", "人员经费", "公用经费"],
    [("合计", 0, ["100", "70", "30"]), ("工资福利支出", 1, ["70", "70"])],
)


@pytest.mark.parametrize(
    ("tables", "facts", "expected"),
    [
        # the parts stated in the text, adding up to the whole
        ([FUNCTIONS], [("人员经费", "80"), ("公用经费", "20")], [("人员经费", "800000"), ("公用经费", "200000")]),
        # the parts as columns of a table, before what the text says
        ([FUNCTIONS, BASIC_BY_CLASS], [("人员经费", "80"), ("公用经费", "20")],
         [("人员经费", "700000"), ("公用经费", "300000")]),
        # parts that do not add up, or one part missing: no parts
        ([FUNCTIONS], [("人员经费", "80"), ("公用经费", "21")], []),
        ([FUNCTIONS], [("人员经费", "100")], []),
    ],
)  # fmt: skip
def test_basic_spending_by_its_defined_parts(
    tables: list[Table], facts: list[tuple[str, str]], expected: list[tuple[str, str]]
) -> None:
    stated = [_fact(label, "", value, f"（一）{label}{value}万元。") for label, value in facts]
    doc = Document("ops", "", "某局", 2026, "部门预算", [], tables, stated)
    parts = defined_parts(doc, _item(FUNCTIONS, 0, "基本支出"))
    assert [(p.label, p.value) for p in parts] == [(k, Decimal(v)) for k, v in expected]
    if expected:
        frame = Frame("基本支出包括哪两块", op="breakdown")
        assert [(p.label, p.value) for _, p in parts_of(doc, _item(FUNCTIONS, 0, "基本支出"), frame)] == [
            (k, Decimal(v)) for k, v in expected
        ]


def test_only_a_defined_whole_breaks_down_by_its_parts() -> None:
    stated = [
        _fact("人员经费", "", "40", "人员经费40万元。"),
        _fact("公用经费", "", "10", "公用经费10万元。"),
    ]
    doc = Document("ops", "", "某局", 2026, "部门预算", [], [FUNCTIONS], stated)
    assert defined_parts(doc, _item(FUNCTIONS, 0, "项目支出")) == []


DEPARTMENT = small_table(
    "expenditure_summary", ["合计", "基本支出", "项目支出"], [("合计", 0, ["400", "120", "280"])]
)
GENERAL_BASIC = small_table("economic", ["合计"], [("合计", 0, "100")])


@pytest.mark.parametrize(
    ("whole", "expected"),
    [
        # the whole's own table has the part: that cell, the other table's figure kept as differing
        (_item(DEPARTMENT, 0, "合计"), ("expenditure_summary", "1200000", ["economic"])),
        # a whole from a table without the part: the part as resolved
        (_item(SUMMARY, 0, "合计"), ("economic", "1000000", ["expenditure_summary"])),
    ],
)
def test_a_part_is_taken_from_its_wholes_table(whole: Item, expected: tuple[str, str, list[str]]) -> None:
    basic = _item(GENERAL_BASIC, 0, "合计")
    basic = Item("基本支出", basic.value, basic.primary, differing=[_item(DEPARTMENT, 0, "基本支出").primary])
    part = in_table_of(basic, whole)
    assert part.primary is not None
    assert (part.primary.table.key, str(part.value), [c.table.key for c in part.differing]) == (
        expected[0],
        str(Decimal(expected[1])),
        expected[2],
    )


def test_a_share_of_the_department_total_uses_its_basic_spending() -> None:
    basic = _item(GENERAL_BASIC, 0, "合计")
    basic = Item("基本支出", basic.value, basic.primary, differing=[_item(DEPARTMENT, 0, "基本支出").primary])
    doc = Document("ops", "", "某局", 2026, "部门预算", [], [DEPARTMENT, GENERAL_BASIC])
    answer = share(Frame("支出总计中基本支出占多少", op="share"), doc, [basic, _item(DEPARTMENT, 0, "合计")])
    assert "**30.00%**" in answer.text


def _in_list(label: str, value: str, quote: str, line: int) -> Fact:
    return replace(_fact(label, "", value, quote), line=line)


_OPENER = "政府采购预算总额16476.85万元，其中，货物类采购预算2,716.09万元；"
_LIST_FACTS = [
    _in_list("政府采购预算总额", "16476.85", _OPENER, 123),
    _in_list("货物类采购预算", "2716.09", _OPENER, 123),
    _in_list("工程类采购预算", "9021.25", "工程类采购预算9,021.25万元；", 123),
    _in_list("服务类采购预算", "4739.51", "服务类采购预算4,739.51万元。", 123),
    _in_list("公务用车", "102", "本单位共有公务用车102辆；", 123),
    _in_list("会议费", "5", "会议费5万元；", 130),
    _in_list("培训费", "3", "培训费3万元。", 130),
]


@pytest.mark.parametrize(
    ("at", "labels"),
    [
        # a list opened by 其中 goes on after ；up to the sentence that ends with 。
        (0, ["政府采购预算总额", "货物类采购预算", "工程类采购预算", "服务类采购预算"]),
        # a sentence ended by ；without 其中 stands alone
        (5, ["会议费"]),
        # a part's own sentence
        (2, ["工程类采购预算"]),
    ],
)
def test_sentence_facts(at: int, labels: list[str]) -> None:
    doc = Document("ops", "", "某局", 2026, "部门预算", [], [], _LIST_FACTS)
    assert [f.row_name for f in sentence_facts(doc, _LIST_FACTS[at])] == labels


_BASIC_ECONOMIC = small_table(
    "economic", ["预算数"], [("合计", 0, "3204.78"), ("委托业务费", 2, "36"), ("办公费", 2, "9.02")]
)
_PROJECT_ECONOMIC = small_table(
    "project_economic",
    ["预算数"],
    [("合计", 0, "739.30"), ("委托业务费", 2, "442.20"), ("办公费", 2, "9.02")],
)
_GENERAL = small_table("general_function", ["项目支出"], [("合计", 0, "739.30")])


@pytest.mark.parametrize(
    ("row", "whole", "expected"),
    [
        # the part from the table whose total is the whole (项目支出按经济分类 for 项目支出)
        (1, _item(_GENERAL, 0, "项目支出"), ("project_economic", "4422000")),
        # where no table's total is the whole, the part as found
        (1, _item(_BASIC_ECONOMIC, 1, "预算数"), ("economic", "360000")),
        # the same figure in both tables: the part as found
        (2, _item(_GENERAL, 0, "项目支出"), ("economic", "90200")),
    ],
)
def test_a_part_is_taken_from_the_table_that_breaks_its_whole_down(
    row: int, whole: Item, expected: tuple[str, str]
) -> None:
    found = _item(_BASIC_ECONOMIC, row, "预算数")
    other = _item(_PROJECT_ECONOMIC, row, "预算数").primary
    same = other.yuan == found.value
    part = Item(found.label, found.value, found.primary, [other] if same else [], [] if same else [other])
    got = in_table_of(part, whole)
    assert (got.primary.table.key, got.value) == (expected[0], Decimal(expected[1]))
