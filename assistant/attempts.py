"""Failed helpdesk logins, shared by every server process: what the throttle decides from.

`LoginAttempts` is the store's contract; `SqliteLoginAttempts` keeps the failures in an SQLite file, and
`DatabaseLoginAttempts` in the app database (`assistant.appdb`: the SQLite file beside the question log, or
PostgreSQL), so that every server process, on one machine or several, sees the same failures. The SQL is
plain (one table, one index, no upsert).
Keys name what is throttled: `account:<name>` or `address:<ip>`. No password is ever stored.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any, Protocol

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS login_failures (key TEXT NOT NULL, at DOUBLE PRECISION NOT NULL)",
    "CREATE INDEX IF NOT EXISTS login_failures_key_at ON login_failures (key, at)",
)
MAX_KEY = 200  # characters of a key kept; a longer user name is cut, not stored whole


class LoginAttempts(Protocol):
    """Where failed logins are kept (times in epoch seconds)."""

    def record(self, key: str, at: float) -> None:
        """One failure of `key` at `at`."""

    def failures(self, key: str, since: float) -> list[float]:
        """The times of `key`'s failures after `since`, oldest first."""

    def clear(self, key: str) -> None:
        """Forget every failure of `key` (after a successful login)."""

    def forget(self, before: float) -> int:
        """Drop failures older than `before` (of every key); returns how many."""


def account_key(user: str) -> str:
    return f"account:{user}"[:MAX_KEY]


def address_key(address: str) -> str:
    return f"address:{address}"[:MAX_KEY]


class SqliteLoginAttempts:
    """`LoginAttempts` in an SQLite file; safe across threads and processes (SQLite's own locking)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, timeout=10)
        with self._lock, self._conn:
            self._conn.execute("PRAGMA journal_mode=WAL")
            for statement in SCHEMA:
                self._conn.execute(statement)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def record(self, key: str, at: float) -> None:
        with self._lock, self._conn:
            self._conn.execute("INSERT INTO login_failures (key, at) VALUES (?, ?)", (key[:MAX_KEY], at))

    def failures(self, key: str, since: float) -> list[float]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT at FROM login_failures WHERE key = ? AND at > ? ORDER BY at", (key[:MAX_KEY], since)
            ).fetchall()
        return [float(r[0]) for r in rows]

    def clear(self, key: str) -> None:
        with self._lock, self._conn:
            self._conn.execute("DELETE FROM login_failures WHERE key = ?", (key[:MAX_KEY],))

    def forget(self, before: float) -> int:
        with self._lock, self._conn:
            return self._conn.execute("DELETE FROM login_failures WHERE at < ?", (before,)).rowcount


class DatabaseLoginAttempts:
    """`LoginAttempts` in the app database (SQLite or PostgreSQL; its own migration, component "login")."""

    def __init__(self, db: Any):
        self.db = db
        db.migrate("login", [list(SCHEMA)])

    def close(self) -> None:
        """The database belongs to the app (the question log shares it): nothing to close here."""

    def record(self, key: str, at: float) -> None:
        self.db.execute("INSERT INTO login_failures (key, at) VALUES (?, ?)", (key[:MAX_KEY], at))

    def failures(self, key: str, since: float) -> list[float]:
        rows = self.db.query(
            "SELECT at FROM login_failures WHERE key = ? AND at > ? ORDER BY at", (key[:MAX_KEY], since)
        )
        return [float(r[0]) for r in rows]

    def clear(self, key: str) -> None:
        self.db.execute("DELETE FROM login_failures WHERE key = ?", (key[:MAX_KEY],))

    def forget(self, before: float) -> int:
        return self.db.execute("DELETE FROM login_failures WHERE at < ?", (before,))
