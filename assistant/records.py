"""Typed records that flow through the pipeline.

Everything downstream of parsing works on these: a `Document` holds `Section`s and `Table`s, a table's
cells become `Fact`s in the store, and every `Answer` carries the `Citation`s and `Value`s behind it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Section:
    """A narrative part of a document (主要职能, 名词解释, 预算编制说明, 其他相关情况说明 …)."""

    name: str  # canonical section name, e.g. "主要职能"
    title: str  # the heading as printed
    text: str  # normalised text, broken lines joined, duplicated blocks removed
    line: int  # 1-based line of the heading in the source file


@dataclass(frozen=True)
class Cell:
    """One placed figure of a table."""

    row: int  # index into Table.rows
    column: str  # the table's own header words, e.g. "项目支出"
    value: Decimal


@dataclass(frozen=True)
class Row:
    code: str  # as printed, e.g. "208 05 01"; "" when the row has no code
    name: str  # e.g. "行政单位离退休", "合计", "一、财政拨款收入"
    level: int  # 1 类, 2 款, 3 项; 0 for rows without code (totals, summary rows)
    line: int  # 1-based source line
    side: str = ""  # "收入" / "支出" for two-sided tables, else ""
    numbers: tuple[Decimal, ...] = ()  # the figures printed on the line, in order
    page: int = 0  # 1-based page of the published PDF; 0 when read from text
    ocr: bool = False  # the page was read by OCR
    detail: str = ""  # what else the row prints beside its name, e.g. a second classification code and name


@dataclass(frozen=True)
class GridRow:
    """A table row as a PDF's ruling lines place it: per group of figure columns (the columns after a
    label column, left to right), each cell's value, or None where the cell is empty."""

    groups: tuple[tuple[Decimal | None, ...], ...]
    labels: tuple[tuple[str, ...], ...] = ()  # per group, each column's header words ("" when unknown)
    indent: float = 0.0  # how far the row's first cell's text starts right of the cell's border (points)
    first: int = -1  # the first text line (0-based) inside this ruled row; every line of the row has the same


@dataclass
class Source:
    """What a reader gives the parser: the text lines, and what a PDF adds (each line's page, the ruled
    row under a line, the pages read by OCR)."""

    lines: list[str]
    pages: list[int] = field(default_factory=list)  # 1-based page per line; empty for text files
    grid: dict[int, GridRow] = field(default_factory=dict)  # 0-based line → ruled row
    ocr_pages: list[int] = field(default_factory=list)

    def page(self, line: int) -> int:
        """The page of a 1-based line (0 when unknown)."""
        return self.pages[line - 1] if 0 < line <= len(self.pages) else 0


@dataclass
class Table:
    """A parsed budget table; `cells` are the figures whose column the identities force."""

    key: str  # template key, e.g. "expenditure_summary"
    title: str  # title as printed
    name: str  # canonical title (the columns decide, not the printed title)
    unit: str  # 元 or 万元
    columns: list[str]
    rows: list[Row]
    cells: list[Cell] = field(default_factory=list)
    line: int = 0
    warnings: list[str] = field(default_factory=list)
    unplaced: list[str] = field(default_factory=list)  # figures the identities could not place
    family: str = "shanghai"  # the layout family whose template the table follows

    def value(self, row: int, column: str) -> Decimal | None:
        for cell in self.cells:
            if cell.row == row and cell.column == column:
                return cell.value
        return None


@dataclass(frozen=True)
class Fact:
    """A figure with everything needed to cite it."""

    document: str  # document id (file stem)
    unit_name: str  # 预算单位 / 编制部门
    year: int
    table: str  # canonical table title; for text facts the section name
    row_code: str
    row_name: str
    row_level: int
    column: str
    value: Decimal
    unit: str  # 元, 万元, 个, 辆, 台（套）…
    line: int
    source: str = "table"  # "table" or "text"
    quote: str = ""  # for text facts: the sentence that states it
    page: int = 0  # page of the published PDF (0 when read from text)
    ocr: bool = False  # read by OCR from an image of the page

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["value"] = format_decimal(self.value)
        return data


