"""Hybrid narrative retrieval: BM25 over jieba tokens fused with dense (Chroma) results by reciprocal rank fusion.

BM25 alone works when no embedding model can be loaded; the retriever then says so (`dense_available`).
A relevance gate on both signals (the best BM25 score, the best dense similarity) lets a question the text
does not address return no hit at all instead of the nearest passage.
"""

from __future__ import annotations

import json
import logging
import math
import re
import statistics
import time
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from assistant.chunks import chunk_document, search_text
from assistant.records import Chunk, Document

MODES = ("hybrid", "dense", "bm25")
RRF_K = 60
CANDIDATES = 20
CHUNKS_FILE = "chunks.jsonl"
CHROMA_DIR = "chroma"
TOKENS_FILE = "tokens.jsonl"
_WORDS = Path(__file__).parent / "data" / "budget_words.txt"
_QUOTES = str.maketrans("", "", "“”‘’\"'「」『』《》")
_QUESTION_WORDS = """
    的 了 是 吗 呢 吧 啊 呀 么 嘛 有 在 和 与 及 或 为 对 把 被 给 让 从 向 我
    你 他 她 它 我们 你们 他们 这 那 这个 那个 这些 那些 什么 啥 哪些 哪个 哪里 哪儿
    怎么 怎样 怎么样 如何 多少 几 谁 请问 请 一下 一些 能 会 要 想 知道 告诉 说说 讲讲
    介绍 介绍一下 是否 有没有 可以 都 也 就 还 又 等 其 之 个 中 上 下 里 主要 具体
    情况 方面 问 问题 负责 干 做 做些 工作 单位 本 本单位
"""
_STOPWORDS = frozenset(_QUESTION_WORDS.split())  # question words and fillers, not evidence of a topic

# Relevance gate, calibrated on evals/retrieval.jsonl (90 questions, 20 off-topic ones): the best BM25 score of
# off-topic questions was 3.9, of narrative ones 6.8; e5 cosine similarities bunch high (off-topic up to 0.87),
# USE ones spread out (off-topic up to 0.33). A question passes on either signal.
MIN_BM25 = 5.0
DENSE_SURE = {"e5-small-q4": 0.93, "use-m3": 0.45}


@dataclass(frozen=True)
class Hit:
    """One retrieved chunk; ranks are 1-based in each method's own list, None when it did not list the chunk."""

    chunk: Chunk
    score: float
    dense_rank: int | None
    bm25_rank: int | None


@dataclass
class Relevance:
    """Why a query was judged relevant or not."""

    relevant: bool
    coverage: float  # share of the query's words found in the best BM25 passage
    bm25: float
    dense: float | None  # cosine similarity of the best dense passage


@dataclass
class NarrativeIndexReport:
    """What `build_narrative_index` wrote."""

    chunks: int
    documents: int
    embedding_model: str
    dense: bool
    seconds: float
    error: str = ""


