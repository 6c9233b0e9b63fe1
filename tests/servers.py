"""Starting the web app for tests: a free port on 127.0.0.1 and one staff account."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

import bcrypt

from assistant.app import start

USER, PASSWORD = "staff", "correct-horse-9"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_with_staff(index_dir: Path, log_db: str | Path | None = None) -> Any:
    """The app over `index_dir`, its helpdesk open to USER/PASSWORD (the environment is restored after start-up);
    the app database is `log_db`, else `index_dir/app.sqlite`."""
    saved = os.environ.get("BUDGET_QA_HELPDESK_USERS")
    os.environ["BUDGET_QA_HELPDESK_USERS"] = (
        f"{USER}:{bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()}"
    )
    try:
        return start(index_dir, "127.0.0.1", free_port(), log_db=log_db or index_dir / "app.sqlite")
    finally:
        if saved is None:
            os.environ.pop("BUDGET_QA_HELPDESK_USERS", None)
        else:
            os.environ["BUDGET_QA_HELPDESK_USERS"] = saved


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
