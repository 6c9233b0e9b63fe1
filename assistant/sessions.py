"""Helpdesk sessions: a random token in a cookie, ended by logout, by idleness or by age.

Sessions live in the server process (a restart ends them all), like the Gradio queue they protect.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Session:
    user: str
    opened: float  # epoch seconds
    seen: float  # last request made with it


def expired(session: Session, now: float, idle: float, lifetime: float) -> bool:
    """Idle for `idle` seconds, or opened `lifetime` seconds ago (pure)."""
    return now - session.seen >= idle or now - session.opened >= lifetime


class Sessions:
    """Tokens → sessions; every lookup of a live session counts as activity."""

    def __init__(self, idle: float, lifetime: float, clock: Callable[[], float] = time.time):
        self.idle, self.lifetime, self.clock = idle, lifetime, clock
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def open(self, user: str) -> str:
        """A new session for `user`; returns its token. Expired sessions are dropped on the way."""
        now = self.clock()
        token = secrets.token_urlsafe(32)
        with self._lock:
            for old in [t for t, s in self._sessions.items() if expired(s, now, self.idle, self.lifetime)]:
                del self._sessions[old]
            self._sessions[token] = Session(user, now, now)
        return token

    def user(self, token: str | None) -> str | None:
        """The user of a live session (its idle time restarts), else None (an expired one is ended)."""
        if not token:
            return None
        now = self.clock()
        with self._lock:
            session = self._sessions.get(token)
            if session is None:
                return None
            if expired(session, now, self.idle, self.lifetime):
                del self._sessions[token]
                return None
            session.seen = now
            return session.user

    def close(self, token: str | None) -> None:
        with self._lock:
            self._sessions.pop(token or "", None)

    def __len__(self) -> int:
        return len(self._sessions)
