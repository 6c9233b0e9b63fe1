"""The app database contract, run over both implementations: a SQLite file and a real PostgreSQL server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.appdb import AppDatabase, SQLiteDatabase, app_db_setting, open_database
from assistant.appdb_postgres import PostgresDatabase, safe_url
from assistant.errors import AppDatabaseError
from tests.servers import free_port

NOTES = [
    ["CREATE TABLE IF NOT EXISTS notes (id {auto_id}, body TEXT NOT NULL)"],
    ["ALTER TABLE notes ADD COLUMN kind TEXT NOT NULL DEFAULT ''"],
]


@pytest.fixture
def db(app_db_target: str | Path) -> Iterator[AppDatabase]:
    database = open_database(app_db_target)
    yield database
    database.close()


def test_the_setting_picks_the_implementation(app_db_target: str | Path) -> None:
    database = open_database(app_db_target)
    expected = PostgresDatabase if str(app_db_target).startswith("postgresql://") else SQLiteDatabase
    assert isinstance(database, expected) and database.dialect == expected.dialect
    database.close()


def test_migrations_apply_once_per_component(db: AppDatabase) -> None:
    assert db.migrate("notes", NOTES[:1]) == 1
    db.execute("INSERT INTO notes (body) VALUES (?)", ("一",))
    assert db.migrate("notes", NOTES) == 2
    assert db.migrate("notes", NOTES) == 2  # nothing left to apply
    assert db.migrate("other", [["CREATE TABLE other_things (name TEXT PRIMARY KEY)"]]) == 1
    assert db.query("SELECT id, body, kind FROM notes") == [(1, "一", "")]
    assert db.query("SELECT component, version FROM schema_versions ORDER BY component") == [
        ("notes", 2),
        ("other", 1),
    ]


@pytest.mark.parametrize(
    ("body", "pattern", "found"),
    [
        ("占比 50% 以上？", "%50!%%", True),
        ("a_b", "%a!_b%", True),
        ("axb", "%a!_b%", False),
        ("问号?在中间", "%?%", True),
        ("Office 办公费", "%office%", False),  # LIKE matches case on both
        ("Office 办公费", "%Office%", True),
    ],
)
def test_portable_statements(db: AppDatabase, body: str, pattern: str, found: bool) -> None:
    db.migrate("notes", NOTES)
    first = db.query("INSERT INTO notes (body, kind) VALUES (?, ?) RETURNING id", (body, "k"))
    second = db.query("INSERT INTO notes (body, kind) VALUES (?, ?) RETURNING id", ("其他", "k"))
    assert (first, second) == ([(1,)], [(2,)])
    rows = db.query("SELECT id FROM notes WHERE body LIKE ? ESCAPE '!' ORDER BY id", (pattern,))
    assert rows == ([(1,)] if found else [])
    assert db.execute("UPDATE notes SET kind = ? WHERE kind = ?", ("新", "k")) == 2


def test_a_failed_block_changes_nothing(db: AppDatabase) -> None:
    db.migrate("notes", NOTES)
    with pytest.raises(RuntimeError), db.connection() as conn:
        conn.cursor().execute(db.sql("INSERT INTO notes (body) VALUES (?)"), ("不会保存",))
        raise RuntimeError("stop")
    assert db.query("SELECT COUNT(*) FROM notes") == [(0,)]
    db.execute("INSERT INTO notes (body) VALUES (?)", ("保存",))  # the database is usable afterwards
    assert db.query("SELECT body FROM notes") == [("保存",)]


def test_a_second_table_through_the_dbapi_connection(db: AppDatabase) -> None:
    db.migrate("notes", NOTES)
    with db.connection() as conn:
        cursor = conn.cursor()
        cursor.execute(db.sql("INSERT INTO notes (body, kind) VALUES (?, ?)"), ("甲", "x"))
        cursor.execute(db.sql("INSERT INTO notes (body, kind) VALUES (?, ?)"), ("乙", "y"))
        cursor.execute(db.sql("SELECT body FROM notes WHERE kind = ? ORDER BY id"), ("y",))
        assert cursor.fetchall() == [("乙",)]
    assert db.query("SELECT COUNT(*) FROM notes") == [(2,)]


def test_two_processes_starting_together_migrate_once(app_db_target: str | Path) -> None:
    databases = [open_database(app_db_target) for _ in range(4)]
    versions: list[int] = []
    errors: list[BaseException] = []
    migrations = [*NOTES, ["INSERT INTO notes (body) VALUES ('迁移只执行一次')"]]

    def start(database: AppDatabase) -> None:
        try:
            versions.append(database.migrate("notes", migrations))
        except BaseException as err:  # collected and asserted below
            errors.append(err)

    threads = [threading.Thread(target=start, args=(d,)) for d in databases]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == [] and versions == [3, 3, 3, 3]
    assert databases[0].query("SELECT body FROM notes") == [("迁移只执行一次",)]
    for d in databases:
        d.close()


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "INDEX/app.sqlite"),
        ({"BUDGET_QA_APP_DB": "/srv/log.sqlite"}, "/srv/log.sqlite"),
        ({"BUDGET_QA_APP_DB": "postgresql://qa@db:5432/qa"}, "postgresql://qa@db:5432/qa"),
        ({"BUDGET_QA_APP_DB": "postgres://qa@db/qa"}, "postgres://qa@db/qa"),
        ({"BUDGET_QA_APP_DB": "  "}, "INDEX/app.sqlite"),
    ],
)
def test_app_db_setting(environ: dict[str, str], expected: str) -> None:
    setting = app_db_setting("INDEX", environ)
    assert str(setting) == expected
    assert isinstance(setting, str) == expected.startswith("postgres")


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://qa:s3cret@db.example:5433/budget", "postgresql://qa@db.example:5433/budget"),
        ("postgresql://qa@127.0.0.1/qa?sslmode=require", "postgresql://qa@127.0.0.1/qa"),
        ("postgresql:///qa", "postgresql://localhost/qa"),
    ],
)
def test_a_url_is_shown_without_its_password(url: str, shown: str) -> None:
    assert safe_url(url) == shown


def test_an_unreachable_server_is_one_line_without_the_password() -> None:
    url = f"postgresql://qa:s3cret@127.0.0.1:{free_port()}/qa"
    with pytest.raises(AppDatabaseError) as raised:
        open_database(url)
    message = str(raised.value)
    assert "s3cret" not in message and "\n" not in message
    assert message.startswith(f"postgresql://qa@127.0.0.1:{url.split(':')[3].split('/')[0]}/qa: ")
