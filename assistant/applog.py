"""The web app's question log: questions, routes, latency and feedback in SQLite, with a size cap.

Nothing personal is kept — no addresses, no browser details, no conversation identifiers — only the text a
visitor typed, what the assistant did with it and the 有用/有误 verdict. The log lives outside the swapped
build folders (default `<index>/app.sqlite`, or `$BUDGET_QA_APP_DB`), so rebuilding the index keeps it.
"""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

DEFAULT_CAP = 50_000
FEEDBACK = ("有用", "有误")
COLUMNS = ("id", "time", "question", "route", "latency_ms", "status", "feedback", "answer", "error")

_SCHEMA = """
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


@dataclass(frozen=True)
class LogEntry:
    id: int
    time: str  # UTC, ISO 8601 to the second
    question: str
    route: str  # table | text | hybrid | refuse | "" when the answer failed
    latency_ms: float
    status: str  # ok | error | too_long | empty
    feedback: str  # 有用 | 有误 | ""
    answer: str
    error: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def log_path(index_dir: str | Path) -> Path:
    """`$BUDGET_QA_APP_DB`, else `<index_dir>/app.sqlite`."""
    given = os.environ.get("BUDGET_QA_APP_DB", "")
    return Path(given) if given else Path(index_dir) / "app.sqlite"


class AppLog:
    """Append-only question log with feedback; keeps the newest `cap` rows."""

    def __init__(self, path: str | Path, cap: int = DEFAULT_CAP):
        self.path = Path(path)
        self.cap = max(1, cap)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, timeout=10)
        with self._lock, self._conn:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def record(
        self,
        question: str,
        route: str = "",
        latency_ms: float = 0.0,
        status: str = "ok",
        answer: str = "",
        error: str = "",
    ) -> int:
        """Store one question; returns its id (used to attach feedback). Trims the oldest past the cap."""
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        with self._lock, self._conn:
            cur = self._conn.execute(
                "INSERT INTO questions (time, question, route, latency_ms, status, answer, error)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (stamp, question, route, round(latency_ms, 2), status, answer[:4000], error[:1000]),
            )
            new_id = int(cur.lastrowid or 0)
            self._conn.execute("DELETE FROM questions WHERE id <= ?", (new_id - self.cap,))
        return new_id

    def feedback(self, entry_id: int, verdict: str) -> bool:
        """Attach 有用/有误 to a logged question; False when the id or the verdict is unknown."""
        if verdict not in FEEDBACK:
            return False
        with self._lock, self._conn:
            cur = self._conn.execute("UPDATE questions SET feedback = ? WHERE id = ?", (verdict, entry_id))
        return cur.rowcount == 1

    def entries(
        self, text: str = "", route: str = "", feedback: str = "", status: str = "", limit: int = 1000
    ) -> list[LogEntry]:
        """Newest first; `text` matches inside the question, the other filters exactly ("" = any)."""
        sql = f"SELECT {', '.join(COLUMNS)} FROM questions WHERE 1=1"
        args: list[Any] = []
        if text:
            sql += " AND instr(question, ?) > 0"
            args.append(text)
        for column, wanted in (("route", route), ("feedback", feedback), ("status", status)):
            if wanted:
                sql += f" AND {column} = ?"
                args.append("" if wanted == "无" else wanted)
        sql += " ORDER BY id DESC LIMIT ?"
        args.append(max(1, limit))
        with self._lock:
            rows = self._conn.execute(sql, args).fetchall()
        return [LogEntry(*r) for r in rows]

    def count(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM questions").fetchone()[0])


def entries_csv(entries: list[LogEntry]) -> str:
    """The log as CSV (UTF-8 text with a header row), for spreadsheets."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for e in entries:
        writer.writerow([_cell(getattr(e, c)) for c in COLUMNS])
    return out.getvalue()


def _cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula (=, +, -, @ first) is kept as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
