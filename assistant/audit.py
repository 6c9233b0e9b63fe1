"""Audit a parsed document: is every figure placed, and does every identity the format promises hold?

Checks, each a `Finding`: the standard tables found (and missing), figures left unplaced, row identities
(合计 = 基本支出 + 项目支出 …), the hierarchy (类 = Σ款, 款 = Σ项, total = Σ类), both sides of the two-sided
tables (收入总计 = 支出总计, each part = Σ its items), the same figure in two tables (the layout file's
`[[links]]`, `[[anchors]]`), and the table figures against the figures the narrative states (万元 rounding
allowed). Severity: `error` (the document contradicts itself), `unplaced` (the parser could not place or
recognise), `warning`, `ok` (a check that holds). Pure: data in, data out.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from assistant.align import row_candidates
from assistant.compute import states, to_yuan, yuan
from assistant.documents import find_blocks, layouts
from assistant.records import Document, Table, format_decimal, unit_identity
from assistant.tables import TOTAL_KEY, _linked, _sum_groups, cell_known, row_keys, table_hierarchy

ZERO = Decimal(0)
SEVERITIES = ("error", "unplaced", "warning", "ok")
_LABEL = {"error": "不一致", "unplaced": "未定列", "warning": "提示", "ok": "通过"}
_SOLVER_NOTES = ("表内恒等式不能同时成立", "该关系未用于定列")

# Narrative statements and the table cell they restate: (label pattern, table, side, row key, column).
_TEXT_CHECKS = (
    (r"^收入预算$", "income_summary", TOTAL_KEY, "合计"),
    (r"^财政拨款收入$", "income_summary", TOTAL_KEY, "财政拨款收入"),
    (r"^事业收入$", "income_summary", TOTAL_KEY, "事业收入"),
    (r"^其他收入$", "income_summary", TOTAL_KEY, "其他收入"),
    (r"^支出预算$", "expenditure_summary", TOTAL_KEY, "合计"),
    (r"^财政拨款支出预算$", "fiscal_summary", TOTAL_KEY, "合计"),
    (r"^一般公共预算拨款支出预算$", "fiscal_summary", TOTAL_KEY, "一般公共预算"),
    (r"^政府性基金拨款支出预算$", "fiscal_summary", TOTAL_KEY, "政府性基金预算"),
    (r"^国有资本经营预算拨款支出预算$", "fiscal_summary", TOTAL_KEY, "国有资本经营预算"),
)


@dataclass(frozen=True)
class Finding:
    severity: str  # error | unplaced | warning | ok
    check: str  # table | placement | row | hierarchy | sides | cross | text | parse
    message: str  # Chinese, for people
    line: int = 0
    table: str = ""


@dataclass
class AuditReport:
    document: str
    unit_name: str
    year: int
    kind: str
    tables: list[dict[str, Any]] = field(default_factory=list)  # key, name, title, line, cells, unplaced
    missing: list[str] = field(default_factory=list)  # standard tables not found
    findings: list[Finding] = field(default_factory=list)
    pages: int = 0  # pages of the PDF read (0 for a text file)
    ocr_pages: list[int] = field(default_factory=list)  # pages without a text layer, read by OCR

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["exit_code"] = exit_code(self)
        data["counts"] = {s: self.count(s) for s in SEVERITIES}
        return data


def _yuan(value: Decimal) -> str:
    return f"{value:,}"


def audit_document(doc: Document) -> AuditReport:
    """Every check on one parsed document."""
    report = AuditReport(doc.id, doc.unit_name, doc.year, doc.kind)
    report.pages, report.ocr_pages = max(doc.pages, default=0), list(doc.ocr_pages)
    spec = layouts(doc.family)
    found = {t.key for t in doc.tables}
    for t in doc.tables:
        report.tables.append(
            {
                "key": t.key,
                "name": t.name,
                "title": t.title,
                "line": t.line,
                "page": doc.page(t.line),
                "unit": t.unit,
                "cells": len(t.cells),
                "unplaced": len(t.unplaced),
            }
        )
    add = report.findings.append
    if not doc.tables and doc.sections:
        add(Finding("warning", "table", "本文件是预算的情况说明，不含预算表：预算表在另行公开的报表文件中"))
    else:
        report.missing = [t["name"] for t in spec["tables"] if t["key"] not in found]
    if doc.ocr_pages:
        pages = "、".join(str(p) for p in doc.ocr_pages)
        add(
            Finding("warning", "ocr", f"第{pages}页没有文字层，按图像识别（OCR）读取：其数字由表内恒等式核对")
        )
    for name in report.missing:
        add(Finding("warning", "table", f"未找到标准表「{name}」"))
    for block in find_blocks(doc.lines, doc.family):
        if block.kind == "table" and not block.name:
            add(
                Finding(
                    "warning", "table", f"非标准表「{block.title}」，未解析", block.start + 1, block.title
                )
            )
    for table in doc.tables:
        _table_findings(table, add)
    _cross_findings(doc.tables, spec, add)
    _text_findings(doc, add)
    return report


def _line_of(message: str) -> int:
    m = re.match(r"第(\d+)行", message)
    return int(m.group(1)) if m else 0


def _table_findings(table: Table, add: Any) -> None:
    template = next(t for t in layouts(table.family)["tables"] if t["key"] == table.key)
    # a supplementary table whose columns only the ruling lines show: open figures are a notice, not a failure
    for message in table.unplaced:
        severity, note = _open_severity(message, template)
        add(Finding(severity, "placement", f"{table.name}：{message}{note}", _line_of(message), table.key))
    for message in table.warnings:
        if any(note in message for note in _SOLVER_NOTES):
            continue  # the identity checks below report the same thing with the figures
        check = "table" if "标题" in message else "parse"
        add(Finding("warning", check, f"{table.name}：{message}", _line_of(message) or table.line, table.key))
    if table.cells or table.rows:
        add(Finding("ok", "table", f"{table.name}：{len(table.cells)} 个数字已定列", table.line, table.key))
    open_lines = {_line_of(m) for m in table.unplaced}
    sides = any(r.side for r in table.rows)
    main = "支出" if sides else ""
    settled = [r for r, row in enumerate(table.rows) if row.side == main and row.line not in open_lines]
    layout = next(
        (lay for lay in template["layouts"] if lay["columns"] == table.columns), template["layouts"][0]
    )
    vec = {r: [cell_known(table, r, c) or ZERO for c in table.columns] for r in settled}
    cols = table.columns
    identities = [(cols.index(t), tuple(cols.index(p) for p in parts)) for t, *parts in layout["identities"]]
    for row in table.rows:
        if (
            row.side == main
            and row.line in open_lines
            and not row_candidates(row.numbers, len(cols), identities)
        ):
            add(
                Finding(
                    "error",
                    "row",
                    f"{table.name}：{_row(row)} 的数字 {'、'.join(_yuan(v) for v in row.numbers)} "
                    f"无论怎样排列都不满足行内恒等式（{'；'.join(' = '.join((t, '+'.join(p))) for t, *p in layout['identities'])}）",
                    row.line,
                    table.key,
                )
            )
    for target, *parts in layout["identities"]:
        t, ps = cols.index(target), [cols.index(p) for p in parts]
        for r in settled:
            row = table.rows[r]
            if not row.numbers:
                continue
            total = sum((vec[r][p] for p in ps), ZERO)
            if vec[r][t] == total:
                add(
                    Finding(
                        "ok",
                        "row",
                        f"{table.name}：{_row(row)} {target} = {'+'.join(parts)}",
                        row.line,
                        table.key,
                    )
                )
            else:
                add(
                    Finding(
                        "error",
                        "row",
                        f"{table.name}：{_row(row)} {target} {_yuan(vec[r][t])} ≠ {'+'.join(parts)} {_yuan(total)}"
                        f"（差 {_yuan(vec[r][t] - total)}）",
                        row.line,
                        table.key,
                    )
                )
    hierarchy = table_hierarchy(
        table, {**template, "hierarchy": layout.get("hierarchy", template["hierarchy"])}
    )
    family_sides = layouts(table.family).get("sides", {})
    top_total, numbered = family_sides.get("top_total", ""), family_sides.get("numbered_total", "")
    for parent, children in _sum_groups(table.rows, hierarchy, main, top_total, numbered):
        if parent not in vec or any(c not in vec for c in children):
            continue
        row = table.rows[parent]
        what = "合计 = Σ类" if row.level == 0 else ("类 = Σ款" if row.level == 1 else "款 = Σ项")
        bad = [
            (cols[k], vec[parent][k], sum((vec[c][k] for c in children), ZERO))
            for k in range(len(cols))
            if vec[parent][k] != sum((vec[c][k] for c in children), ZERO)
            and cols[k] not in layout.get("rates", [])
        ]
        if not bad:
            add(Finding("ok", "hierarchy", f"{table.name}：{_row(row)} {what}", row.line, table.key))
        for col, have, want in bad:
            add(
                Finding(
                    "error",
                    "hierarchy",
                    f"{table.name}：{_row(row)} 的{col} {_yuan(have)} ≠ 下级行之和 {_yuan(want)}"
                    f"（差 {_yuan(have - want)}）",
                    row.line,
                    table.key,
                )
            )
    spec_sides = layouts(table.family).get("sides", {})
    if sides and "order" in spec_sides:
        _stacked_findings(table, spec_sides, add)
    elif sides:
        _sides_findings(table, spec_sides, add)


def _open_severity(message: str, template: dict[str, Any]) -> tuple[str, str]:
    """An open figure is a notice, not a failure, in a table whose open columns only the ruling lines show
    (`open_note`), or only `open_columns` when the template names them and the figure may be in no other."""
    if "open_note" not in template:
        return "unplaced", ""
    if "open_columns" in template:
        m = re.search(r"列无法唯一确定（可能在：(.+)）$", message)
        if not m or not set(m.group(1).split("、")) <= set(template["open_columns"]):
            return "unplaced", ""
    return "warning", f"（{template['open_note']}）"


def _row(row: Any) -> str:
    return f"第{row.line}行「{(row.code + ' ' + row.name).strip()}」"


def _sides_findings(table: Table, sides: dict[str, Any], add: Any) -> None:
    """收入总计 = 支出总计, the income total = Σ its parts, and each income item = Σ its sub-items. The totals
    are the family's (`income_total`/`expense_total`, else `left_total`/`right_total`: 收入合计 / 支出合计 where a
    family calls them so); with a
    `top_total` (本年收入合计) the items add up to it, and it and the other unnumbered lines (上年结转结余) to
    the total."""
    income = [r for r in table.rows if r.side == "收入"]
    left = sides.get("income_total", sides.get("left_total", "收入总计$"))
    right = sides.get("expense_total", sides.get("right_total", "支出总计$"))
    total_in = next((r for r in income if re.search(left, r.name)), None)
    total_out = next((r for r in table.rows if r.side == "支出" and re.search(right, r.name)), None)
    if total_in is not None and not total_in.numbers:
        add(
            Finding(
                "warning",
                "sides",
                f"{table.name}：{total_in.name}未印数字（按 0 读）",
                total_in.line,
                table.key,
            )
        )
    if total_in is None or total_out is None:
        return
    if total_in.numbers:
        _totals_findings(table, sides, income, total_in, total_out, add)
    for n, item in enumerate(income):
        if not _is_item(item):
            continue
        subs = []
        for nxt in income[n + 1 :]:
            if nxt.level != 2:
                break
            subs.append(nxt)
        if subs and any(s.numbers for s in subs):
            _sum_finding(table, item, subs, "其下各项之和", add)


def _totals_findings(
    table: Table, sides: dict[str, Any], income: list[Any], total_in: Any, total_out: Any, add: Any
) -> None:
    have_in, have_out = _first(total_in), _first(total_out)
    left, right = (
        (total_in.name, total_out.name) if total_in.name != total_out.name else ("收入总计", "支出总计")
    )
    totals = (  # by the printed labels, unless both sides print the same one (`合计 … 合计 …`)
        f"{left} = {right} = {_yuan(have_in)}"
        if have_in == have_out
        else f"{left} {_yuan(have_in)} ≠ {right} {_yuan(have_out)}"
    )
    severity = "ok" if have_in == have_out else "error"
    add(Finding(severity, "sides", f"{table.name}：{totals}", total_in.line, table.key))
    top, numbered = sides.get("top_total"), sides.get("numbered_total")
    # a numbered total (一、本年收入) heads the items under it: they are checked as its sub-items
    subtotal = next(
        (
            r
            for r in income
            if top and re.search(top, r.name) and not (numbered and re.match(numbered, r.name))
        ),
        total_in,
    )
    at = income.index(subtotal)  # with a subtotal, its items are printed above it: the numbered ones if any
    items = [r for r in (income if subtotal is total_in else income[:at]) if _is_item(r)]
    if subtotal is not total_in and any(r.level == 1 for r in items):
        items = [r for r in items if r.level == 1]  # not an unnumbered line under an item (一般公共预算收入)
    if parts := sides.get("income_parts"):  # the rows the grand total adds up, where not the numbered ones
        subtotal, items = total_in, [r for r in income if re.search(parts, r.name)]
    if items:
        _sum_finding(table, subtotal, items, "各项收入之和", add)
    if subtotal is not total_in:
        others = [r for r in income[at:] if r.level == 0 and r is not total_in]
        _sum_finding(table, total_in, others, "、".join(r.name for r in others) + "之和", add)


def _first(row: Any) -> Decimal:
    return row.numbers[0] if row.numbers else ZERO


def _sum_finding(table: Table, total: Any, parts: list[Any], what: str, add: Any) -> None:
    have, want = _first(total), sum((_first(r) for r in parts), ZERO)
    add(
        Finding(
            "ok" if have == want else "error",
            "sides",
            f"{table.name}：{total.name} {_yuan(have)} {'=' if have == want else '≠'} {what} {_yuan(want)}",
            total.line,
            table.key,
        )
    )


def _is_item(row: Any) -> bool:
    """An item of the income side: numbered (一、…), or unnumbered and not a total nor a sub-item (上年结余、结转
    printed without a number below 本年收入合计)."""
    if row.level == 1:
        return True
    return row.level == 0 and not re.search(r"(合计|总计)$", row.name)


def _stacked_findings(table: Table, spec: dict[str, Any], add: Any) -> None:
    """A table of several sides side by side: within each side every item is the sum of its sub-items and
    the 本年 total the sum of the items; each side's 总计 is its 本年 total plus the rows listed as carried
    (`grand`), and every side's 总计 is the income side's."""
    main = "支出"
    grand = re.compile(spec.get("grand", "^$"))
    totals: dict[str, Any] = {}
    for side in spec["order"]:
        rows = [r for r in table.rows if r.side == side]
        value = {id(r): (r.numbers[0] if r.numbers else ZERO) for r in rows}
        if side != main:
            for parent, children in _sum_groups(table.rows, "sides", side, spec.get("top_total", "")):
                row, want = table.rows[parent], sum((value[id(table.rows[c])] for c in children), ZERO)
                if row.numbers:
                    _compare(add, table, row, value[id(row)], want, "其下各项之和")
                elif want:  # a subtotal left blank: read as the sum of its items
                    value[id(row)] = want
                    message = f"{table.name}：{_row(row)}（{side}）未印数字，按其下各项之和 {_yuan(want)} 读"
                    add(Finding("warning", "sides", message, row.line, table.key))
        top = next((r for r in rows if re.search(spec.get("top_total", "^$"), r.name)), None)
        total = next((r for r in rows if re.search(r"(收入|支出)总计$", r.name)), None)
        if top is None or total is None:
            continue
        carried = [r for r in rows if grand.search(r.name)]
        want = value[id(top)] + sum((value[id(r)] for r in carried), ZERO)
        names = "+".join([top.name] + [r.name for r in carried if r.numbers])
        _compare(add, table, total, value[id(total)], want, names)
        totals[side] = (total, value[id(total)])
    first = totals.get(spec["order"][0])
    for side, (row, have) in totals.items():
        if first is not None and side != spec["order"][0]:
            _compare(add, table, row, have, first[1], f"{first[0].name}（{spec['order'][0]}）")


def _compare(add: Any, table: Table, row: Any, have: Any, want: Any, what: str) -> None:
    ok = have == want
    side = f"（{row.side}）" if row.side else ""
    message = f"{table.name}：{_row(row)}{side} {_yuan(have)} {'=' if ok else '≠'} {what} {_yuan(want)}"
    add(Finding("ok" if ok else "error", "sides", message, row.line, table.key))


def _cross_findings(tables: list[Table], spec: dict[str, Any], add: Any) -> None:
    """The same figure in two tables (links, income anchors)."""
    by_key = {t.key: t for t in tables}
    for link in spec.get("links", []):
        target = by_key.get(link["target"])
        if target is None:
            continue
        if link.get("when"):
            totals = [
                cell_known(by_key[k], row_keys(by_key[k]).get(TOTAL_KEY), c) if k in by_key else ZERO
                for k, c in link["when"]
            ]
            if None in totals or totals[0] != sum(totals[1:], ZERO):
                continue
        for key, r in row_keys(target).items():
            if link.get("match") == "total" and key != TOTAL_KEY:
                continue
            if link.get("match") == "name" and not (key.startswith("类:") or key == TOTAL_KEY):
                continue
            if link.get("match", "code") == "code" and key.startswith("类:"):
                continue
            have = cell_known(target, r, link["column"])
            parts = []
            for k, c in link["parts"]:
                other = by_key.get(k)
                parts.append(ZERO if other is None else _linked(other, key, c))
            if have is None or None in parts:
                continue
            want = sum(parts, ZERO)
            names = " + ".join(f"{by_key[k].name if k in by_key else k}的{c}" for k, c in link["parts"])
            row = target.rows[r]
            if have == want:
                add(
                    Finding(
                        "ok",
                        "cross",
                        f"{target.name}：{_row(row)} {link['column']} = {names}",
                        row.line,
                        target.key,
                    )
                )
            else:
                add(
                    Finding(
                        "error",
                        "cross",
                        f"{target.name}：{_row(row)} {link['column']} {_yuan(have)} ≠ {names} {_yuan(want)}",
                        row.line,
                        target.key,
                    )
                )
    for anchor in spec.get("anchors", []):
        table, source = by_key.get(anchor["table"]), by_key.get(anchor["source_table"])
        if table is None or source is None:
            continue
        side = anchor.get("source_side", "收入")
        row = next(
            (r for r in source.rows if r.side == side and re.search(anchor["source_label"], r.name)), None
        )
        have = cell_known(table, row_keys(table).get(TOTAL_KEY), anchor["column"])
        if row is None or have is None:
            continue
        want = row.numbers[0] if row.numbers else ZERO
        ok = have == want
        add(
            Finding(
                "ok" if ok else "error",
                "cross",
                f"{table.name}合计行的{anchor['column']} {_yuan(have)} {'=' if ok else '≠'} "
                f"{source.name}的{row.name} {_yuan(want)}",
                row.line,
                table.key,
            )
        )


def rounds_to(text_value: Decimal, text_unit: str, table_value: Decimal, table_unit: str) -> bool:
    """A figure in the text equals a table figure as printed, rounded to the text's precision (万元 ↔ 元)."""
    scale = {"元": Decimal(1), "万元": Decimal(10000), "亿元": Decimal(100000000)}
    if text_unit not in scale or table_unit not in scale:
        return False
    in_text_unit = table_value * scale[table_unit] / scale[text_unit]
    exponent = text_value.as_tuple().exponent
    quantum = Decimal(1).scaleb(exponent if isinstance(exponent, int) else 0)
    # texts round, truncate or round up to their last digit: within one unit of it
    return abs(in_text_unit - text_value) < quantum


