"""A throwaway PostgreSQL cluster for tests: Debian's binaries, a temporary data folder, a free port on
127.0.0.1 and the unix socket inside the temporary folder; stopped and deleted at the end.

initdb refuses to run as root, so as root the cluster is created and run as `nobody` (through `runuser`),
in a folder `nobody` owns. `make postgres` installs the binaries (`apt-get install postgresql`).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from itertools import count
from pathlib import Path

from tests.servers import free_port

BINARIES = "/usr/lib/postgresql/*/bin"
MISSING = (
    "PostgreSQL is not installed: no {pattern}/initdb. `make postgres` installs it "
    "(apt-get install postgresql); the app database's PostgreSQL tests need it."
)


def binaries() -> Path:
    """The newest installed PostgreSQL's bin folder; a clear error when there is none."""
    found = sorted(glob.glob(f"{BINARIES}/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if not found:
        raise RuntimeError(MISSING.format(pattern=BINARIES))
    return Path(found[-1]).parent


class Cluster:
    """One PostgreSQL server; `database()` makes a fresh database and returns its URL."""

    def __init__(self) -> None:
        self.bin = binaries()
        self.root = Path(tempfile.mkdtemp(prefix="budget-qa-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self._names = count(1)
        self._as_owner: list[str] = []
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(self.root, nobody.pw_uid, nobody.pw_gid)
            self._as_owner = ["runuser", "-u", "nobody", "--"]
        try:
            self._start()
        except BaseException:
            shutil.rmtree(self.root, ignore_errors=True)
            raise
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _start(self) -> None:
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale"
        )
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c shared_buffers=16MB"
        )
        log = self.root / "server.log"
        try:
            self._run(
                "pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data), "-l", str(log), "-o", options
            )
        except RuntimeError as err:
            tail = log.read_text(errors="replace")[-800:] if log.exists() else ""
            raise RuntimeError(f"{err}\n{tail}") from err

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run(
            [*self._as_owner, str(self.bin / program), *args],
            capture_output=True,
            text=True,
            cwd=self.root,
            timeout=120,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr.strip() or done.stdout}")

    def database(self) -> str:
        """A new, empty database on this server; its URL."""
        import psycopg

        name = f"test_{next(self._names)}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
