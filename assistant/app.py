"""The web app: a public chat at `/` and the staff helpdesk at `/helpdesk`, one server.

The chat keeps the conversation's earlier questions and passes them to the engine, renders each answer with
a collapsible 来源 listing every cited cell or passage, draws a bar chart (inline SVG, no network) for
composition and comparison answers, and stores 有用/有误 feedback in the question log. The helpdesk lives
in `assistant.helpdesk` and is only mounted behind a login.

    budget-qa serve [--host 127.0.0.1] [--port 7860]
    python -m assistant.app hash-password [USER]      # one "user:bcrypt-hash" line for the helpdesk
"""

from __future__ import annotations

import html
import logging
import re
import sys
import threading
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import quote

from assistant.glossary import used  # noqa: E402
from assistant.recall import AnswerCache
from assistant.records import Answer, Citation  # noqa: E402
from assistant.serving import ServeLimits, SessionSweeper, busy_at_the_door

MAX_CHARS = 500
MAX_HISTORY = 12  # earlier questions passed to the engine (and kept)
MAX_MESSAGES = 60  # messages a conversation keeps (30 turns); older ones leave the chat
UNIT_FACTORS = {"元": Decimal(1), "万元": Decimal(10_000), "亿元": Decimal(100_000_000)}
EXAMPLES = (
    "2024年支出预算总计是多少？",
    "物业管理费是多少？",
    "“三公”经费由哪些部分构成？",
    "支出结构是怎样的？",
    "经济分类中哪一类支出最多？",
    "什么是机关运行经费？",
)
TOO_LONG = f"问题太长了：请把问题精简到 {MAX_CHARS} 字以内再问（例如只问一个科目或一个数字）。"
FAILED = "抱歉，这个问题暂时没能回答，已记录下来供工作人员查看。请换个说法再试，或问一个具体科目的预算数。"
NO_CHART = (
    '<div class="bqa-chart-empty">问构成或比较类问题（如“支出结构”“三公经费构成”）时，这里显示图表。</div>'
)


# pure rendering: answers, sources, charts
def fmt_amount(value: str | Decimal) -> str:
    """A decimal figure with thousands separators, as printed in the tables ("850000" → "850,000")."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return f"{number:,}"


def to_yuan(value: str, unit: str) -> Decimal | None:
    """The figure in 元, or None when it is not money or not a number."""
    factor = UNIT_FACTORS.get(unit)
    try:
        return Decimal(value) * factor if factor is not None else None
    except InvalidOperation:
        return None


def public_citation(c: Citation, document: str = "") -> str:
    """One source for a citizen, in words: the document, the table, the row and the column (the page when
    the document is a PDF); never a line of a file nobody has."""
    page = f"，第{c.page}页" if c.page else ""
    ocr = "（图像识别）" if c.ocr else ""
    of = f"{document}：" if document else ""
    if c.source == "table":
        where = f"《{c.table}》“{c.row}”行“{c.column}”栏" if c.row else f"《{c.table}》“{c.column}”栏"
        return f"{of}{where}{page}{ocr}：{fmt_amount(c.value)}{c.unit}"
    if c.source == "catalog":
        return f"已收录文件：{c.quote}"
    return f"{of}「{c.section}」{page}{ocr}：“{c.quote}”"


def escape_text(text: str) -> str:
    """Text shown as typed: no HTML or script is interpreted."""
    return html.escape(text, quote=False)


def original_url(c: Citation) -> str:
    """Where the app serves the published PDF of a cited document, opened at the cited page."""
    return f"/document/{quote(c.document)}.pdf#page={c.page}"


def source_item(c: Citation, document: str = "") -> str:
    """One 来源 entry (escaped); a figure or passage from a PDF links to its page."""
    text = escape_text(public_citation(c, document))
    if not c.page:
        return text
    link = f'<a href="{original_url(c)}" target="_blank" rel="noopener">打开原文第{c.page}页</a>'
    return f"{text} {link}"


def sources_html(citations: Sequence[Citation], labels: dict[str, str] | None = None) -> str:
    """A collapsible 来源 block listing every cited cell or passage (escaped); `labels` names each cited
    document (单位+年度+类型) when the index holds several."""
    if not citations:
        return ""
    names = labels or {}
    items = "".join(f"<li>{source_item(c, names.get(c.document, ''))}</li>" for c in citations)
    return (
        f'<details class="bqa-sources"><summary>来源（{len(citations)}）</summary><ul>{items}</ul></details>'
    )


def terms_html(terms: Sequence[tuple[str, str]]) -> str:
    """One line per budget term the answer uses, as the document's own 名词解释 defines it (escaped)."""
    if not terms:
        return ""
    items = "".join(f"<li><b>{escape_text(t)}</b>：{escape_text(d)}</li>" for t, d in terms)
    return f'<div class="bqa-terms"><span>名词解释</span><ul>{items}</ul></div>'


