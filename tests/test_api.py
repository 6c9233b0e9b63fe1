"""The JSON API against a real server on 127.0.0.1 (the web app's, as `budget-qa serve` builds it): answers
equal to the engine's, the catalogue, bad bodies, scope errors, rate limiting, the OpenAPI description."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.api import MAX_BODY, ApiSettings, explain
from assistant.app import FAILED, MAX_CHARS, MAX_HISTORY, start
from assistant.applog import AppLog, LogFilter
from assistant.capabilities import list_units
from assistant.engine import Assistant
from assistant.errors import InputError
from tests.conftest import ROOT, SEED_ID
from tests.servers import free_port

pytestmark = pytest.mark.slow
SME = "上海市促进中小企业发展协调办公室"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def started(index: Path, log: Path, rate: str, burst: str) -> Any:
    """The web app over `index` with the API's budget set through its environment variables."""
    saved = {k: os.environ.get(k) for k in ("BUDGET_QA_API_RATE", "BUDGET_QA_API_BURST")}
    os.environ.update({"BUDGET_QA_API_RATE": rate, "BUDGET_QA_API_BURST": burst})
    try:
        return start(index, "127.0.0.1", free_port(), log_db=log)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="module")
def log_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("api-log") / "app.sqlite"


@pytest.fixture(scope="module")
def server(seed_index: Path, log_db: Path) -> Iterator[Any]:
    running = started(seed_index, log_db, "6000", "1000")
    yield running
    running.close()


@pytest.fixture(scope="module")
def api(server: Any) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url + "/api", timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def engine(seed_index: Path) -> Assistant:
    return Assistant.open(seed_index)


def contract(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k not in ("latency_ms", "id")}


@pytest.mark.parametrize(
    ("body", "history", "figure"),
    [
        ({"question": "物业管理费是多少？"}, [], "850000"),
        ({"question": "物业管理费占商品和服务支出的比例？"}, [], "47.43"),
        ({"question": "那差旅费呢？", "history": ["会议费预算多少？"]}, ["会议费预算多少？"], "100000"),
        ({"question": "公务接待费是多少？", "document": SEED_ID}, [], "30000.00"),
        ({"question": "公务接待费是多少？", "unit": "中小企业发展协调办", "year": 2024}, [], "30000.00"),
    ],
)
def test_ask_answers_as_the_engine_does(
    api: httpx.Client, engine: Assistant, body: dict[str, Any], history: list[str], figure: str
) -> None:
    response = api.post("/ask", json=body)
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    got = response.json()
    expected = engine.ask(body["question"], history, document=SEED_ID).to_dict()
    assert contract(got) == contract(expected)
    assert figure in [v["value"] for v in got["values"]]
    assert got["citations"] and all(c["document"] == SEED_ID for c in got["citations"])
    assert re.fullmatch(r"[0-9a-f]{32}", got["id"]) and got["latency_ms"] >= 0


def test_ask_returns_the_callers_id_and_a_refusal_as_an_answer(api: httpx.Client, engine: Assistant) -> None:
    got = api.post("/ask", json={"question": "给我讲个笑话", "id": "q-17"}).json()
    assert got["id"] == "q-17"
    assert contract(got) == contract(engine.ask("给我讲个笑话").to_dict())
    assert got["route"] == "refuse" and got["citations"] == [] and got["values"] == []


def test_each_answer_is_in_the_question_log(api: httpx.Client, log_db: Path) -> None:
    api.post("/ask", json={"question": "印刷费是多少？"})
    log = AppLog(log_db)
    entry = log.entries(LogFilter(text="印刷费是多少？"))[0]
    log.close()
    assert (entry.question, entry.route, entry.status) == ("印刷费是多少？", "table", "ok")


