"""The login throttle's rule: free failures, doubling waits, a lockout, forgetting (pure)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.throttle import ALLOWED, Policy, Verdict, decide, stricter, wait_text

POLICY = Policy(free=3, delay=1.0, max_delay=60.0, lock_after=10, lockout=900.0)
NOW = 10_000.0


def before(*ago: float) -> list[float]:
    """Failure times `ago` seconds before NOW."""
    return [NOW - a for a in ago]


@pytest.mark.parametrize(
    ("failures", "policy", "expected"),
    [
        ([], POLICY, ALLOWED),
        (before(3, 2, 1), POLICY, ALLOWED),  # three are free
        (before(4, 3, 2, 0.5), POLICY, Verdict("wait", NOW + 0.5)),  # the 4th: 1 s from it
        (before(9, 8, 7, 2), POLICY, ALLOWED),  # that second has passed
        (before(5, 4, 3, 2, 1), POLICY, Verdict("wait", NOW + 1)),  # the 5th: 2 s
        (before(6, 5, 4, 3, 2, 1), POLICY, Verdict("wait", NOW + 3)),  # the 6th: 4 s
        (before(*range(10, 0, -1)), POLICY, Verdict("locked", NOW - 1 + 900)),  # the 10th locks
        (before(*range(12, 2, -1)), POLICY, Verdict("locked", NOW - 3 + 900)),
        (before(*range(909, 899, -1)), POLICY, ALLOWED),  # locked 900 s from the last: over
        (before(*range(2000, 1990, -1)), POLICY, ALLOWED),  # too old to count
        # ten within 900 s of the last lock for 900 s from it, though the first is now 950 s old
        (before(950, 900, 850, 800, 700, 600, 500, 400, 300, 100), POLICY, Verdict("locked", NOW + 800)),
        (before(1700, 1650, 1600, 1550, 1500, 1450, 1400, 1350, 1300, 1250), POLICY, ALLOWED),
        (before(2000, 1999, 1998, 1997, 1996, 3, 2, 1), POLICY, ALLOWED),  # only the 3 recent count
        (
            before(5, 4, 3, 2),
            Policy(free=0, delay=10, max_delay=15, lock_after=99),
            Verdict("wait", NOW + 13),
        ),
        (before(*range(9, 0, -1)), Policy(free=3, delay=0, lock_after=10), ALLOWED),  # no delays configured
        (before(1), Policy(free=0, delay=5, lock_after=1, lockout=30), Verdict("locked", NOW + 29)),
    ],
)
def test_decide(failures: list[float], policy: Policy, expected: Verdict) -> None:
    assert decide(failures, NOW, policy) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (ALLOWED, ALLOWED, ALLOWED),
        (ALLOWED, Verdict("wait", 5), Verdict("wait", 5)),
        (Verdict("wait", 50), Verdict("locked", 5), Verdict("locked", 5)),
        (Verdict("wait", 5), Verdict("wait", 7), Verdict("wait", 7)),
        (Verdict("locked", 9), Verdict("locked", 7), Verdict("locked", 9)),
    ],
)
def test_stricter(a: Verdict, b: Verdict, expected: Verdict) -> None:
    assert stricter(a, b) == expected == stricter(b, a)


@pytest.mark.parametrize(
    ("verdict", "seconds", "text"),
    [
        (Verdict("wait", NOW + 0.2), 1, "1 秒"),
        (Verdict("wait", NOW + 30), 30, "30 秒"),
        (Verdict("locked", NOW + 59.5), 60, "1 分钟"),
        (Verdict("locked", NOW + 900), 900, "15 分钟"),
        (Verdict("locked", NOW + 901), 901, "16 分钟"),
        (ALLOWED, 0, "0 秒"),
    ],
)
def test_wait_in_words(verdict: Verdict, seconds: int, text: str) -> None:
    assert verdict.seconds(NOW) == seconds
    assert wait_text(verdict, NOW) == text


RANK = {"allowed": 0, "wait": 1, "locked": 2}
policies = st.builds(
    Policy,
    free=st.integers(0, 6),
    delay=st.floats(0, 30),
    max_delay=st.floats(1, 120),
    lock_after=st.integers(1, 12),
    lockout=st.floats(1, 2000),
)
histories = st.lists(st.floats(0, 3000), max_size=20).map(lambda ago: [NOW - a for a in ago])


@given(histories, policies)
def test_a_verdict_that_refuses_ends_in_the_future_and_within_the_lockout(failures, policy) -> None:
    verdict = decide(failures, NOW, policy)
    if not verdict.allowed:
        assert NOW < verdict.until <= max(failures) + policy.lockout


def attack(policy: Policy, gaps: list[float]) -> tuple[list[float], list[Verdict]]:
    """Wrong passwords tried after each gap: the failures recorded (only tries let through are checked)
    and the verdict after each."""
    failures: list[float] = []
    verdicts: list[Verdict] = []
    now = 0.0
    for gap in gaps:
        now += gap
        if decide(failures, now, policy).allowed:
            failures.append(now)
            verdicts.append(decide(failures, now, policy))
    return failures, verdicts


@given(policies, st.lists(st.floats(0, 100), max_size=80))
def test_no_more_than_lock_after_passwords_are_checked_in_a_lockout_period(policy, gaps) -> None:
    failures, _ = attack(policy, gaps)
    for f in failures:
        # t's lockout period still runs at f (t + lockout > f, the throttle's own sum: no float difference)
        assert sum(1 for t in failures if t <= f < t + policy.lockout) <= policy.lock_after


@given(policies, st.lists(st.floats(0, 100), max_size=80))
def test_a_lock_holds_for_the_whole_lockout(policy, gaps) -> None:
    failures, verdicts = attack(policy, gaps)
    for f, verdict in zip(failures, verdicts, strict=True):
        if verdict.kind == "locked":
            assert verdict.until == f + policy.lockout
            assert not any(f < t < f + policy.lockout for t in failures)


@given(histories, policies, st.floats(0, 5000))
def test_waiting_never_makes_it_stricter(failures, policy, wait) -> None:
    now, later = decide(failures, NOW, policy), decide(failures, NOW + wait, policy)
    assert RANK[later.kind] <= RANK[now.kind]
    if not later.allowed:
        assert later.until <= now.until


@given(histories, policies)
def test_up_to_free_recent_failures_are_always_allowed(failures, policy) -> None:
    # failures that can still matter: a lock set by the last of them lasts a lockout period after it
    recent = [t for t in failures if t > NOW - 2 * policy.lockout]
    if len(recent) <= policy.free and len(recent) < policy.lock_after:
        assert decide(failures, NOW, policy) == ALLOWED