def without_source_lines(text: str) -> str:
    """The answer without its own 来源 lines (the 来源 block below lists every source, in words); what such
    a line adds after the source (the same figure in other tables, a different one) stays."""
    out: list[str] = []
    listing = False
    for line in text.splitlines():
        if line.startswith("来源："):
            listing = line == "来源："
            if "；" in line:
                out.append(line.split("；", 1)[1] + "。")
            continue
        if listing and line.startswith("- "):
            continue
        listing = False
        out.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip()


def answer_markdown(
    answer: Answer,
    labels: dict[str, str] | None = None,
    terms: Sequence[tuple[str, str]] = (),
    public: bool = False,
) -> str:
    """The chat message for an answer: the engine's markdown (HTML escaped; for the public without its
    compact 来源 lines), the terms it uses explained, then the 来源 block."""
    text = without_source_lines(answer.text) if public and answer.citations else answer.text
    body = text.replace("&", "&amp;").replace("<", "&lt;")
    parts = [body, terms_html(terms), sources_html(answer.citations, labels)]
    return "\n\n".join(p for p in parts if p)


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal  # 元


def chart_bars(answer: Answer) -> list[Bar]:
    """The parts of a composition, ranking or comparison answer, read from its citations (pure).

    The cells of the last cited table are taken; the whole (a 合计 column, a total row, or a row whose code
    heads all the others) is dropped, then the shallowest level is kept. Fewer than two parts: no chart.
    """
    if answer.route not in ("table", "hybrid"):
        return []
    if len({c.document for c in answer.citations}) > 1:  # several units or years: one bar each
        bars = [Bar(v.label.split(" ")[0], Decimal(v.value)) for v in answer.values if v.unit == "元"]
        return bars if 2 <= len(bars) <= 24 else []
    cells = [c for c in answer.citations if c.source == "table" and to_yuan(c.value, c.unit) is not None]
    if len(cells) < 2:
        return []
    table = cells[-1].table
    group = _unique([c for c in cells if c.table == table])
    rows = {c.row for c in group}
    columns = {c.column for c in group}
    if len(rows) == 1:
        parts = [c for c in group if c.column != "合计"] if len(columns) > 2 else group
        bars = [Bar(c.column, to_yuan(c.value, c.unit) or Decimal(0)) for c in parts]
    else:
        if len(columns) > 1:
            return [
                Bar(f"{_name(c.row)} · {c.column}", to_yuan(c.value, c.unit) or Decimal(0)) for c in group
            ]
        parts = _shallowest(group)
        bars = [Bar(_name(c.row), to_yuan(c.value, c.unit) or Decimal(0)) for c in parts]
    return bars if len(bars) >= 2 else []


def _unique(cells: list[Citation]) -> list[Citation]:
    seen: set[tuple[str, str]] = set()
    out = []
    for c in cells:
        if (c.row, c.column) not in seen:
            seen.add((c.row, c.column))
            out.append(c)
    return out


def _code(row: str) -> tuple[str, ...]:
    head: list[str] = []
    for token in row.split():
        if not token.isdigit():
            break
        head.append(token)
    return tuple(head)


def _name(row: str) -> str:
    return " ".join(row.split()[len(_code(row)) :]) or row


def _shallowest(group: list[Citation]) -> list[Citation]:
    coded = [c for c in group if _code(c.row)]
    if len(coded) < 2:
        return group
    parts = coded
    while len(parts) > 1:
        codes = [_code(c.row) for c in parts]
        heads = [
            c for c, code in zip(parts, codes, strict=True) if all(o[: len(code)] == code for o in codes)
        ]
        if not heads:
            break
        parts = [c for c in parts if c not in heads]
    if not parts:
        return []
    depth = min(len(_code(c.row)) for c in parts)
    return [c for c in parts if len(_code(c.row)) == depth]


def bar_chart_svg(bars: Sequence[Bar], title: str = "") -> str:
    """A horizontal bar chart as inline SVG (labels escaped, figures in 元 with thousands separators)."""
    if not bars:
        return NO_CHART
    top = max((b.value for b in bars), default=Decimal(0)) or Decimal(1)
    row_h, label_w, bar_w, pad = 30, 170, 220, 8
    height = row_h * len(bars) + pad * 2 + (24 if title else 0)
    y0 = pad + (24 if title else 0)
    parts = [
        f'<svg class="bqa-chart" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{html.escape(title)}" width="100%" '
        f'viewBox="0 0 {label_w + bar_w + 130} {height}" font-size="13">'
    ]
    if title:
        parts.append(f'<text x="{pad}" y="{pad + 14}" font-weight="bold">{escape_text(title)}</text>')
    for n, bar in enumerate(bars):
        y = y0 + n * row_h
        width = max(1, int(bar_w * (bar.value / top))) if bar.value > 0 else 0
        label = bar.label if len(bar.label) <= 12 else bar.label[:11] + "…"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 19}" text-anchor="end"><title>{escape_text(bar.label)}</title>'
            f"{escape_text(label)}</text>"
            f'<rect x="{label_w}" y="{y + 6}" width="{width}" height="18" fill="#3b82f6" rx="2"/>'
            f'<text x="{label_w + width + 6}" y="{y + 19}">{fmt_amount(_plain(bar.value))}元</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _plain(value: Decimal) -> Decimal:
    """150000.00 → 150000, 12.50 → 12.5 (never an exponent)."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def chart_html(answer: Answer) -> str:
    """The chart of an answer with its figures as a table (for screen readers and for copying)."""
    bars = chart_bars(answer)
    if not bars:
        return NO_CHART
    title = answer.values[0].label if answer.values else ""
    caption = f"{title}（元）" if title else "金额（元）"
    rows = "".join(
        f"<tr><th scope='row'>{escape_text(b.label)}</th><td>{fmt_amount(_plain(b.value))}</td></tr>"
        for b in bars
    )
    table = (
        f'<details class="bqa-chart-data"><summary>图表数据</summary><table><caption>{escape_text(caption)}'
        f"</caption><thead><tr><th scope='col'>项目</th><th scope='col'>金额（元）</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></details>"
    )
    return bar_chart_svg(bars, caption) + table


# the public chat
class ChatService:
    """What the chat does with one message; kept apart from the page so it is easy to reason about."""

    def __init__(self, assistant: Any, log: Any, answers: AnswerCache | None = None):
        self.assistant = assistant
        self.log = log
        self.answers = answers or AnswerCache()

    def respond(
        self,
        message: Any,
        messages: list[dict[str, Any]] | None,
        questions: list[str] | None,
        document: str | None = None,
    ) -> tuple[list[dict[str, Any]], str, str, list[str], int | None]:
        """(messages, cleared textbox, chart html, earlier questions, log id of this answer); `document` is
        the unit and year picked for the conversation, if any."""
        messages, questions = list(messages or []), list(questions or [])
        text = str(message or "").strip()
        if not text:
            return messages, "", NO_CHART, questions, None
        earlier = questions[-MAX_HISTORY:]
        context: dict[str, Any] = {"history": earlier, "document": document or ""}
        if len(text) > MAX_CHARS:
            entry = self._record(text[:MAX_CHARS] + "…", status="too_long", answer=TOO_LONG, **context)
            shown = escape_text(text[:120]) + f"…（共 {len(text)} 字）"
            messages += [_message("user", shown), _message("assistant", TOO_LONG)]
            return (
                messages[-MAX_MESSAGES:],
                text,
                NO_CHART,
                questions,
                entry,
            )  # the text stays in the box, to shorten
        messages.append(_message("user", escape_text(text)))
        started = time.perf_counter()
        assistant = self.snapshot()
        try:
            answer = self.answers.ask(assistant, text, earlier, document or None)
        except Exception as err:  # any failure: a friendly message, logged, and the app keeps serving
            detail = f"{type(err).__name__}: {err}"
            entry = self._record(
                text,
                latency_ms=(time.perf_counter() - started) * 1000,
                status="error",
                error=detail + "\n" + traceback.format_exc(limit=3)[-600:],
                **context,
            )
            messages.append(_message("assistant", FAILED))
            return messages[-MAX_MESSAGES:], "", NO_CHART, questions, entry
        entry = self._record(
            text, route=answer.route, latency_ms=answer.latency_ms, answer=answer.text, **context
        )
        questions = (questions + [text])[-MAX_HISTORY:]
        messages.append(_message("assistant", self.render(answer, assistant)))
        return messages[-MAX_MESSAGES:], "", chart_html(answer), questions, entry

    def snapshot(self) -> Any:
        """The assistant of the live build, taken once per question: the answer and its rendering come
        from the same build even when the index is swapped meanwhile."""
        current = getattr(self.assistant, "current", None)
        return current() if callable(current) else self.assistant

    def _record(self, question: str, **fields: Any) -> int | None:
        """Log one question; when the log cannot be written (its database unreachable) the visitor still
        gets the answer, only without feedback, and the failure is reported on stderr."""
        try:
            return int(self.log.record(question, **fields))
        except Exception as err:
            _log_failed(err)
            return None

    def render(self, answer: Answer, assistant: Any = None) -> str:
        """An answer as the public sees it: the document named beside each source when the index holds
        several, and the budget terms it uses explained from the document's own 名词解释."""
        source = assistant or self.assistant
        catalog = source.catalog
        cited = {c.document for c in answer.citations if c.document in catalog.entries}
        labels = {d: catalog.entries[d].key.label() for d in cited} if len(catalog.entries) > 1 else {}
        terms = source.glossary(answer.document) if answer.document in catalog.entries else {}
        said = answer.text.split("来源：")[0]  # the answer itself, not the titles of the tables it cites
        explained = used(said, terms) if answer.route != "refuse" else []
        return answer_markdown(answer, labels, explained, public=True)

    def feedback(self, entry: int | None, verdict: str) -> str:
        if entry is None:
            return "先提一个问题，再评价回答。"
        try:
            stored = self.log.feedback(int(entry), verdict)
        except Exception as err:  # the log is unreachable: said, and the chat goes on
            _log_failed(err)
            return "暂时无法记录评价，请稍后再试。"
        return f"已记录：{verdict}。谢谢！" if stored else "这条回答已无法评价。"


