"""The helpdesk's 问题日志: a page of the log as table rows, one entry in full, the replay verdict, and the
CSV export streamed from `/helpdesk/log.csv` (staff only) instead of being held in the page.

Everything a visitor typed is shown through `assistant.visible`: control and direction characters appear as
⟨U+XXXX⟩, never obeyed, and nothing is interpreted as HTML.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from fastapi import Request

from assistant.applog import ANSWER_CHARS, AppLog, LogEntry, LogFilter, LogPage, csv_lines, day
from assistant.visible import visible, visible_html

REPLAY = "▶ 重放"
HEADERS = ["编号", "时间(UTC)", "问题", "路由", "耗时ms", "状态", "反馈", "前文", "重放"]
REPLAY_COLUMN = HEADERS.index("重放")
EXPORT_PATH = "/helpdesk/log.csv"
CHUNK_LINES = 500
BAD_DAY = "日期应写作 2025-01-31 这样的格式。"


def log_rows(entries: list[LogEntry]) -> list[list[Any]]:
    """One table row per entry; the question on one line with every invisible character written out."""
    return [
        [
            e.id,
            e.time,
            visible(e.question),
            e.route or "—",
            e.latency_ms,
            e.status,
            e.feedback or "—",
            f"{len(e.history)} 问" if e.history else "",
            REPLAY,
        ]
        for e in entries
    ]


def summary(page: LogPage) -> str:
    if not page.total:
        return "没有符合条件的记录。"
    first = (page.page - 1) * page.size + 1
    last = first + len(page.entries) - 1
    return f"共 {page.total:,} 条 · 第 {page.page} / {page.pages} 页（第 {first:,}–{last:,} 条，最新在前）"


def export_href(f: LogFilter) -> str:
    """The export URL for the filters shown (only those set)."""
    query = urlencode({k: v for k, v in vars(f).items() if v})
    return EXPORT_PATH + (f"?{query}" if query else "")


def export_link(f: LogFilter, total: int) -> str:
    return f'<a href="{visible_html(export_href(f))}" download id="bqa-csv">下载 CSV（{total:,} 条）</a>'


def _block(title: str, text: str) -> str:
    body = visible_html(text, keep="\n") if text else "（无）"
    return f'<div class="bqa-entry-field"><b>{title}</b><div style="white-space: pre-wrap">{body}</div></div>'


def entry_html(entry: LogEntry | None) -> str:
    """One entry in full: the question, the conversation before it, the answer given, any error."""
    if entry is None:
        return "<p>没有这条记录（可能已超出日志容量被删除）。</p>"
    earlier = "".join(f"<li>{visible_html(q)}</li>" for q in entry.history)
    facts = (
        f"第 {entry.id} 条 · {visible_html(entry.time)} · 路由 {visible_html(entry.route or '—')} · "
        f"状态 {visible_html(entry.status)} · 耗时 {entry.latency_ms} ms · 反馈 {visible_html(entry.feedback or '—')}"
        f" · 文件 {visible_html(entry.document or '未选定')}"
    )
    parts = [
        f'<div class="bqa-entry" id="bqa-entry-{entry.id}"><p>{facts}</p>',
        _block("问题", entry.question),
        f'<div class="bqa-entry-field"><b>前文问题</b>{f"<ol>{earlier}</ol>" if earlier else "<div>（无，对话的第一问）</div>"}</div>',
        _block("当时的回答", entry.answer),
    ]
    if entry.error:
        parts.append(_block("错误", entry.error))
    return "".join(parts) + "</div>"


def replay_note(entry: LogEntry, answer_text: str | None) -> str:
    """Whether the replayed answer is the one the visitor got (markdown, one line)."""
    head = f"重放日志第 {entry.id} 条"
    if answer_text is None:
        return f"{head}：现在回答失败。"
    if entry.status != "ok":
        return f"{head}：当时未能回答（{entry.status}），现在的回答如下。"
    if answer_text[:ANSWER_CHARS] == entry.answer:
        return f"{head}：与当时的回答一致。"
    return f"{head}：**与当时的回答不同**（索引或程序已更新），当时的回答见问题日志。"


def filter_from(params: dict[str, str]) -> LogFilter:
    """A filter from the export URL's query; ValueError for a malformed day."""
    wanted = {k: str(params.get(k, "")).strip() for k in vars(LogFilter())}
    wanted["since"], wanted["until"] = day(wanted["since"]), day(wanted["until"])
    return LogFilter(**wanted)


def csv_chunks(log: AppLog, f: LogFilter) -> Iterator[bytes]:
    """The export body: CSV rows in chunks of a few hundred, read from the database as they are sent."""
    for text in csv_lines(log.iter_entries(f), CHUNK_LINES):
        yield text.encode("utf-8")


async def staff_user(desk_app: Any, request: Request) -> str | None:
    """The helpdesk user signed in on this request (Gradio's own login cookie or auth dependency)."""
    if getattr(desk_app, "auth_dependency", None) is not None:
        user = desk_app.auth_dependency(request)
        return await user if inspect.isawaitable(user) else user
    cookie_id = desk_app.cookie_id
    token = request.cookies.get(f"access-token-{cookie_id}") or request.cookies.get(
        f"access-token-unsecure-{cookie_id}"
    )
    return desk_app.tokens.get(token)


def add_export_route(app: Any, log: AppLog, desk_path: str = "/helpdesk") -> None:
    """GET /helpdesk/log.csv?text=…&route=…: the log as CSV, streamed, for signed-in staff only. Registered
    before the helpdesk is mounted, so it is matched first."""
    from fastapi.responses import PlainTextResponse, StreamingResponse

    def desk_app() -> Any:
        return next(r.app for r in app.routes if getattr(r, "path", None) == desk_path and hasattr(r, "app"))

    @app.get(EXPORT_PATH, include_in_schema=False)
    async def export(request: Request) -> Any:
        if await staff_user(desk_app(), request) is None:
            return PlainTextResponse("请先登录服务台。", status_code=401)
        try:
            f = filter_from(dict(request.query_params))
        except ValueError:
            return PlainTextResponse(BAD_DAY, status_code=400)
        name = f"budget-qa-log-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}.csv"
        return StreamingResponse(
            csv_chunks(log, f),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )
