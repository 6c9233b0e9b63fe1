"""What the web app takes on at once and what it forgets, against a real server on 127.0.0.1: a full queue
answers in Chinese (no English, no 503), and an idle conversation expires."""

from __future__ import annotations

import asyncio
import datetime
import re
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from gradio.state_holder import StateHolder
from gradio_client import Client

from assistant.app import start
from assistant.index import build_index
from assistant.load import ChatEndpoint, LoadQuestion, ask, http_client
from assistant.serving import BUSY, ServeLimits, expire_sessions
from tests.conftest import SEED, SEED_ID
from tests.servers import CHROMIUM, TIMEOUT, free_port

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("index")
    build_index([SEED], folder, with_vectors=False)
    return folder


def _server(index_dir: Path, limits: ServeLimits) -> Any:
    return start(index_dir, "127.0.0.1", free_port(), log_db=index_dir / "app.sqlite", limits=limits)


async def _burst(url: str, n: int) -> list[Any]:
    """`n` visitors pressing 发送 at the same moment, each in a session of its own."""
    q = LoadQuestion("q", "物业管理费是多少？", (SEED_ID,), SEED_ID)
    async with http_client(n * 2 + 4) as client:
        chat = await ChatEndpoint.discover(client, url)
        return await asyncio.gather(*(ask(client, chat, q, uuid.uuid4().hex[:11]) for _ in range(n)))


def test_a_full_queue_answers_in_chinese_and_keeps_the_question(index_dir: Path) -> None:
    server = _server(index_dir, ServeLimits(concurrency=1, queue=1))
    try:
        replies = asyncio.run(_burst(server.url, 30))
        again = asyncio.run(_burst(server.url, 1))  # a retry once it is quiet is answered
    finally:
        server.close()
    statuses = [r.status for r in replies]
    assert set(statuses) == {"ok", "busy"} and statuses.count("ok") >= 2  # one answered, one waiting
    # shown beside the question box (the handler's `message` input), in Chinese only
    assert {r.detail for r in replies if r.status == "busy"} == {f"message: {BUSY}"}
    assert not re.search(r"[A-Za-z]", BUSY)
    assert all("850,000" in r.answer for r in replies if r.status == "ok")
    assert again[0].status == "ok" and "850,000" in again[0].answer


def test_an_idle_conversation_expires(index_dir: Path) -> None:
    server = _server(index_dir, ServeLimits(idle_s=1.0, sweep_s=0.2))
    holder = server.app.state.chat.state_holder
    try:
        client = Client(server.url, verbose=False)
        client.predict("物业管理费是多少？", api_name="/chat")
        messages, *_ = client.predict("换算成万元", api_name="/chat")
        assert "85.00万元" in str(messages[-1]["content"])  # the conversation's context
        assert client.session_hash in holder.session_data
        time.sleep(2.0)
        assert client.session_hash not in holder.session_data  # forgotten after a second idle
        messages, *_ = client.predict("换算成万元", api_name="/chat")
        assert len(messages) == 2 and "85.00万元" not in str(messages[-1]["content"])
    finally:
        server.close()


def test_sessions_are_capped(index_dir: Path) -> None:
    server = _server(index_dir, ServeLimits(sessions=3))
    try:
        for _ in range(6):
            Client(server.url, verbose=False).predict("办公费是多少？", api_name="/chat")
        assert len(server.app.state.chat.state_holder.session_data) <= 3
    finally:
        server.close()


@pytest.mark.parametrize(
    ("ages_s", "idle_s", "left"),
    [
        ([5, 50, 500], 60, ["s0", "s1"]),
        ([5, 50, 500], 1, []),
        ([], 60, []),
    ],
)
def test_expire_sessions(ages_s: list[int], idle_s: float, left: list[str]) -> None:
    holder = StateHolder()
    now = datetime.datetime(2026, 1, 1, 12, 0, 0)
    for n, age in enumerate(ages_s):
        holder.session_data[f"s{n}"] = object()
        holder.time_last_used[f"s{n}"] = now - datetime.timedelta(seconds=age)
    assert expire_sessions(holder, idle_s, now) == len(ages_s) - len(left)
    assert sorted(holder.session_data) == left == sorted(holder.time_last_used)


@pytest.mark.parametrize(
    ("env", "limits"),
    [
        ({}, ServeLimits()),
        (
            {"BUDGET_QA_CONCURRENCY": "3", "BUDGET_QA_QUEUE": "10", "BUDGET_QA_CHAT_SESSIONS": "5"},
            ServeLimits(concurrency=3, queue=10, sessions=5),
        ),
        ({"BUDGET_QA_CHAT_IDLE": "30"}, ServeLimits(idle_s=30.0, sweep_s=15.0)),
    ],
)
def test_limits_from_the_environment(env: dict[str, str], limits: ServeLimits) -> None:
    assert ServeLimits.from_env(env) == limits


@pytest.mark.browser
def test_a_visitor_sees_the_busy_message_in_chinese_without_an_error(index_dir: Path, browser: Any) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not present")
    server = _server(index_dir, ServeLimits(queue=0))  # every question finds the queue full
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(server.url)
        page.locator("#bqa-input textarea").fill("物业管理费是多少？")
        page.locator("#bqa-send").click()
        shown = page.locator("#bqa-input .validation-error").first
        shown.wait_for(timeout=TIMEOUT)
        assert shown.inner_text() == BUSY
        assert page.locator("#bqa-input textarea").input_value() == "物业管理费是多少？"  # kept, to retry
        page.wait_for_timeout(500)
        body = page.inner_text("body")
        assert "Error" not in body and "busy" not in body and "error" not in body.lower()
        assert page.locator(".toast-body").count() == 0  # no error toast
        page.close()
    finally:
        server.close()