def _log_failed(err: Exception) -> None:
    print(f"budget-qa: the question log cannot be written ({type(err).__name__}: {err})", file=sys.stderr)


def _message(role: str, content: str) -> dict[str, Any]:
    return {"role": role, "content": content}


CSS = """
.bqa-sources summary, .bqa-chart-data summary { cursor: pointer; color: #1d4ed8; }
.bqa-chart-empty { color: #4b5563; font-size: 0.9em; padding: 0.5em 0; }
.bqa-terms { font-size: 0.92em; color: #374151; border-left: 3px solid #93c5fd; padding-left: 0.6em; }
.bqa-terms span { font-weight: bold; }
.bqa-terms ul { margin: 0.2em 0 0 1.2em; }
.bqa-chart-data table { font-size: 0.85em; }
#bqa-input .validation-error { color: #92400e; font-weight: normal; }
#bqa-input textarea.validation-error { border-color: #f59e0b; box-shadow: none; }
"""

# after an answer: bring the start of the newest answer into view (not the end of a long one)
SCROLL_TO_ANSWER = """
() => {
  let tries = 0;
  const show = () => {
    const answers = document.querySelectorAll('#bqa-chat .message.bot');
    const last = answers[answers.length - 1];
    if (last) { last.scrollIntoView({block: 'start'}); }
    if (tries++ < 8) { setTimeout(show, 80); }
  };
  show();
}
"""


