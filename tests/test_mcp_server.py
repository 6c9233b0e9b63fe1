"""The MCP server through the MCP client of the same package, over stdio (`python -m assistant mcp`) and
over streamable HTTP (`--http`): the tools it lists, and every tool's result against the engine's own."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client, StdioServerParameters

from assistant import capabilities as cap
from assistant.engine import Assistant
from tests.conftest import ROOT, SEED_ID
from tests.servers import free_port

pytestmark = pytest.mark.slow
SME = "上海市促进中小企业发展协调办公室"
ENV = {"PYTHONPATH": str(ROOT), "BUDGET_QA_DENSE": "0", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
TOOLS = {"lookup_figure", "compute", "search_text", "list_units"}

# (tool, arguments, the same request in process)
CALLS: list[tuple[str, dict[str, Any], Any]] = [
    ("lookup_figure", {"item": "物业管理费"}, lambda a: cap.lookup_figure(a, "物业管理费")),
    (
        "lookup_figure",
        {"item": "卫生健康支出", "column": "人员经费", "document": SEED_ID},
        lambda a: cap.lookup_figure(a, "卫生健康支出", "人员经费", SEED_ID),
    ),
    (
        "lookup_figure",
        {"item": "公务接待费", "unit": "中小企业发展协调办", "year": 2024},
        lambda a: cap.lookup_figure(a, "公务接待费", None, SEED_ID),
    ),
    (
        "compute",
        {"operation": "share", "items": ["物业管理费", "商品和服务支出"]},
        lambda a: cap.compute(a, operation="share", items=["物业管理费", "商品和服务支出"]),
    ),
    (
        "compute",
        {"question": "物业管理费和公务接待费一共多少？", "unit": SME},
        lambda a: cap.compute(a, question="物业管理费和公务接待费一共多少？", document=SEED_ID),
    ),
    ("compute", {"question": "今天天气怎么样？"}, lambda a: cap.compute(a, question="今天天气怎么样？")),
    (
        "search_text",
        {"query": "什么是机关运行经费", "k": 2},
        lambda a: cap.search_text(a, "什么是机关运行经费", 2),
    ),
    ("search_text", {"query": "火星探测器的轨道"}, lambda a: cap.search_text(a, "火星探测器的轨道")),
    ("list_units", {}, lambda a: cap.list_units(a.catalog)),
    (
        "lookup_figure",
        {"item": "物业管理费", "unit": "审计局"},
        lambda a: cap.refusal("未收录「审计局」的预算"),
    ),
    (
        "lookup_figure",
        {"item": "物业管理费", "unit": SME, "year": 2023},
        lambda a: cap.refusal(f"未收录{SME}2023年的预算（已收录：2024年）"),
    ),
]


def without_latency(result: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in result.items() if k != "latency_ms"}


async def session(server: Any) -> tuple[list[Any], list[Any], Any]:
    """The tools the server lists, the result of every call in CALLS, and a call with a wrong argument."""
    async with Client(server, read_timeout_seconds=60) as client:
        tools = (await client.list_tools()).tools
        results = [await client.call_tool(name, args) for name, args, _ in CALLS]
        wrong = await client.call_tool("lookup_figure", {"item": 5})
    return tools, results, wrong


@pytest.fixture(scope="module")
def http_server(seed_index: Path) -> Iterator[str]:
    """`python -m assistant mcp --http` on a free port of 127.0.0.1, stopped after the module."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "assistant",
        "mcp",
        "--index",
        str(seed_index),
        "--http",
        "--port",
        str(port),
    ]
    process = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **ENV}, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(
                    f"the MCP server did not start: {process.stderr.read() if process.stderr else ''}"
                )
            time.sleep(0.2)
    yield f"http://127.0.0.1:{port}/mcp"
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="module", params=["stdio", "http"])
def served(request: pytest.FixtureRequest, seed_index: Path) -> tuple[list[Any], list[Any], Any]:
    """One session over each transport, every call made in it."""
    if request.param == "http":
        server: Any = request.getfixturevalue("http_server")
    else:
        args = ["-m", "assistant", "mcp", "--index", str(seed_index)]
        server = StdioServerParameters(command=sys.executable, args=args, env=ENV, cwd=ROOT)
    return anyio.run(session, server)


