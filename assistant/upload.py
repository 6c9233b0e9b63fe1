"""Adding a budget through the helpdesk: check (parse and audit, with progress), show the audit, then add it
to the live index without replacing the other documents or restarting the server.

A refused file gets one sentence saying why, and nothing changes. The sentences are for staff, in Chinese;
the library's own one-line messages say the same in the CLI.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.audit import audit_document, exit_code, render_audit
from assistant.errors import BudgetQAError, InputError
from assistant.records import Document

Progress = Callable[[float, str], None]  # (fraction done, what is happening)

# (words of the library's message, what staff are told); the first that matches is used
REFUSALS: tuple[tuple[str, str], ...] = (
    ("encrypted", "该 PDF 已加密，请提供无密码的文件。"),
    ("too large", "文件过大，无法处理（PDF 上限 50 MB、400 页，文本上限 20 MB）。"),
    ("no pages", "该 PDF 没有任何页面。"),
    ("not a PDF", "文件扩展名是 .pdf，但内容不是 PDF。"),
    ("cannot be read", "文件已损坏或不完整，无法读取。"),
    ("决算", "这是决算（执行结果），不是预算；本系统只收录预算。"),
    ("no readable text", "PDF 中没有可识别的文字。"),
    ("no budget table", "文件中没有找到预算表，看起来不是预算公开文件。"),
    ("already indexed", "已收录同一单位、同一年度、同一类型的预算，未重复加入。"),
    ("names no unit", "文件中没有找到预算单位名称或年度（如“预算单位：…”），无法与其他文件区分。"),
    ("ends without its total row", "有表格缺少合计行，文件看起来不完整。"),
    ("empty", "文件是空的。"),
    ("UTF-8", "文本文件须为 UTF-8 编码。"),
    ("binary", "文件不是文本，也不是 PDF。"),
)
SUFFIXES = (".pdf", ".txt")


@dataclass
class Checked:
    """A file that parsed: its document, audit and what to show before it goes live."""

    path: Path
    document: Document
    audit: dict[str, Any]
    summary: str


def refusal(err: BudgetQAError) -> str:
    """One sentence for staff on why a file was not added."""
    message = str(err)
    for words, sentence in REFUSALS:
        if words in message:
            return sentence
    return f"无法加入：{message}"


def read_upload(path: Path, progress: Progress) -> Document:
    """Parse an uploaded file, reporting progress page by page for a PDF."""
    from assistant.documents import parse_source
    from assistant.readers import reader_for

    if path.suffix.lower() not in SUFFIXES:
        raise InputError(f"{path.name}: only .pdf and .txt budget files can be added")
    reader = reader_for(path)
    source = reader.read(path, lambda n, total: progress(0.9 * n / total, f"读取第 {n}/{total} 页"))
    progress(0.92, "识别表格")
    return parse_source(source, path.stem, str(path))


def check(path: Path, indexed: list[dict[str, Any]], progress: Progress) -> Checked:
    """Parse and audit a file, refusing a duplicate of an indexed document; raises `BudgetQAError`."""
    from assistant.index import refuse_known, sha256

    doc = read_upload(path, progress)
    progress(0.95, "审计")
    report = audit_document(doc)
    refuse_known([(doc, sha256(path), report.to_dict())], indexed)
    code = exit_code(report)
    verdict = {0: "审计全部通过", 1: "审计发现文件自身数字不一致（见下）", 2: "有数字未能定列（见下）"}[code]
    summary = (
        f"**{doc.unit_name} {doc.year}年{doc.kind}**（{path.name}）：{len(doc.tables)} 张表，"
        f"{sum(len(t.cells) for t in doc.tables)} 个数字；{verdict}。确认无误后点“加入索引”。"
    )
    return Checked(path, doc, report.to_dict(), summary + "\n\n```\n" + render_audit(report) + "\n```")
