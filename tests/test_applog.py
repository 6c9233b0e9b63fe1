"""The question log: ids, feedback, filters, the size cap and CSV export."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from assistant.applog import AppLog, entries_csv, log_path


@pytest.fixture
def log(tmp_path: Path) -> AppLog:
    return AppLog(tmp_path / "app.sqlite", cap=3)


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
    assert [e.question for e in log.entries(**filters)] == questions


def test_csv_has_a_header_and_defuses_formulas(log: AppLog) -> None:
    log.record('=HYPERLINK("x")', "refuse", 3.25)
    log.record('办公费, "多少"？', "table", 1.5)
    rows = list(csv.reader(io.StringIO(entries_csv(log.entries()))))
    assert rows[0] == [
        "id",
        "time",
        "question",
        "route",
        "latency_ms",
        "status",
        "feedback",
        "answer",
        "error",
    ]
    assert [r[2] for r in rows[1:]] == ['办公费, "多少"？', '\'=HYPERLINK("x")']
    assert [r[4] for r in rows[1:]] == ["1.5", "3.25"]


def test_log_path_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("BUDGET_QA_APP_DB", raising=False)
    assert log_path(tmp_path) == tmp_path / "app.sqlite"
    monkeypatch.setenv("BUDGET_QA_APP_DB", str(tmp_path / "elsewhere.sqlite"))
    assert log_path(tmp_path) == tmp_path / "elsewhere.sqlite"


def test_no_personal_columns(log: AppLog) -> None:
    columns = [r[1] for r in log._conn.execute("PRAGMA table_info(questions)")]
    assert columns == [
        "id",
        "time",
        "question",
        "route",
        "latency_ms",
        "status",
        "feedback",
        "answer",
        "error",
    ]
