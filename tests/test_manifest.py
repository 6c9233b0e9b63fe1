"""The manifest a build writes: its counts and digests agree with the files, and a garbled one is refused."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from assistant.errors import IndexDamagedError
from assistant.index import current_build
from assistant.manifest import FORMAT, Artefact, Manifest, count, read_manifest
from assistant.store import MIGRATIONS

from .damage import FIX


def test_the_manifest_describes_the_build(seed_index: Path) -> None:
    build = current_build(seed_index)
    manifest = read_manifest(build)
    assert manifest is not None
    conn = sqlite3.connect(build / "facts.sqlite")
    documents = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    facts = conn.execute("SELECT count(*) FROM facts").fetchone()[0]
    schema = conn.execute("PRAGMA user_version").fetchone()[0]
    conn.close()
    lines = (build / "chunks.jsonl").read_text(encoding="utf-8").splitlines()
    assert (manifest.schema, manifest.documents, manifest.facts) == (schema, documents, facts)
    assert (schema, documents) == (len(MIGRATIONS), 1)
    assert manifest.passages == len(lines) > 0
    assert (manifest.vectors, manifest.embedding_model, manifest.format) == (0, "", FORMAT)
    assert sorted(manifest.files) == ["chunks.jsonl", "facts.sqlite", "tokens.jsonl"]
    for name, artefact in manifest.files.items():
        data = (build / name).read_bytes()
        assert artefact == Artefact(len(data), hashlib.sha256(data).hexdigest())


def test_the_manifest_reads_back_as_written() -> None:
    manifest = Manifest(3, 2, 500, 40, 40, {"facts.sqlite": Artefact(10, "ab" * 32)}, "e5-small-q4")
    assert Manifest.from_json(manifest.to_json()) == manifest


GOOD = {
    "format": 1,
    "schema": 3,
    "documents": 1,
    "facts": 2,
    "passages": 0,
    "vectors": 0,
    "files": {"facts.sqlite": {"bytes": 1, "sha256": "00"}},
}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "not valid JSON"),
        ('{"format": 1, "schema":', "not valid JSON"),
        ("[1, 2]", "not a manifest of format 1"),
        (json.dumps({**GOOD, "format": 2}), "not a manifest of format 1"),
        (json.dumps({**GOOD, "files": []}), "no file list"),
        (json.dumps({**GOOD, "facts": "2"}), "counts are not whole numbers"),
        (json.dumps({**GOOD, "documents": -1}), "counts are not whole numbers"),
        (json.dumps({**GOOD, "vectors": True}), "counts are not whole numbers"),
        (
            json.dumps({**GOOD, "files": {"facts.sqlite": {"bytes": 1}}}),
            "a file entry lacks its size or digest",
        ),
    ],
)
def test_a_garbled_manifest_is_one_line(tmp_path: Path, text: str, reason: str) -> None:
    (tmp_path / "manifest.json").write_text(text, encoding="utf-8")
    with pytest.raises(IndexDamagedError) as err:
        read_manifest(tmp_path)
    assert str(err.value) == f"{tmp_path / 'manifest.json'} is damaged ({reason}); {FIX}"


def test_no_manifest_is_none_and_bytes_that_are_not_text_are_damage(tmp_path: Path) -> None:
    assert read_manifest(tmp_path) is None
    (tmp_path / "manifest.json").write_bytes(b"\xff\xfe\x00{")
    with pytest.raises(IndexDamagedError, match="manifest.json is damaged"):
        read_manifest(tmp_path)


@pytest.mark.parametrize(
    ("n", "noun", "text"),
    [(0, "fact", "0 facts"), (1, "document", "1 document"), (1272, "passage", "1,272 passages")],
)
def test_count(n: int, noun: str, text: str) -> None:
    assert count(n, noun) == text
