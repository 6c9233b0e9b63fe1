"""The helpdesk login: throttled per account and per address, checked off the event loop.

`LoginGate.attempt` decides from the recorded failures whether a try may be checked at all (a try that
must wait or is locked out is refused without looking at the password; `precheck` says so without
queueing for a password check), checks it with bcrypt (an unknown
name costs one bcrypt of the accounts' own cost, like a known one), records a failure under the account and
the address, and logs one line when a failure locks either. `LoginPool` runs those checks on a thread of
their own with a bounded queue and a lower CPU priority, so a flood of logins can neither stall the
server's event loop nor take a core from the public chat. One check at a time per account and per address:
a try arriving while one is being checked is refused at once (it would only queue behind a slow bcrypt).
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from assistant.accounts import dummy_hash, verify
from assistant.attempts import LoginAttempts, account_key, address_key
from assistant.errors import ConfigError
from assistant.throttle import ALLOWED, Policy, Verdict, decide, stricter

log = logging.getLogger("assistant.login")
T = TypeVar("T")
HOUR = 3600.0


@dataclass(frozen=True)
class LoginSettings:
    account: Policy = Policy()
    address: Policy = Policy(free=10, lock_after=30)
    idle: float = 8 * HOUR  # a session ends after this long without a request
    lifetime: float = 24 * HOUR  # and this long after its login, whatever happens
    workers: int = 1  # threads checking passwords
    queue: int = 8  # logins waiting for them before more are turned away
    nice: int = 10  # how much lower those threads' CPU priority is than the answers' (Linux nice, 0-19)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> LoginSettings:
        """The settings from `BUDGET_QA_LOGIN_*` and `BUDGET_QA_SESSION_*` (defaults for the unset)."""
        lockout = _number(environ, "BUDGET_QA_LOGIN_LOCK_SECONDS", 900.0)
        delay = _number(environ, "BUDGET_QA_LOGIN_DELAY", 1.0)
        account = Policy(
            free=int(_number(environ, "BUDGET_QA_LOGIN_FREE", 3)),
            delay=delay,
            lock_after=int(_number(environ, "BUDGET_QA_LOGIN_LOCK_AFTER", 10, least=1)),
            lockout=lockout,
        )
        address = Policy(
            free=int(_number(environ, "BUDGET_QA_LOGIN_ADDRESS_FREE", 10)),
            delay=delay,
            lock_after=int(_number(environ, "BUDGET_QA_LOGIN_ADDRESS_LOCK_AFTER", 30, least=1)),
            lockout=lockout,
        )
        return cls(
            account=account,
            address=address,
            idle=_number(environ, "BUDGET_QA_SESSION_IDLE", 8 * HOUR, least=1),
            lifetime=_number(environ, "BUDGET_QA_SESSION_MAX", 24 * HOUR, least=1),
            nice=int(min(19, _number(environ, "BUDGET_QA_LOGIN_NICE", 10))),
        )


def _number(environ: Mapping[str, str], name: str, default: float, least: float = 0) -> float:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r}: not a number") from None
    if not value >= least or value == float("inf"):
        raise ConfigError(f"{name}={raw!r}: must be a finite number of at least {least:g}")
    return value


@dataclass(frozen=True)
class Outcome:
    ok: bool
    checked: bool  # False: refused before the password was looked at
    verdict: Verdict = ALLOWED  # what holds for the next try


class LoginGate:
    """Throttle, then check, then record: one login try (blocking; run it through a `LoginPool`)."""

    def __init__(
        self,
        users: dict[str, bytes],
        attempts: LoginAttempts,
        settings: LoginSettings,
        clock: Callable[[], float] = time.time,
    ):
        self.users, self.attempts, self.settings, self.clock = users, attempts, settings, clock
        self.dummy = dummy_hash(users)
        self._checking: set[str] = set()  # account and address keys with a password check under way
        self._lock = threading.Lock()

    def verdicts(self, user: str, address: str, now: float) -> tuple[Verdict, Verdict]:
        """(the account's verdict, the address's verdict) at `now`."""
        account, by_address = self.settings.account, self.settings.address
        return (
            decide(self.attempts.failures(account_key(user), now - 2 * account.lockout), now, account),
            decide(
                self.attempts.failures(address_key(address), now - 2 * by_address.lockout), now, by_address
            ),
        )

    def precheck(self, user: str, address: str) -> Outcome | None:
        """The refusal of a try that may not be checked now (no bcrypt: cheap), else None."""
        verdict = stricter(*self.verdicts(user, address, self.clock()))
        return None if verdict.allowed else Outcome(False, False, verdict)

    @contextmanager
    def checking(self, user: str, address: str) -> Iterator[Outcome | None]:
        """Claim the one check the account and the address may have under way: yields None when claimed
        (released on exit), else the refusal of a try made while another is being checked."""
        keys = {account_key(user), address_key(address)}
        with self._lock:
            busy = bool(self._checking & keys)
            if not busy:
                self._checking |= keys
        if busy:
            yield Outcome(False, False, Verdict("wait", self.clock() + 1))
            return
        try:
            yield None
        finally:
            with self._lock:
                self._checking -= keys

    def attempt(self, user: str, password: str, address: str) -> Outcome:
        refused = self.precheck(user, address)  # again: a failure may have been recorded meanwhile
        if refused is not None:
            return refused
        return self._check(user, password, address)

    def _check(self, user: str, password: str, address: str) -> Outcome:
        """The bcrypt check, then the failure recorded and a lockout logged."""
        now = self.clock()
        if verify(self.users, self.dummy, user, password):
            self.attempts.clear(account_key(user))
            return Outcome(True, True)
        self.attempts.record(account_key(user), now)
        self.attempts.record(address_key(address), now)
        self.attempts.forget(now - 2 * max(self.settings.account.lockout, self.settings.address.lockout))
        account, by_address = self.verdicts(user, address, now)
        for what, name, verdict in (("account", user, account), ("address", address, by_address)):
            if verdict.kind == "locked":
                log.warning(
                    "helpdesk login locked: %s %r for %d s after a failed login",
                    what,
                    name,
                    verdict.seconds(now),
                )
        return Outcome(False, True, stricter(account, by_address))


class Busy(Exception):
    """More logins are waiting than the pool takes."""


class LoginPool:
    """A few threads for password checks, at a lower CPU priority (`nice`), and at most `queue` logins
    waiting for them."""

    def __init__(self, workers: int = 1, queue: int = 8, nice: int = 0):
        self.executor = ThreadPoolExecutor(
            max_workers=max(1, workers),
            thread_name_prefix="login",
            initializer=lower_priority,
            initargs=(nice,),
        )
        self.limit = max(1, workers) + max(0, queue)
        self.pending = 0
        self._lock = threading.Lock()

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` on a pool thread, awaited; `Busy` at once when the queue is full."""
        with self._lock:
            if self.pending >= self.limit:
                raise Busy
            self.pending += 1
        try:
            return await asyncio.wrap_future(self.executor.submit(fn, *args))
        finally:
            with self._lock:
                self.pending -= 1

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)


def lower_priority(nice: int) -> None:
    """Lower the calling thread's CPU priority by `nice` (Linux sets it per thread; elsewhere a no-op)."""
    if nice <= 0 or not hasattr(os, "setpriority"):
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + nice))
    except OSError:  # not permitted here: the checks run at the normal priority
        log.warning("helpdesk login: could not lower the password checks' CPU priority")
