"""Integrity of a build: each kind of damage is one line naming the file and the fix, on open and in full."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from assistant.errors import IndexDamagedError, IndexMissingError
from assistant.index import build_index, current_build
from assistant.integrity import (
    check_files,
    check_passages,
    check_store,
    header_problem,
    manifest_expected,
    verify_build,
)
from assistant.manifest import read_manifest
from assistant.store import MIGRATIONS

from .conftest import SEED, as_built_before_manifests
from .damage import CASES, FIX


@pytest.fixture()
def index(tmp_path: Path, seed_index: Path) -> Path:
    copy = tmp_path / "index"
    shutil.copytree(seed_index, copy)
    return copy


def test_a_sound_build_passes_every_check(index: Path) -> None:
    build = current_build(index)
    manifest = read_manifest(build)
    assert manifest is not None
    assert verify_build(build) == []
    assert check_files(build, manifest, digests=True) == "3 files, sizes and sha256 as the manifest gives"
    assert check_store(build, manifest, full=True) == (
        f"integrity check ok, schema {len(MIGRATIONS)}, 1 document, {manifest.facts:,} facts"
    )
    assert check_passages(build, manifest) == f"{manifest.passages:,} passages parse"
    assert manifest_expected(build)


@pytest.mark.parametrize("case", list(CASES))
def test_damage_is_one_line_naming_the_fix(index: Path, case: str) -> None:
    expected = CASES[case](index)
    with pytest.raises(IndexMissingError) as err:
        verify_build(current_build(index))
    assert str(err.value) == expected.line
    assert "\n" not in str(err.value) and str(err.value).endswith(FIX)


def test_a_build_made_before_manifests_opens_with_a_warning(index: Path) -> None:
    build = current_build(index)
    as_built_before_manifests(build)
    assert not manifest_expected(build)
    assert verify_build(build) == [
        f"{build} has no manifest.json (built by an earlier version), so its files cannot be checked; {FIX}"
    ]


def test_a_damaged_build_made_before_manifests_is_still_an_error(index: Path) -> None:
    build = current_build(index)
    as_built_before_manifests(build)
    db = build / "facts.sqlite"
    size = db.stat().st_size
    db.write_bytes(db.read_bytes()[:4096])
    with pytest.raises(IndexDamagedError) as err:
        verify_build(build)
    assert str(err.value) == f"{db} is damaged (4,096 bytes, its header says {size:,}); {FIX}"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "an empty file"),
        (b"SQLite format 3", "not a SQLite database"),
        (b"PK\x03\x04" + bytes(200), "not a SQLite database"),
        (bytes(4096), "not a SQLite database"),
    ],
)
def test_header_problems(tmp_path: Path, content: bytes, problem: str) -> None:
    db = tmp_path / "x.sqlite"
    db.write_bytes(content)
    assert header_problem(db) == problem


def test_header_of_a_sound_database_and_a_padded_one(tmp_path: Path) -> None:
    db = tmp_path / "x.sqlite"
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("CREATE TABLE t (x)")
        conn.execute("INSERT INTO t VALUES (1)")
    conn.close()
    assert header_problem(db) == ""
    size = db.stat().st_size
    db.write_bytes(db.read_bytes() + bytes(size))
    assert header_problem(db) == f"{2 * size:,} bytes, its header says {size:,}"


def test_a_rebuild_without_force_repairs_a_damaged_build(tmp_path: Path) -> None:
    index = tmp_path / "index"
    build_index([SEED], index, with_vectors=False)
    CASES["missing chunks.jsonl"](index)
    result = build_index([SEED], index, with_vectors=False)  # the same files: still rebuilt
    assert not result.up_to_date
    assert verify_build(current_build(index)) == []
    assert build_index([SEED], index, with_vectors=False).up_to_date
