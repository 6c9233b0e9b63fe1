"""The assistant's capabilities as LangChain tools and Runnables, for an optional LLM agent.

An agent gets exactly what the deterministic engine uses: `search_text` (hybrid retrieval over the
narrative), `lookup_figure` (a figure with its cells) and `compute` (exact `Decimal` arithmetic over
figures). Every number a tool returns carries its citations, so an agent never has to produce one itself.
"""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import Runnable, RunnableLambda
from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, Field

from assistant.capabilities import Operation, compute_question, figure_question, passages
from assistant.engine import Assistant


class SearchArgs(BaseModel):
    query: str = Field(description="中文问题或关键词，例如“机关运行经费是什么”")
    k: int = Field(default=3, ge=1, le=10, description="返回的段落数")


class LookupArgs(BaseModel):
    item: str = Field(description="科目或项目名称，例如“物业管理费”“卫生健康支出”“三公经费”")
    column: str | None = Field(default=None, description="列，例如“基本支出”“项目支出”“人员经费”“公用经费”")


class ComputeArgs(BaseModel):
    operation: Operation = Field(description="sum 合计 / difference 差额 / share 占比 / multiple 倍数")
    items: list[str] = Field(min_length=2, max_length=6, description="参与计算的项目名称，按顺序")


def make_tools(assistant: Assistant) -> list[BaseTool]:
    """The three tools, bound to one assistant (and its index)."""

    def search_text(query: str, k: int = 3) -> list[dict[str, Any]]:
        return [
            {
                "section": h.chunk.section,
                "item": h.chunk.item,
                "heading": h.chunk.heading,
                "quote": h.chunk.text,
                "line": h.chunk.line_start,
            }
            for h in passages(assistant, query, k)
        ]

    def lookup_figure(item: str, column: str | None = None) -> dict[str, Any]:
        return _result(assistant.ask(figure_question(item, column)).to_dict())

    def compute(operation: Operation, items: list[str]) -> dict[str, Any]:
        return _result(assistant.ask(compute_question(operation, items)).to_dict())

    return [
        StructuredTool.from_function(
            search_text,
            name="search_text",
            args_schema=SearchArgs,
            description="在预算文件的文字部分（职能、名词解释、编制说明、其他说明）中检索段落",
        ),
        StructuredTool.from_function(
            lookup_figure,
            name="lookup_figure",
            args_schema=LookupArgs,
            description="查预算表中的一个数字，返回数值、单位和出处单元格",
        ),
        StructuredTool.from_function(
            compute,
            name="compute",
            args_schema=ComputeArgs,
            description="对预算表中的数字做精确计算（合计、差额、占比、倍数），返回算式和出处",
        ),
    ]


def _result(answer: dict[str, Any]) -> dict[str, Any]:
    return {key: answer[key] for key in ("answer", "route", "values", "formula", "citations")}


def router(assistant: Assistant) -> Runnable:
    """The deterministic router as a Runnable: {"question", "history"} or a string → the answer contract."""

    def run(payload: Any) -> dict[str, Any]:
        if isinstance(payload, dict):
            return assistant.ask(payload.get("question", ""), payload.get("history") or []).to_dict()
        return assistant.ask(str(payload)).to_dict()

    return RunnableLambda(run, name="budget_qa_router")
