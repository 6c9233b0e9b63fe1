"""The token bucket per client address, on a clock the test moves."""

from __future__ import annotations

import pytest

from assistant.ratelimit import RateLimiter, retry_after


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("per_minute", "burst", "steps", "waits"),
    [
        # a burst of 3 goes through, the 4th waits a whole token (1 s at 60 a minute)
        (60, 3, [0, 0, 0, 0], [0, 0, 0, 1.0]),
        # half a token has come back after 0.5 s: half a second more to wait
        (60, 3, [0, 0, 0, 0, 0.5], [0, 0, 0, 1.0, 0.5]),
        # after a whole second one request goes through, the next waits again
        (60, 3, [0, 0, 0, 1.0, 0], [0, 0, 0, 0, 1.0]),
        # 6 a minute: a token every 10 s
        (6, 1, [0, 0, 4.0, 6.0], [0, 10.0, 6.0, 0]),
        # a long pause refills no more than the burst
        (60, 2, [0, 0, 3600, 0, 0, 0], [0, 0, 0, 0, 1.0, 1.0]),
        # 0 a minute: no limit
        (0, 1, [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]),
    ],
)
def test_a_bucket_lets_the_burst_through_then_the_rate(
    per_minute: float, burst: int, steps: list[float], waits: list[float]
) -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute, burst, clock=clock)
    got = []
    for step in steps:
        clock.now += step
        got.append(round(limiter.take("10.0.0.1"), 6))
    assert got == waits


def test_each_address_has_its_own_bucket() -> None:
    limiter = RateLimiter(60, 1, clock=Clock())
    assert [limiter.take(a) for a in ("a", "a", "b", "b", "c")] == [0, 1.0, 0, 1.0, 0]


def test_the_longest_unseen_address_is_forgotten_past_the_cap() -> None:
    limiter = RateLimiter(60, 1, clock=Clock(), max_clients=2)
    assert [limiter.take(a) for a in ("a", "b", "c")] == [0, 0, 0]
    # "a" was dropped, so it starts with a full bucket again; "c" is still remembered
    assert [limiter.take("a"), limiter.take("c")] == [0, 1.0]
    assert len(limiter._buckets) == 2


@pytest.mark.parametrize(("wait", "header"), [(0.01, 1), (1.0, 1), (1.01, 2), (59.2, 60)])
def test_retry_after_is_whole_seconds_rounded_up(wait: float, header: int) -> None:
    assert retry_after(wait) == header
