"""The contract of a `LoginAttempts` store, run over every implementation, and what the SQLite one adds:
it shares the app's database file with the question log, and several processes see one another's failures."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assistant.appdb import open_database
from assistant.applog import AppLog
from assistant.attempts import (
    MAX_KEY,
    DatabaseLoginAttempts,
    LoginAttempts,
    SqliteLoginAttempts,
    account_key,
    address_key,
)

ROOT = Path(__file__).resolve().parent.parent
# name → a factory making a fresh, empty store under a temporary folder; add other databases here
IMPLEMENTATIONS: dict[str, Callable[[pytest.FixtureRequest, Path], LoginAttempts]] = {
    "sqlite": lambda request, folder: SqliteLoginAttempts(folder / "app.sqlite"),
    "app-db-sqlite": lambda request, folder: DatabaseLoginAttempts(open_database(folder / "app.sqlite")),
    "app-db-postgresql": lambda request, folder: DatabaseLoginAttempts(
        open_database(request.getfixturevalue("postgres_cluster").database())
    ),
}


@pytest.fixture(params=sorted(IMPLEMENTATIONS))
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LoginAttempts]:
    made = IMPLEMENTATIONS[request.param](request, tmp_path)
    yield made
    close = getattr(made, "close", None)
    if close:
        close()
    db = getattr(made, "db", None)
    if db is not None:
        db.close()


def test_failures_come_back_oldest_first_after_since(store: LoginAttempts) -> None:
    for at in (30.0, 10.0, 20.5):
        store.record("account:staff", at)
    assert store.failures("account:staff", 0) == [10.0, 20.5, 30.0]
    assert store.failures("account:staff", 10.0) == [20.5, 30.0]  # strictly after
    assert store.failures("account:staff", 30.0) == []
    assert store.failures("account:nobody", 0) == []


def test_keys_are_kept_apart_and_clear_forgets_one(store: LoginAttempts) -> None:
    store.record(account_key("staff"), 1.0)
    store.record(account_key("chen"), 2.0)
    store.record(address_key("10.0.0.7"), 3.0)
    store.clear(account_key("staff"))
    assert store.failures(account_key("staff"), 0) == []
    assert store.failures(account_key("chen"), 0) == [2.0]
    assert store.failures(address_key("10.0.0.7"), 0) == [3.0]


def test_forget_drops_old_failures_of_every_key(store: LoginAttempts) -> None:
    for key, at in (("account:a", 1.0), ("account:a", 5.0), ("address:x", 2.0), ("address:x", 9.0)):
        store.record(key, at)
    assert store.forget(5.0) == 2
    assert store.failures("account:a", 0) == [5.0]
    assert store.failures("address:x", 0) == [9.0]
    assert store.forget(5.0) == 0


def test_the_same_failure_time_twice_counts_twice(store: LoginAttempts) -> None:
    store.record("account:staff", 7.0)
    store.record("account:staff", 7.0)
    assert store.failures("account:staff", 0) == [7.0, 7.0]


@pytest.mark.parametrize(
    "name",
    ["员工甲", "a'b\"c;--", "x" * 1000, "with\nnew line", "%_*"],
    ids=["cjk", "quotes", "long", "nl", "like"],
)
def test_any_name_is_a_key_of_its_own(store: LoginAttempts, name: str) -> None:
    store.record(account_key(name), 1.0)
    assert store.failures(account_key(name), 0) == [1.0]
    assert store.failures(account_key("x"), 0) == []
    assert len(account_key(name)) <= MAX_KEY


def test_sqlite_shares_the_file_with_the_question_log(tmp_path: Path) -> None:
    db = tmp_path / "app.sqlite"
    log = AppLog(db)
    entry = log.record("物业管理费是多少？", "table", 3.0)
    attempts = SqliteLoginAttempts(db)
    attempts.record("account:staff", 1.0)
    assert log.entries()[0].id == entry and attempts.failures("account:staff", 0) == [1.0]
    log.close()
    attempts.close()


def test_sqlite_failures_recorded_by_another_process_are_seen(tmp_path: Path) -> None:
    db = tmp_path / "app.sqlite"
    here = SqliteLoginAttempts(db)
    code = (
        "import sys; from assistant.attempts import SqliteLoginAttempts as S; "
        "s = S(sys.argv[1]); [s.record('account:staff', float(t)) for t in (1, 2, 3)]; "
        "print(s.failures('account:staff', 0))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(db)], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    assert out.strip() == "[1.0, 2.0, 3.0]"
    assert here.failures("account:staff", 0) == [1.0, 2.0, 3.0]
    here.clear("account:staff")
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            code.replace("[s.record('account:staff', float(t)) for t in (1, 2, 3)]; ", ""),
            str(db),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    assert out.strip() == "[]"
    here.close()
