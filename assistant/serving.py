"""How much the web app takes on at once, and what it forgets: the answer queue, the busy message, and
conversations that expire.

Answering is CPU-bound, so only a few questions are answered at once (`concurrency`); the others wait in
Gradio's queue. The queue is sized from the measured capacity (README, "Under load"): about 4 seconds of
answering at full speed, so at 100 visitors asking without pause none is turned away, and past it a visitor
is told at once to retry rather than left waiting for a minute. When more than `queue` questions wait anyway, a visitor is told in Chinese
to send the question again in a few seconds (it stays in the box) instead of Gradio's English "queue full".
A conversation idle for `idle_s` is forgotten, and at most `sessions` are kept, so memory stays bounded however
many visitors come and go.
"""

from __future__ import annotations

import datetime
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

BUSY = "现在提问的人比较多，请稍等几秒再点“发送”重试（问题还在输入框里）。"


@dataclass(frozen=True)
class ServeLimits:
    concurrency: int = 2  # questions answered at once (each one holds a core)
    queue: int = 128  # questions waiting (about 4 s of answering at full speed); beyond, the busy message
    sessions: int = 500  # conversations kept in memory (about 80 KB each); the least recently used go first
    idle_s: float = 900.0  # a conversation idle this long is forgotten
    sweep_s: float = 60.0  # how often idle conversations are looked for
    answers: int = 5000  # answers kept for the same question in the same conversation (0: none)
    status_s: float = 2.0  # how often waiting visitors are told their place in the queue

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ServeLimits:
        """Limits from $BUDGET_QA_CONCURRENCY, $BUDGET_QA_QUEUE, $BUDGET_QA_CHAT_SESSIONS and
        $BUDGET_QA_CHAT_IDLE (seconds) and $BUDGET_QA_ANSWER_CACHE; each defaults to the value above."""
        env = os.environ if environ is None else environ
        base = cls()
        return cls(
            concurrency=int(env.get("BUDGET_QA_CONCURRENCY") or base.concurrency),
            queue=int(env.get("BUDGET_QA_QUEUE") or base.queue),
            sessions=int(env.get("BUDGET_QA_CHAT_SESSIONS") or base.sessions),
            idle_s=float(env.get("BUDGET_QA_CHAT_IDLE") or base.idle_s),
            sweep_s=min(base.sweep_s, float(env.get("BUDGET_QA_CHAT_IDLE") or base.idle_s) / 2),
            answers=int(env.get("BUDGET_QA_ANSWER_CACHE") or base.answers),
        )


def busy_at_the_door(demo: Any, limit: int, concurrency_id: str = "answer") -> None:
    """The busy check where a question joins the queue: a question for the functions of `concurrency_id`
    while `limit` already wait is refused exactly as Gradio refuses an input its validator rejects (HTTP
    422, the busy message beside the question box); everything else joins as before. A Gradio validator
    would do the same at the cost of a whole API call (inputs read, session state restored) per question.
    Gradio's own monitoring summary (a pandas table of the last events, rebuilt after every event) is kept
    for the last 1,000 events and rebuilt every 1,000."""
    import gradio as gr
    from gradio.queueing import process_validation_response

    queue = demo._queue
    queue.ANALYTICS_MAX_EVENTS = queue.ANAYLTICS_CACHE_FREQUENCY = 1000
    original = queue.push

    async def push(body: Any, request: Any, username: str | None) -> Any:
        fn = demo.fns.get(body.fn_index) if body.fn_index is not None else None
        if fn is not None and fn.concurrency_id == concurrency_id and len(queue) >= limit:
            refusal = [gr.validate(False, BUSY)] + [gr.validate(True, "")] * (len(fn.inputs) - 1)
            return False, process_validation_response(refusal, fn)[1], "validator_error"
        return await original(body=body, request=request, username=username)

    queue.push = push


def expire_sessions(holder: Any, idle_s: float, now: datetime.datetime | None = None) -> int:
    """Forget the conversations of a Gradio state holder not used for `idle_s` seconds; how many went."""
    moment = now or datetime.datetime.now()
    with holder.lock:
        stale = [s for s, t in list(holder.time_last_used.items()) if (moment - t).total_seconds() > idle_s]
        for session in stale:
            holder.session_data.pop(session, None)
            holder.time_last_used.pop(session, None)
    return len(stale)


class SessionSweeper:
    """A daemon thread that expires idle conversations of the given Blocks every `limits.sweep_s`."""

    def __init__(self, blocks: list[Any], limits: ServeLimits):
        self.blocks, self.limits = blocks, limits
        self.expired = 0
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="session-sweeper", daemon=True)
        self.thread.start()

    def sweep(self) -> int:
        gone = sum(expire_sessions(b.state_holder, self.limits.idle_s) for b in self.blocks)
        self.expired += gone
        return gone

    def _run(self) -> None:
        while not self._stop.wait(self.limits.sweep_s):
            self.sweep()

    def close(self) -> None:
        self._stop.set()
