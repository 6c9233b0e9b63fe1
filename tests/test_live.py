"""A server's assistant follows CURRENT; a new build that fails its checks leaves it on the old one, and says so."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from assistant.index import build_index, current_build
from assistant.live import LiveAssistant

from .conftest import SEED
from .damage import CASES


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
    assert live.ask("办公费是多少？").route == "table"
    assert live.build_dir == current_build(index) != damaged
