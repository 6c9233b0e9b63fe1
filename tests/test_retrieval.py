"""Hybrid retrieval over the seed document: quality on evals/retrieval.jsonl, the relevance gate, BM25 fallback."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.chunks import chunk_document
from assistant.documents import read_document
from assistant.embeddings import E5_SMALL, USE_M3, load_embedder
from assistant.retrieval import (
    CHROMA_DIR,
    CHUNKS_FILE,
    HybridRetriever,
    build_narrative_index,
    load_questions,
    load_retriever,
    read_chunks,
    retrieval_benchmark,
    tokenize,
)
from assistant.vectors import build_collection

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpus" / "shanghai-sme-office-2024.txt"
QUESTIONS = load_questions(ROOT / "evals" / "retrieval.jsonl")
OFF_TOPIC = ["给我讲个笑话", "这个单位的办公地址在哪里？", "股票推荐", "今天天气怎么样", "主任叫什么名字？"]


@pytest.fixture(scope="module")
def chunks() -> list:
    return chunk_document(read_document(SEED))


@pytest.fixture(scope="module")
def bm25_only(chunks: list) -> HybridRetriever:
    return HybridRetriever(chunks, None, "no model in this test")


@pytest.fixture(scope="module", params=[E5_SMALL, USE_M3])
def hybrid(
    request: pytest.FixtureRequest, chunks: list, tmp_path_factory: pytest.TempPathFactory
) -> HybridRetriever:
    store = build_collection(
        chunks, tmp_path_factory.mktemp(request.param) / "chroma", load_embedder(request.param)
    )
    return HybridRetriever(chunks, store)


def test_question_set_shape(chunks: list) -> None:
    positives = [q for q in QUESTIONS if q["answer_contains"]]
    assert len(positives) >= 80
    assert len({q["id"] for q in QUESTIONS}) == len(QUESTIONS)
    for question in positives:
        targets = [c for c in chunks if question["answer_contains"] in c.text]
        assert len(targets) == 1, question["id"]
        assert targets[0].section == question["section"], question["id"]
    assert {c.id for c in chunks} == {
        next(c.id for c in chunks if q["answer_contains"] in c.text) for q in positives
    }


@pytest.mark.slow
def test_hybrid_meets_targets(hybrid: HybridRetriever) -> None:
    report = retrieval_benchmark(QUESTIONS, hybrid)
    assert report["modes"]["hybrid"]["recall@3"] >= 0.98
    assert report["modes"]["hybrid"]["mrr"] >= 0.9
    assert report["relevance"] == {"false_rejects": [], "false_accepts": []}
    assert set(report["modes"]) == {"hybrid", "dense", "bm25"}


def test_bm25_alone_meets_targets(bm25_only: HybridRetriever) -> None:
    report = retrieval_benchmark(QUESTIONS, bm25_only)
    assert not bm25_only.dense_available
    assert bm25_only.dense_error == "no model in this test"
    assert set(report["modes"]) == {"bm25"}
    assert report["modes"]["bm25"]["recall@3"] >= 0.98
    assert report["modes"]["bm25"]["mrr"] >= 0.9
    assert report["relevance"] == {"false_rejects": [], "false_accepts": []}


@pytest.mark.parametrize(
    ("query", "section", "contains"),
    [
        ("什么是事业单位经营收入？", "名词解释", "非独立核算"),
        ("其他收入指什么？", "名词解释", "以外的收入"),
        ("办公室如何维护中小企业合法权益？", "主要职能", "合法权益"),
        ("卫生健康支出主要用于什么？", "预算编制说明", "行政单位医疗"),
        ("办公室在招商引资方面做什么？", "主要职能", "招商引资"),
        ("民营经济监测分析是谁负责？", "主要职能", "监测分析"),
        ("单价100万元以上的设备有几台？", "其他相关情况说明", "0台（套）"),
        ("2024年三公经费比2023年增加还是减少？", "其他相关情况说明", "持平"),
    ],
)
@pytest.mark.parametrize("mode", ["hybrid", "bm25"])
def test_development_questions_in_top_three(
    bm25_only: HybridRetriever, hybrid: HybridRetriever, mode: str, query: str, section: str, contains: str
) -> None:
    retriever = hybrid if mode == "hybrid" else bm25_only
    hits = retriever.search(query, k=3, mode=mode)
    assert len(hits) == 3
    assert any(h.chunk.section == section and contains in h.chunk.text for h in hits)


@pytest.mark.parametrize("query", OFF_TOPIC)
def test_off_topic_gets_no_hit(bm25_only: HybridRetriever, hybrid: HybridRetriever, query: str) -> None:
    for retriever in (bm25_only, hybrid):
        assert retriever.search(query) == []
        assert retriever.is_relevant(query) is False
        assert len(retriever.rank(query, k=3)) <= 3


def test_hit_ranks(hybrid: HybridRetriever) -> None:
    hits = hybrid.search("什么是事业单位经营收入？", k=3)
    top = hits[0]
    assert "非独立核算" in top.chunk.text
    assert top.bm25_rank is not None and top.dense_rank is not None
    assert top.score == pytest.approx(1 / (60 + top.bm25_rank) + 1 / (60 + top.dense_rank), abs=1e-6)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    dense = hybrid.search("什么是事业单位经营收入？", k=2, mode="dense")
    assert [h.dense_rank for h in dense] == [1, 2]


def test_dense_mode_without_model_falls_back_to_bm25(bm25_only: HybridRetriever) -> None:
    hits = bm25_only.search("政府采购预算是多少？", k=1, mode="dense")
    assert "政府采购预算91.96万元" in hits[0].chunk.text
    assert (hits[0].dense_rank, hits[0].bm25_rank) == (None, 1)


def test_unknown_mode(bm25_only: HybridRetriever) -> None:
    with pytest.raises(ValueError, match="unknown retrieval mode 'sparse'"):
        bm25_only.search("三公经费", mode="sparse")


@pytest.mark.parametrize("query", ["", "   ", "？？？", "的了吗"])
def test_empty_queries(bm25_only: HybridRetriever, query: str) -> None:
    assert bm25_only.search(query) == []


def test_document_filter(bm25_only: HybridRetriever) -> None:
    assert bm25_only.search("政府采购预算是多少？", document="another-document") == []
    hits = bm25_only.search("政府采购预算是多少？", document="shanghai-sme-office-2024")
    assert hits[0].chunk.document == "shanghai-sme-office-2024"


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("“三公”经费", ["三公", "三公经费"]),
        ("机关运行经费预算", ["机关运行经费"]),
        ("政府采购预算", ["政府采购"]),
        ("编报绩效目标的项目", ["绩效目标"]),
        ("（七）", ["七"]),
    ],
)
def test_tokenize_uses_budget_vocabulary(text: str, tokens: list[str]) -> None:
    assert set(tokens) <= set(tokenize(text))
    assert not any(t in {"（", "）", "“", "”"} for t in tokenize(text))


def test_unknown_words_fall_back_to_characters(bm25_only: HybridRetriever) -> None:
    assert bm25_only.query_words("单位有多少辆车？") == ["辆", "车"]
    assert "三公经费" in bm25_only.query_words("什么是三公经费")


@pytest.mark.slow
def test_index_build_and_load(tmp_path: Path) -> None:
    report = build_narrative_index([read_document(SEED)], tmp_path, E5_SMALL)
    assert (report.chunks, report.documents, report.embedding_model, report.dense) == (43, 1, E5_SMALL, True)
    assert (tmp_path / CHUNKS_FILE).exists() and (tmp_path / CHROMA_DIR / "chroma.sqlite3").exists()
    assert len(read_chunks(tmp_path / CHUNKS_FILE)) == 43
    retriever = load_retriever(tmp_path, E5_SMALL)
    assert retriever.dense_available and retriever.model_name == E5_SMALL
    assert "185.50万元" in retriever.search("机关运行经费预算安排了多少钱？", k=1)[0].chunk.text
    other = load_retriever(tmp_path, USE_M3)
    assert not other.dense_available
    assert "built with embedding model 'e5-small-q4'" in other.dense_error
    assert load_retriever(tmp_path, dense=False).dense_error == "dense search switched off"


def test_missing_index(tmp_path: Path) -> None:
    from assistant.errors import IndexMissingError

    with pytest.raises(IndexMissingError, match="budget-qa index"):
        load_retriever(tmp_path)
