"""The helpdesk login on a real server on 127.0.0.1: the Chinese form, sessions (logout, idle and age),
growing waits and lockouts per account and per address (addresses told apart by X-Forwarded-For, which
the server trusts from 127.0.0.1 only), equal time for unknown and known names, the public chat answering
through a flood of logins, and two servers sharing one lockout through their database (the store's own
test shows it shared across processes)."""

from __future__ import annotations

import logging
import statistics
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from gradio_client import Client

from assistant.index import build_index
from assistant.login import Outcome
from assistant.loginpage import COOKIE, login_html, refusal
from assistant.throttle import Verdict
from tests.servers import PASSWORD, USER, start_with_staff

pytestmark = pytest.mark.slow
CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "shanghai-sme-office-2024.txt"
HTML = {"Accept": "text/html,application/xhtml+xml"}
LENIENT = {  # every try is checked: no waits, no lockouts
    "BUDGET_QA_LOGIN_DELAY": "0",
    "BUDGET_QA_LOGIN_LOCK_AFTER": "100000",
    "BUDGET_QA_LOGIN_ADDRESS_LOCK_AFTER": "100000",
}


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("index")
    build_index([CORPUS], folder, with_vectors=False)
    return folder


def serving(index_dir: Path, tmp_path: Path, env: dict[str, str] | None = None, rounds: int = 4) -> Any:
    """A server with its own app database, so no other test's failures count."""
    return start_with_staff(index_dir, env, rounds, db=tmp_path / "app.sqlite")


@pytest.fixture()
def server(index_dir: Path, tmp_path: Path) -> Iterator[Any]:
    running = serving(index_dir, tmp_path)
    yield running
    running.close()


def login(
    url: str,
    password: str = PASSWORD,
    user: str = USER,
    address: str = "",
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """POST /helpdesk/login as a script would (JSON answers), or as a browser with HTML headers."""
    sent = {**(headers or {}), **({"X-Forwarded-For": address} if address else {})}
    return httpx.post(
        url + "/helpdesk/login", data={"username": user, "password": password}, headers=sent, timeout=120
    )


# the page and its words (pure)
def test_the_login_page_is_chinese_and_escapes_what_it_shows() -> None:
    page = login_html("用户名或密码不正确。", '<script>alert("x")</script>')
    assert '<html lang="zh-CN">' in page and "<title>预算问答 · 服务台登录</title>" in page
    assert all(word in page for word in ("预算问答 · 服务台：请登录", ">用户名<", ">密码<", ">登录<"))
    assert 'role="alert">用户名或密码不正确。<' in page
    assert "<script>" not in page and 'value="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"' in page
    assert not any(word in page for word in ("Login", "Username", "Password", "Incorrect"))


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        (Outcome(False, True), (400, "用户名或密码不正确。")),
        (Outcome(False, True, Verdict("wait", 102)), (400, "用户名或密码不正确。请 2 秒后再试。")),
        (
            Outcome(False, True, Verdict("locked", 1000)),
            (400, "用户名或密码不正确。登录失败次数过多，已暂时锁定，请 15 分钟后再试。"),
        ),
        (Outcome(False, False, Verdict("wait", 130)), (429, "尝试过于频繁，请 30 秒后再试。")),
        (
            Outcome(False, False, Verdict("locked", 160)),
            (429, "登录失败次数过多，已暂时锁定，请 1 分钟后再试。"),
        ),
    ],
)
def test_refusals_in_words(outcome: Outcome, expected: tuple[int, str]) -> None:
    assert refusal(outcome, now=100) == expected


# the form and the session
def test_the_helpdesk_sends_a_visitor_to_the_chinese_login_form(server: Any) -> None:
    for path in ("/helpdesk", "/helpdesk/"):
        sent = httpx.get(server.url + path)
        assert (sent.status_code, sent.headers["location"]) == (303, "/helpdesk/login")
    page = httpx.get(server.url + "/helpdesk/login")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert 'lang="zh-CN"' in page.text and "预算问答 · 服务台：请登录" in page.text
    assert "Login" not in page.text and "Incorrect" not in page.text