@pytest.mark.parametrize(
    ("request_kwargs", "status", "code"),
    [
        ({"json": {}}, 422, "missing_question"),
        ({"json": {"history": ["物业管理费是多少？"]}}, 422, "missing_question"),
        ({"json": {"question": 5}}, 422, "invalid_question"),
        ({"json": {"question": ["物业管理费"]}}, 422, "invalid_question"),
        ({"json": {"question": "   "}}, 422, "empty_question"),
        ({"json": {"question": "物" * (MAX_CHARS + 1)}}, 422, "question_too_long"),
        ({"json": {"question": "物业管理费是多少？", "history": "会议费"}}, 422, "invalid_history"),
        ({"json": {"question": "物业管理费是多少？", "history": [1]}}, 422, "invalid_history"),
        (
            {"json": {"question": "物业管理费是多少？", "history": ["问"] * (MAX_HISTORY + 1)}},
            422,
            "history_too_long",
        ),
        ({"json": {"question": "物业管理费是多少？", "year": "去年"}}, 422, "invalid_year"),
        ({"json": {"question": "物业管理费是多少？", "document": 7}}, 422, "invalid_document"),
        ({"json": {"questoin": "物业管理费是多少？"}}, 422, "unknown_field"),
        ({"json": ["物业管理费是多少？"]}, 422, "not_an_object"),
        ({"json": "物业管理费是多少？"}, 422, "not_an_object"),
        ({"content": "question=物业管理费", "headers": {"content-type": "text/plain"}}, 422, "not_an_object"),
        (
            {"content": '{"question": "物业'.encode(), "headers": {"content-type": "application/json"}},
            422,
            "invalid_json",
        ),
        ({"content": b"\xff\xfe\x00", "headers": {"content-type": "application/json"}}, 400, "invalid_json"),
        ({"content": b""}, 422, "empty_body"),
        (
            {"content": b"{" + b" " * MAX_BODY + b"}", "headers": {"content-type": "application/json"}},
            413,
            "body_too_large",
        ),
        (
            {"json": {"question": "物业管理费是多少？", "document": "sh_nowhere_2024"}},
            404,
            "unknown_document",
        ),
        ({"json": {"question": "物业管理费是多少？", "unit": "浦东新区财政局"}}, 404, "unknown_unit"),
        ({"json": {"question": "物业管理费是多少？", "unit": SME, "year": 2023}}, 404, "unknown_year"),
        (
            {"json": {"question": "物业管理费是多少？", "document": SEED_ID, "year": 2024}},
            422,
            "conflicting_scope",
        ),
    ],
)
def test_a_bad_request_gets_a_chinese_json_error_without_a_traceback(
    api: httpx.Client, request_kwargs: dict[str, Any], status: int, code: str
) -> None:
    response = api.post("/ask", **request_kwargs)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["error"] == code and CHINESE.search(body["message"])
    assert "Traceback" not in response.text and 'File "' not in response.text


def test_a_body_too_large_is_refused_even_without_a_declared_length(api: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"question": "'
        for _ in range(MAX_BODY // 1000 + 2):
            yield b"a" * 1000
        yield b'"}'

    response = api.post("/ask", content=chunks(), headers={"content-type": "application/json"})
    assert "content-length" not in response.request.headers
    assert response.status_code == 413 and response.json()["error"] == "body_too_large"


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/ask", 405, "method_not_allowed"),
        ("DELETE", "/units", 405, "method_not_allowed"),
        ("GET", "/nothing", 404, "not_found"),
    ],
)
def test_wrong_paths_and_methods_get_json_errors(
    api: httpx.Client, method: str, path: str, status: int, code: str
) -> None:
    response = api.request(method, path)
    assert (response.status_code, response.json()["error"]) == (status, code)
    assert CHINESE.search(response.json()["message"])


def test_a_failing_engine_is_a_500_with_the_chats_message_and_is_logged(
    api: httpx.Client, server: Any, log_db: Path
) -> None:
    assistant = server.app.state.assistant.current()  # the live build's assistant
    saved_docs, saved_lexicons = dict(assistant._docs), dict(assistant._lexicons)
    assistant._docs.clear()  # a broken index: every document lookup fails inside the engine
    assistant._lexicons.clear()
    store, assistant.store = assistant.store, None
    try:
        response = api.post("/ask", json={"question": "会议费是多少？"})
    finally:
        assistant.store = store
        assistant._docs.update(saved_docs)
        assistant._lexicons.update(saved_lexicons)
    assert response.status_code == 500
    assert response.json() == {"error": "failed", "message": FAILED}
    log = AppLog(log_db)
    entry = log.entries(LogFilter(status="error"))[0]
    log.close()
    assert entry.question == "会议费是多少？" and entry.error.startswith("AttributeError")
    assert api.post("/ask", json={"question": "会议费是多少？"}).status_code == 200


