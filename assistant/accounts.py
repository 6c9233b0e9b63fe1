"""Helpdesk accounts: "user:bcrypt-hash" lines, and the password check.

Accounts come from `$BUDGET_QA_HELPDESK_USERS` ("user:bcrypt-hash" pairs, comma-separated) or from the file
named by `$BUDGET_QA_HELPDESK_USERS_FILE` (one pair a line, `#` comments). There is no default password: with
no account configured the helpdesk is off. Make a line with `python -m assistant.app hash-password USER`.
"""

from __future__ import annotations

import os
import re
import secrets
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path

import bcrypt

USERS_ENV = "BUDGET_QA_HELPDESK_USERS"
USERS_FILE_ENV = "BUDGET_QA_HELPDESK_USERS_FILE"
BCRYPT = re.compile(r"^\$2[abxy]?\$(\d\d)\$[./A-Za-z0-9]{53}$")
DEFAULT_COST = 12


def parse_users(text: str) -> dict[str, bytes]:
    """ "user:hash" pairs separated by commas or new lines → {user: hash}; malformed pairs are skipped."""
    users: dict[str, bytes] = {}
    for pair in _pairs(text):
        user, _, digest = (p.strip() for p in pair.partition(":"))
        if user and BCRYPT.match(digest):
            users[user] = digest.encode()
    return users


def load_users(environ: dict[str, str] | None = None) -> dict[str, bytes]:
    """Accounts from the environment variable, then the file it names (both may be set)."""
    env = os.environ if environ is None else environ
    users = parse_users(env.get("BUDGET_QA_HELPDESK_USERS", ""))
    name = env.get("BUDGET_QA_HELPDESK_USERS_FILE", "")
    if name and Path(name).is_file():
        users.update(parse_users(Path(name).read_text(encoding="utf-8")))
    return users


def hash_line(user: str, password: str) -> str:
    """One "user:bcrypt-hash" line for the environment variable or the accounts file."""
    if not user or any(ch in user for ch in ":,\n #"):
        raise ValueError("the user name must be non-empty without ':', ',', '#', spaces or new lines")
    if len(password) < 8:
        raise ValueError("the password must have at least 8 characters")
    if len(password.encode()) > 72:
        raise ValueError("the password must have at most 72 bytes (bcrypt reads no further)")
    return f"{user}:{bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()}"


def cost(users: dict[str, bytes]) -> int:
    """The bcrypt cost most of the configured hashes use (the highest on a tie; 12 with none)."""
    costs = Counter(int(BCRYPT.match(d.decode()).group(1)) for d in users.values())  # type: ignore[union-attr]
    if not costs:
        return DEFAULT_COST
    return max(costs, key=lambda c: (costs[c], c))


def dummy_hash(users: dict[str, bytes]) -> bytes:
    """A hash of a random password at the accounts' own cost: an unknown name costs what a known one does."""
    return bcrypt.hashpw(secrets.token_bytes(16), bcrypt.gensalt(rounds=cost(users)))


def verify(users: dict[str, bytes], dummy: bytes, user: str, password: str) -> bool:
    """The password check: one bcrypt comparison whether or not `user` exists (blocks; run it off the loop)."""
    digest = users.get(user or "")
    ok = bcrypt.checkpw((password or "").encode()[:72], digest or dummy)
    return bool(digest) and ok


def checker(users: dict[str, bytes]) -> Callable[[str, str], bool]:
    """`check(user, password)`; unknown users cost as much time as known ones."""
    dummy = dummy_hash(users)
    return lambda user, password: verify(users, dummy, user, password)


def _pairs(text: str) -> list[str]:
    """The non-empty, non-comment entries of an accounts text (commas or new lines between them)."""
    entries = (raw.strip() for raw in text.replace(",", "\n").splitlines())
    return [e for e in entries if e and not e.startswith("#")]


def pair_problems(text: str, where: str) -> list[str]:
    """Why each malformed pair of an accounts text would be ignored (pure; names the entry, not its hash)."""
    problems = []
    for n, pair in enumerate(_pairs(text), start=1):
        user, _, digest = (p.strip() for p in pair.partition(":"))
        if not user or not digest:
            problems.append(f"entry {n} of {where} is not user:bcrypt-hash")
        elif not BCRYPT.match(digest):
            problems.append(f"the hash of {user!r} in {where} is not a bcrypt hash")
    return problems


def account_problems(environ: Mapping[str, str] | None = None) -> list[str]:
    """Everything wrong with the configured accounts: malformed pairs, an accounts file that cannot be read."""
    env = os.environ if environ is None else environ
    problems = pair_problems(env.get(USERS_ENV, ""), USERS_ENV)
    name = env.get(USERS_FILE_ENV, "")
    if name:
        try:
            problems += pair_problems(Path(name).read_text(encoding="utf-8"), name)
        except (OSError, UnicodeDecodeError) as err:
            problems.append(f"{name} cannot be read ({err.__class__.__name__})")
    return problems
