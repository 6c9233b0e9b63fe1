"""Is an index build whole? Cheap checks each time the index opens, full ones for `budget-qa doctor`.

On open (`verify_build`, a few milliseconds at any size): the manifest reads, every file it lists is there
with its size, the fact store's header is SQLite's with as many pages as the file holds, its schema version
is the one this program reads, and its numbers of documents and facts are the manifest's; the Chroma folder
is there when the build has vectors. SQLite's `quick_check` reads the whole file (1.4 s for the 221 MB store
of 1,000 documents, more than opening that index takes), so it is left to `budget-qa doctor`, which runs
the full `integrity_check`, compares the sha256 of every file, parses and counts every passage and counts
the vectors. Each failure is one `IndexDamagedError` line naming the file and the fix.

A build made before manifests existed opens with a warning suggesting a rebuild (its fact store is still
checked); `budget-qa index` then rebuilds it even when no document changed.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from assistant.errors import IndexDamagedError
from assistant.manifest import (
    CHROMA_DIR,
    FACTS_FILE,
    MANIFEST_FILE,
    MARKER,
    PASSAGE_FILES,
    Manifest,
    count,
    damaged,
    missing,
    read_manifest,
    sha256_file,
)
from assistant.store import MIGRATIONS

SCHEMA = len(MIGRATIONS)


def verify_build(build: Path) -> list[str]:
    """The checks run when the index opens; raises `IndexDamagedError`, returns warnings (an old build)."""
    manifest = read_manifest(build)
    if manifest is not None:
        check_files(build, manifest)
    check_store(build, manifest)
    if manifest is None and manifest_expected(build):
        raise IndexDamagedError(missing(build / MANIFEST_FILE))
    return [] if manifest is not None else [no_manifest(build)]


def manifest_expected(build: Path) -> bool:
    """Whether the build was made with a manifest (its fact store says so): then a missing one is damage."""
    try:
        conn = sqlite3.connect(f"{(build / FACTS_FILE).resolve().as_uri()}?mode=ro", uri=True)
        try:
            return conn.execute("SELECT 1 FROM meta WHERE key = ?", (MARKER,)).fetchone() is not None
        finally:
            conn.close()
    except sqlite3.Error:  # no meta table (an early schema) or no store: nothing says so
        return False


def no_manifest(build: Path) -> str:
    return (
        f"{build} has no {MANIFEST_FILE} (built by an earlier version), so its files cannot be checked; "
        "rebuild it with `budget-qa index --force`"
    )


def check_files(build: Path, manifest: Manifest, digests: bool = False) -> str:
    """Every file the manifest lists is there with its size (and, with `digests`, its sha256)."""
    for name, artefact in manifest.files.items():
        path = build / name
        if not path.is_file():
            raise IndexDamagedError(missing(path))
        size = path.stat().st_size
        if size != artefact.bytes:
            raise IndexDamagedError(damaged(path, f"{size:,} bytes, the manifest says {artefact.bytes:,}"))
        if digests and sha256_file(path) != artefact.sha256:
            raise IndexDamagedError(damaged(path, "its sha256 differs from the manifest"))
    if manifest.passages and PASSAGE_FILES[0] not in manifest.files:
        raise IndexDamagedError(
            damaged(build / MANIFEST_FILE, "it counts passages but lists no chunks.jsonl")
        )
    if manifest.vectors and not (build / CHROMA_DIR / "chroma.sqlite3").is_file():
        raise IndexDamagedError(missing(build / CHROMA_DIR))
    checked = "sizes and sha256" if digests else "sizes"
    return f"{count(len(manifest.files), 'file')}, {checked} as the manifest gives"


def check_store(build: Path, manifest: Manifest | None, full: bool = False) -> str:
    """The fact store's header is sound, it opens read-only with this program's schema version and the
    manifest's counts; with `full`, it passes SQLite's `integrity_check` too."""
    db = build / FACTS_FILE
    if not db.is_file():
        raise IndexDamagedError(missing(db))
    problem = header_problem(db)
    if problem:
        raise IndexDamagedError(damaged(db, problem))
    try:
        conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as err:
        raise IndexDamagedError(damaged(db, _reason(err))) from None
    try:
        return _check_store(conn, db, manifest, full)
    except sqlite3.Error as err:
        raise IndexDamagedError(damaged(db, _reason(err))) from None
    finally:
        conn.close()


def _check_store(conn: sqlite3.Connection, db: Path, manifest: Manifest | None, full: bool) -> str:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version == 0:
        raise IndexDamagedError(damaged(db, "an empty database"))
    if full:
        problems = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise IndexDamagedError(damaged(db, " ".join(problems[0].split())[:120]))
    if version > SCHEMA or (manifest is not None and version != SCHEMA):
        raise IndexDamagedError(
            f"{db} has schema version {version}, not the {SCHEMA} this budget-qa reads; "
            "rebuild it with `budget-qa index --force`"
        )
    documents = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    facts = conn.execute("SELECT count(*) FROM facts").fetchone()[0]
    if manifest is not None:
        for what, found, expected in (
            ("document", documents, manifest.documents),
            ("fact", facts, manifest.facts),
        ):
            if found != expected:
                raise IndexDamagedError(damaged(db, f"{count(found, what)}, the manifest says {expected:,}"))
    check = "integrity check" if full else "header"
    return f"{check} ok, schema {version}, {count(documents, 'document')}, {count(facts, 'fact')}"


def header_problem(db: Path) -> str:
    """What the SQLite header says is wrong with the file, "" when nothing: the magic string, and the page
    count times the page size against the file's length (a cut-short or padded file). Reads 100 bytes."""
    size = db.stat().st_size
    with db.open("rb") as handle:
        header = handle.read(100)
    if len(header) < 100 or not header.startswith(b"SQLite format 3\x00"):
        return "not a SQLite database" if size else "an empty file"
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    counted = header[24:28] == header[92:96]  # the page count is valid only when written with this change
    if page_size < 512 or page_size & (page_size - 1):
        return "its header is damaged"
    if counted and pages * page_size != size:
        return f"{size:,} bytes, its header says {pages * page_size:,}"
    return ""


