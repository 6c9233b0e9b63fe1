"""`budget-qa bench --load`: the public chat under load, driven through the real server as a browser drives it.

Each simulated visitor is one browser session: it posts a question to `/gradio_api/queue/join` (the event the
发送 button triggers) and reads the event stream `/gradio_api/queue/data` until its answer arrives, then asks
the next one (no pause); after a few questions it leaves and a new visitor comes. Questions are drawn from the evaluation sets. Every request goes to 127.0.0.1; every
stage is bounded in count and in time, and stops by itself.

Replies are counted as answers, failed answers (the chat's apology), busy replies (the chat's own Chinese
message, HTTP 422), rejections (HTTP 503, Gradio's English "queue full") and errors (anything else).
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.bench import percentile

SETS = ("evals/corpus.jsonl", "evals/corpus-fresh.jsonl", "evals/questions.jsonl")
SEED_ID = "shanghai-sme-office-2024"  # the seed's own questions name no unit: asked with it picked
TIMEOUT_S = 60.0
TURNS = 5  # questions a visitor asks in one conversation


@dataclass(frozen=True)
class LoadQuestion:
    id: str
    question: str
    docs: tuple[str, ...]  # the documents it is about (empty: none, such as a refusal)
    document: str = ""  # the unit and year picked in the chat, if any


@dataclass(frozen=True)
class Reply:
    question: LoadQuestion
    status: str  # ok | failed | busy | rejected | error
    seconds: float
    answer: str = ""
    at: float = 0.0  # when it was asked (time.monotonic)
    detail: str = ""


@dataclass
class StageResult:
    clients: int
    replies: list[Reply] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.replies)

    def summary(self) -> dict[str, Any]:
        answered = [r.seconds for r in self.replies if r.status in ("ok", "failed")]
        return {
            "clients": self.clients,
            "requests": len(self.replies),
            "answers": len(answered),
            "answers_per_s": round(len(answered) / self.seconds, 1) if self.seconds else 0.0,
            "p50_s": round(percentile(answered, 50), 3),
            "p95_s": round(percentile(answered, 95), 3),
            "max_s": round(max(answered, default=0.0), 3),
            "failed": self.count("failed"),
            "busy": self.count("busy"),
            "rejected": self.count("rejected"),
            "errors": self.count("error"),
            "seconds": round(self.seconds, 1),
        }


def load_mix(files: Iterable[str | Path], held: set[str], seed: int = 7) -> list[LoadQuestion]:
    """Questions without history from the evaluation sets whose documents the index holds, shuffled; the
    seed's own questions (no `docs`) are asked with the seed picked, when the index holds it."""
    out: list[LoadQuestion] = []
    for name in files:
        path = Path(name)
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line) if line.strip() else {}
            if not record.get("question") or record.get("history"):
                continue
            docs = tuple(record.get("docs") or ())
            if "docs" not in record:  # a seed question: about the seed, asked with it picked
                if SEED_ID not in held:
                    continue
                out.append(LoadQuestion(record["id"], record["question"], (SEED_ID,), SEED_ID))
            elif set(docs) <= held or record.get("category") in ("rank", "aggregate"):
                out.append(LoadQuestion(record["id"], record["question"], docs))
    random.Random(seed).shuffle(out)
    return out


def text_of(message: dict[str, Any]) -> str:
    """The text of a chat message as the page receives it (a string, or a list of parts)."""
    content = message.get("content", "")
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return str(content)


@dataclass(frozen=True)
class ChatEndpoint:
    """What a browser learns from /config: the 发送 button's event and the server's API prefix."""

    url: str
    fn_index: int
    trigger_id: int
    prefix: str = "/gradio_api"

    @classmethod
    async def discover(cls, client: Any, url: str) -> ChatEndpoint:
        config = (await client.get(f"{url}/config")).json()
        dep = next(d for d in config["dependencies"] if d.get("api_name") == "chat")
        return cls(url, int(dep["id"]), int(dep["targets"][0][0]), config.get("api_prefix", "/gradio_api"))


async def ask(
    client: Any, chat: ChatEndpoint, q: LoadQuestion, session: str, timeout: float = TIMEOUT_S
) -> Reply:
    """One question as the page sends it; the reply is classified, never raised."""
    started = time.monotonic()
    body = {
        "data": [q.question, None, None, q.document],
        "event_data": None,
        "fn_index": chat.fn_index,
        "trigger_id": chat.trigger_id,
        "session_hash": session,
    }
    try:
        async with asyncio.timeout(timeout):
            joined = await client.post(f"{chat.url}{chat.prefix}/queue/join", json=body)
            if joined.status_code != 200:
                status = {503: "rejected", 422: "busy"}.get(joined.status_code, "error")
                return Reply(q, status, time.monotonic() - started, at=started, detail=refusal_of(joined))
            event = joined.json()["event_id"]
            status, answer, detail = await _await_event(client, chat, session, event)
    except (TimeoutError, OSError, ValueError, KeyError) as err:
        return Reply(
            q, "error", time.monotonic() - started, at=started, detail=f"{type(err).__name__}: {err}"
        )
    except Exception as err:  # noqa: BLE001 - an HTTP client error is a measured error, not a crash
        return Reply(
            q, "error", time.monotonic() - started, at=started, detail=f"{type(err).__name__}: {err}"
        )
    return Reply(q, status, time.monotonic() - started, answer, started, detail)


