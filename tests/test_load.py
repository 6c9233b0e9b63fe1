"""The load benchmark's visitors: the question mix, the reply counts, and a short run through a real server
as a browser drives it (the /config discovery, queue/join and the event stream)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from assistant.cli import main
from assistant.index import build_index
from assistant.load import LoadQuestion, Reply, StageResult, load_mix, run_stage, text_of
from assistant.loadbench import (
    NEW_DOCUMENT,
    about_unchanged,
    probe_question,
    question_scopes,
    scratch_corpus,
    targets,
)
from tests.conftest import OTHER_ID, SEED, SEED_ID
from tests.servers import start_with_staff


def _write(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("held", "ids"),
    [
        ({SEED_ID, "a", "b"}, ["c1", "c2", "s1"]),  # a follow-up (history) is never drawn
        ({"a"}, ["c1"]),  # the seed's own questions need the seed; c2 names a document not held
        ({SEED_ID}, ["s1"]),
    ],
)
def test_load_mix_draws_questions_the_index_can_be_asked(
    tmp_path: Path, held: set[str], ids: list[str]
) -> None:
    corpus = _write(
        tmp_path / "corpus.jsonl",
        [
            {"id": "c1", "question": "A的项目支出？", "docs": ["a"], "category": "lookup"},
            {"id": "c2", "question": "A和B谁多？", "docs": ["a", "b"], "category": "compare"},
            {"id": "c3", "question": "那B呢？", "history": ["A的项目支出？"], "docs": ["b"]},
        ],
    )
    seed = _write(tmp_path / "seed.jsonl", [{"id": "s1", "question": "物业管理费是多少？"}])
    mix = load_mix([corpus, seed, tmp_path / "absent.jsonl"], held)
    assert sorted(q.id for q in mix) == ids
    assert all(q.document == SEED_ID and q.docs == (SEED_ID,) for q in mix if q.id == "s1")


def test_a_stage_counts_each_kind_of_reply() -> None:
    q = LoadQuestion("q", "？", ())
    stage = StageResult(3, seconds=2.0)
    stage.replies = [
        Reply(q, "ok", 0.1),
        Reply(q, "ok", 0.3),
        Reply(q, "failed", 0.2),
        Reply(q, "busy", 0.01),
        Reply(q, "rejected", 0.01),
        Reply(q, "error", 60.0),
    ]
    assert stage.summary() == {
        "clients": 3,
        "requests": 6,
        "answers": 3,
        "answers_per_s": 1.5,
        "p50_s": 0.2,
        "p95_s": 0.3,
        "max_s": 0.3,
        "failed": 1,
        "busy": 1,
        "rejected": 1,
        "errors": 1,
        "seconds": 2.0,
    }


@pytest.mark.parametrize(
    ("message", "text"),
    [
        ({"role": "assistant", "content": "答"}, "答"),
        (
            {
                "role": "assistant",
                "content": [{"type": "text", "text": "甲"}, {"type": "text", "text": "乙"}],
            },
            "甲乙",
        ),
        ({"role": "assistant"}, ""),
    ],
)
def test_text_of(message: dict[str, Any], text: str) -> None:
    assert text_of(message) == text


@pytest.mark.slow
def test_a_short_stage_through_a_real_server(tmp_path: Path) -> None:
    index = tmp_path / "index"
    build_index([SEED], index, with_vectors=False)
    server = start_with_staff(index)
    questions = [
        LoadQuestion("a", "物业管理费是多少？", (SEED_ID,), SEED_ID),
        LoadQuestion("b", "办公费是多少？", (SEED_ID,)),
    ]
    try:
        stage = asyncio.run(run_stage(server.url, questions, clients=4, requests=12))
    finally:
        server.close()
    assert [r.status for r in stage.replies] == ["ok"] * 12
    assert {r.question.id for r in stage.replies if "850,000" in r.answer} == {"a"}
    assert {r.question.id for r in stage.replies if "300,000" in r.answer} == {"b"}
    assert stage.summary()["answers"] == 12


@pytest.mark.parametrize("url", ["http://10.0.0.5:7860", "http://example.org"])
def test_the_load_test_targets_only_this_machine(capsys, url: str) -> None:
    assert main(["bench", "--load", "--url", url]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "only targets this machine (127.0.0.1)" in err


def test_the_scratch_corpus_leaves_out_the_new_document(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    for name in ("a.pdf", "a.txt", "b.txt", "sub/new.pdf", "sub/new.txt", "sub/c.pdf"):
        (corpus / name).write_text("x", encoding="utf-8")
    folder = scratch_corpus(corpus, corpus / "sub" / "new.txt", tmp_path / "scratch")
    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*.*")) == [
        "a.pdf",
        "a.txt",
        "b.txt",
        "sub/c.pdf",
    ]


def test_the_probe_asks_about_the_new_document_alone() -> None:
    probe = probe_question(NEW_DOCUMENT.stem)
    assert probe.docs == (NEW_DOCUMENT.stem,) and probe.document == ""


@pytest.mark.parametrize(
    ("question", "document", "scope"),
    [
        ("上海市审计局的培训费预算是多少？", "", (OTHER_ID,)),
        ("物业管理费是多少？", SEED_ID, (SEED_ID,)),
        ("收录了哪些单位？", "", ()),  # the catalogue
        ("哪个单位的人员经费最多？", "", ()),  # the whole corpus
        ("浦东新区财政局的项目支出是多少？", "", ()),  # refused: not held
    ],
)
def test_question_scopes(two_doc_index: Path, question: str, document: str, scope: tuple[str, ...]) -> None:
    assert question_scopes(two_doc_index, [LoadQuestion("q", question, (), document)]) == {"q": scope}


@pytest.mark.parametrize(
    ("before", "after", "same"),
    [
        ({"a": ("x",), "b": ("x", "y")}, {"a": ("x",), "b": ("x", "y")}, {"a", "b"}),
        (
            {"a": ("x",), "b": ("x", "y")},
            {"a": ("x",), "b": ("x", "y", "new")},
            {"a"},
        ),  # names the added unit
        ({"a": (), "b": ("x",)}, {"a": (), "b": ("new",)}, set()),  # the corpus; now about the added unit
    ],
)
def test_only_questions_whose_scope_the_rebuild_keeps_are_about_unchanged_documents(
    before: dict, after: dict, same: set
) -> None:
    assert about_unchanged(before, after) == same


def _stage(clients: int, pause: float, p95: float, busy: int = 0) -> dict[str, Any]:
    return {"clients": clients, "pause_s": pause, "p95_s": p95, "busy": busy, "rejected": 0, "errors": 0}


@pytest.mark.parametrize(
    ("report", "lines"),
    [
        (
            {"stages": [_stage(20, 0.0, 1.0), _stage(100, 0.0, 2.5), _stage(100, 5.0, 3.5, busy=1)]},
            [
                "100 visitors, pause 0.0 s: none turned away and p95 < 3 s: 0 busy, 0 rejected, 0 errors, "
                "p95 2.5 s: met",
                "100 visitors, pause 5.0 s: none turned away and p95 < 3 s: 1 busy, 0 rejected, 0 errors, "
                "p95 3.5 s: NOT met",
            ],
        ),
        (
            {
                "stages": [],
                "flood": {"without": {"p95_s": 2.0}, "with": {"p95_s": 3.2}},
                "memory": {"rss_each_thousand_mb": [700.0, 720.0, 720.5]},
                "reindex": {"failed": 0, "degraded": 0, "new_document_after_swap_s": 0.4},
            },
            [
                "login flood: chat p95 with / without = 1.60 (at most 1.5): NOT met",
                "memory: 1 KB a session over the last thousand sessions (0 when bounded)",
                "index --force while serving: 0 failed, 0 degraded, the new document answered 0.4 s after "
                "the swap: met",
            ],
        ),
    ],
)
def test_each_target_is_reported_met_or_not(report: dict[str, Any], lines: list[str]) -> None:
    assert targets(report) == lines