def check_passages(build: Path, manifest: Manifest | None) -> str:
    """Every passage parses, their number is the manifest's, and the search tokens stored beside them match."""
    from assistant.retrieval import read_chunks, read_tokens

    path = build / PASSAGE_FILES[0]
    expected = manifest.passages if manifest is not None else None
    if not path.is_file():
        if expected:
            raise IndexDamagedError(missing(path))
        return "no passages"
    chunks = read_chunks(path)
    if expected is not None and len(chunks) != expected:
        raise IndexDamagedError(
            damaged(path, f"{count(len(chunks), 'passage')}, the manifest says {expected:,}")
        )
    tokens = build / PASSAGE_FILES[1]
    if tokens.is_file() and read_tokens(tokens, chunks) is None:
        raise IndexDamagedError(damaged(tokens, "its passages differ from chunks.jsonl"))
    return f"{count(len(chunks), 'passage')} parse"


def check_vectors(build: Path, manifest: Manifest | None) -> str:
    """The Chroma collection opens and holds the manifest's number of vectors."""
    from assistant.errors import IndexMissingError
    from assistant.vectors import stored_vectors

    folder = build / CHROMA_DIR
    try:
        found = stored_vectors(folder)
    except IndexMissingError:
        raise IndexDamagedError(damaged(folder, "no narrative collection")) from None
    if manifest is not None and found != manifest.vectors:
        raise IndexDamagedError(
            damaged(folder, f"{count(found, 'vector')}, the manifest says {manifest.vectors:,}")
        )
    return count(found, "vector")


def _reason(err: sqlite3.Error) -> str:
    """SQLite's own words for what is wrong (file is not a database, database disk image is malformed)."""
    return str(err).split("\n")[0][:120] or type(err).__name__
