"""Composing answers: figures, formulas and sources as Chinese text, plus the citations behind them.

Pure functions over resolved items; every figure written here comes from a cell, a fact stated in the
text, or a `Decimal` computation over them.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from decimal import Decimal

from assistant import across as ops
from assistant.catalog import Entry, Member
from assistant.compute import amount, exact_in, percent, plain, states, to_yuan, yuan
from assistant.narrative import excerpt
from assistant.records import Answer, Citation, Fact, Value, format_decimal
from assistant.resolve import CellRef, Item


def source(ref: CellRef) -> str:
    """《2024年预算单位支出预算总表》“215 08 05 中小企业发展专项”行“项目支出”栏, and （第N页） from a PDF:
    the table, row and column in words a reader can find on the page."""
    page = ref.table.rows[ref.row].page
    return f"《{ref.table.name}》“{ref.row_label}”行“{ref.column}”栏" + (f"（第{page}页）" if page else "")


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
        page=ref.table.rows[ref.row].page,
        ocr=ref.table.rows[ref.row].ocr,
    )


def cite_fact(document: str, fact: Fact) -> Citation:
    return Citation(
        "text", document, section=fact.table, quote=fact.quote, line=fact.line, page=fact.page, ocr=fact.ocr
    )


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
        text += "；与" + "、".join(f"《{t}》" for t in tables[:4]) + ("等" if len(tables) > 4 else "")
        text += "中的同一数字一致"
    for other in item.differing[:2]:
        text += f"；另：{source(other)}为{yuan(other.yuan)}"
    for fact in item.stated:
        text += f"；{fact.table}中也写明：“{excerpt(fact.quote, fact.value, fact.unit)}”"
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


# answers over several documents: every figure stands beside its unit (and year)


def clarify(reason: str, candidates: tuple[str, ...]) -> Answer:
    listing = "\n".join(f"- {c}" for c in candidates[:12])
    return Answer(f"{reason}：\n{listing}" if listing else f"{reason}。", "clarify")


def catalogue(
    units: list[dict], years: list[int], asked_units: tuple[str, ...], filtered: bool = False
) -> Answer:
    """Which units and years the index holds (`filtered`: only those of the years or district asked)."""
    if asked_units:
        lines = [
            f"- {u['unit']}：" + "、".join(f"{d['year']}年{d['kind']}" for d in u["documents"])
            for u in units
            if u["unit"] in asked_units
        ]
        return Answer("已收录：\n" + "\n".join(lines), "table", _catalogue_citations(units, asked_units))
    docs = sum(len(u["documents"]) for u in units)
    shown = "\n".join(
        f"- {u['unit']}（" + "、".join(f"{d['year']}年" for d in u["documents"]) + "）" for u in units[:40]
    )
    more = f"\n（另有{len(units) - 40}个单位）" if len(units) > 40 else ""
    which = "符合条件的" if filtered else ""
    text = (
        f"{which}共 **{docs}** 份预算，涉及 **{len(units)}** 个单位，年份："
        + "、".join(f"{y}年" for y in years)
        + f"。\n\n{shown}{more}"
    )
    return Answer(text, "table", _catalogue_citations(units, ()))


def _catalogue_citations(units: list[dict], asked: tuple[str, ...]) -> list[Citation]:
    return [
        Citation("catalog", d["id"], section="已收录文件", quote=f"{u['unit']}{d['year']}年{d['kind']}")
        for u in units
        if not asked or u["unit"] in asked
        for d in u["documents"]
    ][:60]


def doc_name(entry, with_year: bool = True) -> str:  # noqa: ANN001 - a catalogue Entry
    return f"{entry.key.unit}" + (f"（{entry.key.year}年）" if with_year else "")


def across(result, q_unit: str | None, label: str) -> Answer:  # noqa: ANN001 - an across.Result
    """A result over several documents, each figure named by its unit and year."""
    figures = result.figures
    years = {f.entry.key.year for f in figures} | {e.key.year for e in result.missing}
    units = {f.entry.key.unit for f in figures} | {e.key.unit for e in result.missing}
    with_year = len(years) > 1 or result.op == "series"
    shown_docs = figures + [ops.Figure(e, None) for e in result.missing]
    seen = Counter((f.entry.key.unit, f.entry.key.year) for f in shown_docs)

    def name(f: ops.Figure) -> str:
        if result.op == "series" and len(units) == 1:
            return f"{f.entry.key.year}年"
        twice = seen[(f.entry.key.unit, f.entry.key.year)] > 1  # 部门预算 and 单位预算 of one department
        return doc_name(f.entry, with_year) + (f.entry.key.kind if twice else "")

    def shown(f: ops.Figure) -> str:
        return "没有此项" if f.item is None else _quantity(f.value, _counted(f), q_unit)

    what = label or next((f.item.label for f in figures if f.item is not None), "")
    body = _across_body(result, name, shown, what, q_unit)
    if result.missing:
        body += (
            "\n\n"
            + "、".join(doc_name(e, with_year) for e in result.missing[:8])
            + ("等" if len(result.missing) > 8 else "")
            + f"的预算中没有「{what}」这一项。"
        )
    body += "\n\n" + _across_sources(result, name)
    cites: list[Citation] = []
    values: list[Value] = []
    for f in figures[: 24 if result.op == "rank" else 12]:
        if f.item is None:  # a unit counted for having no such item: the catalogue says it is indexed
            cites.append(Citation("catalog", f.entry.id, section="已收录文件", quote=f.entry.key.label()))
            continue
        cites += citations(f.entry.id, [f.item])
        values.append(Value(f"{name(f)} {f.item.label}", format_decimal(f.value), f.item.unit))
    route = "table" if any(f.item and f.item.primary for f in figures) else "text"
    return Answer(body, route, cites, values, _across_formula(result, name))


def _across_body(result, name, shown, what: str, q_unit: str | None) -> str:  # noqa: ANN001
    figs = result.figures
    if not figs:
        return f"所问的预算中都没有「{what}」这一项。"
    listing = "\n".join(f"- **{name(f)}**：{shown(f)}" for f in figs[:12])
    if result.op == "compare":
        a, b = figs
        d = result.difference
        more = "多" if d > 0 else "少"
        counted = _counted(a)
        shown_d = _quantity(abs(d), counted, q_unit)
        text = f"{what}：\n{listing}\n\n"
        text += "两者相同。" if d == 0 else f"**{name(a)}**比**{name(b)}**{more} **{shown_d}**。"
        text += f"\n\n计算：{plain(a.value)} − {plain(b.value)} = {plain(d)}{counted or '元'}"
        if result.ratio is not None and result.show_ratio:
            x, y = (b, a) if result.reverse else (a, b)
            text += f"\n\n{name(x)}是{name(y)}的 **{result.ratio}倍**（计算：{plain(x.value)} ÷ {plain(y.value)} = {result.ratio}）"
        return text
    if result.op == "rank":
        return _rank_text(result, name, shown, what)
    if result.op == "sum":
        counted = _counted(figs[0])
        shown_total = _quantity(result.total, counted, q_unit)
        formula = " + ".join(plain(f.value) for f in figs) + f" = {plain(result.total)}{counted or '元'}"
        return f"{what}：\n{listing}\n\n合计 **{shown_total}**。\n\n计算：{formula}"
    if result.op == "count":
        names = "、".join(name(f) for f in figs[:30]) + ("等" if len(figs) > 30 else "")
        bound = format_decimal(result.total) if result.total is not None else ""
        condition = {
            "having": f"安排了「{what}」",
            "zero": f"「{what}」为0或没有安排",
            "above": f"「{what}」超过{bound}",
            "below": f"「{what}」少于{bound}",
        }[result.order]
        return f"{condition}的单位共 **{result.count}** 个" + (f"：{names}。" if figs else "。")
    if result.op == "share" and result.percent is not None:
        a = figs[0]
        formula = (
            f"{plain(a.value)} ÷ ({' + '.join(plain(f.value) for f in figs)}) × 100% = {result.percent}%"
        )
        return (
            f"{what}：\n{listing}\n\n合计 {amount(result.total, q_unit)}，**{name(a)}**占 **{result.percent}%**。"
            f"\n\n计算：{formula}"
        )
    if result.op == "series":
        return _series_text(result, name, shown, what, q_unit)
    return f"{what}：\n{listing}"


def _counted(figure) -> str:  # noqa: ANN001 - an across.Figure
    """The counter of a figure stated as a count (辆, 个), "" for an amount of money."""
    return figure.item.unit if figure.item is not None and figure.item.unit != "元" else ""


def _quantity(value: Decimal, counted: str, q_unit: str | None) -> str:
    """A count with its counter (4辆), or an amount in 元 with 万元 (or in the unit asked for)."""
    return f"{format_decimal(value)}{counted}" if counted else amount(value, q_unit)


def _rank_text(result, name, shown, what: str) -> str:  # noqa: ANN001
    figs = result.figures
    word = "最少" if result.order == "min" else "最多"
    if result.nth:
        if result.nth > len(figs):
            return f"有「{what}」的只有{len(figs)}个，没有第{result.nth}名。"
        lead = [figs[result.nth - 1]]
        word = f"第{result.nth}{'少' if result.order == 'min' else '多'}"
    elif result.top > 1:
        lead = figs[: result.top]
        word = f"前{result.top}名"
    else:
        lead = result.ties or figs[:1]
    head = "、".join(f"**{name(f)}**（{shown(f)}）" for f in lead)
    tie = "（并列）" if len(lead) > 1 and result.top == 1 and not result.nth else ""
    listing = "\n".join(f"{n}. {name(f)}：{shown(f)}" for n, f in enumerate(figs[:10], start=1))
    more = f"\n（共{len(figs)}个单位，仅列前10个）" if len(figs) > 10 else ""
    return f"{what}{word}的是{head}{tie}。\n\n排序：\n{listing}{more}"


def _series_text(result, name, shown, what: str, q_unit: str | None) -> str:  # noqa: ANN001
    figs = result.figures
    listing = "\n".join(f"- **{name(f)}**：{shown(f)}" for f in figs)
    text = f"{what}：\n{listing}"
    if result.difference is not None and len(result.ties) == 2:
        first, last = result.ties
        d = result.difference
        change = "增加" if d > 0 else "减少" if d < 0 else "持平"
        counted = _counted(last)
        shown_d = _quantity(abs(d), counted, q_unit)
        text += f"\n\n{name(last)}比{name(first)}{change} **{shown_d}**"
        if result.percent is not None:
            rate = "增长" if d >= 0 else "下降"
            text += f"，{rate} **{abs(result.percent)}%**"
        text += f"。\n\n计算：{plain(last.value)} − {plain(first.value)} = {plain(d)}{counted or '元'}"
        if result.percent is not None:
            text += f"；{plain(d)} ÷ {plain(first.value)} × 100% = {result.percent}%"
        if result.show_ratio and result.ratio is not None:
            text += (
                f"\n\n{name(last)}是{name(first)}的 **{result.ratio}倍**"
                f"（计算：{plain(last.value)} ÷ {plain(first.value)} = {result.ratio}）"
            )
    if len(figs) > 2 and result.nth:
        word = "最低" if result.order == "min" else "最高"
        text += f"\n\n{word}的是 **{result.nth}年**。"
    return text


def _across_sources(result, name) -> str:  # noqa: ANN001
    lines = []
    for f in result.figures[:10]:
        if f.item is None:
            lines.append(f"- {name(f)}：{f.entry.key.label()}中没有此项")
            continue
        origin = source(f.item.primary) if f.item.primary else f"{f.item.fact.table}" if f.item.fact else ""
        lines.append(f"- {name(f)}：{f.entry.key.label()}{origin}")
    return "来源：\n" + "\n".join(lines)


def _across_formula(result, name) -> str:  # noqa: ANN001
    figs = result.figures
    if result.op == "compare" and result.difference is not None:
        return f"{plain(figs[0].value)} − {plain(figs[1].value)} = {plain(result.difference)}"
    if result.op == "sum" and result.total is not None:
        return " + ".join(plain(f.value) for f in figs) + f" = {plain(result.total)}"
    if result.op == "series" and result.difference is not None and len(result.ties) == 2:
        first, last = result.ties
        return f"{plain(last.value)} − {plain(first.value)} = {plain(result.difference)}"
    return ""


def stated_change(fact: Fact, difference: Decimal) -> str:
    """The text's own statement of a change next to the difference of two budgets: agree or not."""
    stated = to_yuan(fact.value, fact.unit)
    agrees = states(fact.value, fact.unit, difference)
    said = f"{fact.table}写明：“{fact.quote}”"
    if agrees:
        return f"核对：{said}，与两份预算之差一致。"
    return f"注意：{said}（{yuan(stated)}），与两份预算之差 {yuan(difference)} 不一致；以上按两份预算的数字计算。"


