"""The manifest of an index build (`manifest.json`): what the build holds and a digest of every file.

A build writes it last, just before the swap: the fact store's schema version, the number of documents,
facts, passages and vectors, and the size and sha256 of every artefact file (`facts.sqlite`,
`chunks.jsonl`, `tokens.jsonl`, the PDFs in `originals/`). The Chroma folder is counted, not hashed: Chroma
writes to its own files when a collection is opened. Opening the index compares sizes and counts;
`budget-qa doctor` compares the digests as well.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import IndexDamagedError

MANIFEST_FILE = "manifest.json"
FORMAT = 1
FACTS_FILE = "facts.sqlite"
PASSAGE_FILES = ("chunks.jsonl", "tokens.jsonl")
ORIGINALS = "originals"
CHROMA_DIR = "chroma"
MARKER = "manifest"  # meta key of the fact store: its build has a manifest (a missing one is damage)


@dataclass(frozen=True)
class Artefact:
    """One file of a build: its size and digest."""

    bytes: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    """What a build holds; written by the build, checked on open and by `budget-qa doctor`."""

    schema: int
    documents: int
    facts: int
    passages: int
    vectors: int  # 0 when the build has no vectors
    files: dict[str, Artefact] = field(default_factory=dict)  # path inside the build → artefact
    embedding_model: str = ""
    format: int = FORMAT

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        """Raises ValueError when the text is not a manifest of this format."""
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("not a manifest of format 1")
        files = data.get("files")
        if not isinstance(files, dict):
            raise ValueError("no file list")
        counts = [data.get(k) for k in ("schema", "documents", "facts", "passages", "vectors")]
        if not all(type(n) is int and n >= 0 for n in counts):
            raise ValueError("counts are not whole numbers")
        artefacts = {str(name): _artefact(entry) for name, entry in files.items()}
        return cls(*counts, artefacts, str(data.get("embedding_model", "")), FORMAT)


def _artefact(entry: Any) -> Artefact:
    if (
        not isinstance(entry, dict)
        or type(entry.get("bytes")) is not int
        or not isinstance(entry.get("sha256"), str)
    ):
        raise ValueError("a file entry lacks its size or digest")
    return Artefact(entry["bytes"], entry["sha256"])


def sha256_file(path: Path) -> str:
    """The sha256 of a file, read in blocks (a fact store can be hundreds of megabytes)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def artefact_files(build: Path) -> list[str]:
    """The files of a build that the manifest lists, as paths inside the build."""
    names = [FACTS_FILE, *(n for n in PASSAGE_FILES if (build / n).is_file())]
    originals = build / ORIGINALS
    if originals.is_dir():
        names += sorted(f"{ORIGINALS}/{p.name}" for p in originals.iterdir() if p.is_file())
    return names


def count_lines(path: Path) -> int:
    """Non-empty lines of a JSONL file (0 when it is absent)."""
    if not path.is_file():
        return 0
    with path.open("rb") as handle:
        return sum(1 for line in handle if line.strip())


def write_manifest(build: Path, embedding_model: str = "") -> Manifest:
    """Describe a finished build in its manifest.json; called last, when no file of the build changes any more."""
    db = build / FACTS_FILE
    conn = sqlite3.connect(db)
    try:
        with conn:
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (MARKER, str(FORMAT)))
        schema = conn.execute("PRAGMA user_version").fetchone()[0]
        documents = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        facts = conn.execute("SELECT count(*) FROM facts").fetchone()[0]
    finally:
        conn.close()
    files = {
        name: Artefact((build / name).stat().st_size, sha256_file(build / name))
        for name in artefact_files(build)
    }
    manifest = Manifest(
        schema,
        documents,
        facts,
        count_lines(build / PASSAGE_FILES[0]),
        vector_count(build),
        files,
        embedding_model if (build / CHROMA_DIR).is_dir() else "",
    )
    tmp = build / f".{MANIFEST_FILE}.tmp"
    tmp.write_text(manifest.to_json(), encoding="utf-8")
    tmp.replace(build / MANIFEST_FILE)
    return manifest


def read_manifest(build: Path) -> Manifest | None:
    """The build's manifest; None when it has none (a build made before manifests); `IndexDamagedError` when
    it cannot be read."""
    path = build / MANIFEST_FILE
    if not path.exists():
        return None
    try:
        return Manifest.from_json(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as err:
        reason = "not valid JSON" if isinstance(err, json.JSONDecodeError) else str(err).split("\n")[0]
        raise IndexDamagedError(damaged(path, reason)) from None


def vector_count(build: Path) -> int:
    """Vectors in the build's own Chroma folder (0 when it has none)."""
    if not (build / CHROMA_DIR / "chroma.sqlite3").is_file():
        return 0
    from assistant.vectors import stored_vectors

    return stored_vectors(build / CHROMA_DIR)


def count(n: int, noun: str) -> str:
    """ "1 document", "1,272 passages"."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def damaged(path: Path, reason: str) -> str:
    """The one-line message for a damaged file of the index, naming the fix."""
    return f"{path} is damaged ({reason}); rebuild it with `budget-qa index --force`"


def missing(path: Path) -> str:
    return f"{path} is missing; rebuild it with `budget-qa index --force`"
