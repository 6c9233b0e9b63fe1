"""The web app's question log: each question with the conversation it came from, the answer given, the route,
latency and feedback, in the app database (SQLite or PostgreSQL, `assistant.appdb`), with a size cap.

Nothing personal is kept — no addresses, no browser details, no conversation identifiers — only the text a
visitor typed (with the earlier questions of the same conversation and the unit and year picked, so that a
reported answer can be replayed), what the assistant answered and the 有用/有误 verdict. The helpdesk reads
it a page at a time (filters in SQL, on indexed columns) and exports it as a stream of CSV rows.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from assistant.appdb import AppDatabase, open_database

DEFAULT_CAP = 50_000
PAGE_SIZE = 50
ANSWER_CHARS = 20_000
FEEDBACK = ("有用", "有误")
NONE = "无"  # the filter value for "no feedback" / "no route"
COLUMNS = (
    "id",
    "time",
    "question",
    "route",
    "latency_ms",
    "status",
    "feedback",
    "answer",
    "error",
    "history",
    "document",
)

MIGRATIONS: list[list[str]] = [
    # 1: the log as first shipped (a file from then already has it)
    [
        "CREATE TABLE IF NOT EXISTS questions ("
        " id {auto_id}, time TEXT NOT NULL, question TEXT NOT NULL, route TEXT NOT NULL DEFAULT '',"
        " latency_ms DOUBLE PRECISION NOT NULL DEFAULT 0, status TEXT NOT NULL DEFAULT 'ok',"
        " feedback TEXT NOT NULL DEFAULT '', answer TEXT NOT NULL DEFAULT '', error TEXT NOT NULL DEFAULT '')",
        "CREATE INDEX IF NOT EXISTS questions_time ON questions (time)",
    ],
    # 2: the conversation behind each question (earlier questions as a JSON list, the document picked), so
    # an answer can be replayed; indexes for the helpdesk's filters, newest first within each
    [
        "ALTER TABLE questions ADD COLUMN history TEXT NOT NULL DEFAULT '[]'",
        "ALTER TABLE questions ADD COLUMN document TEXT NOT NULL DEFAULT ''",
        "CREATE INDEX IF NOT EXISTS questions_route ON questions (route, id)",
        "CREATE INDEX IF NOT EXISTS questions_feedback ON questions (feedback, id)",
        "CREATE INDEX IF NOT EXISTS questions_status ON questions (status, id)",
    ],
]


@dataclass(frozen=True)
class LogEntry:
    id: int
    time: str  # UTC, ISO 8601 to the second
    question: str
    route: str  # table | text | hybrid | refuse | clarify | "" when the answer failed
    latency_ms: float
    status: str  # ok | error | too_long
    feedback: str  # 有用 | 有误 | ""
    answer: str
    error: str
    history: tuple[str, ...] = ()  # the conversation's earlier questions, oldest first
    document: str = ""  # the unit and year the visitor picked ("" when none)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "history": list(self.history)}


@dataclass(frozen=True)
class LogFilter:
    """What the helpdesk asks of the log; "" means any. `text` is found inside the question (case
    sensitive); `since`/`until` are days (YYYY-MM-DD, UTC, both included)."""

    text: str = ""
    route: str = ""
    feedback: str = ""
    status: str = ""
    since: str = ""
    until: str = ""


@dataclass(frozen=True)
class LogPage:
    entries: list[LogEntry]
    total: int  # entries matching the filter
    page: int  # 1-based, within 1..pages
    pages: int
    size: int


def day(text: str) -> str:
    """A YYYY-MM-DD day as given; ValueError for anything else."""
    return date.fromisoformat(text.strip()).isoformat() if text.strip() else ""


def like_pattern(text: str) -> str:
    """A LIKE pattern finding `text` anywhere, its own % and _ taken literally (escape character !)."""
    escaped = text.replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return f"%{escaped}%"


def where(f: LogFilter) -> tuple[str, list[Any]]:
    """The portable WHERE clause of a filter and its arguments (pure). Raises ValueError for a bad day."""
    clauses: list[str] = []
    args: list[Any] = []
    if f.text:
        clauses.append("question LIKE ? ESCAPE '!'")
        args.append(like_pattern(f.text))
    for column, wanted in (("route", f.route), ("feedback", f.feedback), ("status", f.status)):
        if wanted:
            clauses.append(f"{column} = ?")
            args.append("" if wanted == NONE else wanted)
    if f.since:
        clauses.append("time >= ?")
        args.append(day(f.since))
    if f.until:
        clauses.append("time < ?")
        args.append((date.fromisoformat(day(f.until)) + timedelta(days=1)).isoformat())
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), args


def _entry(row: tuple[Any, ...]) -> LogEntry:
    *head, history, document = row
    try:
        earlier = tuple(str(q) for q in json.loads(history or "[]"))
    except (ValueError, TypeError):
        earlier = ()
    return LogEntry(*head, history=earlier, document=document)


class AppLog:
    """The question log with feedback; keeps the newest `cap` entries."""

    def __init__(self, db: AppDatabase | str | Path, cap: int = DEFAULT_CAP):
        self.db = db if not isinstance(db, str | Path) else open_database(db)
        self.cap = max(1, cap)
        self.db.migrate("questions", MIGRATIONS)

    def close(self) -> None:
        self.db.close()

    def record(
        self,
        question: str,
        route: str = "",
        latency_ms: float = 0.0,
        status: str = "ok",
        answer: str = "",
        error: str = "",
        history: Iterable[str] = (),
        document: str = "",
    ) -> int:
        """Store one question; returns its id (used to attach feedback). Trims the oldest past the cap."""
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        earlier = json.dumps([str(q) for q in history], ensure_ascii=False)
        values = (stamp, question, route, round(latency_ms, 2), status, answer[:ANSWER_CHARS], error[:1000])
        with self.db.connection() as conn:
            cursor = conn.cursor()
            cursor.execute(
                self.db.sql(
                    "INSERT INTO questions (time, question, route, latency_ms, status, answer, error, history,"
                    " document) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"
                ),
                (*values, earlier, document),
            )
            new_id = int(cursor.fetchone()[0])
            cursor.execute(self.db.sql("DELETE FROM questions WHERE id <= ?"), (new_id - self.cap,))
        return new_id

    def feedback(self, entry_id: int, verdict: str) -> bool:
        """Attach 有用/有误 to a logged question; False when the id or the verdict is unknown."""
        if verdict not in FEEDBACK:
            return False
        return (
            self.db.execute("UPDATE questions SET feedback = ? WHERE id = ?", (verdict, int(entry_id))) == 1
        )

    def entry(self, entry_id: int) -> LogEntry | None:
        rows = self.db.query(f"SELECT {', '.join(COLUMNS)} FROM questions WHERE id = ?", (int(entry_id),))
        return _entry(rows[0]) if rows else None

    def page(self, f: LogFilter = LogFilter(), page: int = 1, size: int = PAGE_SIZE) -> LogPage:  # noqa: B008 - frozen
        """One page of the entries matching `f`, newest first; a page past either end gives the nearest."""
        clause, args = where(f)
        size = max(1, size)
        total = int(self.db.query(f"SELECT COUNT(*) FROM questions{clause}", args)[0][0])
        pages = max(1, -(-total // size))
        page = min(max(1, int(page)), pages)
        rows = self.db.query(
            f"SELECT {', '.join(COLUMNS)} FROM questions{clause} ORDER BY id DESC LIMIT ? OFFSET ?",
            [*args, size, (page - 1) * size],
        )
        return LogPage([_entry(r) for r in rows], total, page, pages, size)

    def entries(self, f: LogFilter = LogFilter(), limit: int = 1000) -> list[LogEntry]:  # noqa: B008 - frozen
        """The newest `limit` entries matching `f`."""
        return self.page(f, 1, limit).entries

    def iter_entries(self, f: LogFilter = LogFilter(), batch: int = 1000) -> Iterator[LogEntry]:  # noqa: B008
        """Every entry matching `f`, newest first, read `batch` rows at a time (no transaction is held
        between batches, so the log keeps recording while an export streams)."""
        clause, args = where(f)
        joiner = " AND" if clause else " WHERE"
        last: int | None = None
        while True:
            after = f"{joiner} id < ?" if last is not None else ""
            rows = self.db.query(
                f"SELECT {', '.join(COLUMNS)} FROM questions{clause}{after} ORDER BY id DESC LIMIT ?",
                [*args, *([last] if last is not None else []), batch],
            )
            yield from (_entry(r) for r in rows)
            if len(rows) < batch:
                return
            last = int(rows[-1][0])

    def count(self) -> int:
        return int(self.db.query("SELECT COUNT(*) FROM questions")[0][0])


def csv_lines(entries: Iterable[LogEntry], rows: int = 500) -> Iterator[str]:
    """The log as CSV, a few hundred rows at a time (a UTF-8 byte-order mark and a header first, for
    spreadsheets); the earlier questions as a JSON list."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    yield "\ufeff" + out.getvalue()
    batch: list[list[Any]] = []
    for e in entries:
        earlier = json.dumps(list(e.history), ensure_ascii=False)
        batch.append([_cell(earlier if c == "history" else getattr(e, c)) for c in COLUMNS])
        if len(batch) >= rows:
            yield _rows_text(batch)
            batch = []
    if batch:
        yield _rows_text(batch)


def _rows_text(batch: list[list[Any]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(batch)
    return out.getvalue()


def _cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula (=, +, -, @ first) is kept as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
