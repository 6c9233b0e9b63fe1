"""Helpdesk accounts: parsing the configured pairs, and saying which are malformed without showing a hash."""

from __future__ import annotations

from pathlib import Path

import bcrypt
import pytest

from assistant.accounts import account_problems, load_users, pair_problems, parse_users

HASH = bcrypt.hashpw(b"correct-horse-9", bcrypt.gensalt(rounds=4)).decode()


@pytest.mark.parametrize(
    ("text", "users"),
    [
        ("", []),
        (f"staff:{HASH}", ["staff"]),
        (f"staff:{HASH}, chen:{HASH}", ["staff", "chen"]),
        (f"# comment\nstaff:{HASH}\n\nbad-line\nplain:secret", ["staff"]),
        ("staff:", []),
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
