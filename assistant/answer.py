"""Composing answers: figures, formulas and sources as Chinese text, plus the citations behind them.

Pure functions over resolved items; every figure written here comes from a cell, a fact stated in the
text, or a `Decimal` computation over them.
"""

from __future__ import annotations

import html
import re
from decimal import Decimal

from assistant.compute import amount, exact_in, plain, yuan
from assistant.records import Answer, Citation, Fact, Value, format_decimal
from assistant.resolve import CellRef, Item


def source(ref: CellRef) -> str:
    """《2024年预算单位支出预算总表》215 08 05 中小企业发展专项 · 项目支出"""
    return f"《{ref.table.name}》{ref.row_label} · {ref.column}"


def cite_cell(document: str, ref: CellRef) -> Citation:
    return Citation(
        "table",
        document,
        table=ref.table.name,
        row=ref.row_label,
        column=ref.column,
        value=format_decimal(ref.value),
        unit=ref.table.unit,
        line=ref.table.rows[ref.row].line,
    )


def cite_fact(document: str, fact: Fact) -> Citation:
    return Citation("text", document, section=fact.table, quote=fact.quote, line=fact.line)


def citations(document: str, items: list[Item]) -> list[Citation]:
    out: list[Citation] = []
    for item in items:
        out += [cite_cell(document, c) for c in item.cells]
        if item.fact is not None:
            out.append(cite_fact(document, item.fact))
        out += [cite_fact(document, f) for f in item.stated]
    seen = set()
    unique = []
    for c in out:
        key = (c.table, c.row, c.column, c.section, c.quote)
        if key not in seen:
            seen.add(key)
            unique.append(c)
    return unique


def where(item: Item) -> str:
    """The source line of one item, saying which other tables agree or differ."""
    if item.primary is None and item.fact is not None:
        return f"来源：{item.fact.table}——“{item.fact.quote}”"
    assert item.primary is not None
    text = f"来源：{source(item.primary)}"
    if item.primary.empty:
        text += "（表中该栏为空，即0）"
    tables = sorted({c.table.name for c in item.agreeing if c.table.name != item.primary.table.name})
    if tables:
        text += f"；{len(tables)}张表中数字一致：" + "、".join(f"《{t}》" for t in tables[:4])
        if len(tables) > 4:
            text += "等"
    for other in item.differing[:2]:
        text += f"；另：{source(other)}为{yuan(other.yuan)}"
    for fact in item.stated:
        text += f"；{fact.table}中也写明：“{fact.quote}”"
    return text


def values(items: list[Item]) -> list[Value]:
    return [Value(i.label, format_decimal(i.value), i.unit) for i in items]


def lookup_text(items: list[Item], unit: str | None) -> str:
    lines = []
    for item in items:
        shown = amount(item.value, unit) if item.unit == "元" else f"{format_decimal(item.value)}{item.unit}"
        lines.append(f"**{item.label}**：{shown}。\n{where(item)}")
    return "\n\n".join(lines)


def formula_operand(item: Item) -> str:
    return f"{item.label} {plain(item.value)}"


def refusal(reason: str, suggestions: list[str]) -> Answer:
    tips = "\n".join(f"- {s}" for s in suggestions[:3])
    head = reason if reason.endswith(("。", "！")) else f"抱歉，{reason}，无法回答。"
    return Answer(f"{head}\n\n可以这样问：\n{tips}", "refuse")


def quote_block(text: str) -> str:
    return "\n".join(f"> {line}" for line in text.splitlines() if line.strip())


def safe(text: str) -> str:
    """Text from a question shown back to a person: never raw markup."""
    return html.escape(re.sub(r"[\x00-\x1f\x7f]", "", text))[:60]


def percent_text(p: Decimal) -> str:
    return f"{p}%"


def wan(value: Decimal) -> str:
    return exact_in(value, "万元")
