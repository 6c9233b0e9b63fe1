"""How long a login must wait, from its past failures alone (pure).

A few failures are free; each failure after them doubles the wait before the next try; `lock_after`
failures within one lockout period lock the account (or address) for that period, counted from the last of
them, so no more than `lock_after` passwords are ever checked within a lockout period. The same rule serves
accounts and addresses, each with its own `Policy`.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Kind = Literal["allowed", "wait", "locked"]
_RANK = {"allowed": 0, "wait": 1, "locked": 2}


@dataclass(frozen=True)
class Policy:
    free: int = 3  # failures with no wait
    delay: float = 1.0  # seconds to wait after the first failure past `free`, doubled for each further one
    max_delay: float = 60.0  # and never longer than the lockout
    lock_after: int = 10  # failures within `lockout` seconds that lock
    lockout: float = 900.0  # seconds locked, from the last failure; also the period failures are counted in


@dataclass(frozen=True)
class Verdict:
    kind: Kind
    until: float = 0.0  # when the next try is allowed (epoch seconds); 0 when allowed now

    @property
    def allowed(self) -> bool:
        return self.kind == "allowed"

    def seconds(self, now: float) -> int:
        """Whole seconds left to wait (at least 1 while not allowed), for Retry-After and the message."""
        return 0 if self.allowed else max(1, math.ceil(self.until - now))


ALLOWED = Verdict("allowed")


def decide(failures: Iterable[float], now: float, policy: Policy) -> Verdict:
    """Allowed, wait until T, or locked until T, given the times of past failures.

    `lock_after` failures within one lockout period lock until a lockout after the last of them (however
    long ago the first was by now); the wait after a failure grows with the failures in the lockout period
    before it. Failures older than two lockout periods cannot matter and may be dropped."""
    times = sorted(t for t in failures if t > now - 2 * policy.lockout)
    if not times or now >= times[-1] + policy.lockout:  # every wait and lock has ended
        return ALLOWED
    locked = max(
        (
            t + policy.lockout
            for j, t in enumerate(times)
            if _within(times, j, policy.lockout) >= policy.lock_after
        ),
        default=0.0,
    )
    if now < locked:
        return Verdict("locked", locked)
    last = times[-1]
    beyond = _within(times, len(times) - 1, policy.lockout) - policy.free
    if beyond <= 0 or policy.delay <= 0:
        return ALLOWED
    wait = min(policy.max_delay, policy.lockout, policy.delay * 2 ** min(beyond - 1, 32))
    return Verdict("wait", last + wait) if now < last + wait else ALLOWED


def _within(times: list[float], j: int, period: float) -> int:
    """How many of the sorted `times` fall in the period ending at times[j] (itself included)."""
    return j + 1 - bisect.bisect_right(times, times[j] - period)


def stricter(a: Verdict, b: Verdict) -> Verdict:
    """The verdict that keeps a login out longer: locked over wait over allowed, then the later end."""
    return max(a, b, key=lambda v: (_RANK[v.kind], v.until))


def wait_text(verdict: Verdict, now: float) -> str:
    """The wait in words for the login page ("30 秒", "15 分钟")."""
    seconds = verdict.seconds(now)
    return f"{seconds} 秒" if seconds < 60 else f"{math.ceil(seconds / 60)} 分钟"
