"""The evaluation gate: both question sets through the real assistant (index with the narrative embedded).

The gate is the README's: every category of the development set and of the project's own sets at 100%, and
a citation on every answered question. A regression in any category fails the build.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.engine import Assistant
from assistant.evaluate import load_questions, run_eval
from assistant.index import build_index

ROOT = Path(__file__).resolve().parents[1]
SETS = [
    ROOT / "evals" / "questions.jsonl",
    ROOT / "evals" / "holdout.jsonl",
    ROOT / "evals" / "holdout2.jsonl",
    ROOT / "evals" / "holdout3.jsonl",
    ROOT / "evals" / "holdout4.jsonl",
    ROOT / "evals" / "holdout5.jsonl",
    ROOT / "evals" / "holdout6.jsonl",
    ROOT.parent / "shared" / "evals" / "dev.jsonl",
]
GATE = 1.0  # every category of every set


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    index = tmp_path_factory.mktemp("gate-index")
    build_index([ROOT / "corpus" / "shanghai-sme-office-2024.txt"], index)
    return Assistant.open(index)


@pytest.mark.slow
@pytest.mark.parametrize("path", SETS, ids=lambda p: p.name)
def test_every_category_meets_the_gate(assistant: Assistant, path: Path) -> None:
    if not path.exists():
        pytest.skip(f"{path} is not present")
    report = run_eval(load_questions(path), lambda q, h: assistant.ask(q, h).to_dict(), file=path.name)
    below = {c: s.accuracy for c, s in report.categories.items() if s.accuracy < GATE}
    failures = [(f.id, f.question, f.reasons) for f in report.failures][:10]
    assert not below, f"categories below the gate: {below}; first failures: {failures}"
    assert report.citation_coverage == 1.0
