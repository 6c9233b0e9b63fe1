"""Starting the web app for tests: a free port on 127.0.0.1 and one staff account; in this process (a
thread) or as its own `budget-qa serve` process whose log the test reads."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import bcrypt
import httpx

from assistant.app import start

USER, PASSWORD = "staff", "correct-horse-9"
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def staff_line(rounds: int = 4) -> str:
    return f"{USER}:{bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=rounds)).decode()}"


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """`values` set in os.environ for the block, then the environment as it was."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def start_with_staff(
    index_dir: Path,
    env: dict[str, str] | None = None,
    rounds: int = 4,
    db: str | Path | None = None,
    log_db: str | Path | None = None,
) -> Any:
    """The app over `index_dir`, its helpdesk open to USER/PASSWORD (bcrypt cost `rounds`); `env` holds
    further settings (BUDGET_QA_LOGIN_* …) read at start-up; `db` is the app database (question log and
    login failures, default `<index_dir>/app.sqlite`). The environment is restored after start-up."""
    with environment({"BUDGET_QA_HELPDESK_USERS": staff_line(rounds), **(env or {})}):
        return start(index_dir, "127.0.0.1", free_port(), log_db=db or log_db or index_dir / "app.sqlite")


class _Process:
    """A server in a process of its own, its output kept in `log_file`; ready when `probe` (a path on
    `url`) answers 200. `close()` stops it, killing it if it does not stop."""

    name = "the server"
    probe = "/"

    def _start(
        self, command: list[str], log_file: Path, env: dict[str, str], cwd: Path | None = None
    ) -> None:
        self.log_file = log_file
        with log_file.open("wb") as out:
            self.process = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **env}, cwd=cwd
            )

    def wait(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.close()
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}: {self.log()}")
            try:
                if httpx.get(self.url + self.probe, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.close()
        raise RuntimeError(f"{self.name} did not answer on {self.url + self.probe}: {self.log()}")

    def log(self) -> str:
        return self.log_file.read_text(encoding="utf-8", errors="replace")

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class ServerProcess(_Process):
    """`budget-qa serve` in a process of its own, its output (the server log) kept in a file. With
    `wait=False` the constructor returns at once and `wait()` waits for the server to answer (so that
    several servers start side by side)."""

    def __init__(
        self,
        index_dir: Path,
        log_file: Path,
        env: dict[str, str] | None = None,
        db: Path | None = None,
        wait: bool = True,
    ):
        self.url = f"http://127.0.0.1:{free_port()}"
        settings = {
            "BUDGET_QA_HELPDESK_USERS": staff_line(),
            "BUDGET_QA_APP_DB": str(db or index_dir / "app.sqlite"),
            "PYTHONPATH": str(ROOT),
            **(env or {}),
        }
        port = self.url.rsplit(":", 1)[1]
        command = [sys.executable, "-m", "assistant", "--index", str(index_dir), "serve", "--port", port]
        self._start(command, log_file, settings, cwd=ROOT)
        if wait:
            self.wait()


class ChromaServer(_Process):
    """`chroma run` (the chromadb package's server) on a free port of 127.0.0.1, its data in `path`, its
    output in `log_file`; ready when it answers its heartbeat. `close()` stops it."""

    name = "the Chroma server"
    probe = "/api/v2/heartbeat"

    def __init__(self, path: Path, log_file: Path, timeout: float = 60):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        chroma = Path(sys.executable).parent / "chroma"
        command = [str(chroma), "run", "--host", "127.0.0.1", "--port", str(self.port), "--path", str(path)]
        self._start(command, log_file, {"ANONYMIZED_TELEMETRY": "False"})
        self.wait(timeout)


# Debian's Chromium, for the browser tests (a test tool's own browser download does not work offline)
CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
TIMEOUT = 30_000
