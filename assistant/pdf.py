"""Reading a published PDF: the text lines the text path reads, the page of each line, and every figure of a
ruled table in the column its ruling lines put it.

pdfplumber's text of a page is the same text the `.txt` disclosures were extracted as, so the text path
parses it unchanged. What plain text loses is where the empty cells were; the ruled grid keeps them. Each
text line inside a ruled row is given that row as a `GridRow`: per group of figure columns (the columns
after a label column), the value of every cell or None where the cell is empty. `tables` turns those into
known cells, and the accounting identities then check them instead of guessing.

Pages without a text layer are read by OCR (`assistant.ocr`); their lines carry no grid.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from assistant.errors import InputError, NotABudgetError
from assistant.records import GridRow, Source
from assistant.tables import parse_number

MAX_PDF_BYTES = 50 * 1024 * 1024
MAX_PAGES = 400

_NONE_TEXT = re.compile(r"^[\s\-—]*$")

Progress = Callable[[int, int], None]


@dataclass
class PageText:
    """One page as read: its text lines, each line's vertical middle, and the grid rows of its tables."""

    number: int  # 1-based
    lines: list[str]
    middles: list[float]
    grid: list[tuple[float, float, GridRow]] = field(default_factory=list)  # (top, bottom, row)
    ocr: bool = False


def _number(cell: str) -> Decimal | None:
    return parse_number(re.sub(r"\s", "", cell))


def _filled(cell: str | None) -> bool:
    return cell is not None and not _NONE_TEXT.match(cell)


def _is_data_row(cells: list[str | None]) -> bool:
    """A row of figures: its last filled cell is a number (header rows end with a column name)."""
    filled = [c for c in cells if _filled(c)]
    return bool(filled) and _number(filled[-1] or "") is not None


def label_columns(rows: list[list[str | None]]) -> list[int]:
    """Columns that hold names in the data rows (more text than numbers): codes and totals do not count."""
    width = max((len(r) for r in rows), default=0)
    out = []
    for j in range(width):
        cells = [r[j] or "" for r in rows if j < len(r) and _filled(r[j])]
        text = sum(1 for c in cells if _number(c) is None)
        if text and text >= len(cells) - text:
            out.append(j)
    return out


def figure_groups(
    rows: list[list[str | None]], data: list[list[str | None]], named: frozenset[int] = frozenset()
) -> list[list[int]]:
    """The figure columns after each label column (all columns when no column holds names). A column
    merged into its neighbour on every data row, or empty in every row of the table (unless the table it
    continues names it: `named`), is not a column."""
    width = max((len(r) for r in rows), default=0)
    labels = label_columns(data)
    merged = {j for j in range(width) if all(j >= len(r) or r[j] is None for r in data)}
    blank = {j for j in range(width) if not any(j < len(r) and _filled(r[j]) for r in rows)} - named
    bounds = [*labels, width] if labels else [-1, width]
    groups = []
    for start, end in zip(bounds, bounds[1:], strict=False):
        cols = [j for j in range(start + 1, end) if j not in merged | blank]
        if cols:
            groups.append(cols)
    return groups


def column_labels(header: list[list[str | None]], width: int) -> list[str]:
    """Each column's header words: its lowest filled header cell, looking up through vertical merges."""
    out = []
    for j in range(width):
        label = ""
        for row in reversed(header):
            cell = row[j] if j < len(row) else None
            if _filled(cell):
                label = re.sub(r"\s", "", cell or "")
                break
            if cell is not None and header.index(row) < len(header) - 1:
                break  # an empty cell of its own above the lowest row: nothing to inherit
        out.append(label)
    return out


def grid_rows(
    rows: list[list[str | None]], carried: list[str] | None = None
) -> tuple[list[GridRow | None], list[str]]:
    """Each extracted table row as a `GridRow` (None for header and text-only rows), and the column labels
    used (the table's own header, else `carried` from the table it continues)."""
    first = next((i for i, r in enumerate(rows) if _is_data_row(r)), len(rows))
    data = [r for r in rows if _is_data_row(r)]
    width = max((len(r) for r in rows), default=0)
    labels = column_labels(rows[:first], width)
    named: frozenset[int] = frozenset()
    if not any(labels) and carried is not None and len(carried) == width:
        labels = carried
        named = frozenset(j for j, label in enumerate(labels) if label)
    groups = figure_groups(rows, data, named)
    names = tuple(tuple(labels[j] for j in cols) for cols in groups)
    out: list[GridRow | None] = []
    for row in rows:
        if not _is_data_row(row):
            out.append(None)
            continue
        values = tuple(
            tuple(_number(row[j] or "") if j < len(row) else None for j in cols) for cols in groups
        )
        out.append(GridRow(values, names))
    return out, labels


def _borders(table: Any) -> tuple[float, ...]:
    """The x-positions of a table's column borders (from its widest row)."""
    widest = max(table.rows, key=lambda r: sum(1 for c in r.cells if c is not None))
    cells = [c for c in widest.cells if c is not None]
    return tuple(round(c[0]) for c in cells) + (round(cells[-1][2]),) if cells else ()


