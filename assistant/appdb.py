"""The app's own database: the question log and its feedback (and any further table of the running service),
behind one small Protocol with two implementations.

- SQLite, one file (the default: `<index>/app.sqlite`), for a single machine;
- PostgreSQL (`BUDGET_QA_APP_DB=postgresql://…`, psycopg 3; `assistant.appdb_postgres`), so that several
  machines serving the app share one log.

Statements are written once, in portable SQL with `?` placeholders (`AppDatabase.sql` turns them into the
driver's style). Schemas change only through numbered migrations, counted per component in the table
`schema_versions`, so another component (another table) brings its own migrations into the same database:

    db = open_database(app_db_setting(index_dir))
    db.migrate("component", [["CREATE TABLE IF NOT EXISTS t (id {auto_id}, name TEXT NOT NULL)"]])
    with db.connection() as conn:          # a DB-API connection, one transaction
        conn.cursor().execute(db.sql("INSERT INTO t (name) VALUES (?)"), ("x",))
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol

from assistant.errors import AppDatabaseError

AUTO_ID = "{auto_id}"  # written in a migration where the dialect's auto-numbered primary key goes
URL_PREFIXES = ("postgresql://", "postgres://")
SCHEMA_TABLE = "schema_versions"
Migration = Sequence[str]  # the statements of one numbered migration, applied in one transaction


class AppDatabase(Protocol):
    """Where the app keeps its own records. Every method may be called from any thread."""

    dialect: str  # "sqlite" | "postgresql"

    def describe(self) -> str:
        """Where the data lives, for messages (never a password)."""
        ...

    def connection(self) -> AbstractContextManager[Any]:
        """A DB-API connection inside one transaction: committed when the block ends, rolled back when it
        raises. Calls are serialised within a process; keep the block short."""
        ...

    def sql(self, statement: str) -> str:
        """A portable statement (`?` placeholders) in the driver's parameter style."""
        ...

    def query(self, statement: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """All rows of one portable SELECT (or of a statement with RETURNING)."""
        ...

    def execute(self, statement: str, args: Sequence[Any] = ()) -> int:
        """Run one portable statement; returns the number of rows it changed."""
        ...

    def migrate(self, component: str, migrations: Sequence[Migration]) -> int:
        """Apply the migrations of `component` not applied yet, each in one transaction, under a lock so
        that two processes starting together apply each once; returns the component's schema version."""
        ...

    def close(self) -> None: ...


def app_db_setting(index_dir: str | Path, environ: Mapping[str, str] | None = None) -> str | Path:
    """`$BUDGET_QA_APP_DB` (a file path or a `postgresql://` URL), else `<index_dir>/app.sqlite`."""
    env = os.environ if environ is None else environ
    given = env.get("BUDGET_QA_APP_DB", "").strip()
    if not given:
        return Path(index_dir) / "app.sqlite"
    return given if given.startswith(URL_PREFIXES) else Path(given)


def open_database(target: str | Path) -> AppDatabase:
    """A `postgresql://` URL opens PostgreSQL; anything else is the path of a SQLite file."""
    if str(target).startswith(URL_PREFIXES):
        from assistant.appdb_postgres import PostgresDatabase

        return PostgresDatabase(str(target))
    return SQLiteDatabase(Path(target))


class PortableDatabase:
    """What both implementations share: running portable statements and the migration loop."""

    dialect = ""
    auto_id = ""  # the dialect's auto-numbered primary key column type

    def connection(self) -> AbstractContextManager[Any]:  # pragma: no cover - each implementation's own
        raise NotImplementedError

    def sql(self, statement: str) -> str:
        return statement

    def _lock_schema(self, cursor: Any) -> None:
        """Make concurrent migrations wait (SQLite's write transaction already does)."""

    def query(self, statement: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.connection() as conn:
            cursor = conn.cursor()
            cursor.execute(self.sql(statement), tuple(args))
            return [tuple(row) for row in cursor.fetchall()]

    def execute(self, statement: str, args: Sequence[Any] = ()) -> int:
        with self.connection() as conn:
            cursor = conn.cursor()
            cursor.execute(self.sql(statement), tuple(args))
            return int(cursor.rowcount)

    def migrate(self, component: str, migrations: Sequence[Migration]) -> int:
        version = self._version(component)
        for number, statements in enumerate(migrations[version:], start=version + 1):
            with self.connection() as conn:
                cursor = conn.cursor()
                self._lock_schema(cursor)
                if self._read_version(cursor, component) >= number:
                    continue  # another process applied it meanwhile
                for statement in statements:
                    cursor.execute(statement.replace(AUTO_ID, self.auto_id))
                self._write_version(cursor, component, number)
        return max(version, len(migrations))

    def _version(self, component: str) -> int:
        with self.connection() as conn:
            cursor = conn.cursor()
            self._lock_schema(cursor)
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {SCHEMA_TABLE} "
                "(component TEXT PRIMARY KEY, version INTEGER NOT NULL)"
            )
            return self._read_version(cursor, component)

    def _read_version(self, cursor: Any, component: str) -> int:
        cursor.execute(self.sql(f"SELECT version FROM {SCHEMA_TABLE} WHERE component = ?"), (component,))
        row = cursor.fetchone()
        return int(row[0]) if row else 0

    def _write_version(self, cursor: Any, component: str, number: int) -> None:
        cursor.execute(
            self.sql(f"UPDATE {SCHEMA_TABLE} SET version = ? WHERE component = ?"), (number, component)
        )
        if cursor.rowcount == 0:
            cursor.execute(
                self.sql(f"INSERT INTO {SCHEMA_TABLE} (component, version) VALUES (?, ?)"),
                (component, number),
            )


class SQLiteDatabase(PortableDatabase):
    """One SQLite file (WAL), one connection shared by the server's threads."""

    dialect = "sqlite"
    auto_id = "INTEGER PRIMARY KEY AUTOINCREMENT"

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.RLock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(self.path, check_same_thread=False, timeout=10, isolation_level=None)
            self._conn.execute("PRAGMA journal_mode=WAL")
            # in WAL mode NORMAL never corrupts the file; a power cut may lose the last entries, and each
            # question's entry no longer waits for the disk (an fsync per answer under load)
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("PRAGMA case_sensitive_like = ON")  # LIKE matches case as PostgreSQL's does
        except (OSError, sqlite3.Error) as err:
            raise AppDatabaseError(f"{self.path}: the app database cannot be opened ({err})") from err

    def describe(self) -> str:
        return str(self.path)

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")  # take the write lock now: no deadlock on upgrading a read
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._conn.close()