def _text_findings(doc: Document, add: Any) -> None:
    """Narrative figures against the table cell they restate."""
    by_key = {t.key: t for t in doc.tables}
    checks: list[tuple[str, str, str, str, str]] = [(*c, "") for c in _TEXT_CHECKS]
    checks += [
        (spec["label"], spec["table"], TOTAL_KEY, spec["column"], spec.get("section", ""))
        for spec in layouts(doc.family).get("text_links", [])
    ]
    fiscal = by_key.get("fiscal_summary")
    for fact in doc.text_facts:
        if fact.column or fact.unit not in ("元", "万元", "亿元"):
            continue
        targets = [
            (t, key, col)
            for pattern, t, key, col, section in checks
            if re.search(pattern, fact.row_name) and section in ("", fact.table)
        ]
        if (
            fact.table == "预算编制说明"
            and fiscal is not None
            and ("类:" + fact.row_name) in row_keys(fiscal)
        ):
            targets.append(("fiscal_summary", "类:" + fact.row_name, "合计"))
        for tkey, key, column in targets[:1]:
            table = by_key.get(tkey)
            if table is None:
                continue
            keys = row_keys(table)
            if key == TOTAL_KEY and key not in keys and len(table.rows) == 1:
                keys[TOTAL_KEY] = 0
            if key not in keys:
                continue
            value = cell_known(table, keys[key], column)
            if value is None:
                continue
            label = f"正文「{fact.row_name} {format_decimal(fact.value)}{fact.unit}」与{table.name}的{column}"
            if rounds_to(fact.value, fact.unit, value, table.unit):
                add(Finding("ok", "text", f"{label} {_yuan(value)}{table.unit} 相符", fact.line, tkey))
            else:
                add(Finding("error", "text", f"{label} {_yuan(value)}{table.unit} 不符", fact.line, tkey))


