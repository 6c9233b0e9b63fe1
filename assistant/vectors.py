"""The Chroma collection of narrative chunks, through langchain-chroma.

A local build writes a persistent collection into a fresh sibling directory and swaps it in only when complete,
so a failed build leaves the previous index usable. With CHROMA_HOST (and CHROMA_PORT) set, the collection
lives on that Chroma server instead, one collection per build (`budget-narrative-<build folder>`), named in the
build's `vectors.json`: a new build never changes the collection that servers answering from an earlier
build search, and every copy of a build finds its own. The embedding function is always given explicitly:
Chroma's own default would try to download a model.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.embeddings import Embedder, langchain_embeddings
from assistant.errors import IndexMissingError
from assistant.records import Chunk

if TYPE_CHECKING:
    from langchain_chroma import Chroma

COLLECTION = "budget-narrative"
NAME_FILE = "vectors.json"  # in a build whose vectors are on a Chroma server: {"collection": name}
_CONFIGURATION = {"hnsw": {"space": "cosine"}}


def build_collection(
    chunks: Sequence[Chunk], persist_dir: str | Path, embedder: Embedder, name: str = COLLECTION
) -> Chroma:
    """Write `chunks` as collection `name`, replacing any previous one; returns the opened store."""
    if _server() is not None:
        client = _client(None)
        _drop(client, name)
        store = _store(client, embedder, name)
        _add(store, chunks)
        return store
    target = Path(persist_dir)
    staging = target.with_name(f"{target.name}.building-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.parent.mkdir(parents=True, exist_ok=True)
    client = _client(staging)
    try:
        _add(_store(client, embedder, name), chunks)
    except BaseException:
        client.close()
        shutil.rmtree(staging, ignore_errors=True)
        raise
    client.close()
    retired = target.with_name(f"{target.name}.old-{os.getpid()}")
    if target.exists():
        _forget(target)
        target.rename(retired)
    staging.rename(target)
    shutil.rmtree(retired, ignore_errors=True)
    return open_collection(target, embedder, name)


def open_collection(persist_dir: str | Path, embedder: Embedder, name: str = COLLECTION) -> Chroma:
    """Open a built collection; IndexMissingError when absent or built with another embedding model."""
    server = _server()
    if server is None and not (Path(persist_dir) / "chroma.sqlite3").exists():
        elsewhere = build_collection_name(Path(persist_dir).parent)
        if elsewhere:
            raise IndexMissingError(
                f"the narrative vectors are collection {elsewhere} on a Chroma server: set CHROMA_HOST"
            )
        raise IndexMissingError(f"no narrative index in {persist_dir}: run `budget-qa index` first")
    client = _client(None if server else Path(persist_dir))
    try:
        collection = client.get_collection(name)
    except Exception as err:  # chromadb raises NotFoundError / ValueError depending on the client
        raise IndexMissingError(f"narrative collection {name!r} not found: run `budget-qa index`") from err
    built_with = (collection.metadata or {}).get("embedding_model")
    if built_with != embedder.name:
        raise IndexMissingError(
            f"the narrative index was built with embedding model {built_with!r}, not {embedder.name!r}: "
            "run `budget-qa index` again"
        )
    return _store(client, embedder, name, create=False)


def collection_for_build(build: str | Path) -> str:
    """The collection a new build writes: its own on a Chroma server, the default in its local folder."""
    return f"{COLLECTION}-{Path(build).name}" if _server() is not None else COLLECTION


def name_collection(build: str | Path, name: str) -> None:
    """Record in the build that its vectors are collection `name` on a Chroma server."""
    if name != COLLECTION:
        (Path(build) / NAME_FILE).write_text(json.dumps({"collection": name}) + "\n", encoding="utf-8")


def build_collection_name(build: str | Path) -> str | None:
    """The Chroma server collection a build's vectors are in (None: local, or no vectors)."""
    try:
        return str(json.loads((Path(build) / NAME_FILE).read_text(encoding="utf-8"))["collection"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def drop_collection(name: str) -> bool:
    """Delete collection `name` from the Chroma server (a build that is gone); False when it cannot."""
    if _server() is None:
        return False
    try:
        _client(None).delete_collection(name)
    except Exception:  # noqa: BLE001 - unreachable server or collection gone: nothing more to do
        return False
    return True


def describe(store: Chroma) -> str:
    """Where a store's vectors are, for the server log: the Chroma server and collection, or the folder."""
    collection = store._collection
    server = _server()
    where = f"the Chroma server {server[0]}:{server[1]}" if server else "the index folder"
    return f"{collection.count()} vectors in collection {collection.name} on {where}"


def collection_count(store: Chroma) -> int:
    """Number of chunks in the store's collection."""
    return store._collection.count()


def _store(client: Any, embedder: Embedder, name: str, create: bool = True) -> Chroma:
    from langchain_chroma import Chroma

    return Chroma(
        collection_name=name,
        embedding_function=langchain_embeddings(embedder),
        client=client,
        collection_metadata={"embedding_model": embedder.name, "dimension": embedder.dimension},
        collection_configuration=_CONFIGURATION if create else None,
        create_collection_if_not_exists=create,
    )


def add_chunks(store: Chroma, chunks: Sequence[Chunk]) -> None:
    """Add passages to an open collection (documents added to a live index)."""
    _add(store, chunks)


def _add(store: Chroma, chunks: Sequence[Chunk]) -> None:
    if not chunks:
        return
    store.add_texts(
        texts=[chunk.text for chunk in chunks],
        metadatas=[_metadata(chunk) for chunk in chunks],
        ids=[chunk.id for chunk in chunks],
    )


def _metadata(chunk: Chunk) -> dict[str, Any]:
    return {
        "document": chunk.document,
        "unit_name": chunk.unit_name,
        "year": chunk.year,
        "section": chunk.section,
        "item": chunk.item,
        "heading": chunk.heading,
        "text": chunk.text,
        "line_start": chunk.line_start,
        "line_end": chunk.line_end,
        "page": chunk.page,
        "path": chunk.path,
    }


def chunk_from_metadata(chunk_id: str, metadata: dict[str, Any]) -> Chunk:
    """Rebuild a `Chunk` from what the collection stores."""
    return Chunk(
        id=chunk_id,
        document=str(metadata.get("document", "")),
        unit_name=str(metadata.get("unit_name", "")),
        year=int(metadata.get("year", 0)),
        section=str(metadata.get("section", "")),
        item=str(metadata.get("item", "")),
        heading=str(metadata.get("heading", "")),
        text=str(metadata.get("text", "")),
        line_start=int(metadata.get("line_start", 0)),
        line_end=int(metadata.get("line_end", 0)),
        page=int(metadata.get("page", 0)),
        path=str(metadata.get("path", "")),
    )


def _server() -> tuple[str, int] | None:
    host = os.environ.get("CHROMA_HOST", "").strip()
    if not host:
        return None
    return host, int(os.environ.get("CHROMA_PORT", "8000") or 8000)


def _settings() -> Any:
    from chromadb.config import Settings

    return Settings(anonymized_telemetry=False, allow_reset=False)


def _client(path: Path | None) -> Any:
    import chromadb

    server = _server()
    if server is not None:
        return chromadb.HttpClient(host=server[0], port=server[1], settings=_settings())
    if path is None:
        raise IndexMissingError("no index directory given and CHROMA_HOST is not set")
    return chromadb.PersistentClient(path=str(path), settings=_settings())


def _drop(client: Any, name: str) -> None:
    try:
        client.delete_collection(name)
    except Exception:  # absent collection: nothing to drop (the error type differs per client)
        return


def _forget(path: Path) -> None:
    """Drop the process-wide cached Chroma system for `path` so the directory can be moved and reopened."""
    from chromadb.api.shared_system_client import SharedSystemClient

    identifier = str(path)
    SharedSystemClient._identifier_to_refcount.pop(identifier, None)
    system = SharedSystemClient._identifier_to_system.pop(identifier, None)
    if system is not None:
        system.stop()


def stored_vectors(persist_dir: str | Path, name: str = COLLECTION) -> int:
    """How many vectors a local collection holds, read without loading an embedding model; raises
    `IndexMissingError` when the folder holds no such collection."""
    import chromadb

    client = chromadb.PersistentClient(path=str(persist_dir), settings=_settings())
    try:
        return int(client.get_collection(name).count())
    except Exception as err:  # chromadb raises NotFoundError / ValueError depending on the version
        raise IndexMissingError(f"no narrative collection {name!r} in {persist_dir}") from err
    finally:
        client.close()
