"""Helpdesk sessions: a random token in a cookie, ended by logout, by idleness or by age.

`SessionStore` is the contract. `DatabaseSessions` keeps the sessions in the app database (`assistant.appdb`:
the SQLite file beside the question log, or PostgreSQL), so every server process, on one machine or several,
knows every session: a member of staff signed in through one server stays signed in at the others, and a
restart ends nobody's session. `MemorySessions` keeps them in the process (a restart ends them all).

Only a token's SHA-256 is kept, never the token itself: a copy of the store (a backup, a log of the database)
opens no session, and a lookup compares digests, not the secret.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger("assistant.sessions")
TOKEN_BYTES = 32  # 256 random bits, 43 URL-safe characters
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS helpdesk_sessions (token_hash TEXT PRIMARY KEY, user_name TEXT NOT NULL,"
    " opened DOUBLE PRECISION NOT NULL, seen DOUBLE PRECISION NOT NULL)",
    "CREATE INDEX IF NOT EXISTS helpdesk_sessions_seen ON helpdesk_sessions (seen)",
)


@dataclass
class Session:
    user: str
    opened: float  # epoch seconds
    seen: float  # last request made with it


def expired(session: Session, now: float, idle: float, lifetime: float) -> bool:
    """Idle for `idle` seconds, or opened `lifetime` seconds ago (pure)."""
    return now - session.seen >= idle or now - session.opened >= lifetime


def digest(token: str) -> str:
    """What a store keeps of a token: its SHA-256 in hex (pure)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


class SessionStore(Protocol):
    """Tokens → sessions. Every lookup of a live session counts as activity."""

    idle: float  # seconds without a request that end a session
    lifetime: float  # seconds after its opening that end it

    def open(self, user: str) -> str:
        """A new session for `user`; returns its token. Expired sessions are dropped on the way."""
        ...

    def user(self, token: str | None) -> str | None:
        """The user of a live session (its idle time restarts), else None (an expired one is ended)."""
        ...

    def close(self, token: str | None) -> None:
        """End the session of `token` (logout); nothing happens for an unknown one."""
        ...

    def __len__(self) -> int:
        """Sessions kept (live, and expired ones not dropped yet)."""
        ...


class MemorySessions:
    """`SessionStore` in this process's memory."""

    def __init__(self, idle: float, lifetime: float, clock: Callable[[], float] = time.time):
        self.idle, self.lifetime, self.clock = idle, lifetime, clock
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def open(self, user: str) -> str:
        now = self.clock()
        token = new_token()
        with self._lock:
            for old in [t for t, s in self._sessions.items() if expired(s, now, self.idle, self.lifetime)]:
                del self._sessions[old]
            self._sessions[digest(token)] = Session(user, now, now)
        return token

    def user(self, token: str | None) -> str | None:
        if not token:
            return None
        now, key = self.clock(), digest(token)
        with self._lock:
            session = self._sessions.get(key)
            if session is None:
                return None
            if expired(session, now, self.idle, self.lifetime):
                del self._sessions[key]
                return None
            session.seen = now
            return session.user

    def close(self, token: str | None) -> None:
        if token:
            with self._lock:
                self._sessions.pop(digest(token), None)

    def __len__(self) -> int:
        return len(self._sessions)


class DatabaseSessions:
    """`SessionStore` in the app database (its own migration, component "sessions"). Times are the
    machines' clocks, so servers sharing one database should keep them synchronised (NTP)."""

    def __init__(self, db: Any, idle: float, lifetime: float, clock: Callable[[], float] = time.time):
        self.db, self.idle, self.lifetime, self.clock = db, idle, lifetime, clock
        db.migrate("sessions", [list(SCHEMA)])

    def open(self, user: str) -> str:
        now = self.clock()
        token = new_token()
        with self.db.connection() as conn:
            cursor = conn.cursor()
            cursor.execute(
                self.db.sql("DELETE FROM helpdesk_sessions WHERE seen <= ? OR opened <= ?"),
                (now - self.idle, now - self.lifetime),
            )
            cursor.execute(
                self.db.sql(
                    "INSERT INTO helpdesk_sessions (token_hash, user_name, opened, seen) VALUES (?, ?, ?, ?)"
                ),
                (digest(token), user, now, now),
            )
        return token

    def user(self, token: str | None) -> str | None:
        if not token:
            return None
        try:
            return self._touch(digest(token), self.clock())
        except Exception as err:  # noqa: BLE001 - a database that cannot answer signs nobody in
            log.warning("helpdesk session not checked: the app database did not answer (%s)", err)
            return None

    def _touch(self, key: str, now: float) -> str | None:
        """The session's user with its idle time restarted, or None (an expired session is deleted)."""
        with self.db.connection() as conn:
            cursor = conn.cursor()
            cursor.execute(
                self.db.sql("SELECT user_name, opened, seen FROM helpdesk_sessions WHERE token_hash = ?"),
                (key,),
            )
            row = cursor.fetchone()
            if row is None:
                return None
            session = Session(str(row[0]), float(row[1]), float(row[2]))
            if expired(session, now, self.idle, self.lifetime):
                cursor.execute(self.db.sql("DELETE FROM helpdesk_sessions WHERE token_hash = ?"), (key,))
                return None
            cursor.execute(
                self.db.sql("UPDATE helpdesk_sessions SET seen = ? WHERE token_hash = ? AND seen < ?"),
                (now, key, now),
            )
            return session.user

    def close(self, token: str | None) -> None:
        if token:
            self.db.execute("DELETE FROM helpdesk_sessions WHERE token_hash = ?", (digest(token),))

    def __len__(self) -> int:
        return int(self.db.query("SELECT COUNT(*) FROM helpdesk_sessions")[0][0])
