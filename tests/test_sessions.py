"""The contract of a `SessionStore`, run over every implementation (memory, the app database on SQLite and on
PostgreSQL): sessions end by logout, by idleness and by age; only a token's digest is stored; and two servers
over one database see each other's sessions."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assistant.appdb import open_database
from assistant.sessions import (
    DatabaseSessions,
    MemorySessions,
    Session,
    SessionStore,
    digest,
    expired,
)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


Factory = Callable[[float, float, Clock], SessionStore]


def _database(request: pytest.FixtureRequest, folder: Path) -> Callable[[], str | Path]:
    """Where the app database of this run lives: one SQLite file, or one new PostgreSQL database."""
    if request.param == "memory":
        return lambda: ""
    target = (
        folder / "app.sqlite"
        if request.param == "app-db-sqlite"
        else request.getfixturevalue("postgres_cluster").database()
    )
    return lambda: target


@pytest.fixture(params=["memory", "app-db-sqlite", "app-db-postgresql"])
def make(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Factory]:
    """A factory of stores over one fresh backing (each call: another server over the same database)."""
    where = _database(request, tmp_path)
    opened = []

    def factory(idle: float, lifetime: float, clock: Clock) -> SessionStore:
        if request.param == "memory":
            return MemorySessions(idle, lifetime, clock)
        db = open_database(where())
        opened.append(db)
        return DatabaseSessions(db, idle, lifetime, clock)

    yield factory
    for db in opened:
        db.close()


@pytest.mark.parametrize(
    ("opened", "seen", "now", "gone"),
    [
        (0, 0, 99, False),
        (0, 0, 100, True),  # idle 100 s
        (0, 150, 249, False),  # active: idle restarts
        (0, 150, 250, True),
        (0, 990, 999, False),
        (0, 990, 1000, True),  # 1000 s old, however active
    ],
)
def test_expired(opened: float, seen: float, now: float, gone: bool) -> None:
    assert expired(Session("staff", opened, seen), now, idle=100, lifetime=1000) is gone


def test_a_session_lives_while_used_and_ends_when_idle(make: Factory) -> None:
    clock = Clock()
    sessions = make(60, 600, clock)
    token = sessions.open("staff")
    for _ in range(5):
        clock.now += 59
        assert sessions.user(token) == "staff"
    clock.now += 60
    assert sessions.user(token) is None
    clock.now -= 60  # an ended session stays ended
    assert sessions.user(token) is None


def test_a_session_ends_at_its_lifetime_however_active(make: Factory) -> None:
    clock = Clock()
    sessions = make(60, 120, clock)
    token = sessions.open("staff")
    clock.now += 59
    assert sessions.user(token) == "staff"
    clock.now += 59
    assert sessions.user(token) == "staff"
    clock.now += 2
    assert sessions.user(token) is None


def test_logout_ends_only_its_own_session(make: Factory) -> None:
    sessions = make(60, 600, Clock())
    first, second = sessions.open("staff"), sessions.open("staff")
    assert first != second and len(first) >= 40
    sessions.close(first)
    assert sessions.user(first) is None and sessions.user(second) == "staff"
    sessions.close(None)
    sessions.close("no-such-token")
    assert sessions.user(None) is None and sessions.user("") is None and sessions.user("forged") is None


def test_opening_a_session_drops_the_expired_ones(make: Factory) -> None:
    clock = Clock()
    sessions = make(60, 600, clock)
    for _ in range(3):
        sessions.open("staff")
    clock.now += 61
    sessions.open("chen")
    assert len(sessions) == 1


@pytest.mark.parametrize(
    ("token", "stored"),
    [
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ],
)
def test_digest(token: str, stored: str) -> None:
    assert digest(token) == stored


@pytest.mark.parametrize("backing", ["app-db-sqlite", "app-db-postgresql"])
def test_the_database_keeps_digests_never_tokens(
    backing: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    target = tmp_path / "app.sqlite" if backing == "app-db-sqlite" else None
    db = open_database(target or request.getfixturevalue("postgres_cluster").database())
    try:
        token = DatabaseSessions(db, 60, 600).open("staff")
        rows = db.query("SELECT token_hash, user_name FROM helpdesk_sessions")
        assert rows == [(hashlib.sha256(token.encode()).hexdigest(), "staff")]
        assert all(token not in str(value) for row in rows for value in row)
    finally:
        db.close()


@pytest.mark.parametrize("backing", ["app-db-sqlite", "app-db-postgresql"])
def test_two_servers_over_one_database_share_their_sessions(
    backing: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    target = tmp_path / "app.sqlite" if backing == "app-db-sqlite" else None
    target = target or request.getfixturevalue("postgres_cluster").database()
    clock = Clock()
    first_db, second_db = open_database(target), open_database(target)
    try:
        first, second = (
            DatabaseSessions(first_db, 60, 600, clock),
            DatabaseSessions(second_db, 60, 600, clock),
        )
        token = first.open("staff")
        for _ in range(3):  # activity at one server keeps the session alive at the other
            clock.now += 40
            assert second.user(token) == "staff"
            clock.now += 40
            assert first.user(token) == "staff"
        second.close(token)  # logged out at one, out at both
        assert first.user(token) is None
    finally:
        first_db.close()
        second_db.close()
