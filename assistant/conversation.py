"""Turns that are not questions about a budget: thanks, gibberish, instructions to the assistant.

Such a turn never repeats an earlier figure; it gets a short reply instead. Pure: wording is data
(assistant/data/conversation.toml).
"""

from __future__ import annotations

import re
from typing import Any

from assistant import datafiles


def wording() -> dict[str, Any]:
    return datafiles.load("conversation.toml")


def reply(q: str, raw: str) -> str:
    """A short reply when the turn (`q` normalised, `raw` as typed) is not a question about a budget, else ""."""
    words = wording()
    for pattern, answer in words["replies"]:
        if re.search(pattern, q) and not re.search(words["budget"], q):
            return answer
    if not re.search(r"[\u4e00-\u9fff]", q) and not _known_english(raw):
        return words["gibberish"]
    return ""


def _known_english(q: str) -> bool:
    from assistant.understand import aliases

    lowered = " ".join(q.lower().split())
    return any(phrase in lowered for phrase in aliases()["english"]) or bool(
        re.search(r"\b(budget|total|expenditure|spending|revenue|income|cost|how much|what)\b", lowered)
    )


def small_talk(q: str) -> bool:
    """A turn with no budget word and nothing a follow-up asks with (哈哈, 没事了拜拜, 知道了)."""
    words = wording()
    return not re.search(words["budget"], q) and not re.search(words["asks"], q)
