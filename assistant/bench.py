"""`budget-qa bench`: how fast and how large, measured rather than asserted in tests.

Reports the warm latency of every question of the given sets per route (p50/p95), the cold start of
`budget-qa ask` on a table question (a fresh process, as a user runs it), the time to build the index of the
seed document, the narrative retrieval benchmark when its question set is present, and peak memory.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from assistant.evaluate import load_questions


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0–100)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def warm_latency(index_dir: Path, files: list[str], rounds: int = 3) -> dict[str, Any]:
    from assistant.engine import Assistant

    assistant = Assistant.open(index_dir)
    questions = [q for f in files for q in load_questions(f)]
    for q in questions:  # warm-up: caches, jieba, the retriever
        assistant.ask(q["question"], q.get("history") or [])
    by_route: dict[str, list[float]] = {}
    retriever = assistant.retriever()
    for _ in range(rounds):
        for q in questions:
            if retriever is not None:
                retriever.clear_cache()  # every search pays for its own query embedding
            answer = assistant.ask(q["question"], q.get("history") or [])
            by_route.setdefault(answer.route, []).append(answer.latency_ms)
            by_route.setdefault("all", []).append(answer.latency_ms)
    return {
        route: {
            "n": len(v),
            "p50_ms": round(percentile(v, 50), 2),
            "p95_ms": round(percentile(v, 95), 2),
            "mean_ms": round(statistics.fmean(v), 2),
        }
        for route, v in sorted(by_route.items())
    }


def cold_start(index_dir: Path, question: str = "物业管理费是多少？", runs: int = 3) -> dict[str, Any]:
    """Wall time of a fresh `python -m assistant ask` process; also whether it imported torch."""
    env = dict(os.environ, BUDGET_QA_INDEX=str(index_dir))
    times = []
    heavy = False
    for _ in range(runs):
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "assistant", "ask", question],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        times.append(time.perf_counter() - started)
        heavy = heavy or any(m in out.stderr for m in ("| torch\n", "| sentence_transformers\n"))
    return {
        "question": question,
        "median_s": round(statistics.median(times), 3),
        "max_s": round(max(times), 3),
        "imported_torch_or_sentence_transformers": heavy,
    }


def index_build(corpus: Path) -> dict[str, Any]:
    """A fresh `budget-qa index` process, as a user runs it (imports and model load included)."""
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-m", "assistant", "--index", tmp, "index", str(corpus), "--quiet"],
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - started
        return {
            "seconds": round(seconds, 2),
            "ok": out.returncode == 0,
            "output": out.stdout.strip().splitlines()[:1],
        }


def retrieval(index_dir: Path, path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    from assistant.index import current_build
    from assistant.retrieval import load_questions as load_retrieval
    from assistant.retrieval import load_retriever, retrieval_benchmark

    retriever = load_retriever(current_build(index_dir))
    return retrieval_benchmark(load_retrieval(path), retriever)


def run_bench(index_dir: Path, files: list[str], as_json: bool = False) -> int:
    report: dict[str, Any] = {
        "warm_latency": warm_latency(index_dir, files),
        "cold_start_table_question": cold_start(index_dir),
        "index_build_seed": index_build(Path("corpus")),
        "retrieval": retrieval(index_dir, Path("evals/retrieval.jsonl")),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    if as_json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return 0
    print("Warm latency per route (ms):")
    for route, s in report["warm_latency"].items():
        print(
            f"  {route:8} n={s['n']:4}  p50={s['p50_ms']:7.2f}  p95={s['p95_ms']:7.2f}  mean={s['mean_ms']:7.2f}"
        )
    c = report["cold_start_table_question"]
    print(
        f"Cold start of `budget-qa ask` (table question): median {c['median_s']}s, max {c['max_s']}s; "
        f"heavy imports: {'yes' if c['imported_torch_or_sentence_transformers'] else 'no'}"
    )
    b = report["index_build_seed"]
    print(f"Index build of corpus/ (fresh process): {b['seconds']}s — {' '.join(b['output'])}")
    if report["retrieval"]:
        print("Retrieval benchmark:", json.dumps(report["retrieval"], ensure_ascii=False))
    print(f"Peak memory (this process): {report['peak_rss_mb']} MB")
    return 0