def test_the_server_lists_the_four_tools_with_their_arguments(
    served: tuple[list[Any], list[Any], Any],
) -> None:
    tools = {t.name: t for t in served[0]}
    assert set(tools) == TOOLS
    assert tools["lookup_figure"].input_schema["required"] == ["item"]
    assert set(tools["lookup_figure"].input_schema["properties"]) == {
        "item",
        "column",
        "unit",
        "year",
        "document",
    }
    assert set(tools["compute"].input_schema["properties"]) == {
        "question",
        "operation",
        "items",
        "unit",
        "year",
        "document",
    }
    assert tools["search_text"].input_schema["required"] == ["query"]
    assert all(t.description for t in tools.values())


@pytest.mark.parametrize("n", range(len(CALLS)), ids=[f"{c[0]}-{i}" for i, c in enumerate(CALLS)])
def test_each_tool_returns_what_the_engine_answers(
    served: tuple[list[Any], list[Any], Any], seed_bm25: Assistant, n: int
) -> None:
    result = served[1][n]
    expected = CALLS[n][2](seed_bm25)
    assert not result.is_error
    assert without_latency(result.structured_content) == without_latency(expected)
    assert json.loads(result.content[0].text) == result.structured_content  # the same JSON as text


@pytest.mark.parametrize(
    ("n", "status", "value", "cited"),
    [
        (0, "answered", {"label": "物业管理费", "value": "850000", "unit": "元"}, ["302 09 物业管理费"]),
        (1, "answered", {"label": "卫生健康支出（人员经费）", "value": "595600", "unit": "元"}, None),
        (
            3,
            "answered",
            {"label": "占比", "value": "47.43", "unit": "%"},
            ["302 09 物业管理费", "302 商品和服务支出"],
        ),
        (4, "answered", {"label": "合计", "value": "880000.00", "unit": "元"}, None),
    ],
)
def test_figures_are_exact_and_cited(
    served: tuple[list[Any], list[Any], Any],
    n: int,
    status: str,
    value: dict[str, str],
    cited: list[str] | None,
) -> None:
    got = served[1][n].structured_content
    assert (got["status"], got["value"]) == (status, value)
    assert got["citations"] and all(c["document"] == SEED_ID for c in got["citations"])
    if cited is not None:
        assert [c["row"] for c in got["citations"]] == cited


@pytest.mark.parametrize(
    ("n", "reason"),
    [
        (5, "抱歉，这超出了预算文件的范围，无法回答。"),
        (7, "文件的文字部分没有与「火星探测器的轨道」相关的段落"),
        (9, "未收录「审计局」的预算"),
    ],
)
def test_a_refused_request_comes_back_as_a_refusal_with_its_reason(
    served: tuple[list[Any], list[Any], Any], n: int, reason: str
) -> None:
    got = served[1][n].structured_content
    assert (got["status"], got["reason"], got["citations"]) == ("refused", reason, [])


def test_passages_carry_their_section_and_citation(served: tuple[list[Any], list[Any], Any]) -> None:
    got = served[1][6].structured_content
    assert got["status"] == "answered" and len(got["passages"]) == 2
    for passage in got["passages"]:
        assert passage["citation"]["quote"] == passage["text"] and passage["citation"]["section"].startswith(
            passage["section"]
        )
        assert passage["document"] == SEED_ID and passage["unit"] == SME
    assert any("机关运行经费" in p["text"] for p in got["passages"])


def test_list_units_names_the_seed(served: tuple[list[Any], list[Any], Any]) -> None:
    got = served[1][8].structured_content
    assert got["units"][0]["unit"] == SME
    assert got["units"][0]["documents"] == [
        {"id": SEED_ID, "year": 2024, "kind": "单位预算", "budget_units": []}
    ]


def test_a_wrong_argument_is_a_tool_error(served: tuple[list[Any], list[Any], Any]) -> None:
    wrong = served[2]
    assert wrong.is_error and "item" in wrong.content[0].text


def test_mcp_without_an_index_is_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "mcp", "--index", str(tmp_path / "none")],
        capture_output=True,
        text=True,
        env={**os.environ, **ENV},
        cwd=ROOT,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        f"budget-qa: {tmp_path / 'none'}: no index yet; build it with `budget-qa index`"
    ]
