"""The helpdesk's 问题日志 against a real server: pages filtered in the database, the streamed CSV export
(staff only), each entry with its conversation and answer, the replay in 问题追溯, and control or direction
characters shown as ⟨U+XXXX⟩ instead of obeyed; also the app keeping its log in a real PostgreSQL."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import bcrypt
import httpx
import pytest
from gradio_client import Client

from assistant.applog import AppLog, LogEntry, LogFilter, LogPage
from assistant.logview import entry_html, export_href, log_rows, replay_note, summary
from assistant.visible import visible, visible_html
from tests.servers import PASSWORD, USER, free_port, start_with_staff

MARK = "分页测试"
NO_FILTER = ("", "", "", "", "", "")


def entry(**given: Any) -> LogEntry:
    fields: dict[str, Any] = {
        "id": 7,
        "time": "2025-03-01T08:00:00Z",
        "question": "办公费是多少？",
        "route": "table",
        "latency_ms": 3.5,
        "status": "ok",
        "feedback": "",
        "answer": "**办公费**：300,000元",
        "error": "",
    }
    return LogEntry(**{**fields, **given})


@pytest.mark.parametrize(
    ("text", "keep", "shown"),
    [
        ("物业管理费是多少？", "", "物业管理费是多少？"),
        ("全角\u3000空格 与 半角", "", "全角\u3000空格 与 半角"),
        ("abc\u202edcba", "", "abc⟨U+202E⟩dcba"),
        ("\u2066隔离\u2069\u2067x\u2068", "", "⟨U+2066⟩隔离⟨U+2069⟩⟨U+2067⟩x⟨U+2068⟩"),
        ("\u202a\u202b\u202c\u202d", "", "⟨U+202A⟩⟨U+202B⟩⟨U+202C⟩⟨U+202D⟩"),
        ("\u200e\u200f零\u200b宽\u200d", "", "⟨U+200E⟩⟨U+200F⟩零⟨U+200B⟩宽⟨U+200D⟩"),
        ("a\x00b\x1b[31mc\x7f", "", "a⟨U+0000⟩b⟨U+001B⟩[31mc⟨U+007F⟩"),
        ("C1\x85\x9b", "", "C1⟨U+0085⟩⟨U+009B⟩"),
        ("行\u2028段\u2029\ufeff\u061c", "", "行⟨U+2028⟩段⟨U+2029⟩⟨U+FEFF⟩⟨U+061C⟩"),
        ("两行\n之间\t", "", "两行⟨U+000A⟩之间⟨U+0009⟩"),
        ("两行\n之间\t\u202e", "\n\t", "两行\n之间\t⟨U+202E⟩"),
    ],
)
def test_visible(text: str, keep: str, shown: str) -> None:
    assert visible(text, keep) == shown


def test_visible_html_escapes_after_writing_out() -> None:
    assert visible_html('<b onclick="x">\u202e</b>') == "&lt;b onclick=&quot;x&quot;&gt;⟨U+202E⟩&lt;/b&gt;"


def test_an_entry_in_full_is_shown_as_typed() -> None:
    shown = entry_html(
        entry(
            question="<script>alert(1)</script>\u202e费公办",
            history=("物业管理费是多少？", "\u2067前文\u2069"),
            answer="第一行\n第二行\u202e",
            error="ValueError: <x>",
            status="error",
            document="doc_2024",
        )
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt;⟨U+202E⟩费公办" in shown
    assert "<li>物业管理费是多少？</li><li>⟨U+2067⟩前文⟨U+2069⟩</li>" in shown
    assert "第一行\n第二行⟨U+202E⟩" in shown and "ValueError: &lt;x&gt;" in shown
    assert "文件 doc_2024" in shown and "状态 error" in shown
    assert not any(ch in shown for ch in "\u202e\u2067\u2069") and "<script>" not in shown
    assert entry_html(None).startswith("<p>没有这条记录")


def test_log_rows() -> None:
    rows = log_rows(
        [entry(question="问\u202e题\n", history=("a", "b")), entry(id=3, route="", feedback="有误")]
    )
    assert rows == [
        [7, "2025-03-01T08:00:00Z", "问⟨U+202E⟩题⟨U+000A⟩", "table", 3.5, "ok", "—", "2 问", "▶ 重放"],
        [3, "2025-03-01T08:00:00Z", "办公费是多少？", "—", 3.5, "ok", "有误", "", "▶ 重放"],
    ]


@pytest.mark.parametrize(
    ("page", "shown"),
    [
        (LogPage([entry()] * 50, 49_108, 1, 983, 50), "共 49,108 条 · 第 1 / 983 页（第 1–50 条，最新在前）"),
        (LogPage([entry()] * 8, 49_108, 983, 983, 50), "共 49,108 条 · 第 983 / 983 页（第 49,101–49,108 条，最新在前）"),
        (LogPage([], 0, 1, 1, 50), "没有符合条件的记录。"),
    ],
)  # fmt: skip
def test_summary(page: LogPage, shown: str) -> None:
    assert summary(page) == shown


@pytest.mark.parametrize(
    ("f", "href"),
    [
        (LogFilter(), "/helpdesk/log.csv"),
        (
            LogFilter(route="table", feedback="有误"),
            "/helpdesk/log.csv?route=table&feedback=%E6%9C%89%E8%AF%AF",
        ),
        (LogFilter(text="a&b=c", since="2025-01-31"), "/helpdesk/log.csv?text=a%26b%3Dc&since=2025-01-31"),
    ],
)
def test_export_href(f: LogFilter, href: str) -> None:
    assert export_href(f) == href


@pytest.mark.parametrize(
    ("logged", "now", "note"),
    [
        (entry(), "**办公费**：300,000元", "重放日志第 7 条：与当时的回答一致。"),
        (entry(), "**办公费**：310,000元", "重放日志第 7 条：**与当时的回答不同**（索引或程序已更新），当时的回答见问题日志。"),
        (entry(status="error", answer=""), "**办公费**：300,000元", "重放日志第 7 条：当时未能回答（error），现在的回答如下。"),
        (entry(), None, "重放日志第 7 条：现在回答失败。"),
    ],
)  # fmt: skip
def test_replay_note(logged: LogEntry, now: str | None, note: str) -> None:
    assert replay_note(logged, now) == note


# against a real server
@pytest.fixture(scope="module")
def server(seed_index: Path) -> Iterator[Any]:
    running = start_with_staff(seed_index)
    yield running
    running.close()


@pytest.fixture(scope="module")
def desk(server: Any) -> Client:
    return Client(server.url + "/helpdesk/", auth=(USER, PASSWORD), verbose=False)


@pytest.fixture(scope="module")
def marked(seed_index: Path, server: Any) -> list[int]:
    """120 entries with MARK in the question, written to the server's log file (routes table, text, refuse
    in turn); their ids, oldest first."""
    log = AppLog(seed_index / "app.sqlite")
    ids = [log.record(f"{MARK} {n:03d}", ("table", "text", "refuse")[n % 3], 1.0) for n in range(120)]
    log.close()
    return ids


@contextmanager
def staff_http(server: Any) -> Iterator[httpx.Client]:
    """Plain HTTP signed in to the helpdesk."""
    with httpx.Client(base_url=server.url, timeout=30) as http:
        assert http.post("/helpdesk/login", data={"username": USER, "password": PASSWORD}).status_code == 200
        yield http


@pytest.mark.parametrize(
    ("route", "page", "rows", "total", "shown_page", "first"),
    [
        ("", 1, 50, 120, 1, 119),
        ("", 2, 50, 120, 2, 69),
        ("", 3, 20, 120, 3, 19),
        ("", 99, 20, 120, 3, 19),
        ("text", 1, 40, 40, 1, 118),
        ("refuse", 1, 40, 40, 1, 119),
    ],
)
def test_the_log_is_read_a_page_at_a_time(
    desk: Client, marked: list[int], route: str, page: int, rows: int, total: int, shown_page: int, first: int
) -> None:
    table, told, number, link = desk.predict(MARK, route, "", "", "", "", page, api_name="/log_page")
    assert len(table["data"]) == rows and number == shown_page
    route_of_first = ("table", "text", "refuse")[first % 3]
    assert table["data"][0][:4] == [marked[first], table["data"][0][1], f"{MARK} {first:03d}", route_of_first]
    ids = [r[0] for r in table["data"]]
    assert ids == sorted(ids, reverse=True) and all(MARK in r[2] for r in table["data"])
    assert told.startswith(f"共 {total} 条 · 第 {shown_page} / {-(-total // 50)} 页")
    assert 'href="/helpdesk/log.csv?text=' in link and "data:" not in link


def test_a_malformed_day_is_said_once(desk: Client) -> None:
    table, told, _, link = desk.predict(*NO_FILTER[:4], "2025/01/31", "", api_name="/log")
    assert (table["data"], told, link) == ([], "日期应写作 2025-01-31 这样的格式。", "")


def test_the_export_streams_every_matching_row_to_staff_only(
    server: Any, seed_index: Path, marked: list[int]
) -> None:
    refused = httpx.get(server.url + "/helpdesk/log.csv")
    assert refused.status_code == 401 and "id,time" not in refused.text
    with staff_http(server) as http:
        with http.stream("GET", "/helpdesk/log.csv", params={"text": MARK, "route": "text"}) as response:
            assert response.status_code == 200
            assert response.headers["content-type"] == "text/csv; charset=utf-8"
            assert response.headers["content-disposition"].startswith('attachment; filename="budget-qa-log-')
            assert "content-length" not in response.headers  # sent as it is read, not built first
            body = b"".join(response.iter_bytes()).decode("utf-8")
        everything = http.get("/helpdesk/log.csv").content.decode("utf-8")
        assert http.get("/helpdesk/log.csv", params={"until": "昨天"}).status_code == 400
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
    assert rows[0][:3] == ["id", "time", "question"] and len(rows) == 41
    assert [int(r[0]) for r in rows[1:]] == [marked[n] for n in range(119, -1, -1) if n % 3 == 1]
    log = AppLog(seed_index / "app.sqlite")
    all_rows = list(csv.reader(io.StringIO(everything.removeprefix("\ufeff"))))
    assert [int(r[0]) for r in all_rows[1:]] == [e.id for e in log.iter_entries()]
    log.close()


def chat(server: Any, *questions: str) -> Client:
    """One conversation in the public chat; its client (to give feedback)."""
    client = Client(server.url, verbose=False)
    for q in questions:
        client.predict(q, api_name="/chat")
    return client


def test_an_entry_with_its_conversation_replays_to_the_same_answer(server: Any, desk: Client) -> None:
    chat(server, "物业管理费是多少？", "换算成万元")
    table, *_ = desk.predict("换算成万元", "", "", "", "", "", api_name="/log")
    row = table["data"][0]
    assert row[2] == "换算成万元" and row[7] == "1 问"
    shown = desk.predict(row[0], api_name="/entry")
    assert "<ol><li>物业管理费是多少？</li></ol>" in shown and "85.00万元" in shown
    question, earlier, scope, answer, cells, *_ = desk.predict(row[0], api_name="/replay")
    assert (question, earlier, scope["value"]) == ("换算成万元", "物业管理费是多少？", "")
    assert answer.startswith(f"重放日志第 {row[0]} 条：与当时的回答一致。") and "85.00万元" in answer
    assert cells["data"][0][2:5] == ["302 09 物业管理费", "合计", "850,000"]
    alone, *_ = desk.predict("换算成万元", "", "", api_name="/trace")  # without its conversation
    assert "85.00万元" not in alone


def test_a_question_scoped_to_a_document_replays_in_that_scope(seed_index: Path, desk: Client) -> None:
    log = AppLog(seed_index / "app.sqlite")
    answer = "**办公费**：300,000元（30.00万元）。\n来源：《2024年预算单位一般公共预算基本支出部门预算经济分类预算表》“302 01 办公费”行“合计”栏"
    entry_id = log.record("办公费是多少？", "table", 2.0, answer=answer, document="shanghai-sme-office-2024")
    log.close()
    question, _, scope, replayed, *_ = desk.predict(entry_id, api_name="/replay")
    assert (question, scope["value"]) == ("办公费是多少？", "shanghai-sme-office-2024")
    assert replayed.startswith(f"重放日志第 {entry_id} 条：与当时的回答一致。")
    _, _, _, missing, *_ = desk.predict(10**9, api_name="/replay")
    assert missing == f"没有第 {10**9} 条记录（可能已超出日志容量被删除）。"


def test_direction_and_control_characters_are_written_out(server: Any, desk: Client) -> None:
    chat(server, "\u202e？少多是费公办", "办公费\u200b是多少\u2066？\x1b")
    table, *_ = desk.predict(*NO_FILTER, api_name="/log")  # the newest first
    questions = [r[2] for r in table["data"][:2]]
    assert questions == ["办公费⟨U+200B⟩是多少⟨U+2066⟩？⟨U+001B⟩", "⟨U+202E⟩？少多是费公办"]
    shown = desk.predict(table["data"][0][0], api_name="/entry")
    assert "⟨U+202E⟩？少多是费公办" in shown  # the earlier question, too
    assert not any(ch in shown + str(table) for ch in "\u202e\u200b\u2066\x1b")


def test_the_app_keeps_its_log_in_postgresql(
    seed_index: Path, postgres_cluster: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.app import start

    url = postgres_cluster.database()
    monkeypatch.setenv("BUDGET_QA_APP_DB", url)
    monkeypatch.setenv(
        "BUDGET_QA_HELPDESK_USERS", f"{USER}:{bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode()}"
    )
    running = start(seed_index, "127.0.0.1", free_port())
    try:
        assert running.app.state.app_db.dialect == "postgresql"
        visitor = chat(running, "物业管理费是多少？", "换算成万元")
        assert visitor.predict(api_name="/wrong") == "已记录：有误。谢谢！"
        desk = Client(running.url + "/helpdesk/", auth=(USER, PASSWORD), verbose=False)
        _, _, _, answer, *_ = desk.predict(2, api_name="/replay")
        assert answer.startswith("重放日志第 2 条：与当时的回答一致。")
        with staff_http(running) as http:
            rows = list(csv.reader(io.StringIO(http.get("/helpdesk/log.csv").text.removeprefix("\ufeff"))))
    finally:
        running.close()
    assert [(r[0], r[2], r[9]) for r in rows[1:]] == [
        ("2", "换算成万元", '["物业管理费是多少？"]'),
        ("1", "物业管理费是多少？", "[]"),
    ]
    log = AppLog(url)
    assert [(e.question, e.feedback) for e in log.entries()] == [
        ("换算成万元", "有误"),
        ("物业管理费是多少？", ""),
    ]
    log.close()