class HybridRetriever:
    """Search narrative chunks by BM25, dense similarity or both (reciprocal rank fusion)."""

    def __init__(
        self,
        chunks: Sequence[Chunk],
        collection: Any | None = None,
        dense_error: str = "",
        tokens: list[list[str]] | None = None,
    ) -> None:
        self.chunks = list(chunks)
        add_vocabulary(document_words(self.chunks))  # each unit's own terms come from its own text
        self.by_id = {chunk.id: chunk for chunk in self.chunks}
        self._position = {chunk.id: i for i, chunk in enumerate(self.chunks)}
        self._of_document: dict[str, list[int]] = {}
        for i, chunk in enumerate(self.chunks):
            self._of_document.setdefault(chunk.document, []).append(i)
        self.collection = collection
        self.dense_error = dense_error if collection is None else ""
        self.model_name = _model_name(collection)
        self._tokens = tokens if tokens is not None else [chunk_tokens(chunk) for chunk in self.chunks]
        self._bm25 = _bm25(self._tokens)
        self._idf = _idf(self._tokens)
        self._dense_cache: dict[tuple[str, str | None], list[tuple[str, float]]] = {}
        self._vectors: dict[str, tuple[list[str], Any]] = {}

    def clear_cache(self) -> None:
        """Forget cached query embeddings (benchmarks measure uncached searches)."""
        self._dense_cache.clear()

    @property
    def dense_available(self) -> bool:
        """True when dense search is possible; else only BM25 runs (see `dense_error`)."""
        return self.collection is not None

    def status(self) -> str:
        """How narrative questions are searched, in one line for the server log."""
        if self.collection is None:
            return f"BM25 alone over {len(self.chunks)} passages ({self.dense_error})"
        from assistant.vectors import describe

        return f"BM25 and {describe(self.collection)} ({self.model_name}), {len(self.chunks)} passages"

    def search(self, query: str, k: int = 3, mode: str = "hybrid", document: str | None = None) -> list[Hit]:
        """The k best chunks for `query` that pass the relevance gate; [] when the text does not address it."""
        hits, relevance = self._search(query, k, mode, document)
        return hits if relevance.relevant else []

    def rank(self, query: str, k: int = 3, mode: str = "hybrid", document: str | None = None) -> list[Hit]:
        """The k best chunks without the relevance gate (for evaluation)."""
        return self._search(query, k, mode, document)[0]

    def is_relevant(self, query: str, document: str | None = None) -> bool:
        """Whether the narrative text addresses `query` at all."""
        return self.relevance(query, document).relevant

    def relevance(self, query: str, document: str | None = None) -> Relevance:
        """The signals behind `is_relevant`."""
        return self._search(query, 1, "hybrid" if self.dense_available else "bm25", document)[1]

    def _search(self, query: str, k: int, mode: str, document: str | None) -> tuple[list[Hit], Relevance]:
        if mode not in MODES:
            raise ValueError(f"unknown retrieval mode {mode!r}; use one of {', '.join(MODES)}")
        if mode != "bm25" and not self.dense_available:
            mode = "bm25"
        words = self.query_words(query)
        bm25 = self._bm25_ranking(words, document)
        dense = self._dense_ranking(query, document) if mode != "bm25" else []
        relevance = self._relevance(words, bm25, dense)
        if mode == "bm25":
            ranked = [(chunk_id, score) for chunk_id, score in bm25 if score > 0]
        elif mode == "dense":
            ranked = dense
        else:
            ranked = _fuse([bm25[:CANDIDATES], dense[:CANDIDATES]])
        bm25_ranks = {chunk_id: i for i, (chunk_id, score) in enumerate(bm25, 1) if score > 0}
        dense_ranks = {chunk_id: i for i, (chunk_id, _) in enumerate(dense, 1)}
        hits = [
            Hit(self.by_id[chunk_id], round(score, 6), dense_ranks.get(chunk_id), bm25_ranks.get(chunk_id))
            for chunk_id, score in ranked[:k]
            if chunk_id in self.by_id
        ]
        return hits, relevance

    def query_words(self, query: str) -> list[str]:
        """Query tokens without question words; a word the passages never use is split into its characters."""
        words: list[str] = []
        for token in tokenize(query):
            if token in _STOPWORDS:
                continue
            if token in self._idf or len(token) < 2 or not _is_cjk(token):
                words.append(token)
            else:
                words.extend(ch for ch in token if ch not in _STOPWORDS)
        return words

    def _bm25_ranking(self, words: list[str], document: str | None) -> list[tuple[str, float]]:
        if not words or self._bm25 is None:
            return []
        if document is None:
            scores = self._bm25.get_scores(words)
            pairs = [(chunk.id, float(score)) for chunk, score in zip(self.chunks, scores, strict=True)]
        else:  # one document's passages only, scored against the whole index's statistics
            positions = self._of_document.get(document, [])
            scores = self._bm25.get_batch_scores(words, positions) if positions else []
            pairs = [(self.chunks[i].id, float(score)) for i, score in zip(positions, scores, strict=True)]
        return sorted(pairs, key=lambda pair: -pair[1])

    def _dense_ranking(self, query: str, document: str | None) -> list[tuple[str, float]]:
        if self.collection is None or not query.strip():
            return []
        key = (query, document)
        if key not in self._dense_cache:  # a question is often searched twice (gate, then ranking)
            try:
                found = self._dense_query(query, document)
            except Exception as err:  # noqa: BLE001 - the vector server went away: BM25 answers alone
                logging.getLogger("assistant").warning(
                    "narrative vectors unavailable, this question is searched with BM25 alone (%s: %s)",
                    type(err).__name__,
                    str(err).splitlines()[0] if str(err) else "",
                )
                return []
            if len(self._dense_cache) > 256:
                self._dense_cache.clear()
            self._dense_cache[key] = found
        return self._dense_cache[key]

    def _dense_query(self, query: str, document: str | None) -> list[tuple[str, float]]:
        if document is not None:  # one document's few passages: cosine in memory, no index search
            ids, matrix = self._document_vectors(document)
            if not ids:
                return []
            import numpy as np

            q = np.asarray(self.collection.embeddings.embed_query(query), dtype=np.float32)
            sims = matrix @ (q / (np.linalg.norm(q) or 1.0))
            order = np.argsort(-sims)[:CANDIDATES]
            return [(ids[i], float(sims[i])) for i in order]
        found = self.collection.similarity_search_with_score(
            query,
            k=min(CANDIDATES, max(len(self.chunks), 1)),
            filter={"document": document} if document else None,
        )
        return [(doc.id, 1.0 - float(distance)) for doc, distance in found if doc.id]

    def _document_vectors(self, document: str) -> tuple[list[str], Any]:
        """A document's passage vectors, normalised, read once from the collection."""
        if document not in self._vectors:
            import numpy as np

            got = self.collection.get(where={"document": document}, include=["embeddings"])
            ids = list(got.get("ids") or [])
            vectors = got.get("embeddings")
            matrix = np.asarray(vectors if vectors is not None else [], dtype=np.float32)
            if len(ids):
                matrix = matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
            self._vectors[document] = (ids, matrix)
        return self._vectors[document]

    def _relevance(
        self, words: list[str], bm25: list[tuple[str, float]], dense: list[tuple[str, float]]
    ) -> Relevance:
        best_dense = dense[0][1] if dense else None
        if not words or not bm25:
            coverage, top = 0.0, 0.0
        else:
            top_id, top = bm25[0]
            present = set(self._tokens[self._position[top_id]])
            unknown = max(self._idf.values(), default=1.0) * 1.5
            weights = {w: self._idf.get(w, unknown) for w in set(words)}
            coverage = sum(v for w, v in weights.items() if w in present) / sum(weights.values())
        lexical = top >= MIN_BM25
        sure = best_dense is not None and best_dense >= DENSE_SURE.get(self.model_name, math.inf)
        return Relevance(lexical or sure, round(coverage, 4), round(top, 4), best_dense)


