"""Security headers on both mounts, and malformed or unknown API calls answered 4xx in JSON with no
traceback in the server's log (a real `budget-qa serve` process, its output captured)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import SEED_ID
from tests.servers import PASSWORD, USER, ServerProcess, start_with_staff

pytestmark = pytest.mark.slow
HEADERS = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


@pytest.fixture(scope="module")
def server(seed_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    running = start_with_staff(seed_index, db=tmp_path_factory.mktemp("db") / "app.sqlite")
    yield running
    running.close()


@pytest.mark.parametrize(
    ("method", "path", "signed_in", "status"),
    [
        ("GET", "/", False, 200),
        ("GET", "/config", False, 200),
        ("GET", "/helpdesk/", False, 303),
        ("GET", "/helpdesk/", True, 200),
        ("GET", "/helpdesk/config", False, 401),
        ("GET", "/helpdesk/login", False, 200),
        ("POST", "/gradio_api/call/log", False, 404),
        ("GET", "/document/nope.pdf", False, 404),
    ],
)
def test_every_response_forbids_framing_and_sniffing(
    server: Any, method: str, path: str, signed_in: bool, status: int
) -> None:
    with httpx.Client(base_url=server.url) as http:
        if signed_in:
            http.post("/helpdesk/login", data={"username": USER, "password": PASSWORD})
        response = http.request(method, path, json={"data": []} if method == "POST" else None)
    assert response.status_code == status
    assert {k: response.headers.get(k) for k in HEADERS} == HEADERS
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_the_login_page_allows_no_script_at_all(server: Any) -> None:
    policy = httpx.get(server.url + "/helpdesk/login").headers["content-security-policy"]
    assert (
        policy == "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
    )


@pytest.fixture(scope="module")
def process(seed_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    folder = tmp_path_factory.mktemp("served")
    running = ServerProcess(seed_index, folder / "server.log", db=folder / "app.sqlite")
    yield running
    running.close()


MISSING = "没有这个接口。"
NOT_JSON = "请求格式不正确：请求体应为 JSON 对象。"
PUBLIC = [  # (method, path, body, status, error)
    ("POST", "/gradio_api/call/log", {"data": ["", "", "", ""]}, 404, MISSING),
    ("POST", "/gradio_api/call/nope", {"data": []}, 404, MISSING),
    ("POST", "/gradio_api/run/nope", {"data": []}, 404, MISSING),
    ("POST", "/gradio_api/api/nope", {"data": []}, 404, MISSING),
    ("POST", "/gradio_api/call/v2/nope", {}, 404, MISSING),
    ("POST", "/gradio_api/call/chat", b"{bad json", 400, NOT_JSON),
    ("POST", "/gradio_api/call/chat", {"x": 1}, 422, "请求格式不正确：缺少 data 列表。"),
    ("POST", "/gradio_api/call/chat", {"data": "q"}, 422, "请求格式不正确：缺少 data 列表。"),
    ("POST", "/gradio_api/call/chat", {"data": []}, 422, "请求格式不正确：data 应有 2或4 项，收到 0 项。"),
    ("POST", "/gradio_api/run/chat", {"data": []}, 422, "请求格式不正确：data 应有 2或4 项，收到 0 项。"),
    (
        "POST",
        "/gradio_api/call/chat",
        {"data": ["q", "nope"]},
        422,
        "请求格式不正确：第 2 项输入不可用（不在可选项中）。",
    ),
    (
        "POST",
        "/gradio_api/call/chat",
        {"data": [{"a": 1}, ""]},
        422,
        "请求格式不正确：第 1 项输入不可用（应为文本）。",
    ),
    ("POST", "/gradio_api/call/v2/chat", {"zzz": 1}, 422, "请求格式不正确：参数应为 message、document。"),
    (
        "POST",
        "/gradio_api/call/load_example",
        {"data": [999]},
        422,
        "请求格式不正确：第 1 项输入不可用（没有这个示例）。",
    ),
    ("POST", "/gradio_api/queue/join", {"fn_index": 999, "data": [], "session_hash": "s"}, 404, MISSING),
    ("POST", "/gradio_api/queue/join", b"zz", 400, NOT_JSON),
    ("POST", "/gradio_api/component_server", {"component_id": 999, "fn_name": "x", "data": 1}, 404, MISSING),
    ("GET", "/gradio_api/call/chat/no-such-event", None, 404, "没有这个请求，或它已结束。"),
    ("GET", "/gradio_api/queue/data?session_hash=nobody", None, 404, "没有这个请求，或它已结束。"),
]
DESK = [
    ("POST", "/helpdesk/gradio_api/call/chat", {"data": ["q", ""]}, 404, MISSING),
    (
        "POST",
        "/helpdesk/gradio_api/call/log",
        {"data": ["", "bogus", "", "", "", ""]},
        422,
        "请求格式不正确：第 2 项输入不可用（不在可选项中）。",
    ),
    (
        "POST",
        "/helpdesk/gradio_api/call/tables",
        {"data": ["nope"]},
        422,
        "请求格式不正确：第 1 项输入不可用（不在可选项中）。",
    ),
    (
        "POST",
        "/helpdesk/gradio_api/call/check_upload",
        {"data": ["/etc/passwd"]},
        422,
        "请求格式不正确：第 1 项输入不可用（应为上传的文件）。",
    ),
    ("POST", "/helpdesk/gradio_api/call/trace", b"[", 400, NOT_JSON),
    ("GET", "/helpdesk/gradio_api/call/trace/no-such-event", None, 404, "没有这个请求，或它已结束。"),
]


def send(http: httpx.Client, method: str, path: str, body: Any) -> httpx.Response:
    if isinstance(body, bytes):
        return http.request(method, path, content=body, headers={"Content-Type": "application/json"})
    return http.request(method, path, json=body)


def test_malformed_calls_get_a_4xx_and_leave_no_traceback_in_the_log(process: ServerProcess) -> None:
    answered = []
    with (
        httpx.Client(base_url=process.url, timeout=60) as public,
        httpx.Client(base_url=process.url, timeout=60) as staff,
    ):
        assert staff.post("/helpdesk/login", data={"username": USER, "password": PASSWORD}).status_code == 200
        for client, calls in ((public, PUBLIC), (staff, DESK)):
            for method, path, body, status, error in calls:
                response = send(client, method, path, body)
                assert response.status_code == status, (path, response.text[:300])
                assert response.json() == {"error": error}, path
                answered.append(path)
        unsigned = send(public, "POST", "/helpdesk/gradio_api/call/log", {"data": ["", "", "", ""]})
        assert unsigned.status_code == 401
        # a call that is well formed still answers
        event = public.post("/gradio_api/call/chat", json={"data": ["物业管理费是多少？", SEED_ID]}).json()
        stream = public.get(f"/gradio_api/call/chat/{event['event_id']}").text
        messages = json.loads(stream.split("data: ", 1)[1])[0]
        assert "850,000元" in str(messages[-1]["content"])
    log = process.log()
    assert "Traceback" not in log and "Exception in ASGI" not in log, log
    assert len(answered) == len(PUBLIC) + len(DESK)
