"""The assistant as an MCP server, for LLM clients that call tools: every figure comes from the engine with
its citations, so a model never has to produce a number itself.

    budget-qa mcp                                        # stdio (a client starts it as a subprocess)
    budget-qa mcp --http [--host 127.0.0.1] [--port 8765]   # streamable HTTP at http://host:port/mcp

Tools: `lookup_figure`, `compute`, `search_text`, `list_units`. Each returns JSON with a `status`:
`answered` (with values, formula and citations, or passages), `refused` (with the reason) or `clarify`
(with the candidates). The server answers from the live index, so it follows `budget-qa index` and
`budget-qa add` without a restart.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from assistant import capabilities
from assistant.capabilities import Operation
from assistant.errors import BudgetQAError

NAME = "budget-qa"
INSTRUCTIONS = (
    "预算问答：查询已收录的政府部门预算（预算公开文件）。先用 list_units 看收录了哪些单位和年度；"
    "查一个数字用 lookup_figure，合计、差额、占比、倍数用 compute，职能和名词解释等文字用 search_text。"
    "每个结果都带出处（文件、表、行、列、页）；status 为 refused 时 reason 说明原因，不要自行编造数字。"
)
Unit = Annotated[
    str | None, Field(description="单位名称或简称，例如“审计局”“医保中心”；不填则按问题或默认文件")
]
Year = Annotated[int | None, Field(description="年度，例如 2024（与 unit 一起使用）")]
DocumentId = Annotated[str | None, Field(description="文件 id（见 list_units）；与 unit/year 二选一")]


def scoped(
    assistant: Any, run: Any, document: str | None, unit: str | None, year: int | None
) -> dict[str, Any]:
    """`run(document)` within the scope a call names; a scope the index does not hold is refused."""
    try:
        return run(capabilities.scope_document(assistant.catalog, document, unit, year))
    except BudgetQAError as err:
        return capabilities.refusal(str(err), getattr(err, "candidates", ()))


def build_mcp(assistant: Any) -> Any:
    """The MCP server over one (live) assistant, its four tools registered."""
    from mcp.server.mcpserver import MCPServer

    server = MCPServer(name=NAME, title="预算问答", instructions=INSTRUCTIONS, log_level="WARNING")
    _figure_tools(server, assistant)
    _text_tools(server, assistant)
    return server


def _figure_tools(server: Any, assistant: Any) -> None:
    """lookup_figure and compute: figures from the tables, with their cells."""

    @server.tool(
        description="查预算表中的一个数字（科目、项目或经济分类，可指定列），返回精确数值和出处单元格"
    )
    def lookup_figure(
        item: Annotated[str, Field(description="科目或项目名称，例如“物业管理费”“卫生健康支出”“三公经费”")],
        column: Annotated[
            str | None, Field(description="列，例如“基本支出”“项目支出”“人员经费”“公用经费”")
        ] = None,
        unit: Unit = None,
        year: Year = None,
        document: DocumentId = None,
    ) -> dict[str, Any]:
        return scoped(
            assistant, lambda d: capabilities.lookup_figure(assistant, item, column, d), document, unit, year
        )

    @server.tool(
        description="对预算表中的数字做精确计算（合计、差额、占比、倍数）：给一个中文计算问题，"
        "或给 operation 和 items；返回结果、算式和每个数字的出处"
    )
    def compute(
        question: Annotated[
            str | None, Field(description="计算问题，例如“物业管理费占商品和服务支出的比例？”")
        ] = None,
        operation: Annotated[
            Operation | None, Field(description="sum 合计 / difference 差额 / share 占比 / multiple 倍数")
        ] = None,
        items: Annotated[
            list[str] | None, Field(description="参与计算的项目名称，按顺序（占比：部分在前，整体在后）")
        ] = None,
        unit: Unit = None,
        year: Year = None,
        document: DocumentId = None,
    ) -> dict[str, Any]:
        return scoped(
            assistant,
            lambda d: capabilities.compute(assistant, question, operation, items, d),
            document,
            unit,
            year,
        )


def _text_tools(server: Any, assistant: Any) -> None:
    """search_text and list_units: the narrative's passages and the catalogue."""

    @server.tool(
        description="在预算文件的文字部分（主要职能、名词解释、编制说明、其他说明）中检索段落，返回段落、所在部分和出处"
    )
    def search_text(
        query: Annotated[str, Field(description="中文问题或关键词，例如“机关运行经费是什么”")],
        k: Annotated[int, Field(ge=1, le=10, description="返回的段落数")] = 3,
        unit: Unit = None,
        year: Year = None,
        document: DocumentId = None,
    ) -> dict[str, Any]:
        return scoped(
            assistant, lambda d: capabilities.search_text(assistant, query, k, d), document, unit, year
        )

    @server.tool(description="列出收录的单位、年度、预算类型和文件 id，以及每个单位在问题中可用的叫法")
    def list_units() -> dict[str, Any]:
        return capabilities.list_units(assistant.catalog)


def run(assistant: Any, http: bool = False, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Serve over stdio, or over streamable HTTP at http://host:port/mcp, until stopped."""
    server = build_mcp(assistant)
    if http:
        server.run("streamable-http", host=host, port=port)
    else:
        server.run("stdio")