def test_units_lists_the_catalogue_as_the_command_line_does(
    api: httpx.Client, engine: Assistant, seed_index: Path
) -> None:
    got = api.get("/units").json()
    assert got == list_units(engine.catalog)
    assert (got["documents"], got["years"], got["kinds"]) == (1, [2024], ["单位预算"])
    assert got["units"][0]["unit"] == SME
    assert got["units"][0]["documents"] == [
        {"id": SEED_ID, "year": 2024, "kind": "单位预算", "budget_units": []}
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    printed = subprocess.run(
        [sys.executable, "-m", "assistant", "--index", str(seed_index), "units", "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    assert got["units"] == [json.loads(line) for line in printed.splitlines()]


def test_openapi_describes_the_endpoints(api: httpx.Client) -> None:
    spec = api.get("/openapi.json").json()
    assert spec["servers"] == [{"url": "/api"}]
    assert set(spec["paths"]) == {"/ask", "/units"}
    ask = spec["paths"]["/ask"]["post"]
    assert {"200", "400", "404", "413", "422", "429"} <= set(ask["responses"])
    schema = spec["components"]["schemas"]["AskRequest"]
    assert schema["required"] == ["question"]
    assert schema["properties"]["question"]["maxLength"] == MAX_CHARS
    assert set(spec["components"]["schemas"]["AskResponse"]["properties"]) >= {
        "id",
        "answer",
        "route",
        "citations",
        "values",
        "formula",
        "latency_ms",
    }
    assert "get" in spec["paths"]["/units"]
    docs = api.get("/docs")
    assert docs.status_code == 200 and "/api/openapi.json" in docs.text


def test_the_chat_is_still_served_beside_the_api(server: Any) -> None:
    assert httpx.get(server.url + "/", timeout=30).status_code == 200


def test_rate_limit_gives_429_after_the_budget_for_that_address_only(
    seed_index: Path, tmp_path: Path
) -> None:
    running = started(seed_index, tmp_path / "app.sqlite", "1", "3")  # 3 at once, then one a minute
    try:
        with httpx.Client(base_url=running.url + "/api", timeout=60) as api:
            codes = [api.get("/units").status_code for _ in range(3)]
            codes.append(api.post("/ask", json={"question": "物业管理费是多少？"}).status_code)
            limited = api.get("/units")
            other = api.get(
                "/units", headers={"X-Forwarded-For": "10.1.2.3"}
            )  # another client behind a local proxy
            spec = api.get("/openapi.json")
    finally:
        running.close()
    assert codes == [200, 200, 200, 429]
    assert limited.status_code == 429 and 50 <= int(limited.headers["retry-after"]) <= 60
    body = limited.json()
    assert body["error"] == "rate_limited"
    assert (
        body["message"]
        == f"请求太频繁：每个地址每分钟 1 次（连续最多 3 次），请 {limited.headers['retry-after']} 秒后再试"
    )
    assert other.status_code == 200
    assert spec.status_code == 200  # the description is not counted


@pytest.mark.parametrize(
    ("errors", "code"),
    [
        ([], "not_an_object"),
        ([{"type": "json_invalid", "loc": ("body", 12)}], "invalid_json"),
        ([{"type": "missing", "loc": ("body",)}], "empty_body"),
        ([{"type": "model_attributes_type", "loc": ("body",)}], "not_an_object"),
        ([{"type": "missing", "loc": ("body", "question")}], "missing_question"),
        ([{"type": "string_too_long", "loc": ("body", "history", 3)}], "history_too_long"),
        ([{"type": "string_type", "loc": ("body", "unit")}], "invalid_unit"),
    ],
)
def test_explain_names_the_first_problem(errors: list[dict[str, Any]], code: str) -> None:
    got, message = explain(errors)
    assert got == code and CHINESE.search(message)


def test_history_item_too_long_names_the_item() -> None:
    assert explain([{"type": "string_too_long", "loc": ("body", "history", 3)}])[1] == (
        f"history 第 4 条太长：每条不超过 {MAX_CHARS} 字"
    )


@pytest.mark.parametrize(
    ("env", "settings"),
    [
        ({}, ApiSettings(60, 20)),
        ({"BUDGET_QA_API_RATE": "120", "BUDGET_QA_API_BURST": "5"}, ApiSettings(120, 5)),
        ({"BUDGET_QA_API_RATE": "0"}, ApiSettings(0, 20)),
        ({"BUDGET_QA_API_RATE": " "}, ApiSettings(60, 20)),
    ],
)
def test_settings_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], settings: ApiSettings
) -> None:
    for key in ("BUDGET_QA_API_RATE", "BUDGET_QA_API_BURST"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert ApiSettings.from_env() == settings


@pytest.mark.parametrize(("rate", "burst"), [("many", "20"), ("-1", "20"), ("60", "0"), ("60", "2.5")])
def test_settings_that_are_not_numbers_are_one_line(
    monkeypatch: pytest.MonkeyPatch, rate: str, burst: str
) -> None:
    monkeypatch.setenv("BUDGET_QA_API_RATE", rate)
    monkeypatch.setenv("BUDGET_QA_API_BURST", burst)
    with pytest.raises(InputError, match="BUDGET_QA_API_RATE takes requests a minute"):
        ApiSettings.from_env()
