"""Measure what a flood of helpdesk logins does to the public chat of a running server.

    python -m assistant.loginbench [--url http://127.0.0.1:7860] [--seconds 8] [--logins 60] [--parallel 8]

First the chat alone (four clients asking one after another through /gradio_api/call/chat), then the same
chat load while `--logins` wrong logins arrive `--parallel` at a time: answers per second, p50 and p95
latency of each phase, and how long the flood took and what it was answered. Run it against a server whose
account has the cost of real hashes (`hash-password` makes cost 12) and lenient throttle settings
(BUDGET_QA_LOGIN_LOCK_AFTER and _ADDRESS_LOCK_AFTER high, BUDGET_QA_LOGIN_DELAY=0), so every login is
checked with bcrypt.
"""

from __future__ import annotations

import argparse
import threading
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from assistant.bench import percentile

QUESTION = "物业管理费是多少？"


def ask(http: Any, url: str) -> float:
    """One chat answer through the API; returns its latency in seconds."""
    started = time.perf_counter()
    event = http.post(f"{url}/gradio_api/call/chat", json={"data": [QUESTION, ""]}).json()["event_id"]
    with http.stream("GET", f"{url}/gradio_api/call/chat/{event}") as answer:
        for line in answer.iter_lines():
            if line.startswith("event: complete") or line.startswith("event: error"):
                break
    return time.perf_counter() - started


def chat_load(url: str, stop: threading.Event, clients: int = 4) -> list[tuple[float, float]]:
    """(finish time, latency) of every answer until `stop` is set."""
    import httpx

    done: list[tuple[float, float]] = []

    def client() -> None:
        with httpx.Client(timeout=120) as http:
            while not stop.is_set():
                latency = ask(http, url)
                done.append((time.perf_counter(), latency))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    stop.wait()
    for t in threads:
        t.join()
    return done


def summary(answers: list[tuple[float, float]], start: float, end: float) -> dict[str, float]:
    latencies = [lat for at, lat in answers if start <= at <= end]
    return {
        "answers_per_s": round(len(latencies) / max(end - start, 1e-9), 1),
        "p50_s": round(percentile(latencies, 50), 3) if latencies else 0.0,
        "p95_s": round(percentile(latencies, 95), 3) if latencies else 0.0,
    }


def flood(url: str, logins: int, parallel: int) -> Counter[int]:
    """Wrong logins, `parallel` at a time (one kept-alive connection each); the HTTP statuses they got."""
    import httpx

    local = threading.local()

    def wrong(n: int) -> int:
        if not hasattr(local, "http"):
            local.http = httpx.Client(timeout=300)
        form = {"username": "staff", "password": f"wrong-{n}"}
        return local.http.post(f"{url}/helpdesk/login", data=form).status_code

    with ThreadPoolExecutor(parallel) as pool:
        return Counter(pool.map(wrong, range(logins)))


def measure(url: str, seconds: float, logins: int, parallel: int) -> dict[str, Any]:
    stop = threading.Event()
    answers: list[tuple[float, float]] = []
    loader = threading.Thread(target=lambda: answers.extend(chat_load(url, stop)))
    loader.start()
    time.sleep(1.0)  # warm up
    alone_start = time.perf_counter()
    time.sleep(seconds)
    flood_start = time.perf_counter()
    statuses = flood(url, logins, parallel)
    flood_end = time.perf_counter()
    stop.set()
    loader.join()
    return {
        "chat_alone": summary(answers, alone_start, flood_start),
        "chat_during_flood": summary(answers, flood_start, flood_end),
        "flood_s": round(flood_end - flood_start, 1),
        "flood_statuses": dict(sorted(statuses.items())),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m assistant.loginbench", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--url", default="http://127.0.0.1:7860")
    parser.add_argument("--seconds", type=float, default=8.0, help="the chat alone, before the flood")
    parser.add_argument("--logins", type=int, default=60)
    parser.add_argument("--parallel", type=int, default=8)
    args = parser.parse_args(argv)
    report = measure(args.url.rstrip("/"), args.seconds, args.logins, args.parallel)
    for phase in ("chat_alone", "chat_during_flood"):
        r = report[phase]
        print(f"{phase:18} {r['answers_per_s']:6} answers/s  p50 {r['p50_s']} s  p95 {r['p95_s']} s")
    print(
        f"flood: {args.logins} wrong logins, {args.parallel} at a time, in {report['flood_s']} s: {report['flood_statuses']}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
