"""The staff helpdesk at /helpdesk: the provenance of every figure, the tables, the audits and the log.

Accounts come from `$BUDGET_QA_HELPDESK_USERS` ("user:bcrypt-hash" pairs, comma-separated) or from the file
named by `$BUDGET_QA_HELPDESK_USERS_FILE` (one pair a line, `#` comments). There is no default password: with
no account configured the helpdesk is off and its page says so. Make a line with
`python -m assistant.app hash-password USER`.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import bcrypt

from assistant.app import answer_markdown, escape_text, fmt_amount, public_citation, to_yuan
from assistant.applog import FEEDBACK, AppLog, LogEntry, entries_csv
from assistant.audit import AuditReport, Finding, render_audit
from assistant.errors import BudgetQAError
from assistant.records import Answer, Citation, Fact, Table

ROUTES = ("", "table", "text", "hybrid", "refuse")
STATUSES = ("", "ok", "error", "too_long")
_DUMMY = bcrypt.hashpw(b"not-a-password", bcrypt.gensalt(rounds=4))


# accounts (parsed in assistant.accounts)
def hash_line(user: str, password: str) -> str:
    """One "user:bcrypt-hash" line for the environment variable or the accounts file."""
    if not user or any(ch in user for ch in ":,\n #"):
        raise ValueError("the user name must be non-empty without ':', ',', '#', spaces or new lines")
    if len(password) < 8:
        raise ValueError("the password must have at least 8 characters")
    return f"{user}:{bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()}"


def checker(users: dict[str, bytes]) -> Callable[[str, str], bool]:
    """A login check for Gradio's auth; unknown users cost as much time as known ones."""

    def check(user: str, password: str) -> bool:
        digest = users.get(user or "")
        ok = bcrypt.checkpw((password or "").encode()[:72], digest or _DUMMY)
        return bool(digest) and ok

    return check


# pure views
def cell_rows(answer: Answer) -> list[list[Any]]:
    """Every cell or passage the answer used: 来源, 表/章节, 行, 列, 数值, 单位, 行号, PDF 页码."""
    out = []
    for c in answer.citations:
        if c.source == "table":
            out.append(["表格", c.table, c.row, c.column, fmt_amount(c.value), c.unit, c.line, c.page or ""])
        else:
            out.append(["正文", c.section, c.quote, "", "", "", c.line, c.page or ""])
    return out


def also_appears(facts: list[Fact], citations: list[Citation]) -> list[list[Any]]:
    """Other places holding the same amount as a cited cell (compared in 元): 数值, 表, 行, 列, 单位, 行号."""
    cited = {(c.table, c.row, c.column, c.line) for c in citations if c.source == "table"}
    wanted: dict[Decimal, str] = {}
    for c in citations:
        yuan = to_yuan(c.value, c.unit) if c.source == "table" else None
        if yuan:
            wanted.setdefault(yuan, f"{fmt_amount(c.value)}{c.unit}")
    out = []
    for f in facts:
        yuan = to_yuan(str(f.value), f.unit)
        row = f"{f.row_code} {f.row_name}".strip()
        if yuan in wanted and (f.table, row, f.column, f.line) not in cited:
            where = f.table if f.source == "table" else f"正文·{f.table}"
            out.append([wanted[yuan], where, row, f.column, f"{fmt_amount(f.value)}{f.unit}", f.line])
    return out


def reply_text(answer: Answer) -> str:
    """A copy-ready reply for a citizen: the answer without markdown, then its sources in words (the PDF
    page where there is one; never a line of a file the citizen does not have)."""
    body = answer.text.replace("**", "").strip()
    if not answer.citations:
        return body
    sources = "\n".join(f"- {public_citation(c)}" for c in answer.citations)
    return f"{body}\n\n数据来源：\n{sources}"


def table_grid_html(table: Table) -> str:
    """A parsed table as an HTML grid (row line, code, name, side, one column per header; escaped)."""
    columns = list(table.columns)
    for cell in table.cells:
        if cell.column not in columns:
            columns.append(cell.column)
    sides = any(r.side for r in table.rows)
    head = ["行号", "编码", "科目"] + (["收/支"] if sides else []) + columns
    values = {(c.row, c.column): c.value for c in table.cells}
    body = []
    for n, row in enumerate(table.rows):
        cells = [str(row.line), row.code, row.name] + ([row.side] if sides else [])
        cells += [fmt_amount(values[(n, c)]) if (n, c) in values else "" for c in columns]
        body.append("<tr>" + "".join(f"<td>{escape_text(x)}</td>" for x in cells) + "</tr>")
    notes = "".join(f"<li>未定列：{escape_text(m)}</li>" for m in table.unplaced)
    return (
        f"<p><b>{escape_text(table.name)}</b>（单位：{escape_text(table.unit)}，第{table.line}行；"
        f"原标题：{escape_text(table.title)}）</p>"
        '<table class="bqa-grid"><thead><tr>'
        + "".join(f"<th>{escape_text(h)}</th>" for h in head)
        + "</tr></thead><tbody>"
        + "".join(body)
        + "</tbody></table>"
        + (f"<ul>{notes}</ul>" if notes else "")
    )