@dataclass
class Document:
    id: str  # file stem, stable across rebuilds
    path: str
    unit_name: str
    year: int
    kind: str  # 单位预算 or 部门预算
    sections: list[Section]
    tables: list[Table]
    text_facts: list[Fact] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # normalised source lines (1-based via index+1)
    pages: list[int] = field(default_factory=list)  # page of each line when read from a PDF
    ocr_pages: list[int] = field(default_factory=list)  # pages read by OCR

    @property
    def family(self) -> str:
        """The layout family the document's tables follow (without tables: the one its text shows)."""
        if self.tables or not self.lines:
            return self.tables[0].family if self.tables else "shanghai"
        from assistant.layouts import detect

        return detect(self.lines)

    def page(self, line: int) -> int:
        """The PDF page of a 1-based line (0 when read from text)."""
        return self.pages[line - 1] if 0 < line <= len(self.pages) else 0

    def section(self, name: str) -> Section | None:
        return next((s for s in self.sections if s.name == name), None)

    def table(self, key: str) -> Table | None:
        return next((t for t in self.tables if t.key == key), None)


@dataclass(frozen=True)
class Citation:
    source: str  # "table" or "text"
    document: str
    table: str = ""
    row: str = ""  # "215 08 05 中小企业发展专项"
    column: str = ""
    value: str = ""
    unit: str = ""
    section: str = ""
    quote: str = ""
    line: int = 0
    page: int = 0  # page of the published PDF; 0 when the document was read from text
    ocr: bool = False  # the page was read by OCR

    def to_dict(self) -> dict[str, Any]:
        keys = (
            ("table", "row", "column", "value", "unit", "line")
            if self.source == "table"
            else ("section", "quote", "line")
        )
        data: dict[str, Any] = {"source": self.source, "document": self.document}
        data.update({k: getattr(self, k) for k in keys})
        if self.page:
            data["page"] = self.page
        if self.ocr:
            data["ocr"] = True
        return data


@dataclass(frozen=True)
class Value:
    label: str
    value: str  # decimal string
    unit: str


@dataclass
class Answer:
    text: str
    route: str  # table | text | hybrid | refuse
    citations: list[Citation] = field(default_factory=list)
    values: list[Value] = field(default_factory=list)
    formula: str = ""
    latency_ms: float = 0.0
    document: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "answer": self.text,
            "route": self.route,
            "citations": [c.to_dict() for c in self.citations],
            "values": [asdict(v) for v in self.values],
            "formula": self.formula,
            "latency_ms": round(self.latency_ms, 2),
            "document": self.document,
        }


def format_decimal(value: Decimal) -> str:
    """A Decimal as a plain string without exponent ("1200", "15.00" → "15.00")."""
    return format(value, "f")


@dataclass(frozen=True)
class Chunk:
    """A narrative passage as indexed for retrieval: one 职能 item, one 名词解释 entry, one point …"""

    id: str  # content hash, stable across rebuilds
    document: str
    unit_name: str
    year: int
    section: str  # canonical section name
    item: str  # item number as printed ("1", "（七）", "三") or "" for a paragraph
    heading: str  # the sub-heading the item sits under, e.g. "重点企业服务办公室主要职能"
    text: str
    line_start: int
    line_end: int
    page: int = 0  # page of the published PDF where the passage starts (0 when read from text)
    path: str = ""  # the headings printed above it: "一、部门概况 · （一）主要职能" (see headings.py)


_KIND_MARK = re.compile(r"[(（](本级)[)）]")


def unit_identity(printed: str) -> str:
    """The unit's name without a kind mark: 石泉路街道办事处（本级） → 石泉路街道办事处."""
    return _KIND_MARK.sub("", printed).strip()
