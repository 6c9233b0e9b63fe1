"""The LangChain tools and router, driven by LangChain's fake chat model (the only mocked boundary: the LLM)."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import FakeMessagesListChatModel
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from assistant.engine import Assistant
from assistant.index import build_index
from assistant.tools import make_tools, router

SEED = Path(__file__).resolve().parents[1] / "corpus" / "shanghai-sme-office-2024.txt"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    index = tmp_path_factory.mktemp("index")
    build_index([SEED], index, with_vectors=False)
    return Assistant.open(index)


def run_agent(assistant: Assistant, calls: list[dict]) -> list[dict]:
    """One agent turn: the model asks for tools, the tools answer, the model finishes."""
    tools = {t.name: t for t in make_tools(assistant)}
    model = FakeMessagesListChatModel(
        responses=[AIMessage(content="", tool_calls=calls), AIMessage(content="完成")]
    )
    messages = [HumanMessage("物业管理费占商品和服务支出的比例？")]
    reply = model.invoke(messages)
    results = []
    for call in reply.tool_calls:
        output = tools[call["name"]].invoke(call["args"])
        results.append(output)
        messages += [reply, ToolMessage(content=str(output), tool_call_id=call["id"])]
    assert model.invoke(messages).content == "完成"
    return results


@pytest.mark.parametrize(
    ("call", "figure", "formula_part"),
    [
        ({"name": "lookup_figure", "args": {"item": "物业管理费"}, "id": "1"}, "850000", ""),
        (
            {"name": "lookup_figure", "args": {"item": "卫生健康支出", "column": "人员经费"}, "id": "2"},
            "595600",
            "",
        ),
        (
            {
                "name": "compute",
                "args": {"operation": "share", "items": ["物业管理费", "商品和服务支出"]},
                "id": "3",
            },
            "47.43",
            "850,000 ÷",
        ),
        (
            {"name": "compute", "args": {"operation": "sum", "items": ["会议费", "印刷费"]}, "id": "4"},
            "50000",
            "+",
        ),
        (
            {
                "name": "compute",
                "args": {"operation": "difference", "items": ["办公费", "差旅费"]},
                "id": "5",
            },
            "200000",
            "−",
        ),
    ],
)
def test_tools_return_cited_exact_figures(
    assistant: Assistant, call: dict, figure: str, formula_part: str
) -> None:
    [result] = run_agent(assistant, [call])
    assert figure in [v["value"] for v in result["values"]] or figure in [
        v["value"].split(".")[0] for v in result["values"]
    ]
    assert formula_part in result["formula"]
    assert result["citations"] and all(c["source"] in ("table", "text") for c in result["citations"])


def test_compute_rejects_a_single_item(assistant: Assistant) -> None:
    tools = {t.name: t for t in make_tools(assistant)}
    with pytest.raises(ValueError, match="items"):
        tools["compute"].invoke({"operation": "sum", "items": ["办公费"]})


def test_router_is_a_runnable_with_the_answer_contract(assistant: Assistant) -> None:
    chain = router(assistant)
    out = chain.invoke({"question": "那差旅费呢？", "history": ["会议费预算多少？"]})
    assert out["route"] == "table"
    assert "100,000元" in out["answer"]
    batch = chain.batch(["三公经费是多少？", "给我讲个笑话"])
    assert [b["route"] for b in batch] == ["table", "refuse"]
