"""Helpdesk accounts (bcrypt, no default) and the password check, whose cost does not tell names apart."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

import bcrypt
import pytest

from assistant.accounts import (
    account_problems,
    checker,
    cost,
    dummy_hash,
    hash_line,
    load_users,
    pair_problems,
    parse_users,
    verify,
)

ROOT = Path(__file__).resolve().parent.parent
HASH = bcrypt.hashpw(b"correct-horse-9", bcrypt.gensalt(rounds=4)).decode()


def hashed(rounds: int) -> bytes:
    return bcrypt.hashpw(b"correct-horse-9", bcrypt.gensalt(rounds=rounds))


@pytest.mark.parametrize(
    ("text", "users"),
    [
        ("", []),
        (f"staff:{HASH}", ["staff"]),
        (f"staff:{HASH}, chen:{HASH}", ["staff", "chen"]),
        (f"# comment\nstaff:{HASH}\n\nbad-line\nplain:secret", ["staff"]),
        ("staff:", []),
        ("staff:$2b$12$not-a-hash", []),
    ],
)
def test_parse_users(text: str, users: list[str]) -> None:
    assert list(parse_users(text)) == users


def test_users_from_env_and_file(tmp_path: Path) -> None:
    accounts = tmp_path / "users.txt"
    accounts.write_text(f"chen:{HASH}\n", encoding="utf-8")
    env = {"BUDGET_QA_HELPDESK_USERS": f"staff:{HASH}", "BUDGET_QA_HELPDESK_USERS_FILE": str(accounts)}
    assert sorted(load_users(env)) == ["chen", "staff"]
    assert load_users({}) == {}


@pytest.mark.parametrize(
    ("user", "password", "ok"),
    [
        ("staff", "correct-horse-9", True),
        ("staff", "correct-horse-8", False),
        ("root", "correct-horse-9", False),
        ("", "", False),
    ],
)
def test_checker(user: str, password: str, ok: bool) -> None:
    assert checker(parse_users(f"staff:{HASH}"))(user, password) is ok


@pytest.mark.parametrize(
    ("user", "password"),
    [("", "long-enough"), ("a:b", "long-enough"), ("staff", "short"), ("staff", "长" * 25)],
)
def test_hash_line_rejects(user: str, password: str) -> None:
    with pytest.raises(ValueError):
        hash_line(user, password)


def test_hash_password_command_round_trips() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "assistant.app", "hash-password", "staff"],
        input="correct-horse-9\n",
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout.strip()
    assert out.startswith("staff:$2b$")
    assert checker(parse_users(out))("staff", "correct-horse-9") is True


@pytest.mark.parametrize(
    ("rounds", "expected"),
    [([], 12), ([4], 4), ([5, 5, 4], 5), ([4, 5], 5), ([6, 4, 4], 4)],
)
def test_cost_is_the_one_most_accounts_use(rounds: list[int], expected: int) -> None:
    users = {f"u{n}": hashed(r) for n, r in enumerate(rounds)}
    assert cost(users) == expected


@pytest.mark.parametrize("rounds", [4, 6])
def test_the_dummy_hash_has_the_accounts_cost(rounds: int) -> None:
    dummy = dummy_hash({"staff": hashed(rounds)})
    assert dummy.startswith(f"$2b${rounds:02d}$".encode())
    assert not bcrypt.checkpw(b"correct-horse-9", dummy)


def test_an_unknown_name_costs_what_a_known_one_does() -> None:
    users = {"staff": hashed(8)}
    dummy = dummy_hash(users)
    times: dict[str, list[float]] = {"staff": [], "nobody": []}
    for _ in range(21):  # taken in turn, so the machine's load weighs on both alike
        for user, spent in times.items():
            started = time.perf_counter()
            assert verify(users, dummy, user, "wrong-password") is False
            spent.append(time.perf_counter() - started)
    assert 0.5 < statistics.median(times["nobody"]) / statistics.median(times["staff"]) < 2, times


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        ("", []),
        (f"staff:{HASH}, chen:{HASH}", []),
        (f"# comment\nstaff:{HASH}\n", []),
        ("bad-line", ["entry 1 of ENV is not user:bcrypt-hash"]),
        (f"staff:{HASH}\nstaff:", ["entry 2 of ENV is not user:bcrypt-hash"]),
        (f":{HASH}", ["entry 1 of ENV is not user:bcrypt-hash"]),
        ("plain:secret", ["the hash of 'plain' in ENV is not a bcrypt hash"]),
        (f"cut:{HASH[:-5]}", ["the hash of 'cut' in ENV is not a bcrypt hash"]),
    ],
)
def test_pair_problems_name_the_entry_not_the_hash(text: str, problems: list[str]) -> None:
    found = pair_problems(text, "ENV")
    assert found == problems
    assert not any(HASH[7:20] in p for p in found)


def test_account_problems_read_the_variable_and_the_file(tmp_path: Path) -> None:
    accounts = tmp_path / "users.txt"
    accounts.write_text(f"chen:{HASH}\nwang:nothash\n", encoding="utf-8")
    env = {"BUDGET_QA_HELPDESK_USERS": "x", "BUDGET_QA_HELPDESK_USERS_FILE": str(accounts)}
    assert account_problems(env) == [
        "entry 1 of BUDGET_QA_HELPDESK_USERS is not user:bcrypt-hash",
        f"the hash of 'wang' in {accounts} is not a bcrypt hash",
    ]
    missing = {"BUDGET_QA_HELPDESK_USERS_FILE": str(tmp_path / "absent.txt")}
    assert account_problems(missing) == [f"{tmp_path / 'absent.txt'} cannot be read (FileNotFoundError)"]
    assert account_problems({}) == []
