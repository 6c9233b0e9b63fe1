"""The question log over both app databases (SQLite and a real PostgreSQL): ids, feedback, the conversation
kept with each question, filters and pages in SQL, the size cap, the streamed CSV export, and the migration
of a log written before the conversation was kept."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.appdb import open_database
from assistant.applog import (
    COLUMNS,
    MIGRATIONS,
    AppLog,
    LogEntry,
    LogFilter,
    csv_lines,
    where,
)


@pytest.fixture
def log(app_db_target: str | Path) -> Iterator[AppLog]:
    opened = AppLog(app_db_target, cap=3)
    yield opened
    opened.close()


@pytest.fixture
def big(app_db_target: str | Path) -> Iterator[AppLog]:
    """Twelve entries: ids 1–12; routes cycle table/text/refuse; every fourth 有误; id 6 failed."""
    opened = AppLog(app_db_target)
    for n in range(1, 13):
        route = ("table", "text", "refuse")[(n - 1) % 3]
        status = "error" if n == 6 else "ok"
        opened.record(f"问题{n:02d}{'办公费' if n % 2 else ''}", route if n != 6 else "", 1.0, status)
        if n % 4 == 0:
            opened.feedback(n, "有误")
    yield opened
    opened.close()


def test_cap_keeps_the_newest_rows(log: AppLog) -> None:
    ids = [log.record(f"问题{n}", "table", 1.0) for n in range(5)]
    assert ids == [1, 2, 3, 4, 5]
    assert log.count() == 3
    assert [e.question for e in log.entries()] == ["问题4", "问题3", "问题2"]


@pytest.mark.parametrize(
    ("verdict", "stored"),
    [("有用", True), ("有误", True), ("很好", False), ("", False)],
)
def test_feedback_verdicts(log: AppLog, verdict: str, stored: bool) -> None:
    entry = log.record("办公费是多少？", "table", 2.5)
    assert log.feedback(entry, verdict) is stored
    assert log.entries()[0].feedback == (verdict if stored else "")


def test_feedback_for_an_unknown_id(log: AppLog) -> None:
    assert log.feedback(99, "有用") is False


def test_the_conversation_is_kept_with_the_question(log: AppLog) -> None:
    earlier = ["医保中心的人员经费是多少？", '含"引号"与\n换行']
    entry = log.record(
        "占总支出的比例呢？", "table", 4.25, answer="**12.5%**", history=earlier, document="doc_2024"
    )
    assert log.entry(entry) == LogEntry(
        entry, log.entry(entry).time, "占总支出的比例呢？", "table", 4.25, "ok", "", "**12.5%**", "",
        tuple(earlier), "doc_2024",
    )  # fmt: skip
    assert log.entry(entry + 1) is None


@pytest.mark.parametrize(
    ("filters", "questions"),
    [
        ({}, ["c 公务接待费", "b 办公费", "a 办公费"]),
        ({"text": "办公费"}, ["b 办公费", "a 办公费"]),
        ({"route": "refuse"}, ["c 公务接待费"]),
        ({"feedback": "有误"}, ["b 办公费"]),
        ({"feedback": "无"}, ["c 公务接待费", "a 办公费"]),
        ({"status": "error"}, []),
    ],
)
def test_filters(log: AppLog, filters: dict[str, str], questions: list[str]) -> None:
    log.record("a 办公费", "table", 1.0)
    log.feedback(log.record("b 办公费", "table", 1.0), "有误")
    log.record("c 公务接待费", "refuse", 1.0)
    assert [e.question for e in log.entries(LogFilter(**filters))] == questions


@pytest.mark.parametrize(
    ("filters", "page", "ids", "total", "pages", "shown_page"),
    [
        ({}, 1, [12, 11, 10, 9, 8], 12, 3, 1),
        ({}, 2, [7, 6, 5, 4, 3], 12, 3, 2),
        ({}, 3, [2, 1], 12, 3, 3),
        ({}, 9, [2, 1], 12, 3, 3),  # past the end: the last page
        ({}, 0, [12, 11, 10, 9, 8], 12, 3, 1),
        ({"route": "table"}, 1, [10, 7, 4, 1], 4, 1, 1),
        ({"route": "无"}, 1, [6], 1, 1, 1),
        ({"text": "办公费"}, 2, [1], 6, 2, 2),
        ({"feedback": "有误"}, 1, [12, 8, 4], 3, 1, 1),
        ({"feedback": "无", "route": "text"}, 1, [11, 5, 2], 3, 1, 1),
        ({"status": "error"}, 1, [6], 1, 1, 1),
        ({"text": "没有这个"}, 4, [], 0, 1, 1),
    ],
)
def test_pages(
    big: AppLog, filters: dict[str, str], page: int, ids: list[int], total: int, pages: int, shown_page: int
) -> None:
    shown = big.page(LogFilter(**filters), page, size=5)
    assert [e.id for e in shown.entries] == ids
    assert (shown.total, shown.pages, shown.page, shown.size) == (total, pages, shown_page, 5)


@pytest.mark.parametrize(
    ("since", "until", "ids"),
    [
        ("", "", [3, 2, 1]),
        ("2025-03-02", "", [3, 2]),
        ("", "2025-03-01", [1]),
        ("2025-03-02", "2025-03-02", [2]),
    ],
)
def test_days(log: AppLog, since: str, until: str, ids: list[int]) -> None:
    for n in range(3):
        log.record(f"问题{n}")
    for n, stamp in enumerate(["2025-03-01T23:59:59Z", "2025-03-02T00:00:00Z", "2025-03-03T08:00:00Z"], 1):
        log.db.execute("UPDATE questions SET time = ? WHERE id = ?", (stamp, n))
    assert [e.id for e in log.entries(LogFilter(since=since, until=until))] == ids


@pytest.mark.parametrize(
    ("f", "clause", "args"),
    [
        (LogFilter(), "", []),
        (LogFilter(text="50%_!"), " WHERE question LIKE ? ESCAPE '!'", ["%50!%!_!!%"]),
        (LogFilter(route="无", status="ok"), " WHERE route = ? AND status = ?", ["", "ok"]),
        (LogFilter(since="2025-01-31", until="2025-02-28"), " WHERE time >= ? AND time < ?", ["2025-01-31", "2025-03-01"]),
    ],
)  # fmt: skip
def test_where(f: LogFilter, clause: str, args: list[str]) -> None:
    assert where(f) == (clause, args)


@pytest.mark.parametrize("bad", ["2025-13-01", "昨天", "2025/01/31"])
def test_a_malformed_day_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        where(LogFilter(since=bad))


@pytest.mark.parametrize(
    ("text", "found"),
    [("100%", ["100% 的比例"]), ("a_b", ["a_b 项"]), ("!", ["感叹!"]), ("项", ["axb 项", "a_b 项"])],
)
def test_like_wildcards_are_literal(app_db_target: str | Path, text: str, found: list[str]) -> None:
    log = AppLog(app_db_target)
    for q in ("100% 的比例", "100 个", "a_b 项", "axb 项", "感叹!", "感叹"):
        log.record(q)
    assert [e.question for e in log.entries(LogFilter(text=text))] == found
    log.close()


@pytest.mark.parametrize("batch", [1, 5, 7, 1000])
def test_iter_entries_reads_every_row_in_batches(big: AppLog, batch: int) -> None:
    assert [e.id for e in big.iter_entries(batch=batch)] == list(range(12, 0, -1))
    assert [e.id for e in big.iter_entries(LogFilter(route="text"), batch=batch)] == [11, 8, 5, 2]


def test_csv_export_streams_every_row(big: AppLog) -> None:
    big.record('=HYPERLINK("x")', "refuse", 3.25, history=["办公费是多少？"], document="d1")
    big.record('办公费, "多少"？\n第二行', "table", 1.5)
    chunks = list(csv_lines(big.iter_entries(batch=4), rows=5))
    assert len(chunks) == 4 and chunks[0] == "\ufeff" + ",".join(COLUMNS) + "\r\n"
    rows = list(csv.reader(io.StringIO("".join(chunks).removeprefix("\ufeff"))))
    assert [len(list(csv.reader(io.StringIO(c)))) for c in chunks[1:]] == [5, 5, 4]
    assert rows[0] == list(COLUMNS)
    assert [int(r[0]) for r in rows[1:]] == list(range(14, 0, -1))
    assert rows[1][2] == '办公费, "多少"？\n第二行'
    assert (rows[2][2], rows[2][4], json.loads(rows[2][9]), rows[2][10]) == (
        '\'=HYPERLINK("x")',
        "3.25",
        ["办公费是多少？"],
        "d1",
    )


def test_no_personal_columns(log: AppLog) -> None:
    with log.db.connection() as conn:
        cursor = conn.cursor()
        cursor.execute("SELECT * FROM questions WHERE 1 = 0")
        assert tuple(d[0] for d in cursor.description) == COLUMNS


def test_a_log_of_the_first_schema_is_migrated(app_db_target: str | Path) -> None:
    db = open_database(app_db_target)
    db.migrate("questions", MIGRATIONS[:1])
    for n in (1, 2):
        db.execute(
            "INSERT INTO questions (time, question, route, latency_ms, answer) VALUES (?, ?, ?, ?, ?)",
            (f"2025-01-0{n}T00:00:00Z", f"旧问题{n}", "table", 2.0, f"旧回答{n}"),
        )
    log = AppLog(db)
    old = log.entries()
    assert [(e.id, e.question, e.answer, e.history, e.document) for e in old] == [
        (2, "旧问题2", "旧回答2", (), ""),
        (1, "旧问题1", "旧回答1", (), ""),
    ]
    assert log.record("新问题", history=["旧问题2"]) == 3
    assert log.page(LogFilter(route="table")).total == 2
    log.close()


# the log file exactly as the app wrote it before the conversation was kept (no schema_versions table)
FIRST_SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time TEXT NOT NULL,
    question TEXT NOT NULL,
    route TEXT NOT NULL DEFAULT '',
    latency_ms REAL NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'ok',
    feedback TEXT NOT NULL DEFAULT '',
    answer TEXT NOT NULL DEFAULT '',
    error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS questions_time ON questions (time);
"""


def test_an_existing_sqlite_log_file_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "app.sqlite"
    with sqlite3.connect(path) as conn:
        conn.executescript(FIRST_SCHEMA)
        conn.execute(
            "INSERT INTO questions (time, question, route, latency_ms, status, feedback, answer)"
            " VALUES ('2025-01-01T00:00:00Z', '物业管理费是多少？', 'table', 3.5, 'ok', '有误', '850,000元')"
        )
    conn.close()
    log = AppLog(path)
    assert log.entries() == [
        LogEntry(1, "2025-01-01T00:00:00Z", "物业管理费是多少？", "table", 3.5, "ok", "有误", "850,000元", "")
    ]
    assert log.record("换算成万元", history=["物业管理费是多少？"]) == 2
    assert log.entry(2).history == ("物业管理费是多少？",)
    assert log.db.query("SELECT version FROM schema_versions WHERE component = ?", ("questions",)) == [(2,)]
    log.close()
