"""The question sets over other provinces' budgets, as regression sets: every question answered right.

evals/family-national.jsonl asks about 苏州市审计局 2026 (read from its PDF) and evals/family-jiangsu.jsonl about
江苏省政协办公厅 2019 (its table file read with its separate narrative file). Their answers need the narrative
of those layouts (changes stated against 上年, 名词解释 after the 情况说明, headings broken over lines) as much
as their tables. Narrative searched by BM25 alone, as `budget-qa index --no-vectors` builds it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.evaluate import load_questions, run_eval

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpus"
FILES = [
    SHARED / "pdf" / "suzhou_shenjiju_2026.pdf",
    SHARED / "other" / "js_zhengxiebangongting_2019.txt",
    SHARED / "other" / "js_zhengxiebangongting_2019_biao.txt",
]
SETS = [ROOT / "evals" / "family-national.jsonl", ROOT / "evals" / "family-jiangsu.jsonl"]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory):
    if not all(path.exists() for path in FILES):
        pytest.skip("shared corpus of other provinces not present")
    from assistant.engine import Assistant
    from assistant.index import build_index

    index = tmp_path_factory.mktemp("family-index")
    build_index(FILES, index, with_vectors=False)
    return Assistant.open(index)


@pytest.mark.parametrize("questions", SETS, ids=[s.stem for s in SETS])
def test_every_question_of_the_set_is_answered_right(assistant, questions: Path) -> None:
    report = run_eval(
        load_questions(questions), lambda q, h: assistant.ask(q, h).to_dict(), file=questions.name
    )
    failures = [(f.id, f.question, f.reasons) for f in report.failures]
    assert failures == []


@pytest.mark.parametrize(
    ("question", "section", "printed"),
    [
        (
            "苏州市审计局2026年提租补贴为什么涨了？",
            "预算编制说明",
            "五、财政拨款支出预算情况说明 · （三）住房保障支出（类）",
        ),
        (
            "江苏省政协办公厅2019年“其他政协事务支出”为什么减少？",
            "预算编制说明",
            "五、财政拨款支出预算情况说明",
        ),
        ("江苏省政协办公厅2019年“单位预留机动经费”是什么意思？", "名词解释", ""),
    ],
)
def test_a_passage_is_cited_under_the_headings_its_document_printed(
    assistant, question: str, section: str, printed: str
) -> None:
    answer = assistant.ask(question)
    cited = [c.section for c in answer.citations if c.source == "text"][0]
    assert cited.startswith(section)
    assert printed in cited
