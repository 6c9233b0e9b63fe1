"""Ways an index gets damaged, each with the one line opening it must give and the checks `doctor` must fail.

Every case damages a copy of a built index in place and returns what is expected of it: `line`, the error
(without the `budget-qa: ` prefix) that opening the index gives, and `doctor`, the (check, message) pairs
`budget-qa doctor` reports as failed, in order.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assistant.store import MIGRATIONS

FIX = "rebuild it with `budget-qa index --force`"


@dataclass(frozen=True)
class Expected:
    line: str
    doctor: list[tuple[str, str]]


def live(index: Path) -> Path:
    return index / (index / "CURRENT").read_text(encoding="utf-8").strip()


def _size(path: Path, found: int, expected: int) -> str:
    return f"{path} is damaged ({found:,} bytes, the manifest says {expected:,}); {FIX}"


def _digest(path: Path) -> str:
    return f"{path} is damaged (its sha256 differs from the manifest); {FIX}"


def truncated_store(index: Path) -> Expected:
    db = live(index) / "facts.sqlite"
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 3])
    header = f"{db} is damaged ({len(data) // 3:,} bytes, its header says {len(data):,}); {FIX}"
    return Expected(
        _size(db, len(data) // 3, len(data)),
        [("files", _size(db, len(data) // 3, len(data))), ("fact store", header)],
    )


def _overwritten(make: Callable[[int], bytes]) -> Callable[[Path], Expected]:
    def damage(index: Path) -> Expected:
        db = live(index) / "facts.sqlite"
        db.write_bytes(make(db.stat().st_size))
        line = f"{db} is damaged (not a SQLite database); {FIX}"
        return Expected(line, [("files", _digest(db)), ("fact store", line)])

    return damage


random_store = _overwritten(os.urandom)
zeroed_store = _overwritten(bytes)


def overwritten_pages(index: Path) -> Expected:
    """Random bytes over the middle of the store: the header is sound, the tables are not."""
    db = live(index) / "facts.sqlite"
    data = bytearray(db.read_bytes())
    data[len(data) // 3 : len(data) // 3 + 40_000] = os.urandom(40_000)
    db.write_bytes(bytes(data))
    line = f"{db} is damaged (database disk image is malformed); {FIX}"
    return Expected(line, [("files", _digest(db)), ("fact store", line)])


def missing_store(index: Path) -> Expected:
    db = live(index) / "facts.sqlite"
    db.unlink()
    line = f"{db} is missing; {FIX}"
    return Expected(line, [("files", line), ("fact store", line)])


def missing_passages(index: Path) -> Expected:
    chunks = live(index) / "chunks.jsonl"
    chunks.unlink()
    line = f"{chunks} is missing; {FIX}"
    return Expected(line, [("files", line), ("passages", line)])


def truncated_passages(index: Path) -> Expected:
    chunks = live(index) / "chunks.jsonl"
    lines = chunks.read_bytes().splitlines(keepends=True)
    kept = b"".join(lines[: len(lines) // 2])
    chunks.write_bytes(kept)
    found = len(lines) // 2
    counted = f"{chunks} is damaged ({found:,} passages, the manifest says {len(lines):,}); {FIX}"
    return Expected(
        _size(chunks, len(kept), sum(map(len, lines))),
        [("files", _size(chunks, len(kept), sum(map(len, lines)))), ("passages", counted)],
    )


def garbage_passage(index: Path) -> Expected:
    chunks = live(index) / "chunks.jsonl"
    lines = chunks.read_bytes().splitlines(keepends=True)
    before = sum(map(len, lines))
    lines[5] = b"\x00garbage {not json\n"
    chunks.write_bytes(b"".join(lines))
    after = sum(map(len, lines))
    bad = f"{chunks} is damaged (line 6 is not a passage); {FIX}"
    return Expected(
        _size(chunks, after, before), [("files", _size(chunks, after, before)), ("passages", bad)]
    )


def wrong_schema(index: Path) -> Expected:
    db = live(index) / "facts.sqlite"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    line = f"{db} has schema version 99, not the {len(MIGRATIONS)} this budget-qa reads; {FIX}"
    return Expected(line, [("files", _digest(db)), ("fact store", line)])


def missing_manifest(index: Path) -> Expected:
    manifest = live(index) / "manifest.json"
    manifest.unlink()
    line = f"{manifest} is missing; {FIX}"
    return Expected(line, [("manifest", line)])


def garbled_manifest(index: Path) -> Expected:
    manifest = live(index) / "manifest.json"
    manifest.write_text(manifest.read_text(encoding="utf-8")[:40], encoding="utf-8")
    line = f"{manifest} is damaged (not valid JSON); {FIX}"
    return Expected(line, [("manifest", line)])


def missing_build(index: Path) -> Expected:
    (index / "CURRENT").write_text("build-gone\n", encoding="utf-8")
    line = f"{index}/CURRENT names build-gone, which is missing; {FIX}"
    return Expected(line, [("index", line)])


def fewer_facts(index: Path) -> Expected:
    db = live(index) / "facts.sqlite"
    conn = sqlite3.connect(db)
    with conn:
        total = conn.execute("SELECT count(*) FROM facts").fetchone()[0]
        conn.execute("DELETE FROM facts WHERE id = (SELECT max(id) FROM facts)")
    conn.close()
    line = f"{db} is damaged ({total - 1:,} facts, the manifest says {total:,}); {FIX}"
    return Expected(line, [("files", _digest(db)), ("fact store", line)])


def overwritten_sections(index: Path) -> Expected:
    """The first page of the narrative sections overwritten: opening (header, counts) does not read it, the
    first answer does. `line` is then the CLI's own message."""
    db = live(index) / "facts.sqlite"
    conn = sqlite3.connect(db)
    page = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'sections'").fetchone()[0]
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    data = bytearray(db.read_bytes())
    data[(page - 1) * size : page * size] = b"\xab" * size
    db.write_bytes(bytes(data))
    line = (
        "the index is damaged (database disk image is malformed); check it with `budget-qa doctor` and "
        "rebuild it with `budget-qa index --force`"
    )
    malformed = f"{db} is damaged (database disk image is malformed); {FIX}"
    return Expected(line, [("files", _digest(db)), ("fact store", malformed)])


CASES: dict[str, Callable[[Path], Expected]] = {
    "truncated facts.sqlite": truncated_store,
    "random bytes facts.sqlite": random_store,
    "zeroed facts.sqlite": zeroed_store,
    "overwritten pages of facts.sqlite": overwritten_pages,
    "missing facts.sqlite": missing_store,
    "missing chunks.jsonl": missing_passages,
    "truncated chunks.jsonl": truncated_passages,
    "a line of garbage in chunks.jsonl": garbage_passage,
    "wrong schema version": wrong_schema,
    "missing manifest": missing_manifest,
    "garbled manifest": garbled_manifest,
    "CURRENT names a missing build": missing_build,
    "fact count differs from the manifest": fewer_facts,
}
