"""The JSON API for other systems, mounted at `/api` on the web app's server.

    POST /api/ask     {"question", "history"?, "document"? | "unit"? "year"?, "id"?} → the answer contract
    GET  /api/units   the catalogue: units, their documents (id, year, kind) and the names they answer to
    GET  /api/docs    OpenAPI documentation (/api/openapi.json)

The same assistant as the chat answers (the live one, which follows new builds), with the chat's limits:
questions of at most 500 characters, 12 earlier questions, 4 answered at once. Every error is JSON with a
Chinese message and a 4xx code (500 only when the assistant itself fails), never a traceback. Each client
address has a token bucket (`BUDGET_QA_API_RATE` requests a minute, `BUDGET_QA_API_BURST` at once).
"""

from __future__ import annotations

import functools
import os
import time
import uuid
from dataclasses import dataclass
from typing import Annotated, Any

import anyio
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from starlette.exceptions import HTTPException

from assistant.app import FAILED, MAX_CHARS, MAX_HISTORY
from assistant.capabilities import list_units, scope_document
from assistant.errors import InputError, ScopeError
from assistant.ratelimit import RateLimiter, retry_after
from assistant.recall import AnswerCache
from assistant.serving import ServeLimits

MAX_BODY = 64 * 1024
FIELDS = ("question", "history", "document", "unit", "year", "id")
EXAMPLE = {"question": "物业管理费占商品和服务支出的比例？", "document": "shanghai-sme-office-2024"}


@dataclass(frozen=True)
class ApiSettings:
    """The API's limits: requests a minute and at once per client address (0 a minute: no limit), and
    questions answered at once (the chat's `ServeLimits.concurrency` when served with it)."""

    per_minute: float = 60
    burst: int = 20
    max_body: int = MAX_BODY
    concurrency: int = ServeLimits.concurrency

    @classmethod
    def from_env(cls) -> ApiSettings:
        """`BUDGET_QA_API_RATE` (a minute) and `BUDGET_QA_API_BURST` (at once), with the defaults above."""
        rate = os.environ.get("BUDGET_QA_API_RATE", "").strip() or str(cls.per_minute)
        burst = os.environ.get("BUDGET_QA_API_BURST", "").strip() or str(cls.burst)
        try:
            settings = cls(per_minute=float(rate), burst=int(burst))
        except ValueError:
            settings = cls(per_minute=-1)
        if settings.per_minute < 0 or settings.burst < 1:
            raise InputError(
                f"BUDGET_QA_API_RATE takes requests a minute (0: no limit) and BUDGET_QA_API_BURST a whole "
                f"number of at least 1, not {rate!r} and {burst!r}"
            )
        return settings


# the request and the answer contract, as documented in /api/openapi.json
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_CHARS)]
Earlier = Annotated[str, StringConstraints(max_length=MAX_CHARS)]


