"""A server's assistant follows the live build: a cheap look at CURRENT before each question, a lease on the
build it reads, a new build that fails its checks leaves it on the old one (and says so), and a real server
keeps answering while `budget-qa index --force` runs in another process, then answers the document that
rebuild added, without a restart."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from assistant.engine import Assistant
from assistant.index import LEASES, build_index, current_build, lease_holder
from assistant.live import LiveAssistant
from assistant.load import ChatEndpoint, LoadQuestion, Reply, ask, http_client
from tests.conftest import OTHER, OTHER_ID, ROOT, SEED, SEED_ID
from tests.damage import CASES
from tests.servers import start_with_staff

needs_other = pytest.mark.skipif(not OTHER.exists(), reason="shared Shanghai corpus not present")
SEED_QUESTIONS = (  # asked with the seed picked, as a visitor who chose it does
    ("物业管理费是多少？", "850,000"),
    ("办公费是多少？", "300,000"),
    ("“三公”经费是多少？", "150,000"),
)
NEW_QUESTION = ("上海市审计局的培训费预算是多少？", "1,500,000")


@pytest.fixture()
def index(tmp_path: Path, corpus: Path) -> Path:
    folder = tmp_path / "index"
    build_index([corpus], folder, with_vectors=False)
    return folder


def _leases(index: Path) -> dict[str, list[str]]:
    return {b.name: sorted(p.name for p in b.iterdir()) for b in (index / LEASES).iterdir()}


class Counting:
    """`Assistant.open`, counted: how often the live assistant opened a build."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, index_dir: str | Path) -> Assistant:
        self.calls += 1
        return Assistant.open(index_dir)


def test_the_live_build_is_opened_once_and_leased(index: Path, corpus: Path) -> None:
    opener = Counting()
    live = LiveAssistant(index, opener)
    first = current_build(index).name
    assert _leases(index) == {first: [lease_holder()]}
    for _ in range(5):
        assert live.ask("办公费是多少？").values[0].value == "300000"
    assert opener.calls == 1  # CURRENT unchanged: nothing re-opened
    (corpus / SEED.name).write_text(SEED.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    build_index([corpus], index, with_vectors=False)
    second = current_build(index).name
    assert live.current().build_dir.name == second and opener.calls == 2
    assert _leases(index) == {first: [lease_holder()], second: [lease_holder()]}


def test_a_build_that_cannot_be_opened_keeps_the_one_being_served(index: Path) -> None:
    live = LiveAssistant(index)
    served = live.current()
    broken = index / "build-broken"
    broken.mkdir()  # no facts.sqlite: Assistant.open refuses it
    (index / "CURRENT").write_text(broken.name + "\n", encoding="utf-8")
    assert live.current() is served
    assert live.ask("办公费是多少？").values[0].value == "300000"


async def _ask_while(url: str, questions: list[LoadQuestion], running: subprocess.Popen) -> list[Reply]:
    """Four visitors asking one question after another until the rebuild has ended, then one more round."""
    replies: list[Reply] = []
    async with http_client(12) as client:
        chat = await ChatEndpoint.discover(client, url)

        async def visitor(n: int) -> None:
            session = uuid.uuid4().hex[:11]
            turn = n
            while running.poll() is None and turn < 4000:
                replies.append(await ask(client, chat, questions[turn % len(questions)], session))
                turn += 1

        await asyncio.gather(*(visitor(n) for n in range(4)))
        for q in questions:
            replies.append(await ask(client, chat, q, uuid.uuid4().hex[:11]))
    return replies


async def _one(url: str, q: LoadQuestion) -> Reply:
    async with http_client(4) as client:
        return await ask(client, await ChatEndpoint.discover(client, url), q, uuid.uuid4().hex[:11])


@needs_other
def test_a_server_keeps_answering_while_the_index_is_rebuilt_in_another_process(
    index: Path, corpus: Path
) -> None:
    questions = [LoadQuestion(f"s{n}", q, (SEED_ID,), SEED_ID) for n, (q, _) in enumerate(SEED_QUESTIONS)]
    figures = {q: figure for q, figure in SEED_QUESTIONS}
    new = LoadQuestion("new", NEW_QUESTION[0], (OTHER_ID,))
    server = start_with_staff(index)
    try:
        before = asyncio.run(_one(server.url, new))
        assert before.status == "ok" and NEW_QUESTION[1] not in before.answer  # not indexed yet
        shutil.copy(OTHER, corpus / OTHER.name)
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        command = [sys.executable, "-m", "assistant", "--index", str(index), "index", "--force", str(corpus)]
        rebuild = subprocess.Popen([*command, "--no-vectors", "--quiet"], env=env, stdout=subprocess.DEVNULL)
        replies = asyncio.run(_ask_while(server.url, questions, rebuild))
        assert rebuild.wait() == 0
        after = asyncio.run(_one(server.url, new))
    finally:
        server.close()
    assert len(replies) > len(questions)  # questions were asked while the rebuild ran
    assert [r for r in replies if r.status != "ok"] == []
    assert [r.question.question for r in replies if figures[r.question.question] not in r.answer] == []
    assert after.status == "ok" and NEW_QUESTION[1] in after.answer and "<summary>来源" in after.answer


def test_a_damaged_new_build_keeps_the_old_one_answering(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    index = tmp_path / "index"
    build_index([SEED], index, with_vectors=False)
    first = current_build(index)
    live = LiveAssistant(index)
    assert "300,000元" in live.ask("办公费是多少？").text
    build_index([SEED], index, with_vectors=False, force=True)
    damaged = current_build(index)
    expected = CASES["missing chunks.jsonl"](index)
    with caplog.at_level(logging.WARNING, logger="assistant"):
        assert "300,000元" in live.ask("办公费是多少？").text
    assert live.build_dir == first
    assert caplog.messages == [f"still answering from {first.name}: {expected.line}"]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="assistant"):
        live.ask("会议费是多少？")  # the same pointer: not tried again, not said again
    assert caplog.messages == []
    build_index([SEED], index, with_vectors=False)  # repaired by the next build
    assert first.is_dir()  # neither CURRENT nor the build it replaced, but the server's lease keeps it
    assert live.ask("办公费是多少？").route == "table"
    assert live.build_dir == current_build(index) != damaged