def refusal_of(response: Any) -> str:
    """What the visitor is shown for a refused question: a validation message beside the input it names
    ("input: message"), or the start of the server's reply."""
    try:
        detail = response.json().get("detail")
    except ValueError:
        detail = None
    if isinstance(detail, list):
        shown = [
            f"{m.get('parameter_name')}: {m.get('message')}" for m in detail if not m.get("is_valid", True)
        ]
        return "; ".join(shown)
    return response.text[:300]


async def _await_event(client: Any, chat: ChatEndpoint, session: str, event: str) -> tuple[str, str, str]:
    """Read the session's event stream until this event completes: (status, answer text, detail)."""
    from assistant.app import FAILED

    url = f"{chat.url}{chat.prefix}/queue/data"
    async with client.stream("GET", url, params={"session_hash": session}) as stream:
        async for line in stream.aiter_lines():
            if not line.startswith("data:"):
                continue
            message = json.loads(line[5:])
            if message.get("msg") == "close_stream":
                break
            if message.get("msg") != "process_completed" or message.get("event_id") != event:
                continue
            if not message.get("success"):
                return "error", "", str(message.get("output", ""))[:300]
            messages = message["output"]["data"][0] or []
            answer = text_of(messages[-1]) if messages else ""
            return ("failed" if answer == FAILED else "ok"), answer, ""
    return "error", "", "the event stream closed before the answer"


def http_client(connections: int) -> Any:
    import httpx

    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(TIMEOUT_S), trust_env=False)


async def run_stage(
    url: str,
    questions: list[LoadQuestion],
    clients: int,
    requests: int,
    max_seconds: float = 300.0,
    turns: int = TURNS,
    pause_s: float = 0.0,
) -> StageResult:
    """`clients` visitors asking one question after another until `requests` are asked or time is up. A
    visitor asks `turns` questions in one conversation (each later question replays the earlier ones, as
    the chat does), then leaves and a new visitor takes its place; `turns=1`: every question in a new
    session, as API clients that never come back. With `pause_s`, a visitor reads each answer that long
    before asking again, and the visitors arrive spread over that time rather than all at once."""
    result = StageResult(clients)
    asked = 0
    deadline = time.monotonic() + max_seconds
    async with http_client(clients * 2 + 8) as client:
        chat = await ChatEndpoint.discover(client, url)

        async def visitor(arrives_s: float) -> None:
            nonlocal asked
            turn, session = 0, ""
            await asyncio.sleep(arrives_s)
            while asked < requests and time.monotonic() < deadline:
                q = questions[asked % len(questions)]
                asked += 1
                session = uuid.uuid4().hex[:11] if turn % turns == 0 else session
                turn += 1
                result.replies.append(await ask(client, chat, q, session))
                if pause_s:
                    await asyncio.sleep(pause_s)

        started = time.monotonic()
        arrivals = random.Random(clients).sample(range(clients), clients)  # spread over one pause
        await asyncio.gather(*(visitor(pause_s * n / clients) for n in arrivals))
        result.seconds = time.monotonic() - started
    return result


@dataclass
class FloodResult:
    attempts: int
    statuses: dict[int, int]
    p50_s: float
    p95_s: float
    seconds: float


async def login_flood(
    url: str, attempts: int = 200, parallel: int = 10, path: str = "/helpdesk"
) -> FloodResult:
    """`attempts` wrong logins against the helpdesk, `parallel` at a time (each a fresh password)."""
    statuses: dict[int, int] = {}
    times: list[float] = []
    left = attempts
    async with http_client(parallel + 2) as client:

        async def attacker() -> None:
            nonlocal left
            while left > 0:
                left -= 1
                started = time.monotonic()
                try:
                    r = await client.post(
                        f"{url}{path}/login", data={"username": "staff", "password": uuid.uuid4().hex}
                    )
                    code = r.status_code
                except Exception:  # noqa: BLE001 - a refused connection counts as status 0
                    code = 0
                times.append(time.monotonic() - started)
                statuses[code] = statuses.get(code, 0) + 1

        started = time.monotonic()
        await asyncio.gather(*(attacker() for _ in range(parallel)))
        seconds = time.monotonic() - started
    return FloodResult(
        attempts, dict(sorted(statuses.items())), percentile(times, 50), percentile(times, 95), seconds
    )
