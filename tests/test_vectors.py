"""The Chroma collection: local persistent builds, reopening, and a real Chroma server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from assistant.chunks import chunk_document
from assistant.documents import read_document
from assistant.embeddings import E5_SMALL, USE_M3, load_embedder
from assistant.errors import IndexMissingError
from assistant.vectors import (
    COLLECTION,
    build_collection,
    chunk_from_metadata,
    collection_count,
    open_collection,
)

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpus" / "shanghai-sme-office-2024.txt"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chunks() -> list:
    return chunk_document(read_document(SEED))


@pytest.fixture(scope="module")
def embedder():
    return load_embedder(E5_SMALL)


@pytest.fixture(autouse=True)
def _local(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHROMA_HOST", raising=False)
    monkeypatch.delenv("CHROMA_PORT", raising=False)


@pytest.mark.parametrize(
    ("query", "section", "contains"),
    [
        ("公务接待费是什么意思？", "名词解释", "公务接待费主要安排全国性专业会议"),
        ("政府采购预算是多少？", "其他相关情况说明", "政府采购预算91.96万元"),
        ("专精特新企业由谁培育？", "主要职能", "专精特新"),
    ],
)
def test_build_and_query(
    tmp_path: Path, chunks: list, embedder, query: str, section: str, contains: str
) -> None:
    store = build_collection(chunks, tmp_path / "chroma", embedder)
    assert collection_count(store) == len(chunks) == 43
    doc, distance = store.similarity_search_with_score(query, k=1)[0]
    chunk = chunk_from_metadata(doc.id, doc.metadata)
    assert (chunk.section, contains in chunk.text) == (section, True)
    assert chunk in chunks
    assert 0.0 <= distance < 0.2


def test_reopen_and_rebuild_replace(tmp_path: Path, chunks: list, embedder) -> None:
    target = tmp_path / "chroma"
    build_collection(chunks, target, embedder)
    assert collection_count(open_collection(target, embedder)) == 43
    build_collection(chunks[:5], target, embedder)
    reopened = open_collection(target, embedder)
    assert collection_count(reopened) == 5
    assert sorted(reopened.get()["ids"]) == sorted(c.id for c in chunks[:5])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chroma"]


def test_failed_build_keeps_previous_collection(tmp_path: Path, chunks: list, embedder) -> None:
    target = tmp_path / "chroma"
    build_collection(chunks, target, embedder)
    with pytest.raises(Exception, match="(?i)duplicate"):
        build_collection([chunks[0], chunks[0]], target, embedder)
    assert collection_count(open_collection(target, embedder)) == 43
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chroma"]


def test_open_errors(tmp_path: Path, chunks: list, embedder) -> None:
    with pytest.raises(IndexMissingError, match="run `budget-qa index`"):
        open_collection(tmp_path / "absent", embedder)
    build_collection(chunks[:3], tmp_path / "chroma", embedder)
    with pytest.raises(IndexMissingError, match="built with embedding model 'e5-small-q4', not 'use-m3'"):
        open_collection(tmp_path / "chroma", load_embedder(USE_M3))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_heartbeat(port: int, server: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"chroma exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("chroma server did not answer its heartbeat")


def test_chroma_server(tmp_path: Path, chunks: list, embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    port = _free_port()
    chroma = Path(sys.executable).parent / "chroma"
    env = dict(os.environ, ANONYMIZED_TELEMETRY="False")
    server = subprocess.Popen(
        [str(chroma), "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(tmp_path / "server")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        _wait_for_heartbeat(port, server)
        monkeypatch.setenv("CHROMA_HOST", "127.0.0.1")
        monkeypatch.setenv("CHROMA_PORT", str(port))
        store = build_collection(chunks, tmp_path / "unused", embedder)
        assert collection_count(store) == 43
        assert not (tmp_path / "unused").exists()
        reopened = open_collection(tmp_path / "unused", embedder)
        doc = reopened.similarity_search("政府采购预算是多少？", k=1)[0]
        assert "政府采购预算91.96万元" in doc.metadata["text"]
        assert COLLECTION in [c.name for c in reopened._client.list_collections()]
        assert collection_count(build_collection(chunks[:4], tmp_path / "unused", embedder)) == 4
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