class AskRequest(BaseModel):
    """One question, with the conversation's earlier questions and, optionally, the document it is about."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})
    question: Text = Field(description=f"中文问题，{MAX_CHARS} 字以内")
    history: list[Earlier] = Field(
        default_factory=list, max_length=MAX_HISTORY, description="同一对话中之前问过的问题，按先后顺序"
    )
    document: str | None = Field(default=None, max_length=200, description="文件 id（见 /api/units）")
    unit: str | None = Field(default=None, max_length=100, description="单位名称或简称，例如“审计局”")
    year: int | None = Field(default=None, ge=1990, le=2100, description="年度，与 unit 一起使用")
    id: str | None = Field(default=None, max_length=100, description="调用方自己的编号，原样返回")


class CitationOut(BaseModel):
    source: str = Field(description="table | text | catalog")
    document: str
    table: str | None = None
    row: str | None = None
    column: str | None = None
    value: str | None = None
    unit: str | None = None
    section: str | None = None
    quote: str | None = None
    line: int | None = None
    page: int | None = Field(default=None, description="PDF 页码（文件从 PDF 读取时）")
    ocr: bool | None = None


class ValueOut(BaseModel):
    label: str
    value: str = Field(description="精确的十进制数字")
    unit: str


class AskResponse(BaseModel):
    id: str
    answer: str = Field(description="中文回答（markdown）")
    route: str = Field(description="table | text | hybrid | refuse | clarify")
    citations: list[CitationOut]
    values: list[ValueOut]
    formula: str
    latency_ms: float
    document: str = Field(description="回答所依据的文件 id（多份时为空）")


class ErrorOut(BaseModel):
    error: str = Field(description="错误代码，例如 question_too_long")
    message: str = Field(description="中文说明")
    candidates: list[str] | None = None


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut, "description": text}
    for code, text in (
        (400, "请求体无法解码（不是 UTF-8 的 JSON）"),
        (404, "未收录所给的文件、单位或年度"),
        (413, "请求体过大"),
        (422, "请求格式不对（缺少问题、类型不对、问题太长……），或范围可指多份文件"),
        (429, "请求太频繁（带 Retry-After）"),
    )
}


def error(status: int, code: str, message: str, **extra: Any) -> Any:
    """A JSON error response with a Chinese message."""
    headers = extra.pop("headers", None)
    body = {"error": code, "message": message, **{k: v for k, v in extra.items() if v}}
    return JSONResponse(body, status_code=status, headers=headers)


# validation errors → one Chinese sentence
FIELD_NAMES = {
    "question": "question（问题）",
    "history": "history（之前的问题）",
    "document": "document（文件 id）",
    "unit": "unit（单位）",
    "year": "year（年度）",
    "id": "id（编号）",
}
NOT_OBJECT = '请求体应为 JSON 对象，例如 {"question": "物业管理费是多少？"}（Content-Type: application/json）'


def explain(errors: list[dict[str, Any]]) -> tuple[str, str]:
    """(code, message) for the first problem of a request body that does not validate (unreadable JSON
    and unknown fields first: a misspelt field also leaves `question` missing)."""
    ranked = sorted(errors, key=lambda e: e.get("type") not in ("json_invalid", "extra_forbidden"))
    first = ranked[0] if ranked else {"type": "", "loc": ("body",)}
    kind, loc = first.get("type", ""), [p for p in first.get("loc", ()) if p != "body"]
    name = str(loc[0]) if loc else ""
    if kind == "json_invalid":
        return "invalid_json", "请求体不是有效的 JSON：" + NOT_OBJECT
    if not name:
        return (
            ("empty_body", "请求体是空的：" + NOT_OBJECT)
            if kind == "missing"
            else ("not_an_object", NOT_OBJECT)
        )
    if kind == "extra_forbidden":
        return "unknown_field", f"不认识的字段「{name}」；可用的字段：{'、'.join(FIELDS)}"
    if kind == "missing":
        return "missing_question", '缺少 question（问题），例如 {"question": "物业管理费是多少？"}'
    if name == "question":
        return _question_problem(kind)
    if name == "history":
        return _history_problem(kind, loc)
    if name == "year":
        return "invalid_year", "year（年度）应为 1990–2100 之间的整数，例如 2024"
    return f"invalid_{name}", f"{FIELD_NAMES.get(name, name)}应为文字，且不超过规定长度"


def _question_problem(kind: str) -> tuple[str, str]:
    if kind == "string_too_short":
        return "empty_question", "问题是空的，请输入一个关于预算的问题"
    if kind == "string_too_long":
        return "question_too_long", f"问题太长了：请把问题精简到 {MAX_CHARS} 字以内再问"
    return "invalid_question", "question（问题）应为文字"


def _history_problem(kind: str, loc: list[Any]) -> tuple[str, str]:
    if len(loc) == 1 and kind == "too_long":
        return "history_too_long", f"history（之前的问题）最多 {MAX_HISTORY} 条，请只保留最近的问题"
    if len(loc) == 1:
        return "invalid_history", "history（之前的问题）应为文字列表，按先后顺序"
    if kind == "string_too_long":
        return "history_too_long", f"history 第 {int(loc[1]) + 1} 条太长：每条不超过 {MAX_CHARS} 字"
    return "invalid_history", f"history 第 {int(loc[1]) + 1} 条应为文字"


class UnitDocument(BaseModel):
    id: str
    year: int
    kind: str = Field(description="部门预算 | 单位预算")
    budget_units: list[str] = Field(
        default_factory=list, description="部门预算按单位列出的预算单位（本级在前）；可在问题中直接提及"
    )


class UnitOut(BaseModel):
    unit: str
    district: str = Field(description="区（区级单位），市级单位为空")
    documents: list[UnitDocument]
    names: list[str] = Field(description="问题中可用的其他叫法")


class UnitsResponse(BaseModel):
    documents: int
    years: list[int]
    kinds: list[str]
    units: list[UnitOut]
    duplicates: dict[str, str] = Field(description="重复收录的文件 → 回答所用的文件")


class Limited(Exception):
    """A client over its request budget; `wait` seconds until its next request may go ahead."""

    def __init__(self, wait: float):
        super().__init__(f"rate limited for {wait:.1f}s")
        self.wait = wait


class BodyLimit:
    """ASGI middleware: a request body over `max_bytes` gets 413, whether its length is declared or not."""

    def __init__(self, app: Any, max_bytes: int = MAX_BODY):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            return await self._too_large(scope, receive, send)
        seen, over = 0, False

        async def counted() -> dict[str, Any]:
            nonlocal seen, over
            if over:
                return {"type": "http.request", "body": b"", "more_body": False}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                over = seen > self.max_bytes
                if over:  # stop reading; whatever the app answers is replaced by 413
                    return {"type": "http.request", "body": b"", "more_body": False}
            return message

        async def replaced(message: dict[str, Any]) -> None:
            if not over:
                await send(message)
            elif message["type"] == "http.response.start":
                await self._too_large(scope, receive, send)

        await self.app(scope, counted, replaced)

    async def _too_large(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        message = f"请求体过大：上限 {self.max_bytes // 1024} KB（问题 {MAX_CHARS} 字以内，之前的问题最多 {MAX_HISTORY} 条）"
        await error(413, "body_too_large", message)(scope, receive, send)


def build_api(
    assistant: Any, log: Any = None, settings: ApiSettings | None = None, answers: AnswerCache | None = None
) -> Any:
    """The API as a FastAPI app (mounted at /api by `mount_api`); `assistant` is the chat's (live) one,
    `answers` the chat's answer cache."""
    settings = settings or ApiSettings()
    api = FastAPI(
        title="预算问答 API",
        version="1",
        description="用中文问公开的政府预算：精确的数字、出处（表、行、列、页）和算式，或者明确的“文件中没有”。",
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    limiter = RateLimiter(settings.per_minute, settings.burst)
    answering = Answering(assistant, log, settings.concurrency, answers)

    def within_budget(request: Request) -> None:
        wait = limiter.take(request.client.host if request.client else "")
        if wait:
            raise Limited(wait)

    @api.post(
        "/ask",
        response_model=AskResponse,
        responses=ERRORS,
        summary="回答一个问题",
        dependencies=[Depends(within_budget)],
    )
    async def ask(body: AskRequest) -> Any:
        """The answer contract for one question (with its conversation and scope)."""
        try:
            document = scope_document(assistant.catalog, body.document, body.unit, body.year)
        except ScopeError as err:
            status = 404 if err.code.startswith("unknown") else 422
            return error(status, err.code, str(err), candidates=list(err.candidates))
        return await answering.respond(body, document)

    @api.get(
        "/units",
        response_model=UnitsResponse,
        responses={429: ERRORS[429]},
        summary="收录的单位、年度、类型和文件",
        dependencies=[Depends(within_budget)],
    )
    def units() -> Any:
        """The catalogue, as `budget-qa units --json` lists it."""
        return JSONResponse(list_units(assistant.catalog))

    _handle_errors(api, settings)
    api.add_middleware(BodyLimit, max_bytes=settings.max_body)
    return api


class Answering:
    """Asks the assistant off the event loop, at most `concurrency` at once (as the chat), and logs each
    question in the app's question log."""

    def __init__(
        self,
        assistant: Any,
        log: Any = None,
        concurrency: int = ServeLimits.concurrency,
        answers: AnswerCache | None = None,
    ):
        self.assistant, self.log, self.concurrency = assistant, log, concurrency
        self.answers = answers or AnswerCache()
        self._slots: Any = None

    async def respond(self, body: AskRequest, document: str | None) -> Any:
        if self._slots is None:
            self._slots = anyio.CapacityLimiter(self.concurrency)
        call = functools.partial(self.answer, body.question, list(body.history), document)
        result = await anyio.to_thread.run_sync(call, limiter=self._slots)
        if result is None:
            return error(500, "failed", FAILED)
        return JSONResponse({"id": body.id or uuid.uuid4().hex, **result.to_dict()})

    def answer(self, question: str, history: list[str], document: str | None) -> Any:
        """The engine's answer, or None when it failed (logged with its error)."""
        started = time.perf_counter()
        try:
            result = self.answers.ask(self.assistant, question, history, document)
        except Exception as err:  # noqa: BLE001 - a failure is one message for the caller, logged for staff
            if self.log is not None:
                latency = (time.perf_counter() - started) * 1000
                self.log.record(
                    question, latency_ms=latency, status="error", error=f"{type(err).__name__}: {err}"
                )
            return None
        if self.log is not None:
            self.log.record(question, result.route, result.latency_ms, answer=result.text)
        return result


def _handle_errors(api: Any, settings: ApiSettings) -> None:
    """Every error of the API as JSON with a Chinese message."""

    @api.exception_handler(RequestValidationError)
    async def invalid(request: Any, exc: RequestValidationError) -> Any:
        code, message = explain(list(exc.errors()))
        return error(422, code, message)

    @api.exception_handler(Limited)
    async def limited(request: Any, exc: Limited) -> Any:
        wait = retry_after(exc.wait)
        rate = f"每分钟 {settings.per_minute:g} 次（连续最多 {settings.burst} 次）"
        message = f"请求太频繁：每个地址{rate}，请 {wait} 秒后再试"
        return error(429, "rate_limited", message, headers={"Retry-After": str(wait)})

    @api.exception_handler(HTTPException)
    async def http(request: Any, exc: HTTPException) -> Any:
        if exc.status_code == 404:
            return error(404, "not_found", "没有这个地址；可用：POST /api/ask、GET /api/units、GET /api/docs")
        if exc.status_code == 405:
            return error(
                405, "method_not_allowed", f"这个地址不接受 {request.method} 请求", headers=exc.headers
            )
        if exc.status_code == 400:  # a body that cannot be decoded at all
            return error(400, "invalid_json", "请求体不是有效的 JSON（UTF-8）：" + NOT_OBJECT)
        return error(exc.status_code, "bad_request", "请求无法处理，请检查地址和请求体")

    @api.exception_handler(Exception)
    async def failed(request: Any, exc: Exception) -> Any:
        return error(500, "failed", FAILED)


def mount_api(
    app: Any,
    assistant: Any,
    log: Any = None,
    settings: ApiSettings | None = None,
    answers: AnswerCache | None = None,
) -> None:
    """Serve the API at /api of `app` (before the chat is mounted at /, which would take every path)."""
    app.mount("/api", build_api(assistant, log, settings, answers))