def coverage_rows(assistant: Any) -> list[list[str]]:
    """The coverage panel: one row per unit with the years and kinds of budget the index holds, and the
    budget units its department budgets print rows for (each answerable by name)."""
    catalog = assistant.catalog
    rows = []
    for unit in sorted(catalog.units.values(), key=lambda u: (u.district, u.name)):
        years = "、".join(str(y) for y in unit.years)
        kinds = "、".join(sorted({e.key.kind for e in unit.documents}))
        members = {m.name: None for e in unit.documents for m in catalog.members.get(e.id, []) if not m.own}
        rows.append([unit.name, years, kinds, "、".join(members)])
    return rows


def build_chat(service: ChatService, intro: str, limits: ServeLimits | None = None) -> Any:
    """The public page: the chat with the chart right under it, the question box, examples; beside it (or
    below, on a phone) the unit and year picker and what the assistant covers. Questions are answered
    `limits.concurrency` at a time (the 发送 button and the Enter key share that limit); past `limits.queue`
    waiting, the visitor gets the busy message."""
    import gradio as gr

    limits = limits or ServeLimits()
    choices = document_choices(service.assistant)
    examples = example_questions(service.assistant)

    with gr.Blocks(title="预算问答") as demo:
        gr.Markdown(f"# 预算问答\n{intro}")
        questions = gr.State([])
        conversation = gr.State([])
        entry = gr.State(None)
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    label="对话",
                    show_label=False,
                    height=460,
                    autoscroll=False,
                    feedback_options=None,
                    latex_delimiters=[],
                    elem_id="bqa-chat",
                    buttons=["copy_all"],
                    placeholder="请提问，例如：某单位的“三公”经费是多少？",
                )
                chart = gr.HTML(NO_CHART, label="图表", elem_id="bqa-chart")
                with gr.Row():
                    box = gr.Textbox(
                        label="问题",
                        placeholder=f"输入问题（{MAX_CHARS} 字以内），回车发送",
                        show_label=False,
                        scale=5,
                        elem_id="bqa-input",
                    )
                    send = gr.Button("发送", variant="primary", scale=1, elem_id="bqa-send")
                with gr.Row():
                    useful = gr.Button("有用", size="sm", elem_id="bqa-useful")
                    wrong = gr.Button("有误", size="sm", elem_id="bqa-wrong")
                    clear = gr.Button("新对话", size="sm", elem_id="bqa-clear")
                note = gr.Markdown("", elem_id="bqa-note")
                gr.Examples(
                    examples=[[q] for q in examples], inputs=[box], label="示例问题", elem_id="bqa-examples"
                )
            with gr.Column(scale=2):
                picker = gr.Dropdown(
                    choices=choices,
                    value="",
                    label="单位和年度（可选：不选时在问题里说明单位）",
                    filterable=True,
                    elem_id="bqa-picker",
                    visible=len(choices) > 2,
                )
                with gr.Accordion("收录范围：哪些单位、哪些年度", open=False, elem_id="bqa-coverage"):
                    gr.Dataframe(
                        value=coverage_rows(service.assistant),
                        headers=["单位", "年度", "类型", "下属预算单位"],
                        interactive=False,
                        show_search="search",
                        wrap=True,
                        max_height=420,
                        elem_id="bqa-coverage-table",
                    )

        def ask(
            message: str, messages: list[dict[str, Any]], earlier: list[str], document: str = ""
        ) -> tuple[Any, ...]:
            out = service.respond(message, messages, earlier, document)
            return out[0], out[1], out[2], out[0], out[3], out[4], ""

        outputs = [chatbot, box, chart, conversation, questions, entry, note]
        inputs = [box, conversation, questions, picker]
        answering = {"concurrency_limit": limits.concurrency, "concurrency_id": "answer"}
        send.click(ask, inputs, outputs, api_name="chat", **answering).then(
            None, js=SCROLL_TO_ANSWER, api_visibility="private"
        )
        box.submit(ask, inputs, outputs, api_visibility="private", **answering).then(
            None, js=SCROLL_TO_ANSWER, api_visibility="private"
        )
        useful.click(lambda e: service.feedback(e, "有用"), [entry], [note], api_name="useful")
        wrong.click(lambda e: service.feedback(e, "有误"), [entry], [note], api_name="wrong")
        chatbot.clear(
            lambda: ([], [], None, NO_CHART, ""),
            None,
            [conversation, questions, entry, chart, note],
            api_visibility="private",
        )
        clear.click(lambda: ([], "", NO_CHART, [], [], None, ""), None, outputs, api_visibility="private")
    # no max_size: Gradio's own refusal is in English with an error badge; the busy check bounds the queue.
    # Waiting visitors hear their place every `status_s`, not at every answer (which costs one message to
    # each of them per answer: most of the server's work when many wait)
    demo.queue(
        default_concurrency_limit=limits.concurrency, max_size=None, status_update_rate=limits.status_s
    )
    busy_at_the_door(demo, limits.queue)
    demo.state_session_capacity = limits.sessions
    return demo


def intro_text(assistant: Any) -> str:
    catalog = assistant.catalog
    if len(catalog.entries) <= 3:
        docs = [e.key.label() for e in catalog.entries.values()]
        held = "依据公开的预算文件回答：" + "；".join(escape_text(d) for d in docs) + "。"
    else:
        years = "、".join(f"{y}年" for y in catalog.years())
        held = f"依据公开的预算文件回答：已收录{len(catalog.units)}个单位的{len(catalog.entries)}份预算（{years}）。"
    return held + "每个数字都标明来源表格的行与列；文件中没有的内容会直接说明无法回答。"


def document_choices(assistant: Any) -> list[tuple[str, str]]:
    """(label, document id) for the picker; the first choice leaves the unit to the question."""
    entries = sorted(assistant.catalog.entries.values(), key=lambda e: (e.key.unit, e.key.year, e.key.kind))
    return [("不限（在问题中说明单位）", "")] + [(e.key.label(), e.id) for e in entries]


def example_questions(assistant: Any) -> tuple[str, ...]:
    """Examples that fit what the index holds: the seed's own questions for one document, else questions
    naming units it holds."""
    catalog = assistant.catalog
    if len(catalog.entries) == 1 or assistant.default:
        return EXAMPLES
    single = sorted(
        (n for n, us in catalog.by_name.items() if len(us) == 1 and 3 <= len(n) <= 6),
        key=lambda n: (len(catalog.units[next(iter(catalog.by_name[n]))].documents), len(n), n),
    )
    names: dict[str, str] = {}  # one name for each of two different units
    for n in single:
        names.setdefault(next(iter(catalog.by_name[n])), n)
    picked = list(names.values())
    picked += [catalog.short_name(u) for u in catalog.units if u not in names]
    a = picked[0] if picked else catalog.example()
    b = picked[1] if len(picked) > 1 else a
    series = next((u for u in catalog.units.values() if len(u.years) > 1), None)
    out = [f"{a}的项目支出是多少？", f"{a}和{b}的“三公”经费各是多少？", "哪个单位的人员经费最多？"]
    if series is not None:
        short = min(series.names, key=len)
        out.append(f"{short}{series.years[0]}年到{series.years[-1]}年的支出预算总额各是多少？")
    out += [f"{a}的主要职能是什么？", "收录了哪些单位？"]
    return tuple(out)