def audit_text(report: dict[str, Any] | None) -> str:
    """The stored audit report, rendered as the `budget-qa audit` command prints it."""
    if not report:
        return "这份文件没有审计报告（重建索引后生成）。"
    fields = {k: report[k] for k in ("document", "unit_name", "year", "kind", "tables", "missing")}
    fields.update({k: report[k] for k in ("pages", "ocr_pages") if k in report})
    findings = [Finding(**f) for f in report.get("findings", [])]
    return render_audit(AuditReport(**fields, findings=findings))


def log_rows(entries: list[LogEntry]) -> list[list[Any]]:
    return [[e.id, e.time, e.question, e.route, e.latency_ms, e.status, e.feedback or "—"] for e in entries]


def csv_link(entries: list[LogEntry]) -> str:
    """A download link holding the CSV itself (a data: URL), so no export file is ever left on disk."""
    data = base64.b64encode(("\ufeff" + entries_csv(entries)).encode("utf-8")).decode()
    name = f"budget-qa-log-{time.strftime('%Y%m%d-%H%M%S')}.csv"
    return (
        f'<a download="{name}" href="data:text/csv;charset=utf-8;base64,{data}" id="bqa-csv">'
        f"下载 CSV（{len(entries)} 条）</a>"
    )


# the pages
def build_helpdesk_off() -> Any:
    """The page at /helpdesk when no account is configured: says so, offers nothing else."""
    import gradio as gr

    with gr.Blocks(title="预算问答 · 服务台") as page:
        gr.Markdown(
            "# 服务台未开启\n没有配置服务台账号，因此服务台已关闭。管理员可设置环境变量 "
            "`BUDGET_QA_HELPDESK_USERS`（或 `BUDGET_QA_HELPDESK_USERS_FILE`），"
            "账号行用 `python -m assistant.app hash-password 用户名` 生成。"
        )
    return page


def document_choices(assistant: Any) -> list[tuple[str, str]]:
    """Every indexed document as a (label, id) choice, in the order they were indexed."""
    return [
        (f"{d['unit_name']} {d['year']}年{d['kind']}（{d['id']}）", d["id"])
        for d in assistant.store.documents()
    ]


def build_helpdesk(assistant: Any, log: AppLog, index_dir: Path | None = None) -> Any:
    """The staff page: 问题追溯, 表格浏览, 审计报告, 问题日志, and 添加文件 when `index_dir` is given.

    `assistant` may be a `LiveAssistant`: documents added while the server runs appear on the next view."""
    import gradio as gr

    doc_choices = document_choices(assistant)
    first = doc_choices[0][1]

    def tables_of(doc_id: str) -> dict[str, Table]:
        if doc_id not in assistant.catalog.entries:
            return {}
        return {t.key: t for t in assistant.doc(doc_id).tables}

    def trace(question: str, earlier: str) -> tuple[Any, ...]:
        history = [q.strip() for q in (earlier or "").splitlines() if q.strip()]
        try:
            answer = assistant.ask((question or "").strip()[:500], history)
        except Exception as err:  # shown to staff as it is; the page keeps working
            return f"回答失败：{escape_text(type(err).__name__ + ': ' + str(err))}", [], "", [], ""
        known = assistant.store.facts(answer.document) if answer.document else []
        formula = f"`{answer.formula}`" if answer.formula else "（无计算）"
        head = f"路由：{answer.route} · 耗时 {answer.latency_ms:.1f} ms\n\n"
        return (
            head + answer_markdown(answer),
            cell_rows(answer),
            formula,
            also_appears(known, answer.citations),
            reply_text(answer),
        )

    def table_choices(doc_id: str) -> Any:
        choices = [(t.name, key) for key, t in tables_of(doc_id).items()]
        return gr.Dropdown(choices=choices, value=choices[0][1] if choices else None)

    def grid(doc_id: str, key: str) -> str:
        table = tables_of(doc_id).get(key)
        return table_grid_html(table) if table else "请选择表格。"

    def show_log(text: str, route: str, verdict: str, status: str) -> tuple[Any, str, str]:
        entries = log.entries((text or "").strip(), route or "", verdict or "", status or "", limit=50_000)
        shown = entries[:500]
        return log_rows(shown), f"共 {len(entries)} 条，显示最新 {len(shown)} 条。", csv_link(entries)

    with gr.Blocks(title="预算问答 · 服务台") as page:
        gr.Markdown("# 预算问答 · 服务台")
        with gr.Tab("问题追溯"):
            with gr.Row():
                question = gr.Textbox(label="问题", scale=3, elem_id="desk-question")
                earlier = gr.Textbox(label="前文问题（每行一个，可空）", lines=2, scale=2)
            go = gr.Button("追溯", variant="primary")
            answer_md = gr.Markdown()
            cells = gr.Dataframe(
                headers=["来源", "表/章节", "行/引文", "列", "数值", "单位", "行号", "页码"],
                label="用到的单元格与段落",
            )
            formula = gr.Markdown(label="公式")
            others = gr.Dataframe(
                headers=["数值", "也出现在", "行", "列", "该处数值", "行号"], label="同一数字出现的其他表"
            )
            reply = gr.Textbox(label="可复制的答复", lines=8, buttons=["copy"])
            go.click(trace, [question, earlier], [answer_md, cells, formula, others, reply], api_name="trace")
            question.submit(
                trace,
                [question, earlier],
                [answer_md, cells, formula, others, reply],
                api_visibility="private",
            )
        with gr.Tab("表格浏览"):
            doc = gr.Dropdown(choices=doc_choices, value=first, label="文件")
            first_tables = [(t.name, k) for k, t in tables_of(first).items()]
            table = gr.Dropdown(
                choices=first_tables, value=first_tables[0][1] if first_tables else None, label="表格"
            )
            grid_html = gr.HTML(grid(first, first_tables[0][1]) if first_tables else "")
            doc.change(table_choices, [doc], [table], api_name="tables")
            table.change(grid, [doc, table], [grid_html], api_name="grid")
        with gr.Tab("审计报告"):
            audit_doc = gr.Dropdown(choices=doc_choices, value=first, label="文件")
            audit_box = gr.Code(audit_text(assistant.store.audit(first)), language=None, label="审计报告")
            audit_doc.change(
                lambda d: audit_text(assistant.store.audit(d)), [audit_doc], [audit_box], api_name="audit"
            )
        with gr.Tab("问题日志"):
            with gr.Row():
                text = gr.Textbox(label="问题包含")
                route = gr.Dropdown(choices=list(ROUTES), value="", label="路由")
                verdict = gr.Dropdown(choices=["", *FEEDBACK, "无"], value="", label="反馈")
                status = gr.Dropdown(choices=list(STATUSES), value="", label="状态")
            query = gr.Button("查询", variant="primary")
            summary = gr.Markdown()
            table_log = gr.Dataframe(headers=["编号", "时间(UTC)", "问题", "路由", "耗时ms", "状态", "反馈"])
            download = gr.HTML()
            inputs = [text, route, verdict, status]
            query.click(show_log, inputs, [table_log, summary, download], api_name="log")
            page.load(show_log, inputs, [table_log, summary, download], api_visibility="private")
        if index_dir is not None:
            with gr.Tab("添加文件"):
                _upload_tab(assistant, Path(index_dir), [doc, audit_doc])
    page.queue(default_concurrency_limit=2, max_size=32)
    return page


