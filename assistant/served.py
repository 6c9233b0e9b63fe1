"""A `budget-qa serve` process on a free loopback port, for the load benchmark: started, watched (its
resident memory) and stopped by the process that measures it, so the two never share an interpreter."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bcrypt

from assistant.errors import BudgetQAError

HOST = "127.0.0.1"
STAFF = "staff"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float | None:
    """Resident memory of a process in MB (None when it cannot be read)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    """CPU time a process has used so far (user and system, all threads), in seconds."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class ServedApp:
    """`python -m assistant --index DIR serve` on 127.0.0.1 with one helpdesk account (a random password at
    bcrypt's default cost, as `hash-password` makes them); `close()` stops it."""

    def __init__(self, index_dir: Path, env: dict[str, str] | None = None, ready_s: float = 120.0):
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.password = secrets.token_hex(8)
        digest = bcrypt.hashpw(self.password.encode(), bcrypt.gensalt()).decode()
        environ = dict(os.environ, BUDGET_QA_HELPDESK_USERS=f"{STAFF}:{digest}", **(env or {}))
        environ.pop("BUDGET_QA_HELPDESK_USERS_FILE", None)
        command = [sys.executable, "-m", "assistant", "--index", str(index_dir), "serve"]
        self.log = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 - closed in close()
        self.process = subprocess.Popen(
            [*command, "--host", HOST, "--port", str(self.port)],
            env=environ,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )
        self._wait(ready_s)

    def _wait(self, ready_s: float) -> None:
        import httpx

        deadline = time.monotonic() + ready_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BudgetQAError(f"the server stopped at start-up: {self.errors()}")
            try:
                if httpx.get(f"{self.url}/config", timeout=2, trust_env=False).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.close()
        raise BudgetQAError(f"the server did not answer on {self.url} within {ready_s:.0f}s")

    def errors(self) -> str:
        """The last lines the server wrote to stderr, on one line."""
        self.log.seek(0)
        return " | ".join(self.log.read().strip().splitlines()[-3:])[-400:]

    def rss_mb(self) -> float | None:
        return rss_mb(self.process.pid)

    def cache_stats(self, wait_s: float = 5.0) -> dict | None:
        """The server's answer cache and kept conversation states (its SIGUSR1 line), or None."""
        import json
        import signal

        self.log.seek(0, os.SEEK_END)
        start = self.log.tell()
        self.process.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            self.log.seek(start)
            for line in self.log.read().splitlines():
                if line.startswith("answer cache: "):
                    return json.loads(line.removeprefix("answer cache: "))
            time.sleep(0.05)
        return None

    def cpu_s(self) -> float | None:
        return cpu_seconds(self.process.pid)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