# the server
def build_server(
    index_dir: str | Path, log_db: str | Path | None = None, limits: ServeLimits | None = None
) -> Any:
    """A FastAPI app with the helpdesk at /helpdesk (behind a login, or an "off" notice), the JSON API at
    /api and the chat at /, all behind security headers and checked API calls; conversations idle longer
    than `limits.idle_s` are forgotten."""
    import fastapi
    import gradio as gr

    from assistant.accounts import load_users
    from assistant.api import ApiSettings, mount_api
    from assistant.apicheck import quiet_inputs
    from assistant.appdb import app_db_setting
    from assistant.applog import AppLog
    from assistant.helpdesk import build_helpdesk, build_helpdesk_off
    from assistant.live import LiveAssistant
    from assistant.logview import add_export_route
    from assistant.webguard import ApiGuard, Mount, SecurityHeaders

    assistant = LiveAssistant(index_dir)
    log = AppLog(log_db or app_db_setting(index_dir))
    users = load_users()
    app = fastapi.FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    common: dict[str, Any] = {
        "footer_links": [],
        "run_history": False,
        "ssr_mode": False,
        "show_error": False,
    }
    limits = limits or ServeLimits.from_env()
    if users:
        add_export_route(app, log, "/helpdesk")
        desk = build_helpdesk(assistant, log, Path(index_dir))
        signed_in = _login(app, users, log.db)
        gr.mount_gradio_app(app, desk, "/helpdesk", auth_dependency=signed_in, max_file_size="60mb", **common)
        desk_mount = Mount("/helpdesk", desk, lambda scope: signed_in(fastapi.Request(scope)) is not None)
    else:
        desk = build_helpdesk_off()
        gr.mount_gradio_app(app, desk, "/helpdesk", **common)
        desk_mount = Mount("/helpdesk", desk)
    _serve_originals(app, assistant)
    answers = AnswerCache(limits.answers)  # the chat's and the API's
    settings = replace(ApiSettings.from_env(), concurrency=limits.concurrency)
    mount_api(app, assistant, log, settings, answers)
    chat = build_chat(ChatService(assistant, log, answers), intro_text(assistant), limits)
    gr.mount_gradio_app(app, chat, "/", css=CSS, max_file_size="1mb", **common)
    for blocks in (desk, chat):
        quiet_inputs(blocks)
    app.add_middleware(ApiGuard, mounts=[desk_mount, Mount("", chat)])
    app.add_middleware(SecurityHeaders)
    app.state.assistant, app.state.log, app.state.app_db = assistant, log, log.db
    app.state.chat, app.state.sweeper = chat, SessionSweeper([chat, desk], limits)
    app.state.answers = answers
    return app


def _login(app: Any, users: dict[str, bytes], db: Any) -> Any:
    """The helpdesk's login routes and session check (settings from the environment); returns the
    Gradio `auth_dependency`."""
    import os

    from assistant.attempts import DatabaseLoginAttempts
    from assistant.login import LoginGate, LoginPool, LoginSettings
    from assistant.loginpage import LoginRedirect, add_login_routes, session_user
    from assistant.sessions import DatabaseSessions

    settings = LoginSettings.from_env(os.environ)
    gate = LoginGate(users, DatabaseLoginAttempts(db), settings)
    # in the app database, so every server of that database knows every session
    sessions = DatabaseSessions(db, settings.idle, settings.lifetime)
    add_login_routes(app, gate, LoginPool(settings.workers, settings.queue, settings.nice), sessions)
    app.add_middleware(LoginRedirect, sessions=sessions)
    app.state.sessions = sessions
    return session_user(sessions)


