"""Facts the narrative states, with the line they come from."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from assistant.documents import read_document
from assistant.narrative import excerpt, section_facts

SEED = Path(__file__).resolve().parent.parent / "corpus" / "shanghai-sme-office-2024.txt"


@pytest.fixture(scope="module")
def doc():
    return read_document(SEED)


@pytest.mark.parametrize(
    ("section", "label", "column", "value", "unit", "source_words"),
    [
        ("其他相关情况说明", "政府采购预算", "", "91.96", "万元", "政府采购预算91.96万元"),
        ("其他相关情况说明", "编报绩效目标的项目", "", "2", "个", "编报绩效目标的项目共2个"),
        ("其他相关情况说明", "涉及项目预算资金", "", "196.00", "万元", "196.00万元"),
        ("其他相关情况说明", "车辆", "", "0", "辆", "共有车辆0辆"),
        ("其他相关情况说明", "公务接待费", "", "3.00", "万元", "公务接待费3.00万元"),
        ("其他相关情况说明", "财政拨款的机关运行经费预算", "", "185.50", "万元", "185.50万元"),
        ("预算编制说明", "财政拨款支出预算", "比2023年预算增减", "11", "万元", "比2023年预算增加11万元"),
        ("预算编制说明", "收入预算", "", "1056", "万元", "收入预算1,056万元"),
        ("预算编制说明", "资源勘探工业信息等支出", "", "762", "万元", "科目762万元"),
    ],
)
def test_seed_text_facts(doc, section, label, column, value, unit, source_words):
    facts = [f for f in doc.text_facts if f.table == section and f.row_name == label and f.column == column]
    assert facts, f"no fact {label}"
    fact = facts[0]
    assert (fact.value, fact.unit, fact.source) == (Decimal(value), unit, "text")
    # the line number points at the source line that prints the figure
    assert source_words.replace(" ", "") in doc.lines[fact.line - 1].replace(" ", "") + doc.lines[
        fact.line
    ].replace(" ", "")
    assert doc.lines[fact.line - 1]


def test_text_fact_lines_are_real_source_lines(doc):
    for fact in doc.text_facts:
        line = doc.lines[fact.line - 1]
        assert line and fact.quote[:4] in "".join(doc.lines[fact.line - 1 : fact.line + 3])


@pytest.mark.parametrize(
    ("sentence", "label", "value"),
    [
        (
            "公务接待费预算支出 10 万元，比上年预算减少 3 万元，主要原因是公务接待支出下降。",
            "公务接待费预算支出",
            "-3",
        ),
        (
            "1.审计事务（款）行政运行（项）支出 2,342 万元，与上年相比增加 27.86 万元。",
            "审计事务行政运行支出",
            "27.86",
        ),
        ("培训费预算支出 281.77 万元，较上一年度增长 184.17 万元。", "培训费预算支出", "184.17"),
        ("1.因公出国（境）费预算支出 106 万元，与上年数一致。", "因公出国（境）费预算支出", "0"),
        ("（2）政府性基金预算拨款收入 0 万元，与上年预算数相同。", "政府性基金预算拨款收入", "0"),
        ("财政拨款支出预算 1,056 万元，比2023年预算增加11万元。", "财政拨款支出预算", "11"),
        # 和…相比, and the verbs 减低 / 降低
        (
            "2026年公务接待费为0.86万元，和2025年相比预算减低0.27万元，主要原因是过紧日子。",
            "公务接待费",
            "-0.27",
        ),
        ("培训费预算支出 5 万元，和上年相比降低 1 万元。", "培训费预算支出", "-1"),
        ("差旅费预算支出 8 万元，和上年相比持平。", "差旅费预算支出", "0"),
        # 较去年; the budget as a whole (预算) when no item is named
        ("收入较去年增加 54.13 万元，上升 2.88%。", "收入", "54.13"),
        ("2026年预算比2025年预算增加50.32万元，增长3.08%。", "预算", "50.32"),
    ],
)
def test_a_change_against_the_prior_year_is_a_fact_about_the_item_just_named(sentence, label, value):
    facts = section_facts("d", "苏州市审计局", 2026, "预算编制说明", [(0, sentence)])
    changes = [(f.row_name, f.column, f.value) for f in facts if f.column]
    prior = "2023" if "2023" in sentence else "2025"  # 上年 is the year before the budget's own
    assert changes == [(label, f"比{prior}年预算增减", Decimal(value))]


def test_the_unit_and_year_that_open_a_sentence_are_not_part_of_its_label():
    sentence = "苏州市审计局 2026 年度一般公共预算拨款安排的会议费预算支出 10 万元，比上年预算减少 7 万元。"
    facts = section_facts("d", "苏州市审计局", 2026, "预算编制说明", [(0, sentence)])
    assert [(f.row_name, f.column, f.value) for f in facts] == [
        ("一般公共预算拨款安排的会议费预算支出", "", Decimal(10)),
        ("一般公共预算拨款安排的会议费预算支出", "比2025年预算增减", Decimal(-7)),
    ]


@pytest.mark.parametrize(
    ("sentence", "label"),
    [
        # a label printed with a space between its characters: read without them, the unit and year dropped
        (
            "国 家 信 访 局 2026 年 机 关 运 行 经 费 财 政 拨 款 预 算2,376.26万元。",
            "机关运行经费财政拨款预算",
        ),
        ("国家信访局 2026 年委托业务费财政拨款预算 1,391.68万元。", "委托业务费财政拨款预算"),
        # a space beside a Latin letter stays
        ("PC 服务器 Dell R740 购置 12 万元。", "PC 服务器 Dell R740购置"),
    ],
)
def test_a_label_printed_spaced_out_is_read_as_its_words(sentence: str, label: str) -> None:
    facts = section_facts("d", "国家信访局", 2026, "预算编制说明", [(0, sentence)])
    assert [f.row_name for f in facts] == [label]


@pytest.mark.parametrize(
    ("body", "label", "value"),
    [
        # the item named again between the year and the verb
        (
            ["2026 年财政拨款“三公”经费预算 102.11 万元，比 2025年财政拨款“三公”经费预算增加 3.21 万元。"],
            "财政拨款三公经费预算",
            "3.21",
        ),
        # against the prior year's first budget (年初预算)
        (
            ["公务用车运行维护费预算数 7.40 万元，较 2025 年年初预算减少 1.20 万元。"],
            "公务用车运行维护费预算数",
            "-1.2",
        ),
        # no change, in words
        (["本部门当年会议费预算支出2.00万元，较上年无增减。"], "当年会议费预算支出", "0"),
        # the item named in the clause of the change, not the last one listed before it
        (
            [
                "“三公”经费预算数为 8.00 万元，其中，因公出国（境）费 0.00 万元。2026 年“三公”经费预算较 2025 年减少 1.75 万元。"
            ],
            "三公经费预算",
            "-1.75",
        ),
        # a sentence of its own saying no change names its item before the verb, not the last one listed
        (
            [
                "“三公”经费预算数为 458.50 万元，其中，公务接待费 28.50 万元。2026 年“三公”经费预算与 2025 年持平，主要是支出水平不变。"
            ],
            "三公经费预算",
            "0",
        ),
        (["2026 年“三公”经费预算与 2025 年持平。"], "三公经费预算", "0"),
        # a heading line names the item the sentence below only calls 预算安排
        (["（二）公务接待费", "2026 年预算安排 5.00 万元，与上年持平。"], "公务接待费", "0"),
        (["2.公务接待费。2026 年预算数 9.46 万元，较 2025 年年初预算增加 0.00 万元。"], "公务接待费", "0"),
        # a sentence opening with the change is about the item the sentence before stated a figure for
        (
            [
                "3．住房保障（类）支出 7344.46 万元，主要用于提租补贴、住房公积金支出。与上年相比增加 2627.95 万元，增长 55.72%。"
            ],
            "住房保障支出",
            "2627.95",
        ),
        (
            ["基本支出预算数为 21968 万元。与上年相比增加 3397.18万元，增长 18.29%。"],
            "基本支出预算数",
            "3397.18",
        ),
    ],
)
def test_a_change_is_stated_about_the_item_the_text_names(body: list[str], label: str, value: str) -> None:
    facts = section_facts("d", "某局", 2026, "其他相关情况说明", list(enumerate(body)))
    changes = [(f.row_name, f.value) for f in facts if f.column]
    assert changes == [(label, Decimal(value))]
    assert [f.column for f in facts if f.column] == ["比2025年预算增减"]


@pytest.mark.parametrize(
    "sentence",
    [
        "2026 年收入预算 5,876.67 万元，比上年执行数增加 48.92 万元，增长 0.8%，与上年基本持平。",
        "2026 年支出决算 100 万元，比上年决算数减少 3 万元。",
    ],
)
def test_an_outturn_or_a_loose_comparison_is_not_a_change_of_the_budget(sentence: str) -> None:
    facts = section_facts("d", "某局", 2026, "预算编制说明", [(0, sentence)])
    assert [f for f in facts if f.column] == []


def test_a_reason_printed_after_a_colon_on_the_next_line_stays_in_the_quote() -> None:
    body = [
        (0, "公务用车运行维护费8.20万元，较上年减少1.80万元，下降的主要原因是："),
        (1, "统一调整公务用车支出标准；"),
    ]
    facts = section_facts("d", "某局", 2026, "其他相关情况说明", body)
    change = next(f for f in facts if f.column)
    assert change.quote.endswith("下降的主要原因是：统一调整公务用车支出标准；")
    assert change.line == 1


LISTING = "机关运行经费预算总计211万元， 占基本支出经费的17.46%，其中主要支出为办公费34.82万元，培训费3.98万元，取暖费23.37万元。"


@pytest.mark.parametrize(
    ("quote", "value", "unit", "shown"),
    [
        # a sentence listing many figures: only the clause that states the one cited
        (LISTING, "3.98", "万元", "…培训费3.98万元…"),
        (LISTING, "211", "万元", "机关运行经费预算总计211万元…"),
        (LISTING, "23.37", "万元", "…取暖费23.37万元"),
        # the figure and its change against the prior year: the figure's clause
        (
            "6.职业年金缴费支出147.70万元，较上年增加11.12万元，增长8.14%；",
            "147.70",
            "万元",
            "6.职业年金缴费支出147.70万元…",
        ),
        # one figure, or a figure not found as stated: the whole sentence
        ("公务接待费3.00万元，主要用于接待。", "3.00", "万元", "公务接待费3.00万元，主要用于接待。"),
        (LISTING, "5", "万元", LISTING),
        # thousands separators do not split a clause
        ("收入预算1,056万元，支出预算1,056万元。", "1056", "万元", "收入预算1,056万元，支出预算1,056万元。"),
    ],
)
def test_excerpt_quotes_the_clause_stating_the_figure(quote: str, value: str, unit: str, shown: str) -> None:
    assert excerpt(quote, Decimal(value), unit) == shown


@pytest.mark.parametrize(
    ("sentence", "facts"),
    [
        # last year's figure is not a fact of this year, so the change is still about 三公经费预算数
        (
            "2026年“三公经费”预算数为7.61万元，2025年预算数为9.23万元，和2025年相比预算减少1.62万元。",
            [("三公经费预算数", "", "7.61"), ("三公经费预算数", "比2025年预算增减", "-1.62")],
        ),
        ("2025年公务接待费为1.13万元，2026年公务接待费为0.86万元。", [("公务接待费", "", "0.86")]),
        # 和 joining two items is not a comparison
        ("办公费和2025年度结转资金共计5万元。", [("办公费和2025年度结转资金", "", "5")]),
    ],
)
def test_a_figure_of_another_year_is_not_stated_under_this_years_name(sentence, facts) -> None:
    found = section_facts("d", "长春市信访局", 2026, "预算编制说明", [(0, sentence)])
    assert [(f.row_name, f.column, f.value) for f in found] == [(a, b, Decimal(c)) for a, b, c in facts]


def test_a_list_inside_brackets_stays_in_the_sentence_that_opens_it() -> None:
    body = "公务用车购置及运行维护费0万元（公务用车购置费0万元，比上年增加0万元；公务用车运行维护费0万元，比上年增加0万元）；公务接待费6.64万元。"
    facts = section_facts("d", "珠海市商务局", 2026, "预算编制说明", [(0, body)])
    quotes = {f.row_name: f.quote for f in facts if not f.column}
    assert quotes == {
        "公务用车购置及运行维护费": body[: body.index("；公务接待费") + 1],
        "公务用车购置费": body[: body.index("；公务接待费") + 1],
        "公务用车运行维护费": body[: body.index("；公务接待费") + 1],
        "公务接待费": "公务接待费6.64万元。",
    }


@pytest.mark.parametrize(
    ("body", "quote"),
    [
        # a reason printed as the next sentence (主要是…), also in the next paragraph, with its further points
        (
            ["收入较去年增加 54.13 万元，上升 2.88%。主要是本年较上年增加两人，人员经费增加。"],
            "收入较去年增加 54.13 万元，上升 2.88%。主要是本年较上年增加两人，人员经费增加。",
        ),
        (
            [
                "部门预算支出 37,385.88 万元，较 2025 年年初预算减少 16,640.31 万元。",
                "预算收支减少主要原因说明：一是 2026 年未安排注资；二是专项经费不再安排等。",
            ],
            "部门预算支出 37,385.88 万元，较 2025 年年初预算减少 16,640.31 万元。"
            "预算收支减少主要原因说明：一是 2026 年未安排注资；二是专项经费不再安排等。",
        ),
        # numbered points of an opened reason, one of them stating a figure of its own
        (
            [
                "部门预算支出 5,417.80 万元，较 2025 年年初预算增加 206.09 万元。",
                "预算收支增加主要原因说明：1.落实零基预算改革要求；2.新增全国农业普查项目预算 110 万元。",
            ],
            "部门预算支出 5,417.80 万元，较 2025 年年初预算增加 206.09 万元。"
            "预算收支增加主要原因说明：1.落实零基预算改革要求；2.新增全国农业普查项目预算 110 万元。",
        ),
        # the next numbered item of the text, after a reason that is not numbered, is not a point of it
        (
            [
                "4.行政单位离退休 53.05 万元，较上年增加 32.92 万元，增长的主要原因是：自本年起由我单位发放；",
                "5.其他支出 3.42 万元。",
            ],
            "4.行政单位离退休 53.05 万元，较上年增加 32.92 万元，增长的主要原因是：自本年起由我单位发放；",
        ),
        # a numbered point after a change that opened no reason is not one
        (
            ["收入较去年增加 54.13 万元。", "2.公务接待费 3 万元。"],
            "收入较去年增加 54.13 万元。",
        ),
        # a sentence that gives no reason stays out
        (
            ["收入较去年增加 54.13 万元。", "其中：一般公共预算拨款 1935.36 万元。"],
            "收入较去年增加 54.13 万元。",
        ),
    ],
)
def test_the_reason_printed_after_a_change_joins_its_quote(body: list[str], quote: str) -> None:
    facts = section_facts("d", "某局", 2026, "预算编制说明", list(enumerate(body)))
    assert [f.quote for f in facts if f.column] == [quote]


@pytest.mark.parametrize(
    ("body", "changes"),
    [
        # the sentence before states no figure: the change names no item
        (["（三）派出机构。与上年相比增加 3 万元。"], [("与上年相比增加", "")]),
        # the sentence before stated a change, not a figure: nothing is carried
        (
            ["会议费比上年减少 2 万元。与上年相比增加 5 万元。"],
            [("会议费", "比2025年预算增减"), ("与上年相比增加", "")],
        ),
    ],
)
def test_a_change_is_carried_only_from_a_sentence_stating_a_figure(
    body: list[str], changes: list[tuple[str, str]]
) -> None:
    facts = section_facts("d", "某局", 2026, "预算编制说明", list(enumerate(body)))
    assert [(f.row_name, f.column) for f in facts] == changes


@pytest.mark.parametrize(
    ("sentence", "label"),
    [
        ("一般公共服务（类）支出 13,144.37 万元。", "一般公共服务支出"),
        ("住房改革支出（款）住房公积金（项）支出 1879.36 万元。", "住房改革支出住房公积金支出"),
        ("公务用车购置及运行维护费（含购置）5 万元。", "公务用车购置及运行维护费（含购置）"),
    ],
)
def test_level_marks_are_left_out_of_a_narrative_label(sentence: str, label: str) -> None:
    facts = section_facts("d", "某局", 2026, "预算编制说明", [(0, sentence)])
    assert [f.row_name for f in facts] == [label]


@pytest.mark.parametrize(
    ("sentence", "labels"),
    [
        # what is counted, without the verb that sets it up (下设, 下辖, 设有)
        ("西安市气象局局机关下设4个处室，分别为办公室、业务科技处。", [("处室", "4")]),
        ("下设直属事业单位6个，分别为西安市气象台。", [("直属事业单位", "6")]),
        ("下辖区县气象局8个，分别为阎良区气象局。", [("区县气象局", "8")]),
        ("本部门设有3个内设机构。", [("内设机构", "3")]),
        ("本部门包括27个内设机构、1个下属单位。", [("内设机构", "27"), ("下属单位", "1")]),
    ],
)
def test_a_count_is_labelled_by_what_it_counts(sentence: str, labels: list[tuple[str, str]]) -> None:
    facts = section_facts("d", "西安市气象局", 2022, "主要职能", [(0, sentence)])
    assert [(f.row_name, str(f.value)) for f in facts] == labels