def exit_code(report: AuditReport) -> int:
    """0 everything holds; 1 the document contradicts itself; 2 the parser could not place or recognise.

    Figures left open in a table whose own figures disagree are explained by that finding (exit 1).
    """
    broken = {f.table for f in report.findings if f.severity == "error"}
    if any(f.severity == "unplaced" and f.table not in broken for f in report.findings):
        return 2
    return 1 if broken else 0


def render_audit(report: AuditReport) -> str:
    """The report for people, in Chinese."""
    code = exit_code(report)
    verdict = {0: "全部通过", 1: "文件自身数字不一致", 2: "有表或数字未能识别定列"}[code]
    lines = [
        f"文件：{report.document}（{report.unit_name}，{report.year}年{report.kind}）",
        f"结论：{verdict}（退出码 {code}）",
        "检查：" + "，".join(f"{_LABEL[s]} {report.count(s)}" for s in SEVERITIES),
    ]
    if report.pages:
        ocr = "，".join(str(p) for p in report.ocr_pages)
        lines.append(f"来源：PDF，共 {report.pages} 页" + (f"（第 {ocr} 页按图像识别）" if ocr else ""))
    lines.append("表：")
    for t in report.tables:
        extra = f"，未定列 {t['unplaced']}" if t["unplaced"] else ""
        where = f"第{t['page']}页" if t.get("page") else f"第{t['line']}行"
        lines.append(f"  {where} {t['name']}（{t['unit']}）：{t['cells']} 个数字{extra}")
    if report.missing:
        lines.append("缺少：" + "、".join(report.missing))
    for severity in ("error", "unplaced", "warning"):
        items = [f for f in report.findings if f.severity == severity]
        if items:
            lines.append(f"{_LABEL[severity]}：")
            lines += [f"  第{f.line}行 {f.message}" if f.line else f"  {f.message}" for f in items]
    return "\n".join(lines)


