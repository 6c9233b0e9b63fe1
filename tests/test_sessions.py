"""Helpdesk sessions end by logout, by idleness and by age."""

from __future__ import annotations

import pytest

from assistant.sessions import Session, Sessions, expired


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


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


def test_a_session_lives_while_used_and_ends_when_idle() -> None:
    clock = Clock()
    sessions = Sessions(idle=60, lifetime=600, clock=clock)
    token = sessions.open("staff")
    for _ in range(5):
        clock.now += 59
        assert sessions.user(token) == "staff"
    clock.now += 60
    assert sessions.user(token) is None
    clock.now -= 60  # an ended session stays ended
    assert sessions.user(token) is None


def test_a_session_ends_at_its_lifetime_however_active() -> None:
    clock = Clock()
    sessions = Sessions(idle=60, lifetime=120, clock=clock)
    token = sessions.open("staff")
    clock.now += 59
    assert sessions.user(token) == "staff"
    clock.now += 59
    assert sessions.user(token) == "staff"
    clock.now += 2
    assert sessions.user(token) is None


def test_logout_ends_only_its_own_session() -> None:
    sessions = Sessions(idle=60, lifetime=600, clock=Clock())
    first, second = sessions.open("staff"), sessions.open("staff")
    assert first != second and len(first) >= 40
    sessions.close(first)
    assert sessions.user(first) is None and sessions.user(second) == "staff"
    sessions.close(None)
    sessions.close("no-such-token")
    assert sessions.user(None) is None and sessions.user("") is None and sessions.user("forged") is None


def test_opening_a_session_drops_the_expired_ones() -> None:
    clock = Clock()
    sessions = Sessions(idle=60, lifetime=600, clock=clock)
    for _ in range(3):
        sessions.open("staff")
    clock.now += 61
    sessions.open("chen")
    assert len(sessions) == 1
