"""What a server remembers: a bounded map that counts its hits, conversation states that spare a follow-up
from answering every earlier question again (with the very answers a full replay gives), and answers kept
per build, question and conversation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.engine import Assistant
from assistant.index import build_index
from assistant.recall import AnswerCache, Remembered
from tests.conftest import ROOT, SEED


@pytest.mark.parametrize(
    ("limit", "puts", "gets", "kept", "hits"),
    [
        (2, ["a", "b"], ["a", "b", "c"], ["a", "b"], 2),
        (2, ["a", "b", "c"], ["a", "b", "c"], ["b", "c"], 2),  # the least recently used went first
        (0, ["a"], ["a"], [], 0),  # a limit of 0 keeps nothing
    ],
)
def test_remembered_keeps_the_most_recent(
    limit: int, puts: list[str], gets: list[str], kept: list[str], hits: int
) -> None:
    cache: Remembered[str, str] = Remembered(limit)
    for key in puts:
        cache.put(key, key.upper())
    found = [key for key in gets if cache.get(key) == key.upper()]
    assert found == kept
    assert cache.stats() == {
        "hits": hits,
        "asked": len(gets),
        "hit_rate": round(hits / len(gets), 3),
        "kept": len(kept),
    }


def test_a_used_entry_outlives_an_unused_one() -> None:
    cache: Remembered[str, int] = Remembered(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recent
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)


def conversations() -> list[tuple[str, list[str], str]]:
    """The seed's conversations of the evaluation set: (id, earlier questions, question)."""
    out = []
    for line in (ROOT / "evals" / "questions.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record.get("history"):
            out.append((record["id"], record["history"], record["question"]))
    return out


def _said(answer) -> tuple:
    return (answer.text, answer.route, answer.formula, answer.values, answer.citations, answer.document)


def test_kept_conversation_states_give_the_answers_of_a_full_replay(seed_index: Path) -> None:
    kept, replayed = Assistant.open(seed_index), Assistant.open(seed_index)
    replayed.states = Remembered(0)
    talks = conversations()
    assert len(talks) >= 20
    differing = []
    for talk_id, history, question in talks:
        for turn, asked in enumerate([*history, question]):  # as the chat asks: each turn after the last
            earlier = [*history, question][:turn]
            if _said(kept.ask(asked, earlier)) != _said(replayed.ask(asked, earlier)):
                differing.append((talk_id, turn))
    assert differing == []
    turns = sum(len(h) for _, h, _ in talks)
    assert kept.states.hits == turns  # every follow-up started from the kept state
    assert replayed.states.hits == 0


def test_a_conversation_picked_on_a_document_is_kept_apart(seed_index: Path) -> None:
    assistant = Assistant.open(seed_index)
    first = assistant.ask("物业管理费是多少？", [], document="shanghai-sme-office-2024")
    follow = assistant.ask("那办公费呢？", ["物业管理费是多少？"], document="shanghai-sme-office-2024")
    assert assistant.states.stats()["hits"] == 1
    assistant.ask("那办公费呢？", ["物业管理费是多少？"])  # no document picked: another conversation
    assert assistant.states.stats()["hits"] == 1
    assert first.values[0].value == "850000" and follow.values[0].value == "300000"


def test_answers_are_kept_per_build_question_and_conversation(tmp_path: Path) -> None:
    index = tmp_path / "index"
    build_index([SEED], index, with_vectors=False)
    cache = AnswerCache(limit=10)
    first = Assistant.open(index)
    asked = [
        (first, "办公费是多少？", []),
        (first, "办公费是多少？", []),  # the same: kept
        (first, "办公费是多少？", ["物业管理费是多少？"]),  # another conversation
        (first, "会议费是多少？", []),
    ]
    answers = [cache.ask(a, q, h, None) for a, q, h in asked]
    assert [a.values[0].value for a in answers] == ["300000", "300000", "300000", "30000"]
    assert cache.answers.stats()["hits"] == 1
    build_index([SEED], index, with_vectors=False, force=True)
    second = Assistant.open(index)
    assert second.build_dir != first.build_dir
    again = cache.ask(second, "办公费是多少？", [], None)  # a new build: answered again
    assert _said(again) == _said(answers[0]) and cache.answers.stats()["hits"] == 1
    assert _said(cache.ask(second, "办公费是多少？", [], None)) == _said(again)
    assert cache.answers.stats() == {"hits": 2, "asked": 6, "hit_rate": 0.333, "kept": 4}
