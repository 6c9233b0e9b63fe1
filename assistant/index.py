"""Building the index: documents → fact store + Chroma collection, built aside and swapped in.

Layout of the index folder:

    index/CURRENT          name of the live build (one line)
    index/build-<stamp>/   facts.sqlite and chroma/ of one build
    index/app.sqlite       the chat app's question log (kept across builds)

A build is written to a fresh folder; only when every document parsed and both stores are complete does
`CURRENT` change (an atomic rename). A failed build leaves the previous index untouched and usable.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.audit import audit_series, with_findings
from assistant.catalog import DocKey, unit_identity
from assistant.documents import read_document
from assistant.errors import BudgetQAError, IndexMissingError, InputError
from assistant.records import Document
from assistant.store import Store

Progress = Callable[[str, int, int], None]  # (message, done, total)
PARALLEL_FROM = 40  # documents; below this, starting worker processes costs more than it saves


@dataclass
class BuildResult:
    build_dir: Path | None  # None when nothing changed
    documents: list[dict] = field(default_factory=list)
    chunks: int = 0
    seconds: float = 0.0
    skipped: list[str] = field(default_factory=list)  # files that could not be read, with the reason
    up_to_date: bool = False


DOCUMENT_SUFFIXES = (".pdf", ".txt")
ORIGINALS = "originals"  # the published PDFs of a build, served read-only so citations can open them


def corpus_files(paths: Iterable[str | Path]) -> list[Path]:
    """The document files named, folders expanded to the `*.pdf` and `*.txt` files they hold (sorted,
    sub-folders too); where a folder holds both a PDF and its extracted text, the PDF is read."""
    files: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = [
                f
                for f in p.rglob("*")
                if f.suffix.lower() in DOCUMENT_SUFFIXES and f.is_file() and not f.name.startswith(".")
            ]
            pdfs = {f.with_suffix("") for f in found if f.suffix.lower() == ".pdf"}
            files += sorted(f for f in found if f.suffix.lower() == ".pdf" or f.with_suffix("") not in pdfs)
        elif p.exists():
            files.append(p)
        else:
            raise InputError(f"{p}: no such file or folder")
    if not files:
        raise InputError("no document files (*.pdf, *.txt) to index")
    return files


def keep_original(doc: Document, build: Path) -> None:
    """Copy a document's published PDF into the build, so the app can open it at a cited page."""
    source = Path(doc.path)
    if doc.pages and source.is_file():
        target = build / ORIGINALS / f"{doc.id}.pdf"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def current_build(index_dir: str | Path) -> Path:
    """The live build folder; raises `IndexMissingError` when there is none."""
    index = Path(index_dir)
    pointer = index / "CURRENT"
    if not pointer.exists():
        raise IndexMissingError(f"{index}: no index yet; build it with `budget-qa index`")
    build = index / pointer.read_text(encoding="utf-8").strip()
    if not (build / "facts.sqlite").exists():
        raise IndexMissingError(f"{build}: the index is incomplete; rebuild it with `budget-qa index`")
    return build


def fingerprint(files: list[Path], model: str) -> str:
    entries = [(f.stem, sha256(f)) for f in files]
    return hashlib.sha256(json.dumps([entries, model]).encode()).hexdigest()


def build_index(
    paths: Iterable[str | Path],
    index_dir: str | Path,
    *,
    embedding_model: str | None = None,
    with_vectors: bool = True,
    skip_bad: bool = False,
    force: bool = False,
    progress: Progress | None = None,
) -> BuildResult:
    """Parse, audit and store every document, embed the narrative, then swap the new build in."""
    started = time.perf_counter()
    report = progress or (lambda *_: None)
    index = Path(index_dir)
    files = corpus_files(paths)
    model = embedding_model or os.environ.get("BUDGET_QA_EMBEDDING_MODEL", "") or "default"
    stamp = fingerprint(files, model if with_vectors else "none")
    if not force:
        try:
            live = current_build(index)
            if Store.open(live / "facts.sqlite").meta("fingerprint") == stamp:
                return BuildResult(None, up_to_date=True, seconds=time.perf_counter() - started)
        except IndexMissingError:
            pass
    index.mkdir(parents=True, exist_ok=True)
    if with_vectors:
        _warm_imports()
    build = index / f"build-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.time_ns() % 10**9:09d}"
    try:
        docs, result = _parse_all(files, skip_bad, report)
        store = Store.open(build / "facts.sqlite", create=True)
        across_years = audit_series([d for d, _, _ in docs])
        for n, (doc, digest, audit) in enumerate(docs, start=1):
            store.add_document(doc, digest, with_findings(audit, across_years.get(doc.id, [])))
            keep_original(doc, build)
            report(f"stored {doc.id}", n, len(docs))
        if with_vectors:
            result.chunks = _build_vectors([d for d, _, _ in docs], build, embedding_model, report)
            store.set_meta("embedding_model", model)
        else:
            result.chunks = _write_passages([d for d, _, _ in docs], build)
        store.set_meta("fingerprint", stamp)
        result.documents = store.documents()
        store.close()
        _swap(index, build)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    result.build_dir = build
    result.seconds = time.perf_counter() - started
    return result