def _upload_tab(assistant: Any, index_dir: Path, pickers: list[Any]) -> None:
    """Upload → 检查 (parse and audit, with progress; the audit shown) → 加入索引 (live, no restart)."""
    import gradio as gr

    from assistant.index import add_documents
    from assistant.upload import check, refusal

    gr.Markdown(
        "上传 PDF 或文本格式的预算公开文件。先**检查**：解析全部表格并审计；确认审计结果后再**加入索引**。"
        "其他文件不受影响，服务不必重启。"
    )
    upload = gr.File(label="预算文件（.pdf 或 .txt）", file_types=[".pdf", ".txt"], type="filepath")
    check_button = gr.Button("检查", variant="primary")
    outcome = gr.Markdown(elem_id="desk-upload-result")
    staged = gr.State(None)
    publish = gr.Button("加入索引", interactive=False)

    def do_check(path: str | None, progress: Any = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008 - Gradio injects it
        if not path:
            return "请先选择文件。", None, gr.Button(interactive=False)
        try:
            checked = check(Path(path), assistant.store.documents(), lambda f, d: progress(f, desc=d))
        except BudgetQAError as err:
            return f"未加入：{refusal(err)}", None, gr.Button(interactive=False)
        except Exception as err:  # a fault in reading: said once, nothing changes
            return (
                f"未加入：读取时出错（{escape_text(type(err).__name__)}）。",
                None,
                gr.Button(interactive=False),
            )
        return checked.summary, path, gr.Button(interactive=True)

    def do_publish(path: str | None) -> tuple[Any, ...]:
        unchanged = (None, gr.Button(interactive=False), *(gr.Dropdown() for _ in pickers))
        if not path:
            return ("请先检查文件。", *unchanged)
        try:
            result = add_documents([path], index_dir)
        except BudgetQAError as err:
            return (f"未加入：{refusal(err)}", *unchanged)
        added = next(d for d in result.documents if d["id"] == Path(path).stem)
        choices = document_choices(assistant)
        note = (
            f"已加入索引：{added['unit_name']} {added['year']}年{added['kind']}。"
            f"索引现有 {len(result.documents)} 份文件，新问题即按新索引回答。"
        )
        return (note, None, gr.Button(interactive=False), *(gr.Dropdown(choices=choices) for _ in pickers))

    check_button.click(do_check, [upload], [outcome, staged, publish], api_name="check_upload")
    publish.click(do_publish, [staged], [outcome, staged, publish, *pickers], api_name="publish_upload")
