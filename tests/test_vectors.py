"""The Chroma collection: local persistent builds, reopening, and a real Chroma server."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.chunks import chunk_document
from assistant.documents import read_document
from assistant.embeddings import E5_SMALL, USE_M3, load_embedder
from assistant.errors import IndexMissingError
from assistant.index import _swap
from assistant.retrieval import CHUNKS_FILE, load_retriever, write_chunks, write_vectors
from assistant.vectors import (
    COLLECTION,
    build_collection,
    build_collection_name,
    chunk_from_metadata,
    collection_count,
    open_collection,
)
from tests.servers import ChromaServer

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


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    folder = tmp_path_factory.mktemp("chroma-server")
    server = ChromaServer(folder / "data", folder / "server.log")
    yield server
    server.close()


@pytest.fixture()
def on_server(chroma_server: ChromaServer, monkeypatch: pytest.MonkeyPatch) -> ChromaServer:
    monkeypatch.setenv("CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("CHROMA_PORT", str(chroma_server.port))
    return chroma_server


def test_chroma_server(tmp_path: Path, chunks: list, embedder, on_server: ChromaServer) -> None:
    store = build_collection(chunks, tmp_path / "unused", embedder)
    assert collection_count(store) == 43
    assert not (tmp_path / "unused").exists()
    reopened = open_collection(tmp_path / "unused", embedder)
    doc = reopened.similarity_search("政府采购预算是多少？", k=1)[0]
    assert "政府采购预算91.96万元" in doc.metadata["text"]
    assert COLLECTION in [c.name for c in reopened._client.list_collections()]
    assert collection_count(build_collection(chunks[:4], tmp_path / "unused", embedder)) == 4


def _build(index: Path, name: str, chunks: list, embedder) -> Path:
    """A build folder holding `chunks` with their vectors, swapped in as the index's live build."""
    build = index / name
    build.mkdir(parents=True)
    write_vectors(chunks, build, embedder)
    write_chunks(chunks, build / CHUNKS_FILE)
    _swap(index, build)
    return build


def _held(server: ChromaServer) -> set[str]:
    import chromadb

    return {c.name for c in chromadb.HttpClient("127.0.0.1", server.port).list_collections()}


def test_each_build_has_its_own_collection_on_the_server(
    tmp_path: Path, chunks: list, embedder, on_server: ChromaServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new build never changes the collection a server answering from an earlier build searches: the build
    it replaces keeps its collection until the next swap, like its folder; older ones are deleted."""
    builds, names = [], []
    for n in range(3):
        builds.append(_build(tmp_path, f"build-{n}", chunks[n : n + 3], embedder))
        names.append(build_collection_name(builds[-1]))
    assert names == [f"{COLLECTION}-build-{n}" for n in range(3)]
    assert [b.exists() for b in builds] == [False, True, True]
    assert [name in _held(on_server) for name in names] == [False, True, True]
    assert not any((b / "chroma").exists() for b in builds[1:])
    previous = load_retriever(builds[1])  # a server still on the replaced build searches its own vectors
    assert previous.dense_available and previous.collection._collection.name == names[1]
    assert sorted(previous.collection.get()["ids"]) == sorted(c.id for c in chunks[1:4])
    assert load_retriever(builds[2]).status() == (
        f"BM25 and 3 vectors in collection {names[2]} on the Chroma server 127.0.0.1:{on_server.port}"
        " (e5-small-q4), 3 passages"
    )
    monkeypatch.delenv("CHROMA_HOST")  # a server not told where the vectors are says so, and uses BM25
    alone = load_retriever(builds[2])
    assert (alone.dense_available, alone.dense_error) == (
        False,
        f"the narrative vectors are collection {names[2]} on a Chroma server: set CHROMA_HOST",
    )
    assert alone.status() == f"BM25 alone over 3 passages ({alone.dense_error})"


def test_a_build_extending_another_keeps_the_collection_they_share(
    tmp_path: Path, chunks: list, embedder, on_server: ChromaServer
) -> None:
    """A build made by adding documents searches the collection of the build it extends: removing that
    build's folder leaves the collection while the newer build is kept."""
    first = _build(tmp_path, "build-1", chunks[:3], embedder)
    extended = tmp_path / "build-2"
    shutil.copytree(first, extended)  # as `add_documents` makes it
    _swap(tmp_path, extended)
    _build(
        tmp_path, "build-3", chunks[3:6], embedder
    )  # build-1's folder goes; build-2 still uses its vectors
    assert not first.exists() and build_collection_name(extended) == f"{COLLECTION}-build-1"
    assert {f"{COLLECTION}-build-1", f"{COLLECTION}-build-3"} <= _held(on_server)
    _build(tmp_path, "build-4", chunks[6:9], embedder)  # now nothing uses it
    assert f"{COLLECTION}-build-1" not in _held(on_server)


def test_a_vector_server_gone_away_leaves_bm25(
    tmp_path: Path,
    chunks: list,
    embedder,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A question asked while the Chroma server is down is searched with BM25 alone, and the log says so."""
    defining = [c for c in chunks if "公务接待费主要安排" in c.text]
    some = defining + [c for c in chunks if c.section == "名词解释" and c not in defining][:3]
    server = ChromaServer(tmp_path / "data", tmp_path / "server.log")
    try:
        monkeypatch.setenv("CHROMA_HOST", "127.0.0.1")
        monkeypatch.setenv("CHROMA_PORT", str(server.port))
        retriever = load_retriever(_build(tmp_path / "index", "build-1", some, embedder))
        assert retriever.dense_available
    finally:
        server.close()
    for document in (None, "shanghai-sme-office-2024"):
        caplog.clear()
        hits = retriever.search("公务接待费是什么意思？", k=1, document=document)
        assert [(h.chunk.id, h.dense_rank) for h in hits] == [(defining[0].id, None)]
        warned = [r.getMessage().split(" (")[0] for r in caplog.records]
        assert warned == ["narrative vectors unavailable, this question is searched with BM25 alone"]
