"""Budgets of other provinces, one golden file per layout family (`tests/golden/families/<family>.json`): cells
checked by hand against the printed PDF page, each placed with exactly that value from the PDF and from its
extracted text; and every document of the family audits with each figure placed and its expected exit code."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest

from assistant.audit import audit_document, exit_code
from assistant.documents import read_document
from assistant.records import Document, Row, Table

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpus"
GOLDEN = sorted((Path(__file__).parent / "golden" / "families").glob("*.json"))


@cache
def _read(path: str) -> Document:
    return read_document(SHARED / path)


def _sources(document: str) -> list[str]:
    """The published PDF, and the extracted text when the corpus has it."""
    return [
        f"{folder}/{document}.{ext}"
        for folder, ext in (("pdf", "pdf"), ("other", "txt"))
        if (SHARED / folder / f"{document}.{ext}").exists()
    ]


def _cases() -> list[tuple[str, str, dict]]:
    """(family, source, cell) for every golden cell and every source of its document: a golden file names its
    cells' document per cell (with the page), or once for the whole file (`sources`)."""
    out = []
    for file in GOLDEN:
        golden = json.loads(file.read_text(encoding="utf-8"))
        for cell in golden["cells"]:
            sources = golden.get("sources") or _sources(cell["document"])
            out += [(golden["family"], source, cell) for source in sources]
    return out


def _printed(row: Row) -> set[str]:
    """A row as its golden cell names it: code and name, with or without a space between."""
    code = row.code.replace(" ", "")
    return {f"{code} {row.name}".strip(), code + row.name}


def _value(table: Table, cell: dict) -> Decimal | None:
    """The cell of the row printed as `code name` (on the named side of a table of several sides)."""
    for r, row in enumerate(table.rows):
        if cell["row"] in _printed(row) and cell.get("side", row.side) == row.side:
            return table.value(r, cell["column"])
    return None


def test_every_family_has_a_golden_file_of_at_least_30_cells_over_its_tables() -> None:
    assert GOLDEN
    for file in GOLDEN:
        cells = json.loads(file.read_text(encoding="utf-8"))["cells"]
        assert len(cells) >= 30, file.name
        assert len({c["table"] for c in cells}) >= 4, file.name  # spread over the tables


@pytest.mark.parametrize(("family", "source", "cell"), _cases())
def test_golden_cells_are_placed_exactly(family: str, source: str, cell: dict) -> None:
    doc = _read(source)
    assert doc.family == family
    table = next(t for t in doc.tables if t.key == cell["table"])
    assert _value(table, cell) == Decimal(cell["value"])
    if source.endswith(".pdf") and "page" in cell:
        row = next(r for r in table.rows if cell["row"] in _printed(r) and cell.get("side", r.side) == r.side)
        assert row.page == cell["page"]


# Every document of the families: its audit exit code and how many 不一致 it reports, each a contradiction of
# the source itself (listed in the README); no figure is left unplaced.
AUDITED = [
    ("other/xian_fagaiwei_2019.txt", 0, 0),
    ("other/xian_shenjiju_2026.txt", 0, 0),
    ("other/xian_xingzhengshenpifuwuju_2025.txt", 0, 0),
    ("other/xian_qixiangju_2022.txt", 1, 3),
    ("other/xian_renshe_2020.txt", 1, 14),
    ("other/xian_xuanchuanbu_2021.txt", 1, 8),
    ("pdf/xian_shenjiju_2026.pdf", 0, 0),
    ("pdf/xian_xingzhengshenpifuwuju_2025.pdf", 0, 0),
    ("pdf/xian_qixiangju_2022.pdf", 1, 3),
    ("pdf/xian_xuanchuanbu_2021.pdf", 1, 8),
]


@pytest.mark.parametrize(("source", "code", "errors"), AUDITED)
def test_documents_of_the_families_audit_with_every_figure_placed(
    source: str, code: int, errors: int
) -> None:
    report = audit_document(_read(source))
    assert [f.message for f in report.findings if f.severity == "unplaced"] == []
    assert (exit_code(report), report.count("error")) == (code, errors)