def test_a_browser_form_gets_the_form_again_or_the_helpdesk(server: Any) -> None:
    wrong = login(server.url, PASSWORD + "x", headers=HTML)
    assert wrong.status_code == 400 and "text/html" in wrong.headers["content-type"]
    assert 'role="alert">用户名或密码不正确。<' in wrong.text and f'value="{USER}"' in wrong.text
    assert COOKIE not in wrong.headers.get("set-cookie", "")
    right = login(server.url, headers=HTML)
    assert (right.status_code, right.headers["location"]) == (303, "/helpdesk/")
    cookie = right.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "Path=/helpdesk" in cookie
    assert "SameSite=lax" in cookie and "Max-Age=86400" in cookie and "Secure" not in cookie
    behind_https = login(server.url, headers={**HTML, "X-Forwarded-Proto": "https"})
    assert "Secure" in behind_https.headers["set-cookie"]
    empty = httpx.post(server.url + "/helpdesk/login", data={"username": USER}, headers=HTML)
    assert empty.status_code == 400 and "请填写用户名和密码" in empty.text
    junk = httpx.post(
        server.url + "/helpdesk/login", content=b"\xff\x00", headers={"Content-Type": "text/plain"}
    )
    assert junk.status_code == 400 and junk.json() == {"error": "请求格式不正确：请填写用户名和密码。"}


def test_logout_ends_the_session(server: Any) -> None:
    with httpx.Client(base_url=server.url) as http:
        assert http.post("/helpdesk/login", data={"username": USER, "password": PASSWORD}).json() == {
            "success": True
        }
        token = http.cookies[COOKIE]
        assert http.get("/helpdesk/config").status_code == 200
        assert http.get("/helpdesk/login").status_code == 303  # already in: on to the helpdesk
        out = http.get("/helpdesk/logout")
        assert (out.status_code, out.headers["location"]) == (303, "/helpdesk/login?out=1")
        assert f'{COOKIE}=""' in out.headers["set-cookie"] and "Max-Age=0" in out.headers["set-cookie"]
        assert "已退出登录。" in http.get("/helpdesk/login?out=1").text
    assert httpx.get(server.url + "/helpdesk/config", cookies={COOKIE: token}).status_code == 401
    assert httpx.get(server.url + "/helpdesk/", cookies={COOKIE: token}).status_code == 303


def test_an_idle_or_old_session_is_refused(index_dir: Path, tmp_path: Path) -> None:
    running = serving(index_dir, tmp_path, {"BUDGET_QA_SESSION_IDLE": "2", "BUDGET_QA_SESSION_MAX": "4"})
    try:
        with httpx.Client(base_url=running.url) as busy:
            busy.post("/helpdesk/login", data={"username": USER, "password": PASSWORD})
            idle = {COOKIE: login(running.url).cookies[COOKIE]}
            opened = time.monotonic()
            while time.monotonic() - opened < 2.8:  # used every 0.4 s: on past the idle time
                assert busy.get("/helpdesk/config").status_code == 200
                time.sleep(0.4)
            assert httpx.get(running.url + "/helpdesk/config", cookies=idle).status_code == 401
            time.sleep(max(0.0, 4.3 - (time.monotonic() - opened)))
            assert busy.get("/helpdesk/config").status_code == 401  # four seconds old, however busy
            assert busy.get("/helpdesk/").headers["location"] == "/helpdesk/login"
    finally:
        running.close()


# throttling
@pytest.fixture()
def throttled(index_dir: Path, tmp_path: Path) -> Iterator[Any]:
    env = {
        "BUDGET_QA_LOGIN_FREE": "0",
        "BUDGET_QA_LOGIN_DELAY": "1.5",
        "BUDGET_QA_LOGIN_LOCK_AFTER": "3",
        "BUDGET_QA_LOGIN_LOCK_SECONDS": "8",
        "BUDGET_QA_LOGIN_ADDRESS_FREE": "100",
        "BUDGET_QA_LOGIN_ADDRESS_LOCK_AFTER": "5",
    }
    running = serving(index_dir, tmp_path, env)
    yield running
    running.close()


def test_waits_grow_then_the_account_locks_until_the_lockout_ends(
    throttled: Any, caplog: pytest.LogCaptureFixture
) -> None:
    url, wrong = throttled.url, "用户名或密码不正确。"
    with caplog.at_level(logging.WARNING, logger="assistant.login"):
        first = login(url, "wrong-1", address="10.1.0.1")  # each try from another address
        assert (first.status_code, first.json()["error"]) == (400, wrong + "请 2 秒后再试。")
        early = login(url, address="10.1.0.2")  # the right password, too soon: not even checked
        assert (early.status_code, early.headers["retry-after"]) == (429, "2")
        assert early.json() == {"error": "尝试过于频繁，请 2 秒后再试。", "retry_after": 2}
        time.sleep(1.55)
        second = login(url, "wrong-2", address="10.1.0.3")
        assert (second.status_code, second.json()["error"]) == (400, wrong + "请 3 秒后再试。")
        time.sleep(3.05)
        third = login(url, "wrong-3", address="10.1.0.4")
        assert third.json()["error"] == wrong + "登录失败次数过多，已暂时锁定，请 8 秒后再试。"
        locked = login(url, address="10.1.0.5")
        assert (locked.status_code, locked.json()["error"]) == (
            429,
            "登录失败次数过多，已暂时锁定，请 8 秒后再试。",
        )
        time.sleep(8.05)
        assert login(url, address="10.1.0.6").status_code == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "assistant.login"]
    assert lines == ["helpdesk login locked: account 'staff' for 8 s after a failed login"]