def each(pairs: list) -> Answer:  # (catalogue Entry, Answer) pairs
    """One document's answer per unit or year, each under its name; refusals say what that document lacks."""
    units = {e.key.unit for e, _ in pairs}
    parts, cites, values = [], [], []
    for entry, answer in pairs:
        name = f"{entry.key.year}年" if len(units) == 1 else doc_name(entry)
        if answer.route in ("refuse", "clarify"):
            parts.append(f"**{name}**：{answer.text.split(chr(10))[0]}")
            continue
        head = answer.text.split("\n\n")[0]
        parts.append(f"**{name}**：{head}" + (f"\n计算：{answer.formula}" if answer.formula else ""))
        cites += answer.citations
        values += [Value(f"{name} {v.label}", v.value, v.unit) for v in answer.values]
    route = "table" if cites else "refuse"
    return Answer("\n\n".join(parts), route, cites, values)


# budget units inside one department budget: every figure from the unit's own row


def by_member(document: str, doc_id: str, whole: Item, parts: list[tuple[Member, Item | None]]) -> Answer:
    """The department's figure (`document` names the budget) and each budget unit's (本级, 杭州市气象服务中心)
    with its share of it."""
    lines = [f"{document}中「{whole.label}」按单位列出：", f"- **部门合计**：{amount(whole.value)}"]
    formulas = []
    shown = [whole]
    for member, item in parts:
        if item is None:
            lines.append(f"- **{member.label}**：表中没有按单位列出此项")
            continue
        share = percent(item.value, whole.value)
        lines.append(f"- **{member.label}**：{amount(item.value)}" + (f"，占 **{share}%**" if share else ""))
        if share is not None:
            formulas.append(f"{plain(item.value)} ÷ {plain(whole.value)} × 100% = {share}%")
        shown.append(item)
    text = "\n".join(lines)
    if formulas:
        text += "\n\n计算：" + "；".join(formulas)
    text += "\n\n来源：\n" + "\n".join(f"- {i.label}：{where(i).removeprefix('来源：')}" for i in shown)
    return Answer(
        text, "table", citations(doc_id, shown), values(shown), "；".join(formulas), document=doc_id
    )


