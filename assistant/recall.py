"""What a server remembers between questions, so that it does less work per answer and every answer stays
the one the engine gives.

- `Remembered`: a bounded, thread-safe least-recently-used map that counts its hits.
- `snapshot`: a copy of a conversation's state that later turns cannot change, so the state a conversation
  reached can be kept and a follow-up answered from it instead of answering every earlier question again.
- `AnswerCache`: whole answers of a server, keyed by the build, the question, the earlier questions of its
  conversation and the document picked; a new build never gets an answer of an earlier one.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import replace
from typing import Any, Generic, TypeVar

from assistant.records import Answer

K = TypeVar("K")
V = TypeVar("V")
STATES = 2000  # conversation states an assistant keeps (each a few KB)
ANSWERS = 5000  # answers a server keeps (each a few KB)


class Remembered(Generic[K, V]):
    """At most `limit` values, the least recently used dropped first; `hits` and `misses` count `get`."""

    def __init__(self, limit: int):
        self.limit = limit
        self.hits = self.misses = 0
        self._values: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._values.get(key)
            if value is None:
                self.misses += 1
                return None
            self._values.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key: K, value: V) -> None:
        if self.limit <= 0:
            return
        with self._lock:
            self._values[key] = value
            self._values.move_to_end(key)
            while len(self._values) > self.limit:
                self._values.popitem(last=False)

    def __len__(self) -> int:
        return len(self._values)

    def stats(self) -> dict[str, Any]:
        asked = self.hits + self.misses
        return {
            "hits": self.hits,
            "asked": asked,
            "hit_rate": round(self.hits / asked, 3) if asked else 0.0,
            "kept": len(self),
        }


def snapshot(state: Any) -> Any:
    """A copy of a `Conversation` that answering later turns leaves as it is: the engine reassigns the
    fields of its context and appends to `turns`, so a shallow copy of both is enough."""
    return replace(state, context=replace(state.context), turns=list(state.turns))


class AnswerCache:
    """Answers of the live assistant, reused when the same build is asked the same question in the same
    conversation (the same earlier questions, the same document picked); `limit=0` keeps none."""

    def __init__(self, limit: int = ANSWERS):
        self.answers: Remembered[tuple[str, str, tuple[str, ...], str], Answer] = Remembered(limit)

    def ask(self, assistant: Any, question: str, history: list[str], document: str | None) -> Answer:
        """`assistant.ask(question, history, document)`, or the answer it gave before (its latency then
        the time this lookup took)."""
        started = time.perf_counter()
        current = getattr(assistant, "current", None)  # a live assistant: one build for the whole question
        assistant = current() if callable(current) else assistant
        build = getattr(assistant, "build_dir", None)
        key = (str(build or id(assistant)), question, tuple(history), document or "")
        kept = self.answers.get(key)
        if kept is not None:
            return replace(kept, latency_ms=(time.perf_counter() - started) * 1000)
        answer = assistant.ask(question, history, document=document)
        self.answers.put(key, answer)
        return answer