def _serve_originals(app: Any, assistant: Any) -> None:
    """GET /document/<id>.pdf: the published PDF of an indexed document, read-only, nothing else."""
    import fastapi
    from fastapi.responses import FileResponse

    from assistant.index import ORIGINALS

    @app.get("/document/{name}", include_in_schema=False)
    def original(name: str) -> FileResponse:
        doc_id = name.removesuffix(".pdf")
        path = (assistant.build_dir or Path(".")) / ORIGINALS / f"{doc_id}.pdf"
        if not name.endswith(".pdf") or doc_id not in assistant.catalog.entries or not path.is_file():
            raise fastapi.HTTPException(status_code=404, detail="未收录该文件")
        return FileResponse(
            path,
            media_type="application/pdf",
            content_disposition_type="inline",
            filename=f"{doc_id}.pdf",
            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=3600"},
        )


class RunningServer:
    """A server running in a background thread (for tests and embedding); `close()` stops it."""

    def __init__(self, app: Any, host: str, port: int):
        import uvicorn

        self.app = app
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
        self.server = uvicorn.Server(config)
        self.url = f"http://{host}:{port}"
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the web app did not start on {self.url}")
            time.sleep(0.05)

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        sweeper = getattr(self.app.state, "sweeper", None)
        if sweeper is not None:
            sweeper.close()


def start(
    index_dir: str | Path,
    host: str = "127.0.0.1",
    port: int = 7860,
    log_db: str | Path | None = None,
    limits: ServeLimits | None = None,
):
    """Build and start the app in a background thread; returns a `RunningServer`."""
    return RunningServer(build_server(index_dir, log_db, limits), host, port)


def report_on_signal(app: Any) -> None:
    """On SIGUSR1 (`kill -USR1 PID`), one line on stderr: how often the answer cache and the kept
    conversation states spared the engine work since the server started."""
    import json
    import signal

    def report(*_: Any) -> None:
        current = app.state.assistant.current()
        states = getattr(current, "states", None)
        found = [lexicon.found.stats() for lexicon in getattr(current, "_lexicons", {}).values()]
        figures = {
            "answers": app.state.answers.answers.stats(),
            "states": states.stats() if states else None,
            "found": {k: sum(f[k] for f in found) for k in ("hits", "asked", "kept")},
        }
        print(f"answer cache: {json.dumps(figures)}", file=sys.stderr, flush=True)

    signal.signal(signal.SIGUSR1, report)


def serve(index_dir: Path, host: str, port: int) -> None:
    """Serve the public chat at / and the helpdesk at /helpdesk until interrupted."""
    import threading

    import uvicorn

    from assistant.accounts import load_users

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = build_server(index_dir)
    # load the narrative model in the background, so the first passage question does not wait for it
    threading.Thread(target=warm_up, args=(app.state.assistant,), daemon=True).start()
    desk = "on (login required)" if load_users() else "off (no accounts configured)"
    print(f"预算问答: chat at http://{host}:{port}/  helpdesk at http://{host}:{port}/helpdesk/ — {desk}")
    print(f"JSON API at http://{host}:{port}/api/ (documentation: /api/docs)")
    print(f"question log in {app.state.app_db.describe()}")
    report_on_signal(app)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


def warm_up(assistant: Any) -> None:
    """Load the narrative search now, then say in the server log how it searches (with the vectors' place:
    each server of a deployment on several machines shows it reached the Chroma server)."""
    try:
        assistant.warm_up()
        retriever = assistant.retriever()
        status = retriever.status() if retriever is not None else "unavailable (see the warning above)"
    except Exception as err:  # noqa: BLE001 - the tables still answer; the log says why passages cannot
        status = f"unavailable ({type(err).__name__}: {err})"
    print(f"narrative search: {status}", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m assistant.app hash-password [USER]`: prompt for a password, print `user:bcrypt-hash`."""
    import getpass
    import sys

    from assistant.accounts import hash_line

    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] != "hash-password":
        print("usage: python -m assistant.app hash-password [USER]", file=sys.stderr)
        return 2
    user = args[1] if len(args) > 1 else input("user: ").strip()
    if sys.stdin.isatty():
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            print("passwords differ", file=sys.stderr)
            return 2
    else:
        password = sys.stdin.readline().rstrip("\n")
    try:
        print(hash_line(user, password))
    except ValueError as err:
        print(err, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