def member_listing(
    entry: Entry, rows: list[tuple[Member, CellRef | None]], passage: Citation | None = None
) -> Answer:
    """The budget units a department budget lists, the department's own part first, each cited by its row;
    with the passage of the budget that states them (机构设置), quoted and cited, when there is one."""
    ordered = sorted(rows, key=lambda mr: not mr[0].own)
    subordinate = sum(1 for m, _ in ordered if not m.own)
    lines = [
        f"{n}. {m.label}" + ("（本级）" if m.own and "本级" not in m.label else "")
        for n, (m, _) in enumerate(ordered, 1)
    ]
    parts = (
        [
            f"{entry.key.label()}包括 **{len(ordered)}** 个预算单位（其中下属单位 **{subordinate}** 个）：\n"
            + "\n".join(lines)
        ]
        if ordered
        else []
    )
    cites = [cite_cell(entry.id, ref) for _, ref in ordered if ref is not None]
    tables = sorted({ref.table.name for _, ref in ordered if ref is not None})
    sources = [f"{'、'.join(f'《{t}》' for t in tables)}中按单位列出的行"] if tables else []
    if passage is not None:
        parts.append(f"{entry.key.label()}「{passage.section}」写明：\n\n{quote_block(passage.quote)}")
        cites.append(passage)
        sources.append(f"「{passage.section}」")
    text = "\n\n".join(parts) + ("\n\n来源：" + "；".join(sources) if sources else "")
    route = "hybrid" if ordered and passage is not None else "text" if passage is not None else "table"
    return Answer(text, route, cites, document=entry.id)