def render_table(table: Table) -> str:
    """A parsed table as a grid: rows × columns, figures with thousands separators, code + name per row."""

    def grid(rows: list[int], columns: list[str]) -> list[str]:
        head = ["行", "科目"] + columns
        body = []
        for r in rows:
            row = table.rows[r]
            cells = [table.value(r, c) for c in columns]
            body.append(
                [str(row.line), (row.code + " " + row.name).strip()]
                + [_yuan(v) if v is not None else "" for v in cells]
            )
        widths = [max(_width(x) for x in col) for col in zip(head, *body, strict=True)]
        out = [
            " | ".join(_pad(x, w, n > 1) for n, (x, w) in enumerate(zip(line, widths, strict=True)))
            for line in [head] + body
        ]
        out.insert(1, "-+-".join("-" * w for w in widths))
        return out

    page = next((r.page for r in table.rows if r.page), 0)
    lines = [f"{table.name}（单位：{table.unit}，{f'第{page}页' if page else f'第{table.line}行'}）"]
    if any(r.side for r in table.rows):
        left = [r for r, row in enumerate(table.rows) if row.side == "收入"]
        right = [r for r, row in enumerate(table.rows) if row.side == "支出"]
        left_cols = sorted({c.column for c in table.cells if table.rows[c.row].side == "收入"}) or ["预算数"]
        lines += ["收入"] + grid(left, left_cols) + ["支出"] + grid(right, table.columns)
        for side in dict.fromkeys(r.side for r in table.rows if r.side not in ("收入", "支出")):
            rows = [r for r, row in enumerate(table.rows) if row.side == side]
            cols = sorted({c.column for c in table.cells if table.rows[c.row].side == side}) or left_cols
            lines += [f"支出（按{side}）"] + grid(rows, cols)
    else:
        lines += grid(list(range(len(table.rows))), table.columns)
    for message in table.unplaced:
        lines.append(f"未定列：{message}")
    return "\n".join(lines)


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * (width - _width(text))
    return gap + text if right else text + gap


