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


def peak_memory_mb() -> float:
    """This process's own peak resident memory. `ru_maxrss` is not used: on Linux a child started by
    fork and exec inherits its parent's peak, so every measuring process would report the parent's."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


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


def index_build(corpus: Path) -> dict[str, Any]:  # the seed document, as a user builds it
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


SEED = Path("corpus/shanghai-sme-office-2024.txt")
PDFS = Path("corpus")


def pdf_ingestion(folder: Path = PDFS) -> dict[str, Any] | None:
    """Reading the shipped PDFs in this process, one after another: per page and per document, the text
    layer and ruled tables (pdfplumber) and the parse; then OCR of one page rendered as an image."""
    from assistant.documents import parse_source
    from assistant.pdf import read_pdf

    files = sorted(folder.rglob("*.pdf"))
    if not files:
        return None
    per_doc: list[float] = []
    pages = 0
    for path in files:
        started = time.perf_counter()
        source = read_pdf(path, ocr=False)
        parse_source(source, path.stem, str(path))
        per_doc.append(time.perf_counter() - started)
        pages += max(source.pages, default=0)
    total = sum(per_doc)
    return {
        "documents": len(files),
        "pages": pages,
        "total_s": round(total, 1),
        "per_page_ms": round(1000 * total / max(pages, 1), 1),
        "per_document_p50_s": round(percentile(per_doc, 50), 2),
        "per_document_max_s": round(max(per_doc), 2),
        "ocr_page_s": ocr_page(files[0]),
    }


def ocr_page(path: Path, number: int = 1) -> float:
    """Seconds to read one page of `path` by OCR (rendered at the reader's resolution)."""
    import pdfplumber

    from assistant import ocr

    with pdfplumber.open(path) as pdf:
        page = pdf.pages[number - 1]
        ocr.read_page(page)  # loads the models
        started = time.perf_counter()
        ocr.read_page(page)
        return round(time.perf_counter() - started, 2)


def run_bench(
    index_dir: Path, files: list[str], as_json: bool = False, scale: list[int] | None = None
) -> int:
    """The seed's figures (an index of the seed alone), the naive baseline, then the scale table."""
    with tempfile.TemporaryDirectory() as tmp:
        from assistant.index import build_index

        seed_index = Path(tmp) / "seed"
        build_index([SEED], seed_index)
        report: dict[str, Any] = {
            "warm_latency": warm_latency(seed_index, files),
            "cold_start_table_question": cold_start(seed_index),
            "index_build_seed": index_build(SEED),
            "retrieval": retrieval(seed_index, Path("evals/retrieval.jsonl")),
            "naive_baseline": naive_baseline(seed_index, SEED, files),
            "pdf_ingestion": pdf_ingestion(),
            "peak_rss_mb": peak_memory_mb(),
        }
        if scale:
            from assistant.scale import run_scale

            report["scale"] = run_scale(scale, Path(tmp) / "scale")
    return _print(report, as_json)


def _print(report: dict[str, Any], as_json: bool) -> int:
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
    p = report.get("pdf_ingestion")
    if p:
        print(
            f"PDF ingestion ({p['documents']} shipped PDFs, {p['pages']} pages, one process): {p['total_s']}s — "
            f"{p['per_page_ms']} ms a page, {p['per_document_p50_s']}s a document (p50; max "
            f"{p['per_document_max_s']}s); OCR of a page without a text layer {p['ocr_page_s']}s"
        )
    print(f"Peak memory (this process): {report['peak_rss_mb']} MB")
    n = report.get("naive_baseline") or {}
    if "questions" in n:
        print(
            f"Naive baseline (splitter 500/50, same model, Chroma top-4) on {n['questions']} questions: "
            f"top-4 context holds every expected figure for {n['top4_holds_every_expected_figure']}, "
            f"our answers correct {n['our_answers_correct']}; retrieval p50 {n['baseline_retrieval_p50_ms']} ms "
            f"vs our answer p50 {n['our_answer_p50_ms']} ms (×{n['latency_ratio']})"
        )
    if report.get("scale"):
        from assistant.scale import render

        print("Scale (renamed copies of the shipped budgets; each figure from a fresh process):")
        print(render(report["scale"]))
    return 0


def naive_baseline(index_dir: Path, document: Path, files: list[str], k: int = 4) -> dict[str, Any] | None:
    """What a user would otherwise build: LangChain's splitter (500/50), the same embedding model, Chroma
    top-4. Measured on the same questions: how often the top-4 context even holds every expected figure,
    how often our answer passes, and the latency of each (the baseline's retrieval alone, no LLM)."""
    try:
        import chromadb
        from langchain_chroma import Chroma
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        from assistant.embeddings import langchain_embeddings, load_embedder
        from assistant.vectors import _settings
    except ImportError as err:  # the narrative stack is not installed
        return {"error": str(err)}
    from assistant.engine import Assistant
    from assistant.scoring import figures, score, shows_amount, to_decimal

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=500, chunk_overlap=50, separators=["\n\n", "\n", "。", "，", ""], keep_separator="end"
    )
    chunks = splitter.split_text(document.read_text(encoding="utf-8"))
    client = chromadb.EphemeralClient(settings=_settings())
    store = Chroma(
        collection_name="naive-baseline",
        embedding_function=langchain_embeddings(load_embedder()),
        client=client,
    )
    store.add_texts(chunks)
    assistant = Assistant.open(index_dir, document.stem)
    asked = [
        q
        for f in files
        for q in load_questions(f)
        if q.get("expect", {}).get("amounts") and not q.get("history")
    ]
    held = ours = 0
    theirs_ms, ours_ms = [], []
    for q in asked:
        started = time.perf_counter()
        context = "\n".join(d.page_content for d in store.similarity_search(q["question"], k=k))
        theirs_ms.append((time.perf_counter() - started) * 1000)
        shown = figures(context)
        amounts = [to_decimal(a) for a in q["expect"]["amounts"]]
        held += all(any(shows_amount(f, a) for f in shown) for a in amounts)
        answer = assistant.ask(q["question"])
        ours_ms.append(answer.latency_ms)
        ours += not score(q["expect"], answer.to_dict(), q.get("category", ""))
    return {
        "questions": len(asked),
        "chunks": len(chunks),
        "top4_holds_every_expected_figure": held,
        "our_answers_correct": ours,
        "baseline_retrieval_p50_ms": round(statistics.median(theirs_ms), 2),
        "our_answer_p50_ms": round(statistics.median(ours_ms), 2),
        "latency_ratio": round(statistics.median(theirs_ms) / max(statistics.median(ours_ms), 1e-6), 1),
    }