def tokenize(text: str) -> list[str]:
    """jieba search-mode tokens (with the budget vocabulary) of NFKC-normalised text, punctuation dropped."""
    normal = unicodedata.normalize("NFKC", text).translate(_QUOTES).lower()
    tokens = []
    for token in _jieba().cut_for_search(normal):
        if _is_word(token):
            tokens.append(token)
            tokens.extend(_vocabulary_parts(token))
    return tokens


def _vocabulary_parts(token: str) -> list[str]:
    """Budget terms of four or more characters inside a longer token (jieba's search mode stops at three)."""
    if len(token) <= 4:
        return []
    words = _known_words()
    return [
        token[i : i + n]
        for n in range(4, len(token))
        for i in range(len(token) - n + 1)
        if token[i : i + n] in words
    ]


@cache
def _vocabulary() -> set[str]:
    lines = _WORDS.read_text(encoding="utf-8").splitlines()
    return {line.split()[0] for line in lines if line.strip()}


_QUOTED = re.compile(r"[“\"「]([\u4e00-\u9fff]{2,10})[”\"」]")


def document_words(chunks: Sequence[Chunk]) -> set[str]:
    """Terms of the documents themselves, for the tokenizer: quoted terms (“专精特新”, “上海市企业服务云”)
    and the terms their 名词解释 define."""
    words: set[str] = set()
    for chunk in chunks:
        words |= set(_QUOTED.findall(chunk.text))
        if chunk.section == "名词解释" and 2 <= len(chunk.heading) <= 12:
            words.add(re.sub(r"[“”\"]", "", chunk.heading))
    return words


def add_vocabulary(words: set[str]) -> None:
    """Teach the tokenizer words of the indexed documents (once each)."""
    known = _known_words()
    new = {w for w in words if w not in known}
    if not new:
        return
    tokenizer = _jieba()
    for word in sorted(new):
        tokenizer.add_word(word, 100)
    known |= new


@cache
def _known_words() -> set[str]:
    return _vocabulary()


def _is_cjk(token: str) -> bool:
    return all("\u4e00" <= ch <= "\u9fff" for ch in token)


