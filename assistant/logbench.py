"""How the helpdesk's 问题日志 copes with a full log, measured through the real server over HTTP.

    python -m assistant.logbench [--rows 50000] [--db postgresql://…] [--rounds 5] [--json]

Builds the seed's index in a temporary folder, fills an app database (a temporary SQLite file, or the given
one — it must be empty) with `rows` questions written like the chat writes them (real answers of the seed,
conversations of up to three earlier questions, a few feedbacks, one question a minute), starts the app on
127.0.0.1 with a throwaway staff account, and times with httpx what a browser asks for: opening the log (the
page's config and the first page of entries), a filtered query, a page deep in the log and the CSV export.
Each figure is the median of `rounds` tries; sizes are the bytes of the responses as the browser reads them
(decoded).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

QUESTIONS = (
    "物业管理费是多少？",
    "办公费是多少？",
    "公务接待费是多少？",
    "“三公”经费由哪些部分构成？",
    "支出结构是怎样的？",
    "人员经费多少？",
    "项目支出是多少？",
    "会议费预算多少？",
    "经济分类中哪一类支出最多？",
    "什么是机关运行经费？",
    "2025年的预算是多少？",
    "换算成万元",
)
SEED = Path(__file__).resolve().parent.parent / "corpus" / "shanghai-sme-office-2024.txt"
FILTER = ("办公费", "table", "", "", "", "")  # text, route, feedback, status, since, until
BROAD = ("", "table", "", "", "", "")  # most of the log


def fill(db_target: str | Path, index_dir: Path, rows: int) -> int:
    """`rows` log entries in one transaction, answers from the seed's assistant; returns the count."""
    from assistant.applog import AppLog
    from assistant.engine import Assistant

    assistant = Assistant.open(index_dir)
    answers = {q: assistant.ask(q) for q in QUESTIONS}
    log = AppLog(db_target)
    if log.count():
        raise SystemExit(f"{log.db.describe()}: the log is not empty; give an empty database")
    start = datetime(2025, 1, 1, tzinfo=UTC)
    statement = log.db.sql(
        "INSERT INTO questions (time, question, route, latency_ms, status, feedback, answer, error, history,"
        " document) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    values = []
    for n in range(rows):
        q = QUESTIONS[n % len(QUESTIONS)]
        a = answers[q]
        earlier = [QUESTIONS[(n + k) % len(QUESTIONS)] for k in range(1, n % 4 + 1)]
        stamp = (start + timedelta(minutes=n)).strftime("%Y-%m-%dT%H:%M:%SZ")
        verdict = ("有用", "有误", "")[n % 3] if n % 7 == 0 else ""
        history = json.dumps(earlier, ensure_ascii=False)
        values.append((stamp, f"{q}（{n}）", a.route, a.latency_ms, "ok", verdict, a.text, "", history, ""))
    with log.db.connection() as conn:
        conn.cursor().executemany(statement, values)
    count = log.count()
    log.close()
    return count


def call(http: Any, api: str, data: Sequence[Any]) -> int:
    """One helpdesk action through Gradio's HTTP API; the bytes received."""
    started = http.post(f"/helpdesk/gradio_api/call/{api}", json={"data": list(data)})
    started.raise_for_status()
    event = started.json()["event_id"]
    result = http.get(f"/helpdesk/gradio_api/call/{api}/{event}")
    result.raise_for_status()
    if "event: complete" not in result.text:
        raise RuntimeError(f"/{api} did not complete: {result.text[:200]}")
    return len(started.content) + len(result.content)


def timed(action: Callable[[], int], rounds: int) -> dict[str, float]:
    """Median seconds and bytes of `rounds` runs of `action` (which returns its bytes)."""
    seconds, sizes = [], []
    for _ in range(rounds):
        began = time.perf_counter()
        sizes.append(action())
        seconds.append(time.perf_counter() - began)
    return {"seconds": round(statistics.median(seconds), 4), "bytes": int(statistics.median(sizes))}


def measure(url: str, user: str, password: str, rounds: int) -> dict[str, dict[str, float]]:
    """Open the log, filter it, jump deep into it, export it — each as the browser would."""
    import httpx

    with httpx.Client(base_url=url, timeout=600) as http:
        http.post("/helpdesk/login", data={"username": user, "password": password}).raise_for_status()

        def open_log() -> int:
            config = http.get("/helpdesk/config")
            config.raise_for_status()
            return len(config.content) + call(http, "log", ("", "", "", "", "", ""))

        def export() -> int:
            with http.stream("GET", "/helpdesk/log.csv") as response:
                response.raise_for_status()
                return sum(len(chunk) for chunk in response.iter_bytes())

        return {
            "open the log (config + first page)": timed(open_log, rounds),
            "filtered query (办公费, table)": timed(lambda: call(http, "log", FILTER), rounds),
            "broad filter (route table)": timed(lambda: call(http, "log", BROAD), rounds),
            "page 500": timed(lambda: call(http, "log_page", ("", "", "", "", "", "", 500)), rounds),
            "CSV export, every row": timed(export, rounds),
        }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(rows: int, db: str | None, rounds: int, index_dir: Path | None = None) -> dict[str, Any]:
    """Index the seed (unless `index_dir` holds an index already), fill the log, serve the app, measure;
    the figures and what they were taken on."""
    import bcrypt

    from assistant.app import start
    from assistant.appdb import open_database
    from assistant.index import build_index

    password = secrets.token_urlsafe(12)
    account = f"staff:{bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()}"
    with tempfile.TemporaryDirectory(prefix="budget-qa-logbench-") as tmp:
        index = index_dir or Path(tmp) / "index"
        if index_dir is None:
            build_index([SEED], index, with_vectors=False)
        target: str | Path = db or Path(tmp) / "app.sqlite"
        count = fill(target, index, rows)
        where = open_database(target)
        described = where.describe() if db else "a SQLite file"
        where.close()
        saved = os.environ.get("BUDGET_QA_HELPDESK_USERS")
        os.environ["BUDGET_QA_HELPDESK_USERS"] = account
        try:
            running = start(index, "127.0.0.1", free_port(), log_db=target)
        finally:
            os.environ.pop("BUDGET_QA_HELPDESK_USERS")
            if saved is not None:
                os.environ["BUDGET_QA_HELPDESK_USERS"] = saved
        try:
            figures = measure(running.url, "staff", password, rounds)
        finally:
            running.close()
    return {"rows": count, "database": described, "figures": figures}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.logbench", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--db", default=None, help="an empty app database (default: a temporary SQLite file)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    report = run(args.rows, args.db, args.rounds)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    print(f"log of {report['rows']:,} entries in {report['database']} (median of {args.rounds})")
    for name, figure in report["figures"].items():
        print(f"  {name:<38} {figure['seconds'] * 1000:9.1f} ms {figure['bytes'] / 1024:11.1f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
