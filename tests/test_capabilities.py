"""What the API, the MCP server and the LangChain tools ask of the assistant: scope, figures, computations,
passages and the catalogue, checked against the engine's own answers over a real index."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assistant import capabilities as cap
from assistant import headings
from assistant.catalog import Catalog, DocKey, Entry
from assistant.engine import Assistant
from assistant.errors import ScopeError
from tests.conftest import SEED_ID

SME = "上海市促进中小企业发展协调办公室"
WANLI = "上海市普陀区人民政府万里街道办事处"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    """Units named alike (two 财政局), one unit over two years, one department with both kinds, a copy."""
    keys = {
        "seed": (SME, 2024, "单位预算"),
        "seed_copy": (SME, 2024, "单位预算"),
        "wanli_2023": (WANLI, 2023, "部门预算"),
        "wanli_2024": (WANLI, 2024, "部门预算"),
        "city_finance": ("上海市财政局", 2026, "部门预算"),
        "putuo_finance": ("上海市普陀区财政局", 2026, "部门预算"),
        "justice_dept": ("上海市普陀区司法局", 2025, "部门预算"),
        "justice_unit": ("上海市普陀区司法局", 2025, "单位预算"),
    }
    return Catalog([Entry(i, DocKey(*key)) for i, key in keys.items()])


@pytest.mark.parametrize(
    ("scope", "document"),
    [
        ({}, None),
        ({"document": "seed"}, "seed"),
        ({"document": "seed_copy"}, "seed"),  # a second copy of a budget answers from the one kept
        ({"unit": SME}, "seed"),
        ({"unit": "中小企业发展协调办"}, "seed"),
        ({"unit": "万里街道", "year": 2024}, "wanli_2024"),
        ({"unit": "万里街道2023年"}, "wanli_2023"),
        ({"unit": "市财政局"}, "city_finance"),
        ({"unit": "普陀区财政局"}, "putuo_finance"),
        ({"unit": "司法局单位预算"}, "justice_unit"),
        ({"year": 2023}, "wanli_2023"),
    ],
)
def test_a_scope_names_one_document(catalog: Catalog, scope: dict[str, Any], document: str | None) -> None:
    assert cap.scope_document(catalog, **scope) == document


@pytest.mark.parametrize(
    ("scope", "code", "message", "candidates"),
    [
        ({"document": "nope"}, "unknown_document", "未收录文件「nope」（已收录的文件见单位列表）", ()),
        ({"document": "seed", "year": 2024}, "conflicting_scope", "document 与 unit/year 只能给出一种", ()),
        ({"unit": "浦东新区财政局"}, "unknown_unit", "未收录「浦东新区财政局」的预算", ()),
        ({"unit": "物业管理费"}, "unknown_unit", "未收录「物业管理费」的预算", ()),
        (
            {"unit": "万里街道", "year": 2026},
            "unknown_year",
            f"未收录{WANLI}2026年的预算（已收录：2023年、2024年）",
            (),
        ),
        ({"year": 2022}, "unknown_year", "未收录2022年的预算", ()),
        ({"unit": SME, "year": 2023}, "unknown_year", f"未收录{SME}2023年的预算（已收录：2024年）", ()),
        (
            {"unit": "财政局"},
            "ambiguous_unit",
            "「财政局」可能指2个单位，请说明是哪一个（unit 请写出全称，或用 document 指定文件）",
            ("上海市普陀区财政局", "上海市财政局"),
        ),
        (
            {"unit": "万里街道"},
            "ambiguous_document",
            f"已收录{WANLI}2023年、2024年的预算，请说明问的是哪一年（请给出 year，或用 document 指定文件）",
            (f"wanli_2023（{WANLI}2023年部门预算）", f"wanli_2024（{WANLI}2024年部门预算）"),
        ),
        (
            {"unit": "司法局"},
            "ambiguous_document",
            "上海市普陀区司法局有2份预算（2025年部门预算、2025年单位预算），请说明问的是哪一份"
            "（请在 unit 中写明部门预算或单位预算，或用 document 指定文件）",
            (
                "justice_dept（上海市普陀区司法局2025年部门预算）",
                "justice_unit（上海市普陀区司法局2025年单位预算）",
            ),
        ),
        (
            {"year": 2026},
            "ambiguous_document",
            "2026年有2份预算（请给出 unit，或用 document 指定文件）",
            (
                "city_finance（上海市财政局2026年部门预算）",
                "putuo_finance（上海市普陀区财政局2026年部门预算）",
            ),
        ),
    ],
)
def test_a_scope_the_index_cannot_answer_says_why(
    catalog: Catalog, scope: dict[str, Any], code: str, message: str, candidates: tuple[str, ...]
) -> None:
    with pytest.raises(ScopeError) as raised:
        cap.scope_document(catalog, **scope)
    assert (raised.value.code, str(raised.value), raised.value.candidates) == (code, message, candidates)


@pytest.fixture(scope="module")
def seed(seed_bm25: Assistant) -> Assistant:
    return seed_bm25


def contract(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k != "latency_ms"}


@pytest.mark.parametrize(
    ("item", "column", "question", "figure"),
    [
        ("物业管理费", None, "物业管理费是多少？", "850000"),
        ("卫生健康支出", "人员经费", "卫生健康支出中人员经费是多少？", "595600"),
    ],
)
def test_lookup_figure_is_the_engines_answer_to_the_same_question(
    seed: Assistant, item: str, column: str | None, question: str, figure: str
) -> None:
    got = cap.lookup_figure(seed, item, column)
    engine = seed.ask(question).to_dict()
    assert contract(got) == {"status": "answered", "value": engine["values"][0], **contract(engine)}
    assert got["value"]["value"] == figure
    assert got["citations"] and all(c["document"] == SEED_ID for c in got["citations"])


def test_lookup_of_an_item_with_no_figure_is_refused(seed: Assistant) -> None:
    got = cap.lookup_figure(seed, "火星探测器")
    assert got["status"] == "refused" and got["citations"] == [] and got["values"] == []
    assert got["reason"] == seed.ask("火星探测器是多少？").text.split("\n\n")[0]


@pytest.mark.parametrize(
    ("operation", "items", "question", "value"),
    [
        (
            "share",
            ["物业管理费", "商品和服务支出"],
            "物业管理费占商品和服务支出的比例是多少？",
            {"label": "占比", "value": "47.43", "unit": "%"},
        ),
        (
            "sum",
            ["物业管理费", "公务接待费"],
            "物业管理费和公务接待费一共多少？",
            {"label": "合计", "value": "880000.00", "unit": "元"},
        ),
        (
            "difference",
            ["商品和服务支出", "物业管理费"],
            "商品和服务支出比物业管理费多多少？",
            {"label": "差额", "value": "942000", "unit": "元"},
        ),
    ],
)
def test_compute_by_operation_asks_the_engine_the_same_question(
    seed: Assistant, operation: cap.Operation, items: list[str], question: str, value: dict[str, str]
) -> None:
    assert cap.compute_question(operation, items) == question
    by_items = cap.compute(seed, operation=operation, items=items)
    by_question = cap.compute(seed, question=question)
    engine = seed.ask(question).to_dict()
    assert (
        contract(by_items)
        == contract(by_question)
        == {"status": "answered", "value": value, **contract(engine)}
    )
    assert by_items["formula"] == engine["formula"] and by_items["values"][-1] == value
    assert len(by_items["citations"]) >= 2  # every operand cited


@pytest.mark.parametrize(
    ("call", "reason"),
    [
        ({}, cap.NOT_COMPUTED),
        ({"operation": "share", "items": ["物业管理费"]}, cap.NOT_COMPUTED),
        ({"question": "今天天气怎么样？"}, "抱歉，这超出了预算文件的范围，无法回答。"),
    ],
)
def test_compute_without_a_computation_is_refused(seed: Assistant, call: dict[str, Any], reason: str) -> None:
    got = cap.compute(seed, **call)
    assert (got["status"], got["reason"], got["citations"]) == ("refused", reason, [])


def test_a_refusal_keeps_its_suggestions_and_a_clarifying_answer_its_candidates(two_doc_index: Path) -> None:
    assistant = Assistant.open(two_doc_index)
    refused = cap.answer_result(assistant.ask("你好", document=SEED_ID))
    assert refused["status"] == "refused" and refused["suggestions"]
    assert all(f"- {s}" in refused["answer"] for s in refused["suggestions"])
    clarify = cap.answer_result(assistant.ask("项目支出是多少？"))
    assert clarify["status"] == "clarify" and clarify["route"] == "clarify"
    assert clarify["candidates"] == ["上海市促进中小企业发展协调办公室", "上海市审计局"]


def test_search_text_returns_the_retrievers_passages_with_citations(seed: Assistant) -> None:
    got = cap.search_text(seed, "什么是机关运行经费", k=2)
    hits = seed.retriever().search("什么是机关运行经费", k=2, document=SEED_ID)
    assert got["status"] == "answered"
    assert [p["text"] for p in got["passages"]] == [h.chunk.text for h in hits]
    for passage, hit in zip(got["passages"], hits, strict=True):
        assert passage["section"] == hit.chunk.section
        printed = hit.chunk.path.split(" · ") if hit.chunk.path else []
        assert passage["printed_headings"] == printed
        assert passage["citation"] == {
            "source": "text",
            "document": SEED_ID,
            "section": headings.label(hit.chunk.section, printed) if printed else hit.chunk.section,
            "quote": hit.chunk.text,
            "line": hit.chunk.line_start,
        }
    assert got["citations"] == [p["citation"] for p in got["passages"]]


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("火星探测器的轨道", "文件的文字部分没有与「火星探测器的轨道」相关的段落"),
        ("  ", "检索词需要 1–500 个字"),
        ("职" * 501, "检索词需要 1–500 个字"),
    ],
)
def test_search_text_with_nothing_relevant_is_refused(seed: Assistant, query: str, reason: str) -> None:
    assert cap.search_text(seed, query) == {
        "status": "refused",
        "reason": reason,
        "candidates": [],
        "citations": [],
    }


def test_list_units_is_the_catalogue(seed: Assistant) -> None:
    got = cap.list_units(seed.catalog)
    assert got == {
        "documents": 1,
        "years": [2024],
        "kinds": ["单位预算"],
        "units": seed.catalog.listing(),
        "duplicates": {},
    }
    assert got["units"][0]["unit"] == SME
    assert got["units"][0]["documents"] == [
        {"id": SEED_ID, "year": 2024, "kind": "单位预算", "budget_units": []}
    ]


CHANGSHA = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "other" / "changsha_xinfangju_2026.txt"


def test_search_text_cites_a_passage_by_the_headings_its_document_printed(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    if not CHANGSHA.exists():
        pytest.skip("shared corpus of other provinces not present")
    from assistant.index import build_index

    index = tmp_path_factory.mktemp("changsha")
    build_index([CHANGSHA], index, with_vectors=False)
    got = cap.search_text(Assistant.open(index), "长沙市信访局的职能职责", k=1)
    (passage,) = got["passages"]
    assert passage["section"] == "主要职能"
    assert passage["printed_headings"] == ["第一部分 部门预算公开说明", "一、部门基本概况", "（一）职能职责"]
    assert passage["citation"]["section"] == (
        "主要职能（第一部分 部门预算公开说明 · 一、部门基本概况 · （一）职能职责）"
    )