def test_an_address_guessing_many_names_is_locked_out_for_all(throttled: Any) -> None:
    url = throttled.url
    for n in range(5):
        assert login(url, "wrong", user=f"guess{n}", address="10.2.0.1").status_code == 400
    refused = login(url, address="10.2.0.1")
    assert (refused.status_code, refused.json()["error"]) == (
        429,
        "登录失败次数过多，已暂时锁定，请 8 秒后再试。",
    )
    assert login(url, address="10.2.0.2").status_code == 200  # the account itself is not locked


def test_an_unknown_name_takes_as_long_as_a_known_one(index_dir: Path, tmp_path: Path) -> None:
    running = serving(index_dir, tmp_path, LENIENT, rounds=10)
    try:
        times: dict[str, list[float]] = {USER: [], "nobody": []}
        with httpx.Client(base_url=running.url) as http:
            for _ in range(15):
                for user in times:
                    started = time.perf_counter()
                    status = http.post(
                        "/helpdesk/login", data={"username": user, "password": "wrong"}
                    ).status_code
                    times[user].append(time.perf_counter() - started)
                    assert status == 400
        ratio = statistics.median(times["nobody"]) / statistics.median(times[USER])
        assert 0.5 < ratio < 2, times
    finally:
        running.close()


def test_the_chat_keeps_answering_through_a_flood_of_logins(index_dir: Path, tmp_path: Path) -> None:
    running = serving(index_dir, tmp_path, LENIENT, rounds=11)
    try:
        chat = Client(running.url, verbose=False)
        statuses: list[int] = []

        def wrong(n: int) -> None:  # eight names from eight addresses: eight checks side by side
            sent = login(running.url, f"wrong-{n}", user=f"guess{n % 8}", address=f"10.3.0.{n % 8}")
            statuses.append(sent.status_code)

        answers: list[str] = []
        with ThreadPoolExecutor(8) as flood:
            pending = [flood.submit(wrong, n) for n in range(24)]
            while not all(f.done() for f in pending):
                messages, *_ = chat.predict("物业管理费是多少？", api_name="/chat")
                answers.append(str(messages[-1]["content"]))
            finished_during = len(answers)
        assert set(statuses) <= {400, 429, 503} and statuses.count(400) >= 8
        assert finished_during >= 5 and all("850,000元" in a for a in answers)
    finally:
        running.close()


def test_a_try_while_its_account_is_being_checked_is_refused_at_once(index_dir: Path, tmp_path: Path) -> None:
    running = serving(index_dir, tmp_path, LENIENT, rounds=13)  # each check takes a while
    try:
        with ThreadPoolExecutor(4) as tries:
            sent = list(
                tries.map(lambda n: login(running.url, f"wrong-{n}", address=f"10.4.0.{n}"), range(4))
            )
        statuses = sorted(r.status_code for r in sent)
        assert statuses == [400, 429, 429, 429], [r.text for r in sent]
        refused = next(r for r in sent if r.status_code == 429)
        assert refused.json() == {"error": "尝试过于频繁，请 1 秒后再试。", "retry_after": 1}
    finally:
        running.close()


# several servers
def test_two_servers_on_one_database_share_one_lockout(index_dir: Path, tmp_path: Path) -> None:
    env = {"BUDGET_QA_LOGIN_LOCK_AFTER": "2", "BUDGET_QA_LOGIN_DELAY": "0"}
    first = serving(index_dir, tmp_path, env)
    second = serving(index_dir, tmp_path, env)  # its own gate and connection, the same file
    try:
        assert [login(first.url, "wrong").status_code for _ in range(2)] == [400, 400]
        refused = login(second.url)
        assert (refused.status_code, refused.json()["error"][:9]) == (429, "登录失败次数过多，")
    finally:
        first.close()
        second.close()
