"""The login gate over a real SQLite store: throttled per account and per address, the right password
refused while locked, each lockout logged on one line without the password; its settings; its thread pool."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from pathlib import Path

import bcrypt
import pytest

from assistant.attempts import SqliteLoginAttempts, account_key
from assistant.errors import ConfigError
from assistant.login import Busy, LoginGate, LoginPool, LoginSettings
from assistant.throttle import Policy, Verdict
from tests.test_sessions import Clock

PASSWORD = "correct-horse-9"
USERS = {"staff": bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4))}
SETTINGS = LoginSettings(
    account=Policy(free=2, delay=1, lock_after=4, lockout=60),
    address=Policy(free=5, delay=1, lock_after=8, lockout=60),
)


@pytest.fixture()
def gate(tmp_path: Path) -> LoginGate:
    return LoginGate(USERS, SqliteLoginAttempts(tmp_path / "app.sqlite"), SETTINGS, clock=Clock())


def test_the_right_password_opens_and_clears_the_account(gate: LoginGate) -> None:
    assert gate.attempt("staff", "wrong", "10.0.0.1").ok is False
    outcome = gate.attempt("staff", PASSWORD, "10.0.0.1")
    assert (outcome.ok, outcome.checked) == (True, True)
    assert gate.attempts.failures(account_key("staff"), 0) == []


def test_waits_grow_then_the_account_locks_and_refuses_even_the_right_password(gate: LoginGate) -> None:
    clock = gate.clock
    start = clock.now
    seen = []
    for _ in range(4):
        outcome = gate.attempt("staff", "wrong", f"10.0.0.{len(seen)}")  # from four addresses
        seen.append((outcome.checked, outcome.verdict))
        if outcome.verdict.kind == "wait":
            clock.now = outcome.verdict.until  # wait as told
    assert seen == [
        (True, Verdict("allowed")),
        (True, Verdict("allowed")),
        (True, Verdict("wait", start + 1)),
        (True, Verdict("locked", start + 1 + 60)),
    ]
    refused = gate.attempt("staff", PASSWORD, "10.9.9.9")
    assert (refused.ok, refused.checked, refused.verdict.kind) == (False, False, "locked")
    clock.now = refused.verdict.until
    assert gate.attempt("staff", PASSWORD, "10.9.9.9").ok is True


def test_a_try_during_a_wait_is_refused_unchecked_and_not_counted(gate: LoginGate) -> None:
    for _ in range(3):
        gate.attempt("staff", "wrong", "10.0.0.1")
    early = gate.attempt("staff", PASSWORD, "10.0.0.1")
    assert (early.ok, early.checked, early.verdict.kind) == (False, False, "wait")
    assert len(gate.attempts.failures(account_key("staff"), 0)) == 3
    gate.clock.now = early.verdict.until
    assert gate.attempt("staff", PASSWORD, "10.0.0.1").ok is True


def test_an_address_trying_many_names_is_locked_for_every_name(gate: LoginGate) -> None:
    for n in range(8):
        gate.attempt(f"guess{n}", "wrong", "10.0.0.66")
        gate.clock.now += 5  # one try per name: no account waits
    refused = gate.attempt("staff", PASSWORD, "10.0.0.66")
    assert (refused.ok, refused.checked, refused.verdict.kind) == (False, False, "locked")
    assert gate.attempt("staff", PASSWORD, "10.0.0.67").ok is True


def test_unknown_names_lock_exactly_like_known_ones(gate: LoginGate) -> None:
    def kinds(user: str) -> list[str]:
        out = []
        for n in range(5):
            out.append(gate.attempt(user, "wrong", f"10.1.{len(user)}.{n}").verdict.kind)
            gate.clock.now += 2
        return out

    assert kinds("staff") == kinds("nobody") == ["allowed", "allowed", "wait", "locked", "locked"]


def test_each_lockout_is_one_log_line_without_the_password(
    gate: LoginGate, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="assistant.login"):
        for n in range(6):
            gate.attempt("staff\nforged line", f"secret-{n}", "10.0.0.1")
            gate.clock.now += 5
    lines = [r.getMessage() for r in caplog.records]
    assert lines == ["helpdesk login locked: account 'staff\\nforged line' for 60 s after a failed login"]
    assert all("secret" not in line and "\n" not in line for line in lines)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, LoginSettings()),
        (
            {
                "BUDGET_QA_LOGIN_FREE": "1",
                "BUDGET_QA_LOGIN_DELAY": "0.5",
                "BUDGET_QA_LOGIN_LOCK_AFTER": "5",
                "BUDGET_QA_LOGIN_ADDRESS_FREE": "4",
                "BUDGET_QA_LOGIN_ADDRESS_LOCK_AFTER": "12",
                "BUDGET_QA_LOGIN_LOCK_SECONDS": "120",
                "BUDGET_QA_SESSION_IDLE": "600",
                "BUDGET_QA_SESSION_MAX": "3600",
                "BUDGET_QA_LOGIN_NICE": "30",
            },
            LoginSettings(
                account=Policy(free=1, delay=0.5, lock_after=5, lockout=120),
                address=Policy(free=4, delay=0.5, lock_after=12, lockout=120),
                idle=600,
                lifetime=3600,
                nice=19,
            ),
        ),
    ],
)
def test_settings_from_the_environment(env: dict[str, str], expected: LoginSettings) -> None:
    assert LoginSettings.from_env(env) == expected


def test_default_settings() -> None:
    defaults = LoginSettings.from_env({})
    assert (defaults.account.free, defaults.account.lock_after, defaults.account.lockout) == (3, 10, 900)
    assert (defaults.address.free, defaults.address.lock_after) == (10, 30)
    assert (defaults.idle, defaults.lifetime) == (8 * 3600, 24 * 3600)
    assert (defaults.workers, defaults.queue, defaults.nice) == (1, 8, 10)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("BUDGET_QA_LOGIN_DELAY", "abc", "BUDGET_QA_LOGIN_DELAY='abc': not a number"),
        (
            "BUDGET_QA_LOGIN_LOCK_AFTER",
            "0",
            "BUDGET_QA_LOGIN_LOCK_AFTER='0': must be a finite number of at least 1",
        ),
        (
            "BUDGET_QA_SESSION_IDLE",
            "-5",
            "BUDGET_QA_SESSION_IDLE='-5': must be a finite number of at least 1",
        ),
        (
            "BUDGET_QA_LOGIN_LOCK_SECONDS",
            "nan",
            "BUDGET_QA_LOGIN_LOCK_SECONDS='nan': must be a finite number of at least 0",
        ),
        (
            "BUDGET_QA_SESSION_MAX",
            "inf",
            "BUDGET_QA_SESSION_MAX='inf': must be a finite number of at least 1",
        ),
    ],
)
def test_a_setting_that_cannot_be_used_is_one_line(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        LoginSettings.from_env({name: value})
    assert str(err.value) == message


def test_the_pool_runs_checks_off_the_event_loop_and_turns_a_flood_away() -> None:
    pool = LoginPool(workers=1, queue=2)
    release = threading.Event()

    async def main() -> tuple[list[object], int]:
        loop_thread = threading.get_ident()
        held = [asyncio.ensure_future(pool.run(release.wait)) for _ in range(3)]  # 1 running, 2 waiting
        await asyncio.sleep(0.05)
        results: list[object] = []
        try:
            await pool.run(threading.get_ident)
        except Busy:
            results.append("busy")
        release.set()
        await asyncio.gather(*held)
        results.append(await pool.run(threading.get_ident) != loop_thread)
        return results, pool.pending

    assert asyncio.run(main()) == (["busy", True], 0)
    pool.close()


@pytest.mark.parametrize(
    ("second", "claimed"),
    [
        (("staff", "10.0.0.1"), False),  # the same account from the same address
        (("staff", "10.0.0.2"), False),  # the same account from elsewhere
        (("other", "10.0.0.1"), False),  # another name from the same address
        (("other", "10.0.0.2"), True),  # neither: checked side by side
    ],
)
def test_one_check_at_a_time_per_account_and_per_address(
    gate: LoginGate, second: tuple[str, str], claimed: bool
) -> None:
    with gate.checking("staff", "10.0.0.1") as first:
        assert first is None
        with gate.checking(*second) as refused:
            if claimed:
                assert refused is None
            else:
                assert refused is not None
                assert (refused.ok, refused.checked, refused.verdict) == (
                    False,
                    False,
                    Verdict("wait", gate.clock() + 1),
                )
    with gate.checking(*second) as again:  # both released
        assert again is None
    assert gate.attempts.failures(account_key("staff"), 0) == []  # a refusal is not a failure


def test_the_pool_checks_passwords_at_a_lower_cpu_priority() -> None:
    if not hasattr(os, "setpriority"):
        pytest.skip("no per-thread priority on this system")
    base = os.getpriority(os.PRIO_PROCESS, 0)
    pool = LoginPool(workers=1, queue=1, nice=5)

    def own_priority() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    try:
        assert asyncio.run(pool.run(own_priority)) == min(19, base + 5)
        assert os.getpriority(os.PRIO_PROCESS, 0) == base  # the serving threads keep theirs
    finally:
        pool.close()
