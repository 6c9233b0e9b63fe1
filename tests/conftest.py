"""Shared fixtures: the seed document indexed once (fact store only) and the assistant over it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant import OFFLINE_ENV  # noqa: F401  (importing the package sets the offline environment)

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "shanghai-sme-office-2024.txt"
SEED_ID = "shanghai-sme-office-2024"
SHANGHAI = ROOT.parent / "shared" / "corpus" / "shanghai"
OTHER = SHANGHAI / "sh_shenjiju_2026.txt"  # 上海市审计局 2026, audits clean
OTHER_ID = "sh_shenjiju_2026"


def as_built_before_manifests(build: Path) -> None:
    """Make a build look like one made before manifests: no manifest.json, no mark in its fact store."""
    import sqlite3

    (build / "manifest.json").unlink()
    conn = sqlite3.connect(build / "facts.sqlite")
    with conn:
        conn.execute("DELETE FROM meta WHERE key = 'manifest'")
    conn.close()


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index folder holding the seed only (no vectors: table questions never need them)."""
    from assistant.index import build_index

    index = tmp_path_factory.mktemp("seed-index")
    build_index([SEED], index, with_vectors=False)
    return index


@pytest.fixture(scope="session")
def assistant(seed_index: Path):
    from assistant.engine import Assistant

    return Assistant.open(seed_index)


@pytest.fixture(scope="session")
def seed_bm25(seed_index: Path):
    """The seed's assistant with the narrative searched by BM25 alone (the embedding model is not loaded)."""

    from assistant.engine import Assistant
    from tests.servers import environment

    with environment({"BUDGET_QA_DENSE": "0"}):
        assistant = Assistant.open(seed_index)
        assert assistant.retriever() is not None  # loaded now, while dense search is off
    return assistant


@pytest.fixture(scope="session")
def seed_doc():
    from assistant.documents import read_document

    return read_document(SEED)


@pytest.fixture(scope="session")
def lexicon(seed_doc):
    from assistant.understand import Lexicon

    return Lexicon(seed_doc)


@pytest.fixture(scope="session")
def two_doc_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed next to another Shanghai budget (skipped when the shared corpus is absent)."""
    if not OTHER.exists():
        pytest.skip("shared Shanghai corpus not present")
    from assistant.index import build_index

    index = tmp_path_factory.mktemp("two-doc-index")
    build_index([SEED, OTHER], index, with_vectors=False)
    return index


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (the browser tests skip when it is not installed)."""
    from playwright.sync_api import sync_playwright

    from tests.servers import CHROMIUM, FLAGS

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Any]:
    """A throwaway PostgreSQL server for the whole test run (Debian's binaries; fails, never skips, without them)."""
    from tests.postgres import Cluster

    try:
        cluster = Cluster()
    except RuntimeError as err:
        pytest.fail(str(err), pytrace=False)
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def app_db_target(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """Where a fresh app database lives: a SQLite file, then an empty PostgreSQL database (the contract
    tests run once over each)."""
    if request.param == "sqlite":
        return tmp_path / "app.sqlite"
    return request.getfixturevalue("postgres_cluster").database()


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    """A corpus folder of its own holding the seed, for tests that add to it or index it afresh."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    return folder
