"""The scale benchmark behind `budget-qa bench --scale`: indexes of 1, 37 and 1,000 documents.

The 1,000-document corpus is made of renamed copies of the shipped budgets (each copy is another unit: its
name is changed everywhere in the text), so every copy parses, audits and answers like a real budget. Each
copy's narrative vectors are those of the budget it copies (the texts differ only by the unit's name), so
the large index is built without embedding 36,000 passages again. Every figure is measured in a fresh
process: build time, time to open the index, warm latency of table, text, cross-document and
whole-corpus questions, cold start of `budget-qa ask`, and peak memory.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

TAGS = [a + b for a in "甲乙丙丁戊己庚辛壬癸" for b in "子丑寅卯辰巳午未申酉戌亥"]
ITEMS = ["项目支出", "人员经费", "公用经费", "三公经费", "物业管理费", "支出预算总额"]


def synthetic_corpus(sources: list[Path], size: int, out: Path) -> list[Path]:
    """`size` budget files in `out`: the sources, then renamed copies of them (another unit each)."""
    from assistant.documents import read_document

    out.mkdir(parents=True, exist_ok=True)
    names = {path: read_document(path).unit_name for path in sources}
    texts = {path: _text(path) for path in sources}
    files = []
    for n in range(size):
        source = sources[n % len(sources)]
        copy = n // len(sources)
        text = texts[source]
        stem = source.stem
        if copy:
            tag = TAGS[(copy - 1) % len(TAGS)] + ("" if copy <= len(TAGS) else str(copy))
            text = text.replace(names[source], _renamed(names[source], tag))
            stem = f"{source.stem}__{tag}"
        target = out / f"{stem}.txt"
        target.write_text(text, encoding="utf-8")
        files.append(target)
    return files


def _text(path: Path) -> str:
    """A source's text: the file, or a PDF's text layer (the copies are text; PDF reading is measured apart)."""
    if path.suffix.lower() == ".pdf":
        from assistant.pdf import read_pdf

        return "\n".join(read_pdf(path, ocr=False).lines)
    return path.read_text(encoding="utf-8")


def _renamed(name: str, tag: str) -> str:
    for prefix in ("上海市", "上海"):
        if name.startswith(prefix):
            return prefix + tag + name[len(prefix) :]
    return tag + name


def copy_vectors(source_build: Path, target_build: Path) -> int:
    """Give every passage of the target index the vector of the same passage of the budget it copies."""
    import chromadb

    from assistant.retrieval import CHROMA_DIR, CHUNKS_FILE, read_chunks
    from assistant.vectors import COLLECTION, _settings

    source = chromadb.PersistentClient(str(source_build / CHROMA_DIR), settings=_settings())
    got = source.get_collection(COLLECTION).get(include=["embeddings", "metadatas"])
    by_place = {
        (m["document"], m["section"], m["line_start"], m["item"]): e
        for m, e in zip(got["metadatas"], got["embeddings"], strict=True)
    }
    metadata = source.get_collection(COLLECTION).metadata
    chunks = read_chunks(target_build / CHUNKS_FILE)
    target = chromadb.PersistentClient(str(target_build / CHROMA_DIR), settings=_settings())
    collection = target.get_or_create_collection(
        COLLECTION, metadata=metadata, configuration={"hnsw": {"space": "cosine"}}
    )
    rows = []
    for c in chunks:
        vector = by_place.get((c.document.split("__")[0], c.section, c.line_start, c.item))
        if vector is not None:
            rows.append((c, vector))
    for start in range(0, len(rows), 2000):
        batch = rows[start : start + 2000]
        collection.add(
            ids=[c.id for c, _ in batch],
            embeddings=[list(v) for _, v in batch],
            metadatas=[_chunk_metadata(c) for c, _ in batch],
        )
    return len(rows)


def _describe_vectors(build: Path, source_build: Path) -> None:
    """The manifest again, now that the build has the copied vectors (so opening it checks them too)."""
    from assistant.manifest import read_manifest, write_manifest

    source = read_manifest(source_build)
    write_manifest(build, source.embedding_model if source else "")


def _chunk_metadata(chunk: Any) -> dict[str, Any]:
    from assistant.vectors import _metadata

    return _metadata(chunk)


def questions(index: Path, per_kind: int = 30) -> dict[str, list[str]]:
    """Questions that name units of the index: table, text, two-unit comparisons, whole-corpus rankings."""
    from assistant.catalog import Catalog
    from assistant.index import current_build
    from assistant.store import Store

    catalog = Catalog.from_rows(Store.open(current_build(index) / "facts.sqlite").documents())
    names = sorted(
        (n for n, units in catalog.by_name.items() if len(units) == 1 and len(n) >= 4),
        key=lambda n: (hash(n) % 997, n),
    )
    units = [n for n in names if len(catalog.units[next(iter(catalog.by_name[n]))].documents) == 1][:per_kind]
    table = [f"{u}的{ITEMS[i % len(ITEMS)]}是多少？" for i, u in enumerate(units)]
    text = [f"{u}的主要职能是什么？" for u in units]
    cross = [
        f"{a}和{b}的{ITEMS[i % 4]}各是多少？相差多少？"
        for i, (a, b) in enumerate(zip(units, units[1:], strict=False))
    ]
    corpus = [
        "哪个单位的“三公”经费预算最多？",
        "2026年项目支出最少的单位是哪个？",
        "安排了公务用车购置费的单位有几个？",
    ]
    return {"table": table, "text": text, "cross": cross, "corpus": corpus}


def worker(index: Path) -> dict[str, Any]:
    """Run inside a fresh process: open the index, warm up, then time every question kind."""
    from assistant.engine import Assistant

    started = time.perf_counter()
    assistant = Assistant.open(index)
    opened = time.perf_counter() - started
    asked = questions(index)
    out: dict[str, Any] = {"open_s": round(opened, 3)}
    retriever = assistant.retriever()
    for kind, qs in asked.items():
        for q in qs:  # warm-up: documents, lexicons, the retriever
            assistant.ask(q)
        times, routes = [], []
        for _ in range(3 if kind != "corpus" else 1):
            for q in qs:
                if retriever is not None:
                    retriever.clear_cache()
                answer = assistant.ask(q)
                times.append(answer.latency_ms)
                routes.append(answer.route)
        out[kind] = {
            "n": len(times),
            "p50_ms": round(statistics.median(times), 2),
            "p95_ms": round(_percentile(times, 95), 2),
            "answered": sum(r not in ("refuse", "clarify") for r in routes) / max(1, len(routes)),
        }
    from assistant.bench import peak_memory_mb

    out["peak_rss_mb"] = peak_memory_mb()
    return out


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def _run(
    args: list[str], env: dict[str, str] | None = None
) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    out = subprocess.run(args, capture_output=True, text=True, check=False, env=env)
    return time.perf_counter() - started, out


def cold_start(index: Path, question: str, runs: int = 3) -> float:
    env = dict(os.environ, BUDGET_QA_INDEX=str(index))
    times = [_run([sys.executable, "-m", "assistant", "ask", question], env)[0] for _ in range(runs)]
    return round(statistics.median(times), 3)


def measure(size: int, sources: list[Path], work: Path, vectors_from: Path | None) -> dict[str, Any]:
    """Build an index of `size` documents and measure it; returns the row of the scale table."""
    corpus = work / f"corpus-{size}"
    index = work / f"index-{size}"
    shutil.rmtree(corpus, ignore_errors=True)
    shutil.rmtree(index, ignore_errors=True)
    synthetic_corpus(sources, size, corpus)
    py = [sys.executable, "-m", "assistant", "--index", str(index), "index", str(corpus), "--quiet"]
    built, out = _run([*py, "--no-vectors"])
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip()[-300:])
    row: dict[str, Any] = {"documents": size, "build_no_vectors_s": round(built, 1)}
    from assistant.index import current_build

    if vectors_from is None:
        seconds, out = _run([*py, "--force"])
        row["build_with_vectors_s"] = round(seconds, 1)
    else:
        started = time.perf_counter()
        row["vectors_copied"] = copy_vectors(current_build(vectors_from), current_build(index))
        row["vectors_copy_s"] = round(time.perf_counter() - started, 1)
        _describe_vectors(current_build(index), current_build(vectors_from))
    _, out = _run([sys.executable, "-m", "assistant.scale", str(index)])
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip()[-300:])
    row.update(json.loads(out.stdout))
    table = questions(index)["table"][0]
    row["cold_start_s"] = cold_start(index, table)
    return row


def run_scale(sizes: list[int], work: Path, corpus: Path = Path("corpus")) -> list[dict[str, Any]]:
    from assistant.index import corpus_files

    sources = corpus_files([corpus])
    seed = [p for p in sources if p.stem == "shanghai-sme-office-2024"] or sources[:1]
    rows = []
    full = None
    for size in sorted(sizes):
        base = seed if size == 1 else sources
        reuse = full if size > len(sources) else None
        try:
            row = measure(size, base, work, reuse)
        except RuntimeError as err:  # one size failing still reports the others
            print(f"scale {size}: failed: {err}", file=sys.stderr, flush=True)
            continue
        rows.append(row)
        if size == len(sources):
            full = work / f"index-{size}"
        print(_line(row), file=sys.stderr, flush=True)
    return rows


def _line(row: dict[str, Any]) -> str:
    def cell(kind: str) -> str:
        k = row.get(kind) or {}
        return f"{k.get('p50_ms', '-')}/{k.get('p95_ms', '-')}" if k else "-"

    vectors = (
        f"{row['build_with_vectors_s']}s"
        if "build_with_vectors_s" in row
        else f"copied {row.get('vectors_copied', 0)} in {row.get('vectors_copy_s', 0)}s"
    )
    return (
        f"| {row['documents']:>5} | {row['build_no_vectors_s']}s | {vectors} | {row['open_s']}s | "
        f"{cell('table')} | {cell('text')} | {cell('cross')} | {cell('corpus')} | {row['cold_start_s']}s | "
        f"{row['peak_rss_mb']} MB |"
    )


HEADER = (
    "| docs | build, no vectors | vectors | open | table p50/p95 ms | text p50/p95 ms | cross-doc p50/p95 ms "
    "| whole corpus p50/p95 ms | cold ask | memory |\n|---|---|---|---|---|---|---|---|---|---|"
)


def render(rows: list[dict[str, Any]]) -> str:
    return "\n".join([HEADER, *(_line(r) for r in rows)])


if __name__ == "__main__":  # the measuring process: python -m assistant.scale INDEX
    print(json.dumps(worker(Path(sys.argv[1]))))
