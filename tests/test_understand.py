"""Question understanding: normalising, linking terms (aliases, typos, partial names, codes, English),
the operation asked for, refusals and follow-up kinds."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from decimal import Decimal

import pytest

from assistant.records import Document, Fact, Section
from assistant.understand import (
    Lexicon,
    Target,
    detect_op,
    normalise,
    row_key,
    translate_english,
    understand,
    wording,
)
from tests.tables import small_table


def _frame(question: str, lexicon: Lexicon, seed_doc):
    return understand(question, lexicon, seed_doc)


def _keys(mention) -> set[str]:
    return {t.key for t in mention.targets}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("辦公費是多少？", "办公费是多少?"),
        ("ＡＢＣ办公费１２３", "abc办公费123"),
        ("办公 费\u3000是 多少", "办公费是多少"),
        ("“三公”经费", "三公经费"),
        ("《支出预算总表》", "支出预算总表"),
        ("<b>物业管理费</b>", "b物业管理费/b"),
        ("衛生健康支出", "卫生健康支出"),
        ("因公出国（境）费", "因公出国(境)费"),
        ("HELLO", "hello"),
    ],
)
def test_normalise(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("一、社会保障和就业支出", "社会保障和就业支出"),
        ("1、事业收入", "事业收入"),
        ("（三）公务接待费", "公务接待费"),
        ("办公费", "办公费"),
    ],
)
def test_row_key_drops_ordinals(name: str, expected: str) -> None:
    assert row_key(name) == expected


@pytest.mark.parametrize(
    ("question", "surface", "target"),
    [
        ("社会保障和就业支出是多少", "社会保障和就业支出", "社会保障和就业支出"),
        ("其他商品和服务支出是多少", "其他商品和服务支出", "其他商品和服务支出"),
        ("商品和服务支出是多少", "商品和服务支出", "商品和服务支出"),
        ("行政事业单位养老支出是多少", "行政事业单位养老支出", "行政事业单位养老支出"),
        (
            "机关事业单位基本养老保险缴费是多少",
            "机关事业单位基本养老保险缴费",
            "机关事业单位基本养老保险缴费",
        ),
        ("职工基本医疗保险缴费是多少", "职工基本医疗保险缴费", "职工基本医疗保险缴费"),
    ],
)
def test_leftmost_longest_linking(
    lexicon: Lexicon, seed_doc, question: str, surface: str, target: str
) -> None:
    frame = _frame(question, lexicon, seed_doc)
    assert [m.surface for m in frame.mentions] == [surface]
    assert target in _keys(frame.mentions[0])
    assert not frame.mentions[0].fuzzy


@pytest.mark.parametrize(
    ("question", "target"),
    [
        ("社保支出是多少", "社会保障和就业支出"),
        ("公积金是多少", "住房公积金"),
        ("出国费用是多少", "因公出国(境)费用"),
        ("接待费是多少", "公务接待费"),
        ("物业费是多少", "物业管理费"),
        ("医保缴费是多少", "职工基本医疗保险缴费"),
        ("离退休支出是多少", "行政单位离退休"),
        ("医疗支出是多少", "卫生健康支出"),
        ("差旅是多少", "差旅费"),
    ],
)
def test_aliases(lexicon: Lexicon, seed_doc, question: str, target: str) -> None:
    frame = _frame(question, lexicon, seed_doc)
    assert len(frame.mentions) == 1
    assert target in _keys(frame.mentions[0])


@pytest.mark.parametrize(
    ("question", "target"),
    [
        ("差旅废是多少", "差旅费"),
        ("物业管里费是多少", "物业管理费"),
        ("公务接代费是多少", "公务接待费"),
        ("职业年经缴费是多少", "职业年金缴费"),
    ],
)
def test_one_wrong_character(lexicon: Lexicon, seed_doc, question: str, target: str) -> None:
    frame = _frame(question, lexicon, seed_doc)
    assert len(frame.mentions) == 1
    assert target in _keys(frame.mentions[0])


@pytest.mark.parametrize(
    ("question", "target"),
    [
        ("公务员医疗补助是多少", "公务员医疗补助缴费"),
        ("中小企业发展是多少", "中小企业发展专项"),
        ("机关事业单位基本养老保险是多少", "机关事业单位基本养老保险缴费"),
    ],
)
def test_partial_names(lexicon: Lexicon, seed_doc, question: str, target: str) -> None:
    frame = _frame(question, lexicon, seed_doc)
    assert len(frame.mentions) == 1
    assert target in _keys(frame.mentions[0])
    assert frame.mentions[0].fuzzy


@pytest.mark.parametrize(
    ("question", "target"),
    [
        ("2150805是多少", "中小企业发展专项"),
        ("215 08 05是多少", "中小企业发展专项"),
        ("2080501是多少", "行政单位离退休"),
        ("30202是多少", "印刷费"),
    ],
)
def test_row_codes(lexicon: Lexicon, seed_doc, question: str, target: str) -> None:
    frame = _frame(question, lexicon, seed_doc)
    assert [t.key for m in frame.mentions for t in m.targets] == [target]


def test_a_year_is_not_read_as_a_code(lexicon: Lexicon, seed_doc) -> None:
    frame = _frame("2024年办公费是多少", lexicon, seed_doc)
    assert [m.surface for m in frame.mentions] == ["办公费"]
    assert frame.years == [2024] and not frame.refuse


@pytest.mark.parametrize(
    ("question", "op", "targets"),
    [
        ("How much is the office expense?", "lookup", [["办公费"]]),
        ("How much is property management in 10k yuan?", "lookup", [["物业管理费"]]),
        (
            "What share of goods and services is property management?",
            "share",
            [["物业管理费"], ["商品和服务支出"]],
        ),
        ("What is the difference between travel and printing?", "difference", [["差旅费"], ["印刷费"]]),
    ],
)
def test_english_questions(
    lexicon: Lexicon, seed_doc, question: str, op: str, targets: list[list[str]]
) -> None:
    frame = _frame(question, lexicon, seed_doc)
    assert frame.op == op
    assert [sorted(_keys(m) & {t for ts in targets for t in ts}) for m in frame.mentions] == targets


def test_english_unit_word() -> None:
    assert "万元" in translate_english("How much is property management in 10k yuan?")
    assert translate_english("办公费是多少") == "办公费是多少"


OPS = [
    ("average", "商品和服务支出各项平均是多少"),
    ("balance", "收支是否平衡"),
    ("balance", "收入和支出相等吗"),
    ("prior", "财政拨款收入比2023年增加多少"),
    ("prior", "三公经费比上年是增是减"),
    ("share", "物业管理费占商品和服务支出的比例是多少"),
    ("share", "人员经费占比多少"),
    ("multiple", "办公费是印刷费的几倍"),
    ("difference", "办公费比印刷费多多少"),
    ("difference", "办公费和印刷费相差多少"),
    ("sum", "办公费和印刷费一共多少"),
    ("sum", "办公费加上印刷费是多少"),
    ("rank", "商品和服务支出中哪一项最多"),
    ("rank", "支出最少的前三项"),
    ("breakdown", "三公经费由哪些部分构成"),
    ("breakdown", "基本支出包括哪几项"),
    ("per_month", "办公费每月多少"),
    ("per_month", "办公费月均多少"),
    ("count", "有几辆车"),
    ("count", "编报绩效目标的项目有几个"),
    ("lookup", "办公费是多少"),
    ("lookup", "三公经费预算数"),
    ("code", "中小企业发展专项的科目编码是什么"),
    ("rank", "商品和服务支出中倒数第一的是哪项"),
    ("breakdown", "把功能分类的大类逐一列出来"),
    ("breakdown", "一般公共服务支出分到哪些科目上了"),
    ("breakdown", "卫生健康支出包括哪几个科目"),
    ("breakdown", "收入总共多少？都来自哪些渠道"),
    ("breakdown", "收入有哪几个来源"),
]


@pytest.mark.parametrize(("op", "question"), OPS)
def test_operation_detection(lexicon: Lexicon, seed_doc, op: str, question: str) -> None:
    assert detect_op(normalise(question)) == op
    assert _frame(question, lexicon, seed_doc).op == op


def test_every_operation_in_the_wording_data_is_tested() -> None:
    assert {op for op, _ in wording()["ops"]} <= {op for op, _ in OPS}


@pytest.mark.parametrize(
    ("question", "column", "row"),
    [
        ("卫生健康支出中人员经费是多少", "人员经费", "卫生健康支出"),
        ("资源勘探工业信息等支出的公用经费是多少", "公用经费", "资源勘探工业信息等支出"),
        ("社会保障和就业支出的基本支出是多少", "基本支出", "社会保障和就业支出"),
    ],
)
def test_a_column_word_after_a_row_selects_the_column(
    lexicon: Lexicon, seed_doc, question, column, row
) -> None:
    frame = _frame(question, lexicon, seed_doc)
    assert frame.column == column
    assert [m.surface for m in frame.mentions] == [row]


def test_several_columns_of_one_row(lexicon: Lexicon, seed_doc) -> None:
    frame = _frame("卫生健康支出的人员经费和公用经费各多少", lexicon, seed_doc)
    assert frame.row_columns == ["人员经费", "公用经费"]
    assert frame.column is None


@pytest.mark.parametrize(
    ("question", "unit"),
    [
        ("办公费是多少万元", "万元"),
        ("办公费是多少亿元", "亿元"),
        ("办公费以万为单位是多少", "万元"),
        ("办公费是多少", None),
    ],
)
def test_unit_asked_for(lexicon: Lexicon, seed_doc, question: str, unit: str | None) -> None:
    assert _frame(question, lexicon, seed_doc).unit == unit


@pytest.mark.parametrize(
    ("question", "order", "top", "level"),
    [
        ("商品和服务支出中哪一项最多", "max", None, None),
        ("支出最少的前三项", "min", 3, None),
        ("哪一类支出最多", "max", None, 1),
        ("款级支出排名前2", "max", 2, 2),
    ],
)
def test_ranking_words(lexicon: Lexicon, seed_doc, question, order, top, level) -> None:
    frame = _frame(question, lexicon, seed_doc)
    assert (frame.order, frame.top, frame.level) == (order, top, level)


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        ("2023年决算是多少", "决算"),
        ("办公费执行数是多少", "执行数"),
        ("2025年的预算是多少", "2025"),
        ("2022年办公费是多少", "2022"),
        ("你们的地址在哪里", "地址"),
        ("联系电话是多少", "联系方式"),
        ("你好", "你好"),
        ("讲个笑话", "范围"),
        ("帮我写一首诗", "范围"),
        ("局长的工资是多少", "个人收入"),
        ("单位有多少人", "人员信息"),
        ("你是谁", "预算问答"),
    ],
)
def test_refusals(lexicon: Lexicon, seed_doc, question: str, reason: str) -> None:
    frame = _frame(question, lexicon, seed_doc)
    assert reason in frame.refuse


@pytest.mark.parametrize(
    "question",
    [
        "办公费是多少",
        "2024年办公费是多少",
        "财政拨款收入比2023年增加多少",  # the prior year is what the text compares with
        "上海市促进中小企业发展协调办公室的办公费是多少",
        "本单位的办公费是多少",
        "中小企业发展专项是多少",
        "物业管理费在支出中占多少",
    ],
)
def test_questions_about_this_document_are_not_refused(lexicon: Lexicon, seed_doc, question: str) -> None:
    assert _frame(question, lexicon, seed_doc).refuse == ""


@pytest.mark.parametrize(
    ("question", "years", "refused"),
    [
        ("上年结转结余资金有多少", [], False),  # money carried over into this budget, not last year's figure
        ("上年结余有多少", [], False),
        ("预决算管理业务这个项目预算有多少", [], False),  # a project's name, not a 决算 question
        ("上年的办公费是多少", [2023], False),
        ("2023年的决算是多少", [2023], True),
    ],
)
def test_item_words_are_not_years_or_final_accounts(
    lexicon: Lexicon, seed_doc, question: str, years: list, refused: bool
) -> None:
    frame = _frame(question, lexicon, seed_doc)
    assert (frame.years, bool(frame.refuse)) == (years, refused)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("那差旅费呢？", "other-item"),
        ("那么印刷费呢", "other-item"),
        ("这两项加起来多少？", "pair"),
        ("两者相差多少？", "pair"),
        ("后者是前者的几倍？", "pair"),
        ("换算成万元", "convert"),
        ("其中行政事业单位养老支出呢？", "child"),
        ("占基本支出的比例是多少？", "reuse"),
        ("占比多少？", "reuse"),
        ("办公费是多少？", ""),
    ],
)
def test_followup_kinds(lexicon: Lexicon, seed_doc, question: str, kind: str) -> None:
    assert _frame(question, lexicon, seed_doc).followup == kind


@pytest.mark.parametrize(("question", "reverse"), [("后者是前者的几倍", True), ("前者是后者的几倍", False)])
def test_pair_order(lexicon: Lexicon, seed_doc, question: str, reverse: bool) -> None:
    assert _frame(question, lexicon, seed_doc).reverse is reverse


@pytest.mark.parametrize(
    ("question", "part", "whole"),
    [
        ("公务接待费在三公经费中占多少", "公务接待费", "三公经费"),
        ("“公务接待费”这一项在三公经费中占多大比重", "公务接待费", "三公经费"),
        ("三公经费中公务接待费占多少", "公务接待费", "三公经费"),
        ("公务接待费占三公经费的比重", "公务接待费", "三公经费"),
        # the whole in a clause of its own: 在X里占
        (
            "公务用车购置及运行费有多少，主要用在哪里？在三公经费里占多大比例",
            "公务用车购置及运行费",
            "三公经费",
        ),
        ("公务接待费是多少？在三公经费中所占比例是多少", "公务接待费", "三公经费"),
    ],
)
def test_the_part_of_a_share_is_the_term_that_stands_in_the_whole(
    lexicon: Lexicon, seed_doc, question: str, part: str, whole: str
) -> None:
    frame = _frame(question, lexicon, seed_doc)
    assert (frame.op, [m.surface for m in frame.mentions][:2]) == ("share", [part, whole])


@pytest.mark.parametrize(
    ("question", "op"),
    [
        ("三公经费一共多少？公务接待费、公务用车各多少？", "breakdown"),
        ("三公经费共计多少？公务接待费、公务用车各是多少？", "breakdown"),
        ("公务接待费和公务用车一共多少？", "sum"),
        ("公务接待费和公务用车一共多少，各多少？", "sum"),
        # one term in total, then its projects each: its breakdown by project
        ("项目支出总共多少？都安排了哪些项目，各是多少？", "breakdown"),
        ("项目支出总共多少？都安排了哪些项目？", "sum"),
        ("项目支出一共安排了哪些项目，每个项目多少钱？", "breakdown"),
        ("项目支出一共安排了哪些项目，每一个项目多少？", "breakdown"),
    ],
)
def test_a_total_asked_with_its_parts_each_is_a_breakdown(
    lexicon: Lexicon, seed_doc, question: str, op: str
) -> None:
    assert _frame(question, lexicon, seed_doc).op == op


PROCUREMENT_DOC = Document(
    "buy",
    "",
    "某局",
    2026,
    "部门预算",
    [],
    [
        small_table(
            "procurement", ["总计"], [("合计", 0, "60"), ("一、货物A", 0, "10"), ("三、服务C", 0, "50")]
        )
    ],
)


@pytest.mark.parametrize(
    ("question", "op", "surfaces"),
    [
        # the whole, then its kinds each: its breakdown by kind (服务C read as a row is one of the kinds)
        ("政府采购预算总金额多少？货物、工程、服务各是多少？", "breakdown", ["政府采购预算总金额"]),
        ("政府采购预算总共多少？货物和服务分别多少", "breakdown", ["政府采购预算"]),
        ("政府采购预算由哪几类构成，货物多少", "breakdown", ["政府采购预算"]),
        # each kind's share: left to the shares of the parts named
        ("政府采购预算一共多少？货物和服务各占多少？", "share", ["政府采购预算"]),
        # the whole alone, or no kind named
        ("政府采购预算总额是多少", "lookup", ["政府采购预算总额"]),
        ("政府采购预算各是多少", "lookup", ["政府采购预算"]),
    ],
)
def test_a_whole_asked_with_its_kinds(question: str, op: str, surfaces: list[str]) -> None:
    frame = understand(question, Lexicon(PROCUREMENT_DOC), PROCUREMENT_DOC)
    assert (frame.op, [m.surface for m in frame.mentions][: len(surfaces)]) == (op, surfaces)


TWO_TERMS_DOC = Document(
    "two",
    "",
    "某局",
    2025,
    "部门预算",
    [],
    [
        small_table(
            "financial_summary", ["预算数"], [("人员经费和公用经费支出", 1, "30"), ("人员工资", 1, "5")]
        )
    ],
)


@pytest.mark.parametrize(
    ("question", "surfaces"),
    [
        # the start of a longer row name that reads as two known terms joined: the two terms
        ("人员经费和公用经费各是多少", ["人员经费", "公用经费"]),
        ("人员经费、公用经费分别多少", ["人员经费", "公用经费"]),
        # the whole row name typed, or its start with no second term: the row
        ("人员经费和公用经费支出是多少", ["人员经费和公用经费支出"]),
        ("人员经费和公用多少", ["人员经费和公用经费支出"]),
    ],
)
def test_two_terms_are_not_the_start_of_one_row(question: str, surfaces: list[str]) -> None:
    frame = understand(question, Lexicon(TWO_TERMS_DOC), TWO_TERMS_DOC)
    assert [m.surface for m in frame.mentions] == surfaces


TOTALS_DOC = Document(
    "totals",
    "",
    "某局",
    2019,
    "部门预算",
    [],
    [
        small_table("financial_summary", ["预算数"], [("收入总计", 0, "90"), ("支出合计", 0, "90")]),
        small_table(
            "three_public",
            ["总计", "合计", "因公出国(境)费", "公务接待费"],
            [("合计", 0, ["9", "6", "2", "4"])],
        ),
    ],
)


@pytest.mark.parametrize(
    ("question", "surfaces"),
    [
        # a total word after an item is that item's total, not the 三公 table's 合计 column
        ("支出预算合计多少？由哪几部分组成", ["支出预算"]),
        ("公务接待费合计多少", ["公务接待费"]),
        # the whole budget's two sides together
        ("收支预算总计是多少", ["收支预算总计"]),
        ("收支总额多少", ["收支总额"]),
        # one side's grand total, also where the text states it under that name
        ("收入预算总计多少？由哪几块资金构成", ["收入预算总计"]),
    ],
)
def test_total_words(question: str, surfaces: list[str]) -> None:
    frame = understand(question, Lexicon(TOTALS_DOC), TOTALS_DOC)
    assert [m.surface for m in frame.mentions] == surfaces
    assert all(any(t.kind == "concept" for t in m.targets) for m in frame.mentions)


_LINK_SCRIPT = """
import json, sys
from assistant.documents import read_document
from assistant.understand import Lexicon, understand
doc = read_document(sys.argv[1])
lex = Lexicon(doc)
out = {q: [sorted(t.key for t in m.targets) for m in understand(q, lex, doc).mentions] for q in json.loads(sys.argv[2])}
print(json.dumps(out, ensure_ascii=False))
"""


def test_linking_does_not_depend_on_the_hash_seed() -> None:
    """Ties between partial names are broken the same way in every process (shorter name first)."""
    from .conftest import ROOT, SEED

    questions = [
        "机关事业单位基本养老保险是多少",
        "公务员医疗补助是多少",
        "中小企业发展是多少",
        "职业年金是多少",
    ]
    results = []
    for seed in ("1", "2", "5"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        proc = subprocess.run(
            [sys.executable, "-c", _LINK_SCRIPT, str(SEED), json.dumps(questions, ensure_ascii=False)],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=120,
            check=True,
        )
        results.append(json.loads(proc.stdout))
    assert results[0] == results[1] == results[2]
    assert results[0]["机关事业单位基本养老保险是多少"] == [["机关事业单位基本养老保险缴费"]]


def test_wording_patterns_compile() -> None:
    data = wording()
    for _, pattern in data["ops"]:
        re.compile(pattern)
    for pattern, reason, *printed in data["refuse"]:
        re.compile(pattern)
        assert reason
        assert printed in ([], ["unless printed"])
    re.compile(data["text"])
    re.compile(data["figure"])


@pytest.mark.parametrize(
    ("question", "op"),
    [
        ("人员经费和公用经费分别是多少", "list"),  # each figure
        ("三公经费和公务接待费分别花在哪几方面", "breakdown"),  # the parts of the first
        ("三公经费和公务接待费各项分别是多少", "breakdown"),
    ],
)
def test_each_figure_or_the_parts_of_a_total(lexicon: Lexicon, seed_doc, question: str, op: str) -> None:
    frame = _frame(question, lexicon, seed_doc)
    assert len(frame.mentions) >= 2
    assert frame.op == op


@pytest.mark.parametrize(
    ("question", "op", "mentions"),
    [
        # the first term only says where the others stand: not an operand, not the item broken down
        ("一般公共预算支出里，办公费和印刷费哪个更多？相差多少？", "difference", ["办公费", "印刷费"]),
        ("商品和服务支出中，办公费和印刷费一共多少", "sum", ["办公费", "印刷费"]),
        ("基本支出中的商品和服务支出有多少？各明细项分别是多少？", "breakdown", ["商品和服务支出"]),
        # terms side by side are all reckoned with
        ("工资福利支出和商品和服务支出的差是多少", "difference", ["工资福利支出", "商品和服务支出"]),
        ("基本支出和项目支出分别是多少", "list", ["基本支出", "项目支出"]),
    ],
)
def test_a_term_that_locates_the_others_is_not_reckoned_with(
    lexicon: Lexicon, seed_doc, question: str, op: str, mentions: list[str]
) -> None:
    frame = _frame(question, lexicon, seed_doc)
    assert (frame.op, [m.surface for m in frame.mentions]) == (op, mentions)


def _stated(label: str) -> Fact:
    return Fact("t", "某局", 2026, "预算编制说明", "", label, 0, "", Decimal("312"), "万元", 1, "text", label)


@pytest.mark.parametrize(
    ("label", "question", "surface"),
    [
        # a project the text names with its year is asked without it
        ("2026驻京经费", "驻京经费是多少", "驻京经费"),
        ("2026年度信访专项经费", "信访专项经费是多少", "信访专项经费"),
        ("2026驻京经费", "2026驻京经费是多少", "2026驻京经费"),
    ],
)
def test_a_project_named_with_its_year_is_found_without_it(label: str, question: str, surface: str) -> None:
    doc = Document("t", "", "某局", 2026, "部门预算", [], [], [_stated(label)])
    mentions = Lexicon(doc).find(normalise(question))
    assert [(m.surface, [t.key for t in m.targets]) for m in mentions] == [(surface, [normalise(label)])]


def _paired_doc():
    from decimal import Decimal

    from assistant.records import Cell, Document, Row, Table

    names = [
        ("509 05", "离退休费 30301-离休费"),
        ("509 05", "离退休费 30302-退休费"),
        ("502 01", "办公经费 30209-物业管理费"),
        ("505 02", "商品和服务支出 30209-物业管理费"),
        ("302 01", "办公费 502 01 办公经费"),
        ("301 01", "基本工资 501 01 工资奖金津补贴"),
        ("301 01", "基本工资 505 01 工资福利支出"),
    ]
    rows = [Row(code, name, 2, n + 1) for n, (code, name) in enumerate(names)]
    cells = [Cell(n, "合计", Decimal(10 + n)) for n in range(len(rows))]
    table = Table("economic", "基本支出表", "基本支出表", "万元", ["合计"], rows, cells)
    return Document("paired", "", "某局", 2026, "部门预算", [], [table])


@pytest.mark.parametrize(
    ("question", "surface", "row"),
    [
        # the second class's name answers for the one row that prints it
        ("离休费是多少", "离休费", "离退休费30301-离休费"),
        ("退休费是多少", "退休费", "离退休费30302-退休费"),
        # a class printed under two government classes: no one row is that class
        ("物业管理费是多少", None, None),
        # a department class printed with its government class after it answers to its first name
        ("办公费是多少", "办公费", "办公费50201办公经费"),
        # one printed under two government classes (501 and 505): no one row is that class
        ("基本工资是多少", None, None),
    ],
)
def test_a_row_answers_to_the_second_class_it_prints(question: str, surface, row) -> None:
    doc = _paired_doc()
    exact = [m for m in understand(question, Lexicon(doc), doc).mentions if not m.fuzzy]
    assert [(m.surface, [t.key for t in m.targets]) for m in exact] == ([(surface, [row])] if surface else [])


@pytest.mark.parametrize(
    ("question", "surfaces"),
    [
        # the funds an item is paid from only qualify it
        ("财政拨款用于三公经费的预算合计是多少", ["三公经费"]),
        ("财政拨款安排的三公经费是多少", ["三公经费"]),
        # the funds named right before 三公 qualify it, whatever is asked of it
        ("财政拨款三公经费预算一共多少？分项是多少", ["三公经费"]),
        ("一般公共预算安排的三公经费各项多少", ["三公经费"]),
        ("一般公共预算安排的会议费是多少？比上年减了多少", ["会议费"]),
        ("财政拨款公务接待费比上年少了多少", ["公务接待费"]),
        # two items added up
        ("财政拨款和三公经费一共多少", ["财政拨款", "三公经费"]),
        ("财政拨款和三公经费分别是多少", ["财政拨款", "三公经费"]),
    ],
)
def test_the_funds_an_item_is_paid_from_are_not_an_item(
    lexicon: Lexicon, seed_doc, question, surfaces
) -> None:
    assert [m.surface for m in _frame(question, lexicon, seed_doc).mentions] == surfaces


def test_the_kind_of_budget_is_not_part_of_an_item() -> None:
    """部门预算 names the document; it does not stand for a text label that contains it (纳入2026年部门预算的
    政府采购项目)."""
    from pathlib import Path

    from assistant.documents import read_document

    path = Path(__file__).resolve().parents[2] / "shared/corpus/other/shenzhen_caizhengju_2026.txt"
    if not path.exists():
        pytest.skip("shared corpus not present")
    doc = read_document(path)
    question = "深圳市财政局2026年部门预算为什么比2025年少了那么多"
    assert understand(question, Lexicon(doc), doc).mentions == []


def _narrative_doc(text: str) -> Document:
    """A document whose text states 预算数 and 提租补贴 figures, and prints the words given."""
    facts = [
        Fact("n", "某局", 2026, "预算编制说明", "", label, 0, "", Decimal(5), "万元", 1, "text", text)
        for label in ("预算数", "提租补贴")
    ]
    return Document("n", "", "某局", 2026, "部门预算", [], [], facts, [text])


@pytest.mark.parametrize(
    ("question", "op"),
    [
        # one term asked in total, then each of its items without naming them: the total and its parts
        ("三公经费预算一共多少？各项是多少？", "breakdown"),
        ("三公经费总共多少？每项多少？", "breakdown"),
        # one term asked in total only, or two terms named: a sum
        ("三公经费一共多少", "sum"),
        ("办公费和印刷费一共多少", "sum"),
        # a total of a counted thing: the count the text states
        ("办公费预算多少？一共有多少辆车？", "count"),
        ("单位总共有几辆车", "count"),
    ],
)
def test_a_total_with_each_of_its_items_or_a_counted_total(lexicon: Lexicon, seed_doc, question, op) -> None:
    assert _frame(question, lexicon, seed_doc).op == op


def _count(label: str, value: str) -> Fact:
    return Fact(
        "t", "某局", 2026, "其他相关情况说明", "", label, 0, "", Decimal(value), "辆", 1, "text", label
    )


@pytest.mark.parametrize(
    ("label", "surfaces"),
    [
        # a count stated as held (共有, 实有, 现有): the thing held answers it, and its everyday words too
        ("所属各预算单位共有车辆", {"车辆": True, "车": True, "公务车": True}),
        ("实有车辆", {"车辆": True, "车": True}),
        # what is bought is not what is held
        ("一般公共预算安排购置车辆", {"车辆": False, "车": False}),
    ],
)
def test_a_count_stated_as_held_is_named_by_what_is_held(label: str, surfaces: dict[str, bool]) -> None:
    doc = Document("t", "", "某局", 2026, "部门预算", [], [], [_count(label, "46")])
    lexicon = Lexicon(doc)
    found = {s: Target("text", normalise(label)) in lexicon.surfaces.get(s, []) for s in surfaces}
    assert found == surfaces


@pytest.mark.parametrize(
    ("question", "surfaces"),
    [
        # a section the question names is not a typo of an item (预算名 / 预算数, 预算说 / 预算数)
        ("2026年预算名词解释中，提租补贴是什么补贴", ["提租补贴"]),
        ("提租补贴比上年增加了，预算说明给的原因是什么", ["提租补贴"]),
        # outside a section's name the typo is still read
        ("预算树是多少", ["预算数"]),
    ],
)
def test_a_section_named_in_the_question_is_not_read_as_an_item(question: str, surfaces: list[str]) -> None:
    doc = _narrative_doc("提租补贴5万元。")
    assert [m.surface for m in understand(question, Lexicon(doc), doc).mentions] == surfaces


@pytest.mark.parametrize(
    ("printed", "refused"),
    [
        ("一般行政管理事务2026年预算数为737.29万元，比2025年执行数增加670.85万元。", ""),
        ("提租补贴5万元。", "文件是预算，不含实际执行数"),
    ],
)
def test_an_outturn_is_asked_of_a_document_that_prints_it(printed: str, refused: str) -> None:
    doc = _narrative_doc(printed)
    frame = understand("提租补贴比2025年执行数增加了多少", Lexicon(doc), doc)
    assert frame.refuse == refused


@pytest.mark.parametrize(
    ("question", "surfaces"),
    [
        # 预算一共 is not a typo of 预算数: 一 opens a word of its own (一共)
        ("三公经费预算一共多少", ["三公经费"]),
        # a typo of one character still names the item
        ("三公经费预算书是多少", ["三公经费", "预算数"]),
    ],
)
def test_a_word_opened_by_a_function_character_is_no_typo(question: str, surfaces: list[str]) -> None:
    stated = Fact(
        "t", "某局", 2026, "预算编制说明", "", "预算数", 0, "", Decimal("8"), "万元", 1, "text", "预算数"
    )
    doc = Document("t", "", "某局", 2026, "部门预算", [], [], [stated])
    assert [m.surface for m in understand(question, Lexicon(doc), doc).mentions] == surfaces


CUT_ROW_DOC = Document(
    "cut",
    "",
    "某局",
    2026,
    "部门预算",
    [],
    [
        small_table(
            "expenditure_summary",
            ["合计"],
            [("行政单位离退休", 3, "245.93"), ("事业单位离退休", 3, "181.44"), ("出", 3, "6.57")],
        ),
        small_table("economic", ["合计", "人员经费", "公用经费"], [("合计", 0, ["60", "50", "10"])]),
    ],
)


@pytest.mark.parametrize(
    ("question", "surfaces"),
    [
        # a one-character row name (the end of a name a page break cut off) is not a term of its own
        ("行政单位离退休和事业单位离退休两项支出加起来是多少", ["行政单位离退休", "事业单位离退休"]),
        # the document's own words for the two parts of 基本支出
        ("基本支出中日常公用支出有多少", ["基本支出", "日常公用支出"]),
        ("基本支出当中人员类经费占了百分之几", ["人员类经费", "基本支出"]),  # the part first
        ("政府采购支出预算总额是多少", ["政府采购支出预算总额"]),
    ],
)
def test_terms_as_documents_word_them(question: str, surfaces: list[str]) -> None:
    frame = understand(question, Lexicon(CUT_ROW_DOC), CUT_ROW_DOC)
    assert [m.surface for m in frame.mentions] == surfaces


WEATHER_DOC = Document(
    "weather",
    "",
    "某气象局",
    2022,
    "部门预算",
    [],
    [small_table("projects", ["项目金额"], [("人工影响天气常年作业项目维持业务费", 1, "493.65")])],
)


@pytest.mark.parametrize(
    ("question", "refused"),
    [
        # refused words inside the name of an item the document prints name that item
        ("人工影响天气常年作业项目维持业务费是多少", ""),
        ("人工影响天气常年作业维持业务费有多少", ""),
        # on their own they are still out of scope
        ("今天天气怎么样", "这超出了预算文件的范围"),
        ("影响天气吗", "这超出了预算文件的范围"),
    ],
)
def test_refused_words_inside_an_item_name(question: str, refused: str) -> None:
    assert understand(question, Lexicon(WEATHER_DOC), WEATHER_DOC).refuse == refused


UNITS_DOC = Document(
    "units",
    "",
    "杭州市司法局",
    2026,
    "部门预算",
    [],
    [
        small_table(
            "income_summary",
            ["合计"],
            [("合计", 0, "99230"), ("杭州市东郊监狱", 1, "18764"), ("杭州市西郊监狱", 1, "19347")],
        ),
        small_table("expenditure_summary", ["合计"], [("合计", 0, "99230"), ("监狱", 3, "59935")]),
        small_table(
            "three_public",
            ["合计", "因公出国(境)费", "公务用车购置及运行费", "公务接待费"],
            [
                ("合计", 0, ["413.68", "0", "400", "13.68"]),
                ("杭州市东郊监狱", 1, ["89.6", "0", "89", "0.6"]),
                ("杭州市西郊监狱", 1, ["101.6", "0", "100", "1.6"]),
            ],
        ),  # fmt: skip
    ],
)


@pytest.mark.parametrize(
    ("question", "surfaces", "hint"),
    [
        # a unit named without the department's city: that unit's row, not the 监狱 function row
        (
            "东郊监狱和西郊监狱谁的三公经费多",
            ["杭州市东郊监狱", "杭州市西郊监狱", "三公经费"],
            ["three_public"],
        ),
        # A和B的Z加起来: Z is the figure of each, taken from the table that holds it with a row for each
        (
            "东郊监狱和西郊监狱的收入预算加起来是多少",
            ["杭州市东郊监狱", "杭州市西郊监狱"],
            ["income_summary"],
        ),
        # a figure whose table has no row for the units stays a term of its own (and the question is refused)
        ("东郊监狱和西郊监狱的项目支出加起来是多少", ["杭州市东郊监狱", "杭州市西郊监狱", "项目支出"], []),
        # X的Y占全部Y: X's Y is the part, the Y said after 占 the whole
        ("西郊监狱的三公经费占全部门三公经费的比重", ["杭州市西郊监狱", "三公经费"], ["three_public"]),
    ],
)
def test_units_of_a_department(question: str, surfaces: list[str], hint: list[str]) -> None:
    frame = understand(question, Lexicon(UNITS_DOC), UNITS_DOC)
    named = [m.targets[0].key if m.targets[0].kind == "row" else m.surface for m in frame.mentions[:3]]
    assert (named, [k for k in hint if k in frame.table_hint]) == (surfaces, hint)


@pytest.mark.parametrize(
    ("question", "refused"),
    [
        # A和B的Z where no table lists Z for each: never a unit's row of another item added to the whole
        (
            "东郊监狱和西郊监狱的项目支出加起来是多少",
            "文件没有按「东郊监狱」、「西郊监狱」分别列出「项目支出」",
        ),
        ("东郊监狱和西郊监狱的支出预算一共多少", "文件没有按「东郊监狱」、「西郊监狱」分别列出「支出预算」"),
        # a table lists it for each: answered
        ("东郊监狱和西郊监狱的收入预算加起来是多少", ""),
        # items of one table, not units: a sum as before
        ("办公费和印刷费一共多少", ""),
    ],
)
def test_a_figure_no_table_lists_for_each_unit_is_refused(question: str, refused: str) -> None:
    assert understand(question, Lexicon(UNITS_DOC), UNITS_DOC).refuse == refused


@pytest.mark.parametrize(
    ("glossary", "question", "refused"),
    [
        # a term the 名词解释 defines, asked what it means: the definition answers it
        ("3.编制人数：指经政府编制管理部门核定的人员编制数。", "“编制人数”是什么意思？", ""),
        # the same words asked as a figure: the documents hold no staff numbers
        ("3.编制人数：指经政府编制管理部门核定的人员编制数。", "编制人数是多少？", "文件不含人员信息"),
        # asked what it means where the 名词解释 does not define it
        ("1.基本支出：指保障机构正常运转的支出。", "“编制人数”是什么意思？", "文件不含人员信息"),
        # a term only mentioned inside another entry is not defined there
        ("1.人员经费：按编制人数核定的经费。", "“编制人数”是什么意思？", "文件不含人员信息"),
    ],
)
def test_a_term_the_glossary_defines_is_not_refused(glossary: str, question: str, refused: str) -> None:
    doc = _narrative_doc("提租补贴5万元。")
    doc.sections.append(Section("名词解释", "名词解释", glossary, 1))
    assert understand(question, Lexicon(doc), doc).refuse == refused


@pytest.mark.parametrize(
    ("section", "surfaces"),
    [
        # a count the mandate section states (主要职能及机构设置: 下设4个处室) names what it counts
        ("主要职能", ["处室"]),
        ("机构设置", ["处室"]),
        # a count stated elsewhere is found through its table or passage, not as a name of the text
        ("主要工作任务", []),
    ],
)
def test_counted_offices_of_the_organisation_sections_are_named(section: str, surfaces: list[str]) -> None:
    quote = "局机关下设4个处室。"
    stated = Fact("t", "某局", 2022, section, "", "处室", 0, "", Decimal(4), "个", 1, "text", quote)
    doc = Document("t", "", "某局", 2022, "部门预算", [], [], [stated], [quote])
    assert [m.surface for m in understand("局机关有几个处室？", Lexicon(doc), doc).mentions] == surfaces