def _idf(corpus: list[list[str]]) -> dict[str, float]:
    """Smoothed, always positive inverse document frequency of every corpus token."""
    df: dict[str, int] = {}
    for tokens in corpus:
        for token in set(tokens):
            df[token] = df.get(token, 0) + 1
    n = len(corpus)
    return {token: math.log(1 + (n - count + 0.5) / (count + 0.5)) for token, count in df.items()}


def _is_word(token: str) -> bool:
    token = token.strip()
    return bool(token) and any(ch.isalnum() for ch in token)


@cache
def _jieba() -> Any:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.load_userdict(str(_WORDS))
    return tokenizer


def _bm25(corpus: list[list[str]]) -> Any:
    if not corpus:
        return None
    from rank_bm25 import BM25Okapi

    return BM25Okapi(corpus)


def _fuse(rankings: Iterable[Sequence[tuple[str, float]]], k: int = RRF_K) -> list[tuple[str, float]]:
    """Reciprocal rank fusion: each list contributes 1 / (k + rank) to the chunks it ranks."""
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, (chunk_id, _) in enumerate(ranking, 1):
            fused[chunk_id] = fused.get(chunk_id, 0.0) + 1.0 / (k + rank)
    return sorted(fused.items(), key=lambda pair: -pair[1])


def _model_name(collection: Any | None) -> str:
    if collection is None:
        return ""
    metadata = getattr(getattr(collection, "_collection", None), "metadata", None) or {}
    return str(metadata.get("embedding_model", ""))


# ---------------------------------------------------------------- index build and load (files and models)


def build_narrative_index(
    documents: Sequence[Document], index_dir: str | Path, model: str | None = None
) -> NarrativeIndexReport:
    """Chunk `documents`, write index_dir/chunks.jsonl and the Chroma collection in index_dir/chroma (on a
    Chroma server: a collection of this build's own, named in index_dir/vectors.json).

    When no embedding model can be loaded the chunks are still written (BM25 works) and the report says why.
    """
    from assistant.embeddings import load_embedder
    from assistant.errors import BudgetQAError

    start = time.perf_counter()
    chunks = [chunk for doc in documents for chunk in chunk_document(doc)]
    chunks = list({chunk.id: chunk for chunk in chunks}.values())
    out = Path(index_dir)
    out.mkdir(parents=True, exist_ok=True)
    try:
        embedder = load_embedder(model)
    except BudgetQAError as err:
        write_chunks(chunks, out / CHUNKS_FILE)
        return NarrativeIndexReport(
            len(chunks), len(documents), "", False, time.perf_counter() - start, str(err)
        )
    write_vectors(chunks, out, embedder)
    write_chunks(chunks, out / CHUNKS_FILE)
    return NarrativeIndexReport(len(chunks), len(documents), embedder.name, True, time.perf_counter() - start)


def write_vectors(chunks: Sequence[Chunk], build: Path, embedder: Any) -> None:
    """The passages' vectors: the collection in build/chroma, or on a Chroma server a collection of the
    build's own, named in build/vectors.json."""
    from assistant.vectors import build_collection, collection_for_build, name_collection

    name = collection_for_build(build)
    build_collection(chunks, build / CHROMA_DIR, embedder, name)
    name_collection(build, name)


def load_retriever(index_dir: str | Path, model: str | None = None, dense: bool = True) -> HybridRetriever:
    """A retriever over a built index; falls back to BM25 alone when the model or collection is unavailable."""
    from assistant.errors import BudgetQAError, IndexMissingError

    chunks = read_chunks(Path(index_dir) / CHUNKS_FILE)
    tokens = read_tokens(Path(index_dir) / TOKENS_FILE, chunks)
    if not dense:
        return HybridRetriever(chunks, None, "dense search switched off", tokens)
    try:
        from assistant.embeddings import load_embedder
        from assistant.vectors import COLLECTION, build_collection_name, open_collection

        name = build_collection_name(index_dir) or COLLECTION
        collection = open_collection(Path(index_dir) / CHROMA_DIR, load_embedder(model), name)
    except (BudgetQAError, IndexMissingError) as err:
        return HybridRetriever(chunks, None, str(err), tokens)
    return HybridRetriever(chunks, collection, tokens=tokens)