def audit_series(docs: list[Document]) -> dict[str, list[Finding]]:
    """Budgets of one unit in consecutive years: a change the later text states (比2024年预算增加25万元)
    against the difference of the two budgets' own statements of that figure. Keyed by the later document."""
    by_unit: dict[tuple[str, str], dict[int, Document]] = {}
    for doc in docs:
        by_unit.setdefault((unit_identity(doc.unit_name), doc.kind), {})[doc.year] = doc
    out: dict[str, list[Finding]] = {}
    for years in by_unit.values():
        for year, doc in sorted(years.items()):
            before = years.get(year - 1)
            if before is not None:
                out[doc.id] = list(_stated_changes(doc, before))
    return out


def _stated_changes(doc: Document, before: Document) -> list[Finding]:
    money = ("元", "万元", "亿元")
    stated = {(f.row_name, f.table): f for f in doc.text_facts if not f.column and f.unit in money}
    earlier = {(f.row_name, f.table): f for f in before.text_facts if not f.column and f.unit in money}
    found = []
    for change in doc.text_facts:
        if not change.column.startswith(f"比{before.year}") or change.unit not in money:
            continue
        key = (change.row_name, change.table)
        now, then = stated.get(key), earlier.get(key)
        if now is None or then is None:
            continue
        difference = to_yuan(now.value, now.unit) - to_yuan(then.value, then.unit)
        label = (
            f"正文「{change.row_name}比{before.year}年预算增减{format_decimal(change.value)}{change.unit}」"
            f"与{before.year}年预算（{before.id}）所列{yuan(to_yuan(then.value, then.unit))}之差{yuan(difference)}"
        )
        agrees = states(change.value, change.unit, difference)
        found.append(
            Finding(
                "ok" if agrees else "warning", "years", label + ("相符" if agrees else "不符"), change.line
            )
        )
    return found


def with_findings(report: dict[str, Any], findings: list[Finding]) -> dict[str, Any]:
    """An audit report (as stored) with findings across documents added, counts and exit code kept right."""
    if not findings:
        return report
    merged = dict(report)
    merged["findings"] = list(report.get("findings", [])) + [asdict(f) for f in findings]
    counts = dict(report.get("counts", {}))
    for f in findings:
        counts[f.severity] = counts.get(f.severity, 0) + 1
    merged["counts"] = counts
    return merged
