"""What stands in front of both Gradio mounts: security headers on every response, and each API call
checked against the mounted Blocks before Gradio runs it (`assistant.apicheck`), so a malformed or unknown
call gets a short 4xx in JSON and no traceback reaches the server log. Anything that still fails below is
answered 500 with one log line.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from assistant.apicheck import (
    NO_EVENT,
    NOT_JSON,
    call_problem,
    component_problem,
    event_known,
    named,
    named_problem,
    stream_known,
)

log = logging.getLogger("assistant.web")

HEADERS = (
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
)
MAX_BODY = 1_000_000  # bytes of a JSON API call
CALL = re.compile(r"^/gradio_api/(?:call|run|api)/([^/]+)/?$")
CALL_V2 = re.compile(r"^/gradio_api/call/v2/([^/]+)/?$")  # inputs by name: {"message": ...}
EVENT = re.compile(r"^/gradio_api/call(?:/v2)?/([^/]+)/([^/]+)/?$")
JOIN = re.compile(r"^/gradio_api/queue/join/?$")
COMPONENT = re.compile(r"^/gradio_api/component_server/?$")
DATA = re.compile(r"^/gradio_api/queue/data/?$")

TOO_LARGE = "请求体过大。"
FAILED = "服务器处理请求时出错。"


class SecurityHeaders:
    """ASGI middleware: no framing, no type sniffing, no referrer to other sites, on every response
    (a header the response sets itself is kept)."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in HEADERS if k not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)


@dataclass(frozen=True)
class Mount:
    prefix: str  # "" for the app at /
    blocks: Any  # the gradio.Blocks served there
    allowed: Callable[[Any], bool] | None = None  # the request may use this mount (a login), if any


class ApiGuard:
    """ASGI middleware over the FastAPI app holding the Gradio mounts (see the module's docstring)."""

    def __init__(self, app: Any, mounts: list[Mount]):
        self.app = app
        self.mounts = sorted(mounts, key=lambda m: len(m.prefix), reverse=True)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: dict[str, Any]) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            refused, receive = await self.check(scope, receive)
            if refused is not None:
                await _json(scope, receive, send, *refused)
                return
            await self.app(scope, receive, watch)
        except Exception as err:  # a fault below: one line in the log, never a traceback
            log.error("%s %s failed: %s: %s", scope["method"], scope["path"], type(err).__name__, err)
            if not started:
                await _json(scope, receive, send, 500, FAILED)

    async def check(self, scope: dict[str, Any], receive: Any) -> tuple[tuple[int, str] | None, Any]:
        """(refusal or None, the receive to go on with: the body re-played when it was read)."""
        mount = next((m for m in self.mounts if _under(scope["path"], m.prefix)), None)
        if mount is None:
            return None, receive
        path = scope["path"][len(mount.prefix) :]
        kind = _kind(scope["method"], path)
        if kind is None:
            return None, receive
        if mount.allowed is not None and not mount.allowed(scope):
            return None, receive  # Gradio answers 401 before it looks at the call
        if kind == "event":
            name, event_id = EVENT.match(path).groups()  # type: ignore[union-attr]
            known = named(mount.blocks, name) is not None and event_known(mount.blocks, event_id)
            return (None if known else (404, NO_EVENT)), receive
        if kind == "stream":
            session = _query(scope).get("session_hash", "")
            return (None if stream_known(mount.blocks, session) else (404, NO_EVENT)), receive
        body, replay = await _read(receive)
        if body is None:
            return (413, TOO_LARGE), replay
        try:
            parsed = json.loads(body or b"null")
        except ValueError:
            return (400, NOT_JSON), replay
        if kind == "component":
            return component_problem(mount.blocks, parsed), replay
        if kind == "call_v2":
            name = CALL_V2.match(path).group(1)  # type: ignore[union-attr]
            return named_problem(mount.blocks, name, parsed), replay
        name = CALL.match(path).group(1) if kind == "call" else None  # type: ignore[union-attr]
        return call_problem(mount.blocks, name, parsed), replay


def _under(path: str, prefix: str) -> bool:
    return not prefix or path == prefix or path.startswith(prefix + "/")


def _kind(method: str, path: str) -> str | None:
    if method == "POST" and CALL.match(path):
        return "call"
    if method == "POST" and CALL_V2.match(path):
        return "call_v2"
    if method == "POST" and JOIN.match(path):
        return "join"
    if method == "POST" and COMPONENT.match(path):
        return "component"
    if method == "GET" and EVENT.match(path):
        return "event"
    if method == "GET" and DATA.match(path):
        return "stream"
    return None


def _query(scope: dict[str, Any]) -> dict[str, str]:
    from urllib.parse import parse_qsl

    return dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))


async def _read(receive: Any) -> tuple[bytes | None, Any]:
    """The request body (None past MAX_BODY) and a receive that hands it on to the app unchanged."""
    chunks, size, more = [], 0, True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        more = message.get("more_body", False)
        if size > MAX_BODY:
            return None, receive
    body = b"".join(chunks)
    sent = False

    async def replay() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return body, replay


async def _json(scope: dict[str, Any], receive: Any, send: Any, status: int, message: str) -> None:
    from starlette.responses import JSONResponse

    await JSONResponse({"error": message}, status_code=status)(scope, receive, send)
