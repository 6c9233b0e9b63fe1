"""Helpdesk accounts: "user:bcrypt-hash" pairs from `$BUDGET_QA_HELPDESK_USERS` and the file named by
`$BUDGET_QA_HELPDESK_USERS_FILE`.

Kept apart from the helpdesk's pages so that reading and checking accounts (`budget-qa doctor`) does not
import the web framework. A malformed pair never logs anyone in; `account_problems` says which pairs are
malformed, without showing any hash.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

USERS_ENV = "BUDGET_QA_HELPDESK_USERS"
USERS_FILE_ENV = "BUDGET_QA_HELPDESK_USERS_FILE"
_BCRYPT = re.compile(r"^\$2[abxy]?\$\d\d\$[./A-Za-z0-9]{53}$")


def _pairs(text: str) -> list[str]:
    """The non-empty, non-comment entries of an accounts text (commas or new lines between them)."""
    entries = (raw.strip() for raw in text.replace(",", "\n").splitlines())
    return [e for e in entries if e and not e.startswith("#")]


def parse_users(text: str) -> dict[str, bytes]:
    """ "user:hash" pairs separated by commas or new lines → {user: hash}; malformed pairs are skipped."""
    users: dict[str, bytes] = {}
    for pair in _pairs(text):
        if ":" not in pair:
            continue
        user, digest = (p.strip() for p in pair.split(":", 1))
        if user and digest.startswith("$2"):
            users[user] = digest.encode()
    return users


def load_users(environ: Mapping[str, str] | None = None) -> dict[str, bytes]:
    """Accounts from the environment variable, then the file it names (both may be set)."""
    env = os.environ if environ is None else environ
    users = parse_users(env.get(USERS_ENV, ""))
    name = env.get(USERS_FILE_ENV, "")
    if name and Path(name).is_file():
        users.update(parse_users(Path(name).read_text(encoding="utf-8")))
    return users


def pair_problems(text: str, where: str) -> list[str]:
    """Why each malformed pair of an accounts text would be ignored (pure; names the entry, not its hash)."""
    problems = []
    for n, pair in enumerate(_pairs(text), start=1):
        user, _, digest = (p.strip() for p in pair.partition(":"))
        if not user or not digest:
            problems.append(f"entry {n} of {where} is not user:bcrypt-hash")
        elif not _BCRYPT.match(digest):
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
