"""Building the index: documents → fact store + Chroma collection, built aside and swapped in.

Layout of the index folder:

    index/CURRENT          name of the live build (one line)
    index/build-<stamp>/   facts.sqlite and chroma/ of one build; never changed once CURRENT names it
    index/leases/<build>/  one file per serving process reading that build (touched while it answers)
    index/uploads/         documents added to the live index, part of every later build
    index/app.sqlite       the chat app's question log (kept across builds)

A build is written to a fresh folder; only when every document parsed and both stores are complete does
`CURRENT` change (a temporary file renamed over it). A failed build leaves the previous index untouched and
usable. After a swap, a build is removed only when it is neither CURRENT nor the one CURRENT replaced and no
serving process holds a fresh lease on it, so a server never loses the folder it answers from.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import os
import shutil
import socket
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from assistant.audit import audit_series, with_findings
from assistant.catalog import DocKey, unit_identity
from assistant.documents import read_document
from assistant.errors import BudgetQAError, IndexDamagedError, IndexMissingError, InputError
from assistant.integrity import verify_build
from assistant.manifest import damaged, read_manifest, write_manifest
from assistant.records import Document
from assistant.store import Store

Progress = Callable[[str, int, int], None]  # (message, done, total)
PARALLEL_FROM = 40  # text documents; below this, starting worker processes costs more than it saves
PDF_WEIGHT = 10  # a PDF takes about ten times as long to read as its text


@dataclass
class BuildResult:
    build_dir: Path | None  # None when nothing changed
    documents: list[dict] = field(default_factory=list)
    chunks: int = 0
    seconds: float = 0.0
    skipped: list[str] = field(default_factory=list)  # files that could not be read, with the reason
    joined: list[str] = field(default_factory=list)  # narrative files read with their table file
    up_to_date: bool = False


DOCUMENT_SUFFIXES = (".pdf", ".txt")
LEASES = "leases"
LEASE_TTL_S = 600.0  # a lease not touched for this long no longer keeps its build
ORIGINALS = "originals"  # the published PDFs of a build, served read-only so citations can open them
UPLOADS = "uploads"  # documents added to a live index (`budget-qa add`, the helpdesk); in every later build


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
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        name = ""
    if not name.startswith("build-") or "/" in name or "\\" in name:
        raise IndexDamagedError(damaged(pointer, "it names no build"))
    build = index / name
    if not build.is_dir():
        raise IndexDamagedError(
            f"{pointer} names {name}, which is missing; rebuild it with `budget-qa index --force`"
        )
    return build


def open_live(index_dir: str | Path) -> tuple[Path, Store]:
    """The live build and its fact store, checked first (`integrity.verify_build`): a damaged build raises
    `IndexDamagedError`; one made before manifests opens with a logged warning."""
    build = current_build(index_dir)
    for warning in verify_build(build):
        logging.getLogger("assistant").warning(warning)
    return build, Store.open(build / "facts.sqlite")


def fingerprint(files: list[Path], model: str) -> str:
    """What a build was made from: the documents, the embedding model and the reading code and layouts (a
    newer reader rebuilds an index the older one built, instead of calling it up to date)."""
    entries = [(f.stem, sha256(f)) for f in files]
    return hashlib.sha256(json.dumps([entries, model, reader_version()]).encode()).hexdigest()


@lru_cache(maxsize=1)
def reader_version() -> str:
    """A digest of the package's code and data files, in a stable order."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".toml", ".txt", ".json"):
            digest.update(path.relative_to(package).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


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
    files = corpus_files(paths) + _uploads(index)
    model = embedding_model or os.environ.get("BUDGET_QA_EMBEDDING_MODEL", "") or "default"
    stamp = fingerprint(files, model if with_vectors else "none")
    if not force:
        held = _held(index)
        if held.get("whole") and held.get("fingerprint") == stamp:
            return BuildResult(None, up_to_date=True, seconds=time.perf_counter() - started)
        refuse_dropping(held.get("documents", []), files, index)
    index.mkdir(parents=True, exist_ok=True)
    if with_vectors:
        _warm_imports()
    with _locked(index):
        build, result = _build(files, index, stamp, model, embedding_model, with_vectors, skip_bad, report)
    result.build_dir = build
    result.seconds = time.perf_counter() - started
    return result


def _held(index: Path) -> dict[str, Any]:
    """The live build's fingerprint, document ids and whether it is whole (a damaged or manifest-less build is
    rebuilt even when its fingerprint matches); empty when there is no index yet."""
    try:
        live = current_build(index)
    except IndexMissingError:
        return {}
    try:
        whole = not verify_build(live)  # warnings: a build made before manifests
    except IndexDamagedError:
        whole = False
    try:
        store = Store.open(live / "facts.sqlite")
        try:
            documents = [d["id"] for d in store.documents()]
            return {"whole": whole, "fingerprint": store.meta("fingerprint"), "documents": documents}
        finally:
            store.close()
    except (BudgetQAError, sqlite3.Error):  # a fact store too damaged to list its documents
        return {"whole": False}


def dropped_documents(held: Iterable[str], files: Iterable[Path]) -> list[str]:
    """The documents an index holds that a build of `files` would not (a document's id is its file name
    without the suffix)."""
    kept = {f.stem for f in files}
    return sorted(d for d in held if d not in kept)


def refuse_dropping(held: Iterable[str], files: list[Path], index: Path) -> None:
    """Raise `InputError` naming the documents a rebuild from `files` would take out of the index."""
    dropped = dropped_documents(held, files)
    if dropped:
        raise InputError(
            f"{index}: refusing to drop {len(dropped)} indexed document(s) missing from the files given: "
            f"{', '.join(dropped)}; add documents with `budget-qa add`, or replace the index with --force"
        )


def _build(
    files: list[Path],
    index: Path,
    stamp: str,
    model: str,
    embedding_model: str | None,
    with_vectors: bool,
    skip_bad: bool,
    report: Progress,
) -> tuple[Path, BuildResult]:
    build = _new_build(index)
    try:
        docs, result = _parse_all(files, skip_bad, report)
        store = Store.open(build / "facts.sqlite", create=True)
        _store_docs(store, docs, audit_series([d for d, _, _ in docs]), build, report)
        embedded = ""
        if with_vectors:
            result.chunks, embedded = _build_vectors([d for d, _, _ in docs], build, embedding_model, report)
            store.set_meta("embedding_model", model)
        else:
            result.chunks = _write_passages([d for d, _, _ in docs], build)
        store.set_meta("fingerprint", stamp)
        result.documents = store.documents()
        store.close()
        write_manifest(build, embedded)
        _swap(index, build)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    return build, result


def _new_build(index: Path) -> Path:
    return index / f"build-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.time_ns() % 10**9:09d}"


def _uploads(index: Path) -> list[Path]:
    folder = index / UPLOADS
    return corpus_files([folder]) if folder.is_dir() and any(folder.iterdir()) else []


def add_documents(
    paths: Iterable[str | Path], index_dir: str | Path, *, progress: Progress | None = None
) -> BuildResult:
    """Add documents to the live index without touching the others: a new build is the live one plus
    these, swapped in when complete. A document already indexed (same unit, year and kind, or same
    name) is refused, and so is anything that does not parse; then nothing changes. The files are kept in
    index/uploads/ so later builds hold them too."""
    started = time.perf_counter()
    report = progress or (lambda *_: None)
    index = Path(index_dir)
    files = corpus_files(paths)
    with _locked(index):
        return _add(files, index, report, started)


@contextmanager
def _locked(index: Path) -> Iterator[None]:
    """One writer at a time: two additions at once would each start from the same live build."""
    import fcntl

    index.mkdir(parents=True, exist_ok=True)
    with (index / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _add(files: list[Path], index: Path, report: Progress, started: float) -> BuildResult:
    live = current_build(index)
    verify_build(live)  # a damaged build is not copied into the next one
    docs, result = _parse_all(files, False, report)
    held = Store.open(live / "facts.sqlite")
    rows = held.documents()
    held.close()
    refuse_known(docs, rows)
    build = _new_build(index)
    try:
        shutil.copytree(live, build)
        _store_added(docs, build, rows, report)
        result.chunks = _append_passages([d for d, _, _ in docs], build, report)
        store = Store.open(build / "facts.sqlite")
        store.set_meta("fingerprint", "")  # the next `budget-qa index` rebuilds, uploads included
        result.documents = store.documents()
        store.close()
        held_manifest = read_manifest(live)
        write_manifest(build, held_manifest.embedding_model if held_manifest else "")
        _keep_uploads(files, index)
        _swap(index, build)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    result.build_dir = build
    result.seconds = time.perf_counter() - started
    return result


def refuse_known(docs: list[tuple[Document, str, dict[str, Any]]], rows: list[dict[str, Any]]) -> None:
    """Raise `InputError` for a document the index holds already (same unit, year and kind; same file), or
    one that names no unit or year (questions could not tell it apart)."""
    keys = {DocKey(unit_identity(r["unit_name"]), r["year"], r["kind"]): r["id"] for r in rows}
    digests = {r["sha256"]: r["id"] for r in rows}
    for doc, digest, _ in docs:
        if not doc.unit_name or not doc.year:
            raise InputError(f"{doc.id}: the budget names no unit (预算单位/编制单位) or no year")
        key = DocKey(unit_identity(doc.unit_name), doc.year, doc.kind)
        if key in keys:
            raise InputError(f"{doc.id}: {key.label()} is already indexed (as {keys[key]})")
        if digest in digests or doc.id in digests.values():
            raise InputError(f"{doc.id}: this document is already indexed (as {digests.get(digest, doc.id)})")


def _store_added(
    docs: list[tuple[Document, str, dict[str, Any]]],
    build: Path,
    rows: list[dict[str, Any]],
    report: Progress,
) -> None:
    """Store the new documents with their audits (across years too, against the unit's stored budgets)."""
    store = Store.open(build / "facts.sqlite")
    units = {unit_identity(d.unit_name) for d, _, _ in docs}
    same_unit = [store.load_document(r["id"]) for r in rows if unit_identity(r["unit_name"]) in units]
    _store_docs(store, docs, audit_series(same_unit + [d for d, _, _ in docs]), build, report)
    store.close()


def _store_docs(
    store: Store,
    docs: list[tuple[Document, str, dict[str, Any]]],
    across_years: dict[str, list[Any]],
    build: Path,
    report: Progress,
) -> None:
    """Each document with its audit (and its findings across years) into the store, its PDF into the build."""
    for n, (doc, digest, audit) in enumerate(docs, start=1):
        store.add_document(doc, digest, with_findings(audit, across_years.get(doc.id, [])))
        keep_original(doc, build)
        report(f"stored {doc.id}", n, len(docs))


def _append_passages(docs: list[Document], build: Path, report: Progress) -> int:
    """The new documents' passages added to the build's passages, and to its vectors when it has them."""
    from assistant.chunks import chunk_document
    from assistant.retrieval import CHROMA_DIR, CHUNKS_FILE, read_chunks, write_chunks

    chunks = read_chunks(build / CHUNKS_FILE) if (build / CHUNKS_FILE).exists() else []
    known = {c.id for c in chunks}
    new = list({c.id: c for d in docs for c in chunk_document(d) if c.id not in known}.values())
    write_chunks(chunks + new, build / CHUNKS_FILE)
    if new and (build / CHROMA_DIR).exists():
        from assistant.embeddings import load_embedder
        from assistant.vectors import add_chunks, open_collection

        report("embedding the new passages", 0, 1)
        try:
            add_chunks(open_collection(build / CHROMA_DIR, load_embedder()), new)
        except BudgetQAError as err:  # the passages are still searchable with BM25
            report(f"no embedding model ({err}); the new passages are searched with BM25 only", 1, 1)
    return len(chunks) + len(new)


def _keep_uploads(files: list[Path], index: Path) -> None:
    folder = index / UPLOADS
    folder.mkdir(parents=True, exist_ok=True)
    for f in files:
        if f.resolve().parent != folder.resolve():
            shutil.copyfile(f, folder / f.name)


def _parse_all(
    files: list[Path], skip_bad: bool, report: Progress
) -> tuple[list[tuple[Document, str, dict[str, Any]]], BuildResult]:
    result = BuildResult(None)
    docs = []
    held: dict[DocKey, str] = {}
    parsed: list[tuple[Path, tuple[Document, dict[str, Any]]]] = []
    for n, (f, read) in enumerate(_read_all(files), start=1):
        report(f"parsed {f.name}", n, len(files))
        if isinstance(read, BudgetQAError):
            if not skip_bad:
                raise _stopped(read, len(files))
            result.skipped.append(str(read))
            continue
        parsed.append((f, read))
    for f, (doc, audit) in _joined_companions(parsed, result):
        key = DocKey(unit_identity(doc.unit_name), doc.year, doc.kind)
        if key in held:  # one budget per unit, year and kind: a second copy would answer twice
            result.skipped.append(f"{doc.id}: the same budget as {held[key]} ({key.label()}); not indexed")
            continue
        held[key] = doc.id
        docs.append((doc, sha256(f), audit))
    if not docs:
        raise InputError("no document could be indexed")
    return docs, result


def _stopped(err: BudgetQAError, files: int) -> BudgetQAError:
    """A file that cannot be read stops the build; with others beside it, say that nothing changed and how
    to index the rest."""
    if files < 2:
        return err
    stopped = copy.copy(err)
    stopped.args = (f"{err}; nothing was indexed (--skip-bad indexes the other files)",)
    return stopped


def _joined_companions(
    parsed: list[tuple[Path, tuple[Document, dict[str, Any]]]], result: BuildResult
) -> list[tuple[Path, tuple[Document, dict[str, Any]]]]:
    """A budget's narrative file read together with its table file (see `assistant.companions`)."""
    from assistant.audit import audit_document
    from assistant.companions import find_pairs, join_sources
    from assistant.documents import parse_source
    from assistant.readers import reader_for

    paths = {doc.id: f for f, (doc, _) in parsed}
    pairs = find_pairs([doc for _, (doc, _) in parsed])
    joined: dict[str, tuple[Document, dict[str, Any]]] = {}
    for pair in pairs:
        table_file, text_file = paths[pair.tables], paths[pair.narrative]
        source = join_sources(reader_for(table_file).read(table_file), reader_for(text_file).read(text_file))
        doc = parse_source(source, pair.tables, str(table_file))
        joined[pair.tables] = (doc, audit_document(doc).to_dict())
        result.joined.append(f"{pair.narrative}: read with {pair.tables} as its narrative")
    narratives = {p.narrative for p in pairs}
    return [(f, joined.get(doc.id, read)) for f, read in parsed if (doc := read[0]).id not in narratives]


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
    weight = sum(PDF_WEIGHT if f.suffix.lower() == ".pdf" else 1 for f in files)
    if weight < PARALLEL_FROM or workers < 2:
        yield from ((f, _read_one(f)) for f in files)
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers) as pool:
        yield from zip(files, pool.map(_read_one, files, chunksize=4), strict=True)


def _build_vectors(docs: list[Document], build: Path, model: str | None, report: Progress) -> tuple[int, str]:
    """Passages and their vectors; returns the number of passages and the embedding model ("" if none)."""
    from assistant.retrieval import build_narrative_index

    report("embedding the narrative", 0, 1)
    result = build_narrative_index(docs, build, model)
    if result.error:  # the passages are still searchable with BM25
        report(f"no embedding model ({result.error}); narrative search uses BM25 only", 1, 1)
    else:
        report(f"embedded {result.chunks} passages ({result.embedding_model})", 1, 1)
    return result.chunks, result.embedding_model


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
    """Point CURRENT at `build`: a temporary file written in full, then renamed over CURRENT (atomic, so a
    reader sees the old name or the new one, never part of one). Then unused builds are removed, with their
    collections on a Chroma server."""
    pointer = index / "CURRENT"
    previous = pointer.read_text(encoding="utf-8").strip() if pointer.exists() else ""
    tmp = index / f".CURRENT.{os.getpid()}.{time.time_ns()}"
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(build.name + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, pointer)
    remove_unused_builds(index, keep={build.name, previous})


# leases: which builds serving processes read
def lease_holder() -> str:
    """This process, as named in its lease files: host and process id."""
    return f"{socket.gethostname()}-{os.getpid()}"


def touch_lease(index_dir: str | Path, build: str, holder: str | None = None) -> Path:
    """Mark `build` as read by this process now (its lease file's time is the mark)."""
    path = Path(index_dir) / LEASES / build / (holder or lease_holder())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    return path


def fresh_leases(
    index_dir: str | Path, build: str, ttl_s: float = LEASE_TTL_S, now: float | None = None
) -> list[str]:
    """The holders whose lease on `build` was touched within `ttl_s` and whose process (on this host) runs."""
    folder = Path(index_dir) / LEASES / build
    moment = time.time() if now is None else now
    out = []
    for lease in folder.glob("*") if folder.is_dir() else []:
        try:
            touched = lease.stat().st_mtime
        except FileNotFoundError:
            continue
        if moment - touched <= ttl_s and _alive(lease.name):
            out.append(lease.name)
    return sorted(out)


def _alive(holder: str) -> bool:
    """False only for a process of this host that no longer exists (its lease ends with it)."""
    host, _, pid = holder.rpartition("-")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_unused_builds(
    index_dir: str | Path, keep: set[str], ttl_s: float = LEASE_TTL_S, now: float | None = None
) -> list[str]:
    """Remove every build not in `keep` (CURRENT and the one it replaced) on which no fresh lease exists,
    with its leases; the names removed. Called by the writer, under the index lock."""
    index = Path(index_dir)
    builds = [b for b in sorted(index.glob("build-*")) if b.is_dir()]
    unused = [b for b in builds if b.name not in keep and not fresh_leases(index, b.name, ttl_s, now)]
    remaining = {b for b in builds if b not in unused}
    for old in unused:
        _drop_vectors(old, remaining)
        shutil.rmtree(old, ignore_errors=True)
        shutil.rmtree(index / LEASES / old.name, ignore_errors=True)
    for leases in (index / LEASES).glob("*") if (index / LEASES).is_dir() else []:
        if not (index / leases.name).exists():  # leases of a build already gone
            shutil.rmtree(leases, ignore_errors=True)
    return [b.name for b in unused]


def _drop_vectors(old: Path, kept: set[Path]) -> None:
    """Delete a removed build's collection on the Chroma server, unless a kept build searches it too (a
    build made by `add_documents` searches the collection of the build it extends)."""
    from assistant.vectors import build_collection_name, drop_collection

    name = build_collection_name(old)
    if name and name not in {build_collection_name(k) for k in kept}:
        drop_collection(name)
