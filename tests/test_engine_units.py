"""The engine over department budgets that list their budget units (杭州市气象局, 无锡市信访局) and a budget
that is a department's own part alone (深圳市财政局（本级）), next to the seed: a unit's question is answered
from its own row and says so; a figure never stands under another unit's name."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.engine import Assistant

from .conftest import SEED, SEED_ID

OTHER = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "other"
FILES = ["hangzhou_qixiangju_2026.txt", "wuxi_xinfangju_2025.txt", "shenzhen_caizhengju_2026.txt"]
CENTRE = "杭州市气象服务中心（杭州市预警信息发布中心）"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    if not all((OTHER / f).exists() for f in FILES):
        pytest.skip("shared corpus not present")
    from assistant.index import build_index

    index = tmp_path_factory.mktemp("units-index")
    build_index([SEED, *(OTHER / f for f in FILES)], index, with_vectors=False)
    return Assistant.open(index, default_document=SEED_ID)


# (question, route, figures in the text, figures that must not be there, a cited row, the words naming the row)
CASES = [
    (
        "杭州市气象局下属的杭州市气象服务中心2026年收入预算是多少？",
        "table",
        ["865.62万元"],
        ["5,876.67"],
        CENTRE,
        f"杭州市气象局2026年部门预算中「{CENTRE}」行",
    ),
    (
        "杭州市气象局2026年部门收入预算中，杭州市气象服务中心的收入占比是多少？",
        "table",
        ["14.73%"],
        [],
        CENTRE,
        "8,656,200 ÷ 杭州市气象局收入预算 58,766,700",
    ),
    (
        "杭州市气象局2026年部门收入预算总计多少？局本级和气象服务中心各占多少？",
        "table",
        ["5,876.67万元", "5,011.05万元", "865.62万元", "85.27%", "14.73%"],
        [],
        "杭州市气象局",
        "杭州市气象局（本级）",
    ),
    (
        "杭州市气象服务中心（杭州市气象局下属单位）2026年三公经费预算多少？公车和接待各是多少？",
        "table",
        ["10.89万元", "10.80万元", "900元"],
        ["24.02", "18.00", "6.02"],
        CENTRE,
        "公务接待费",
    ),
    (
        "深圳市财政局（本级）2026年预算中“行政运行”科目安排了多少钱？",
        "table",
        ["6,487.76万元"],
        [],
        "行政运行",
        "深圳市财政局2026年部门预算",
    ),
    (
        "无锡市人民来访接待中心2025年收入预算是多少？",
        "table",
        ["563.15万元"],
        ["2,867.94"],
        "113002 无锡市人民来访接待中心",
        "无锡市信访局2025年部门预算中「无锡市人民来访接待中心」行",
    ),
    (
        "无锡市信访局本级的收入预算是多少？",
        "table",
        ["2,304.79万元"],
        ["2,867.94"],
        "113001 无锡市信访局（本级）",
        "「无锡市信访局（本级）」行",
    ),
    (
        "杭州市气象服务中心的一般公共预算收入占其收入的比例？",
        "table",
        ["96.69%"],
        ["57,530,700"],
        CENTRE,
        "8,369,300 ÷ 杭州市气象服务中心（杭州市预警信息发布中心）合计 8,656,200",
    ),
    (
        "无锡市人民来访接待中心的一般公共预算拨款收入是多少？",
        "table",
        ["563.15万元"],
        ["2,723.94"],
        "113002 无锡市人民来访接待中心",
        "“一般公共预算”栏",
    ),
    # the department's total is the department's, never a unit's
    (
        "杭州市气象局2026年收入预算是多少？",
        "table",
        ["5,876.67万元"],
        ["865.62", "5,011.05"],
        "合计",
        "收入预算",
    ),
    (
        "杭州市气象局2026年部门预算包括哪些预算单位？",
        "hybrid",
        [],
        [],
        CENTRE,
        "1. 杭州市气象局（本级）\n2. " + CENTRE,
    ),
    # two units compared: each from its own row, the larger first
    (
        "杭州市气象局2026年局本级和杭州市气象服务中心，谁的收入预算多？多多少？",
        "table",
        ["41,454,300元（4,145.43万元）"],
        ["5,876.67"],
        CENTRE,
        f"杭州市气象局（本级）收入预算比{CENTRE}收入预算多",
    ),
    ("无锡市信访局下属单位有几个？", "hybrid", [], [], "无锡市人民来访接待中心", "其中下属单位 **1** 个"),
]


@pytest.mark.parametrize(("question", "route", "figures", "absent", "row", "words"), CASES)
def test_budget_units_answer_from_their_rows(assistant, question, route, figures, absent, row, words) -> None:
    answer = assistant.ask(question)
    assert answer.route == route, answer.text
    for figure in figures:
        assert figure in answer.text
    for figure in absent:
        assert figure not in answer.text
    assert words in answer.text
    assert any(c.row.endswith(row) for c in answer.citations), [c.row for c in answer.citations]


@pytest.mark.parametrize(
    ("question", "said"),
    [
        # a department's figure not listed by unit is never shown under a unit's name
        ("杭州市气象服务中心的行政运行支出是多少？", "没有按单位列出「行政运行」"),
        ("无锡市人民来访接待中心的三公经费是多少？", "没有按单位列出"),
        ("杭州市气象服务中心的总支出是多少？", "没有按单位列出「总支出」"),
        ("杭州市气象局局本级和气象服务中心的行政运行各是多少", "没有按单位列出「行政运行」"),
        # names no budget holds, years not held
        ("杭州市气象科技中心2026年收入预算是多少？", "未收录「杭州市气象科技中心」"),
        ("杭州市气象服务中心2025年收入预算是多少？", "2025"),
    ],
)
def test_figures_not_listed_for_the_unit_are_refused(assistant, question: str, said: str) -> None:
    answer = assistant.ask(question)
    assert answer.route == "refuse", answer.text
    assert said in answer.text
    assert not answer.values


def test_a_follow_up_names_a_unit_of_the_department(assistant) -> None:
    answer = assistant.ask("那气象服务中心呢？", history=["杭州市气象局2026年的三公经费是多少？"])
    assert "10.89万元" in answer.text and "24.02" not in answer.text
    back = assistant.ask("杭州市气象局的呢？", history=["杭州市气象服务中心的三公经费是多少？"])
    assert "24.02万元" in back.text and "10.89" not in back.text


def test_a_shortened_unit_without_its_department_gets_a_question_back(assistant) -> None:
    answer = assistant.ask("气象服务中心的收入是多少？")
    assert answer.route == "clarify"
    assert f"杭州市气象局2026年部门预算中的「{CENTRE}」" in answer.text
    assert not answer.values and "865.62" not in answer.text


@pytest.mark.parametrize(
    ("question", "section", "quoted"),
    [
        (
            "杭州市气象局2026年部门预算包括哪些预算单位？",
            "机构设置（一、部门概况 · （二）机构设置情况）",
            "杭州市气象服务中心",
        ),
        ("无锡市信访局下属单位有几个？", "机构设置", "本部门下属单位包括：无锡市人民来访接待中心"),
    ],
)
def test_a_listing_of_units_quotes_the_passage_that_states_them(
    assistant, question: str, section: str, quoted: str
) -> None:
    answer = assistant.ask(question)
    passages = [c for c in answer.citations if c.source == "text"]
    assert [c.section.startswith(section) for c in passages] == [True], [c.section for c in passages]
    assert quoted in passages[0].quote and quoted in answer.text


def test_the_coverage_panel_names_each_department_budgets_subordinate_units(assistant: Assistant) -> None:
    from assistant.app import coverage_rows

    rows = {r[0]: r for r in coverage_rows(assistant)}
    assert rows["杭州市气象局"][1:] == ["2026", "部门预算", "杭州市气象服务中心（杭州市预警信息发布中心）"]
    assert rows["无锡市信访局"][3] == "无锡市人民来访接待中心"
    assert rows["深圳市财政局"][3] == ""  # its own part alone