def read_chunks(path: str | Path) -> list[Chunk]:
    """Chunks written by `build_narrative_index`; `IndexMissingError` when absent, `IndexDamagedError` when a
    line is not a passage."""
    from assistant.errors import IndexDamagedError, IndexMissingError
    from assistant.manifest import damaged

    file = Path(path)
    if not file.exists():
        raise IndexMissingError(f"no narrative index at {file}: run `budget-qa index` first")
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as err:
        raise IndexDamagedError(damaged(file, f"not UTF-8 at byte {err.start}")) from None
    chunks = []
    for n, line in enumerate(lines, start=1):
        if line.strip():
            try:
                chunks.append(Chunk(**json.loads(line)))
            except (ValueError, TypeError):  # not JSON, or not the fields of a passage
                raise IndexDamagedError(damaged(file, f"line {n} is not a passage")) from None
    return chunks


def write_chunks(chunks: Sequence[Chunk], path: Path) -> None:
    """The passages, and beside them their search tokens (so opening the index does not re-tokenize)."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(
        "".join(json.dumps(asdict(c), ensure_ascii=False) + "\n" for c in chunks), encoding="utf-8"
    )
    tmp.replace(path)
    add_vocabulary(document_words(chunks))
    tokens = path.with_name(TOKENS_FILE)
    tmp = tokens.with_suffix(".tmp")
    tmp.write_text(
        "".join(json.dumps([c.id, chunk_tokens(c)], ensure_ascii=False) + "\n" for c in chunks),
        encoding="utf-8",
    )
    tmp.replace(tokens)


def read_tokens(path: Path, chunks: Sequence[Chunk]) -> list[list[str]] | None:
    """The tokens written with the passages, when they match them one for one."""
    if not path.exists():
        return None
    try:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        if len(rows) != len(chunks) or any(row[0] != c.id for row, c in zip(rows, chunks, strict=True)):
            return None
    except (ValueError, TypeError, IndexError, KeyError):  # a damaged cache: the passages are tokenized again
        return None
    return [row[1] for row in rows]


def chunk_tokens(chunk: Chunk) -> list[str]:
    return tokenize(search_text(chunk)) + tokenize(chunk.heading)


# ---------------------------------------------------------------- evaluation


@dataclass
class _Tally:
    ranks: list[int | None] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)


def retrieval_benchmark(questions: Sequence[Mapping[str, Any]], retriever: HybridRetriever) -> dict[str, Any]:
    """recall@1, recall@3, MRR (over the top 10) and latency p50/p95 per mode, plus the relevance gate's errors.

    A question is {"question", "answer_contains"}; the target is the chunk whose text contains answer_contains.
    Questions whose answer_contains is empty or null must be judged irrelevant.
    """
    positives = [q for q in questions if q.get("answer_contains")]
    negatives = [q for q in questions if not q.get("answer_contains")]
    modes = [m for m in MODES if m == "bm25" or retriever.dense_available]
    report: dict[str, Any] = {"questions": len(positives), "negatives": len(negatives), "modes": {}}
    for mode in modes:
        if positives:  # warm-up: the first query of a mode pays one-off costs (caches, Chroma segment load)
            retriever.rank(str(positives[0]["question"]), k=10, mode=mode)
        tally = _Tally()
        for question in positives:
            retriever.clear_cache()
            start = time.perf_counter()
            hits = retriever.rank(str(question["question"]), k=10, mode=mode)
            tally.latencies.append((time.perf_counter() - start) * 1000)
            target = str(question["answer_contains"])
            tally.ranks.append(next((i for i, h in enumerate(hits, 1) if target in h.chunk.text), None))
        report["modes"][mode] = _summary(tally)
    missed = [q["id"] for q in positives if not retriever.is_relevant(str(q["question"]))]
    accepted = [q["id"] for q in negatives if retriever.is_relevant(str(q["question"]))]
    report["relevance"] = {"false_rejects": missed, "false_accepts": accepted}
    return report


def _summary(tally: _Tally) -> dict[str, Any]:
    n = len(tally.ranks) or 1
    latencies = sorted(tally.latencies) or [0.0]
    return {
        "recall@1": round(sum(1 for r in tally.ranks if r == 1) / n, 4),
        "recall@3": round(sum(1 for r in tally.ranks if r is not None and r <= 3) / n, 4),
        "mrr": round(sum(1 / r for r in tally.ranks if r) / n, 4),
        "latency_ms_p50": round(statistics.median(latencies), 2),
        "latency_ms_p95": round(latencies[min(len(latencies) - 1, math.ceil(0.95 * len(latencies)) - 1)], 2),
    }


def load_questions(path: str | Path) -> list[dict[str, Any]]:
    """A JSONL question set."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip() and not re.match(r"\s*//", line)]