def _parse_all(
    files: list[Path], skip_bad: bool, report: Progress
) -> tuple[list[tuple[Document, str, dict[str, Any]]], BuildResult]:
    result = BuildResult(None)
    docs = []
    held: dict[DocKey, str] = {}
    for n, (f, read) in enumerate(_read_all(files), start=1):
        report(f"parsed {f.name}", n, len(files))
        if isinstance(read, BudgetQAError):
            if not skip_bad:
                raise read
            result.skipped.append(str(read))
            continue
        doc, audit = read
        key = DocKey(unit_identity(doc.unit_name), doc.year, doc.kind)
        if key in held:  # one budget per unit, year and kind: a second copy would answer twice
            result.skipped.append(f"{doc.id}: the same budget as {held[key]} ({key.label()}); not indexed")
            continue
        held[key] = doc.id
        docs.append((doc, sha256(f), audit))
    if not docs:
        raise InputError("no document could be indexed")
    return docs, result


def _read_one(path: Path) -> tuple[Document, dict[str, Any]] | BudgetQAError:
    """A parsed document and its audit (both CPU-bound: done in a worker process when there are many)."""
    from assistant.audit import audit_document

    try:
        doc = read_document(path)
    except BudgetQAError as err:
        return err
    return doc, audit_document(doc).to_dict()


def _read_all(files: list[Path]) -> Iterator[tuple[Path, tuple[Document, dict[str, Any]] | BudgetQAError]]:
    """Parse the files in order; on every core when there are many (parsing is CPU-bound)."""
    workers = min(os.cpu_count() or 1, 8)
    if len(files) < PARALLEL_FROM or workers < 2:
        yield from ((f, _read_one(f)) for f in files)
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers) as pool:
        yield from zip(files, pool.map(_read_one, files, chunksize=4), strict=True)


def _build_vectors(docs: list[Document], build: Path, model: str | None, report: Progress) -> int:
    from assistant.retrieval import build_narrative_index

    report("embedding the narrative", 0, 1)
    result = build_narrative_index(docs, build, model)
    if result.error:  # the passages are still searchable with BM25
        report(f"no embedding model ({result.error}); narrative search uses BM25 only", 1, 1)
    else:
        report(f"embedded {result.chunks} passages ({result.embedding_model})", 1, 1)
    return result.chunks


def _write_passages(docs: list[Document], build: Path) -> int:
    from assistant.chunks import chunk_document
    from assistant.retrieval import CHUNKS_FILE, write_chunks

    chunks = list({c.id: c for doc in docs for c in chunk_document(doc)}.values())
    write_chunks(chunks, build / CHUNKS_FILE)
    return len(chunks)


def _warm_imports() -> None:
    """Import the embedding stack in the background while the documents are parsed (it takes seconds)."""
    import importlib
    import threading

    def load() -> None:
        for name in ("sentence_transformers", "langchain_chroma"):
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - the build reports a missing model itself, later
                return

    threading.Thread(target=load, daemon=True).start()


def _swap(index: Path, build: Path) -> None:
    pointer = index / "CURRENT"
    previous = pointer.read_text(encoding="utf-8").strip() if pointer.exists() else ""
    tmp = index / f".CURRENT.{os.getpid()}"
    tmp.write_text(build.name + "\n", encoding="utf-8")
    os.replace(tmp, pointer)
    for old in index.glob("build-*"):
        if old.name != build.name and (old.name == previous or old.is_dir()):
            shutil.rmtree(old, ignore_errors=True)
