"""The question sets over other provinces' budgets, as regression sets: every question answered right.

One set of 24 questions for one document of each layout family (evals/family-*.jsonl: 苏州市审计局 read from
its PDF, 江苏省政协办公厅 and 北京市司法局 from a table file and a separate narrative file, the others from
their texts), all asked over one index of the ten budgets, as evals/README.md builds it. Their answers need
the narrative of those layouts (changes stated against 上年, 名词解释 after the 情况说明, headings broken over
lines) as much as their tables (budget units, subtotal columns, 三公 tables of many shapes). Narrative
searched by BM25 alone, as `budget-qa index --no-vectors` builds it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.evaluate import load_questions, run_eval

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpus"
TEXTS = [
    "js_zhengxiebangongting_2019",
    "js_zhengxiebangongting_2019_biao",
    "shenzhen_caizhengju_2026",
    "hangzhou_qixiangju_2026",
    "fuzhou_yibaoju_2026",
    "zhuhai_shangwuju_2026",
    "beijing_sifaju_2026_baobiao",
    "beijing_sifaju_2026_shuoming",
    "changsha_xinfangju_2026",
    "xian_shenjiju_2026",
    "changchun_xinfangju_2026",
]
FILES = [SHARED / "pdf" / "suzhou_shenjiju_2026.pdf"] + [SHARED / "other" / f"{t}.txt" for t in TEXTS]
SETS = sorted((ROOT / "evals").glob("family-*.jsonl"))

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
    cited: dict[str, set[str]] = {}

    def ask(question: str, history: list[str]) -> dict:
        answer = assistant.ask(question, history)
        cited[question] = {c.document for c in answer.citations}
        return answer.to_dict()

    asked = load_questions(questions)
    report = run_eval(asked, ask, file=questions.name)
    failures = [(f.id, f.question, f.reasons) for f in report.failures]
    assert failures == []
    # provenance: every cited figure or passage comes from the budget the question is about
    assert [q["id"] for q in asked if cited[q["question"]] - set(q["docs"])] == []


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
