"""Which Gradio API calls the mounted pages can run, checked against the real chat and helpdesk Blocks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assistant.apicheck import (
    BAD_INPUT,
    NO_DATA,
    NOT_FOUND,
    NOT_JSON,
    call_problem,
    component_problem,
    event_known,
    named,
    named_problem,
    stream_known,
)
from assistant.app import ChatService, build_chat
from assistant.applog import AppLog
from assistant.engine import Assistant
from assistant.helpdesk import build_helpdesk
from tests.conftest import SEED_ID


@pytest.fixture(scope="module")
def chat(seed_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    log = AppLog(tmp_path_factory.mktemp("log") / "app.sqlite")
    return build_chat(ChatService(Assistant.open(seed_index), log), "")


@pytest.fixture(scope="module")
def desk(seed_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    log = AppLog(tmp_path_factory.mktemp("log") / "app.sqlite")
    return build_helpdesk(Assistant.open(seed_index), log, seed_index)


def fn_index(blocks: Any, name: str) -> int:
    return next(i for i, fn in blocks.fns.items() if fn.name == name and fn.api_visibility == "private")


def bad(n: int, why: str) -> tuple[int, str]:
    return 422, BAD_INPUT.format(n=n, why=why)


@pytest.mark.parametrize(
    ("name", "body", "problem"),
    [
        ("chat", {"data": ["物业管理费是多少？", ""]}, None),  # the inputs the API shows
        ("chat", {"data": ["物业管理费是多少？", None, None, SEED_ID]}, None),  # every input, States too
        ("chat", {"data": [None, None]}, None),
        ("useful", {"data": []}, None),
        ("log", {"data": ["", "", "", ""]}, (404, NOT_FOUND)),  # the helpdesk's, not the chat's
        ("ask", {"data": ["q", None, None, ""]}, (404, NOT_FOUND)),  # private: the page's own
        ("nope", {"data": []}, (404, NOT_FOUND)),
        ("chat", [1, 2], (400, NOT_JSON)),
        ("chat", {"x": 1}, (422, NO_DATA)),
        ("chat", {"data": "q"}, (422, NO_DATA)),
        ("chat", {"data": []}, (422, "请求格式不正确：data 应有 2或4 项，收到 0 项。")),
        ("chat", {"data": [5, ""]}, bad(1, "应为文本")),
        ("chat", {"data": ["q", "no-such-document"]}, bad(2, "不在可选项中")),
        ("chat", {"data": ["q", ["list"]]}, bad(2, "不在可选项中")),
        ("chat", {"data": ["q", ""], "fn_index": 999}, (404, NOT_FOUND)),
        ("load_example", {"data": [0]}, None),
        ("load_example", {"data": [99]}, bad(1, "没有这个示例")),
        ("load_example", {"data": [True]}, bad(1, "没有这个示例")),
    ],
)
def test_calls_by_name_on_the_chat(chat: Any, name: str, body: Any, problem: Any) -> None:
    assert call_problem(chat, name, body) == problem


def test_calls_from_the_page_by_fn_index(chat: Any) -> None:
    ask = fn_index(chat, "ask")
    assert (
        call_problem(chat, None, {"fn_index": ask, "data": ["q", None, None, ""], "session_hash": "s"})
        is None
    )
    assert call_problem(chat, None, {"fn_index": ask, "data": [{"a": 1}, None, None, ""]}) == bad(
        1, "应为文本"
    )
    assert call_problem(chat, None, {"fn_index": 999, "data": []}) == (404, NOT_FOUND)
    assert call_problem(chat, None, {"fn_index": "1", "data": []}) == (404, NOT_FOUND)
    assert call_problem(chat, None, {"data": []}) == (404, NOT_FOUND)


@pytest.mark.parametrize(
    ("name", "body", "problem"),
    [
        ("chat", {"message": "q"}, None),
        ("chat", {"message": "q", "document": SEED_ID}, None),
        ("chat", {"document": ""}, (422, "请求格式不正确：参数应为 message、document。")),
        ("chat", {"message": "q", "zzz": 1}, (422, "请求格式不正确：参数应为 message、document。")),
        ("chat", {"message": 5}, bad(1, "应为文本")),
        ("chat", "q", (400, NOT_JSON)),
        ("useful", {}, None),
        ("nope", {}, (404, NOT_FOUND)),
    ],
)
def test_calls_with_inputs_by_name(chat: Any, name: str, body: Any, problem: Any) -> None:
    assert named_problem(chat, name, body) == problem


@pytest.mark.parametrize(
    ("name", "data", "problem"),
    [
        ("trace", ["物业管理费是多少？", "", ""], None),
        ("tables", [SEED_ID], None),
        ("tables", ["nope"], bad(1, "不在可选项中")),
        ("grid", [SEED_ID, "economic"], None),
        ("grid", [SEED_ID, "zzz"], bad(2, "不在可选项中")),
        ("log", ["", "table", "有用", "ok", "", ""], None),
        ("log", ["", "bogus", "", "", "", ""], bad(2, "不在可选项中")),
        ("check_upload", [None], None),
        ("check_upload", ["/etc/passwd"], bad(1, "应为上传的文件")),
        ("check_upload", [{"path": "/etc/passwd"}], bad(1, "不是本服务器上传的文件")),
        ("publish_upload", [], None),
    ],
)
def test_calls_on_the_helpdesk(desk: Any, name: str, data: list[Any], problem: Any) -> None:
    assert call_problem(desk, name, {"data": data}) == problem


def test_an_upload_must_be_of_an_accepted_type(desk: Any) -> None:
    from gradio.utils import get_upload_folder

    folder = Path(get_upload_folder()) / "bqa-test"
    assert call_problem(desk, "check_upload", {"data": [{"path": str(folder / "x.pdf")}]}) is None
    assert call_problem(desk, "check_upload", {"data": [{"path": str(folder / "x.exe")}]}) == bad(
        1, "文件类型不被接受"
    )
    escape = str(folder / ".." / ".." / "etc" / "x.pdf")
    assert call_problem(desk, "check_upload", {"data": [{"path": escape}]}) == bad(
        1, "不是本服务器上传的文件"
    )


def test_only_public_endpoints_with_a_function_are_named(chat: Any) -> None:
    assert named(chat, "chat") is not None and named(chat, "load_example") is not None
    assert named(chat, "ask") is None and named(chat, "js_fn") is None and named(chat, "log") is None


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"component_id": 999, "fn_name": "x", "data": None, "session_hash": "s"}, (404, NOT_FOUND)),
        ({"component_id": 1, "fn_name": "__init__", "data": None}, (404, NOT_FOUND)),
        ("x", (400, NOT_JSON)),
    ],
)
def test_component_functions_must_exist(chat: Any, body: Any, problem: Any) -> None:
    assert component_problem(chat, body) == problem


def test_unknown_events_and_streams(chat: Any) -> None:
    assert not event_known(chat, "no-such-event")
    assert not stream_known(chat, "no-such-session")