def _page_grid(page: Any, carry: dict[str, Any]) -> list[tuple[float, float, GridRow]]:
    """The ruled rows of a page's tables; a table without a header of its own takes the column labels of
    the table it continues: column by column where the borders of a column are the same (a page may add or
    drop an empty edge column)."""
    found = []
    for table in page.find_tables():
        borders = _borders(table)
        spans = list(zip(borders, borders[1:], strict=False))
        named = dict(zip(carry.get("spans", []), carry.get("labels", []), strict=False))
        carried = [named.get(span, "") for span in spans]
        rows, labels = grid_rows(table.extract(), carried if any(carried) else None)
        carry.update(spans=spans, labels=labels)
        for box, row in zip(table.rows, rows, strict=True):
            if row is not None:
                row = replace(row, indent=label_indent(page.chars, box.cells))
                found.append((box.bbox[1], box.bbox[3], row))
    return found


def label_indent(chars: list[dict[str, Any]], cells: list[Any]) -> float:
    """How far right of its cell's left border the text of a row's first cell starts: the indentation that
    shows a name's level where no code is printed (类 flush left, 款 and 项 further in)."""
    cell = next((c for c in cells if c is not None), None)
    if cell is None:
        return 0.0
    x0, top, x1, bottom = cell
    inside = [
        c
        for c in chars
        if c["text"].strip() and x0 <= c["x0"] < x1 and top <= (c["top"] + c["bottom"]) / 2 <= bottom
    ]
    if not inside:
        return 0.0
    first = min(c["top"] for c in inside)  # a wrapped name's later lines start flush left
    return round(min(c["x0"] for c in inside if c["top"] - first < 1) - x0, 1)


def read_page(page: Any, carry: dict[str, Any] | None = None) -> PageText:
    """A page's text lines (pdfplumber's own line layout) and the grid rows of its ruled tables."""
    lines = page.extract_text_lines()
    return PageText(
        page.page_number,
        [line["text"] for line in lines],
        [(line["top"] + line["bottom"]) / 2 for line in lines],
        _page_grid(page, {} if carry is None else carry),
    )


def assemble(pages: list[PageText]) -> Source:
    """Pages → one `Source`: the lines in order, each line's page, and the grid row under each line."""
    lines: list[str] = []
    page_of: list[int] = []
    grid: dict[int, GridRow] = {}
    for page in pages:
        first: dict[int, int] = {}  # ruled row (its place on the page) → its first text line
        for text, middle in zip(page.lines, page.middles, strict=True):
            at = next((n for n, (top, bottom, _) in enumerate(page.grid) if top <= middle <= bottom), None)
            if at is not None:
                start = first.setdefault(at, len(lines))
                grid[len(lines)] = replace(page.grid[at][2], first=start)
            lines.append(text)
            page_of.append(page.number)
    return Source(lines, page_of, grid, [p.number for p in pages if p.ocr])


def _open(path: Path) -> Any:
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    size = path.stat().st_size
    if size == 0:
        raise InputError(f"{path.name}: the file is empty")
    if size > MAX_PDF_BYTES:
        raise InputError(
            f"{path.name}: the PDF is too large ({size:,} bytes; the limit is {MAX_PDF_BYTES:,})"
        )
    with path.open("rb") as handle:
        if handle.read(5) != b"%PDF-":
            raise InputError(f"{path.name}: this is not a PDF file")
    try:
        pdf = pdfplumber.open(path)
        count = len(pdf.pages)
    except Exception as err:  # pdfminer raises many kinds on damaged files; pdfplumber wraps them
        cause = err.args[0] if err.args and isinstance(err.args[0], Exception) else err
        if isinstance(cause, PDFPasswordIncorrect) or "encrypt" in type(cause).__name__.lower():
            raise InputError(f"{path.name}: the PDF is encrypted; a password-free copy is needed") from None
        raise InputError(f"{path.name}: the PDF cannot be read (damaged or truncated)") from None
    if count == 0:
        pdf.close()
        raise InputError(f"{path.name}: the PDF has no pages")
    if count > MAX_PAGES:
        pdf.close()
        raise InputError(f"{path.name}: the PDF has {count} pages; the limit is {MAX_PAGES}")
    return pdf


def read_pdf(path: str | Path, progress: Progress | None = None, ocr: bool = True) -> Source:
    """Read a budget PDF; pages without a text layer are read by OCR (slow: seconds a page)."""
    from assistant import ocr as ocr_reader

    p = Path(path)
    pdf = _open(p)
    pages: list[PageText] = []
    carry: dict[str, Any] = {}  # the last table's column borders and labels, for its continuation
    try:
        total = len(pdf.pages)
        for n, page in enumerate(pdf.pages, start=1):
            try:
                read = read_page(page, carry)
                if not "".join(read.lines).strip() and ocr and ocr_reader.has_image(page):
                    read = ocr_reader.read_page(page)
            except InputError:
                raise
            except Exception as err:  # a damaged page: the document cannot be trusted as a whole
                logging.getLogger(__name__).debug("page %d of %s: %r", n, p, err)
                raise InputError(f"{p.name}: page {n} of the PDF cannot be read (damaged)") from None
            pages.append(read)
            if progress:
                progress(n, total)
    finally:
        pdf.close()
    if not any(line.strip() for page in pages for line in page.lines):
        raise NotABudgetError(f"{p.name}: the PDF has no readable text")
    return assemble(pages)
