"""Budgets of other provinces, one golden file per layout family (`tests/golden/families/<family>.json`):
cells checked by hand against the printed page, each placed with exactly that value from every source of
the document (its PDF and its extracted text); and every document of the family audits without an unplaced
figure."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest

from assistant.audit import audit_document, exit_code
from assistant.documents import read_document
from assistant.records import Document, Table

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpus"
GOLDEN = [  # the golden files that name their sources (one document read from each)
    f
    for f in sorted((Path(__file__).parent / "golden" / "families").glob("*.json"))
    if "sources" in json.loads(f.read_text(encoding="utf-8"))
]


@cache
def _read(path: str) -> Document:
    return read_document(SHARED / path)


def _cases() -> list[tuple[str, str, dict]]:
    out = []
    for file in GOLDEN:
        golden = json.loads(file.read_text(encoding="utf-8"))
        out += [(golden["family"], source, cell) for source in golden["sources"] for cell in golden["cells"]]
    return out


def _row_value(table: Table, row: str, column: str) -> Decimal | None:
    for r, printed in enumerate(table.rows):
        if printed.code.replace(" ", "") + printed.name == row:
            return table.value(r, column)
    return None


def test_every_family_has_a_golden_file_of_at_least_30_cells() -> None:
    assert GOLDEN
    for file in GOLDEN:
        assert len(json.loads(file.read_text(encoding="utf-8"))["cells"]) >= 30, file.name


@pytest.mark.parametrize(("family", "source", "cell"), _cases())
def test_golden_cells_are_placed_exactly(family: str, source: str, cell: dict) -> None:
    doc = _read(source)
    assert doc.family == family
    table = next(t for t in doc.tables if t.key == cell["table"])
    assert _row_value(table, cell["row"], cell["column"]) == Decimal(cell["value"])


PARSED = [
    ("other/suzhou_shenjiju_2026.txt", 0),
    ("other/wuxi_tongjiju_2026.txt", 0),
    ("other/wuxi_fagaiwei_2025.txt", 0),
    ("other/wuxi_xinfangju_2025.txt", 0),
    ("pdf/suzhou_shenjiju_2026.pdf", 0),
    ("pdf/wuxi_tongjiju_2026.pdf", 0),
    ("other/js_gaojifayuan_2017.txt", 0),
    ("other/js_gaojifayuan_2018.txt", 0),
    ("other/js_gaojifayuan_2019.txt", 0),
    ("other/js_jianchayuan_2017.txt", 0),
    ("other/js_jianchayuan_2018.txt", 0),
    ("other/js_jianchayuan_2019.txt", 0),
    ("other/js_rendabangongting_2017.txt", 0),
    ("other/js_rendabangongting_2018.txt", 0),
    ("other/js_renda_changweihui_bangongting_2019_biao.txt", 0),
    ("other/js_shengweibangongting_2017_biao.txt", 0),
    ("other/js_shengweibangongting_2018_biao.txt", 0),
    ("other/js_shengweibangongting_2019_biao.txt", 0),
    ("other/js_zhengxiebangongting_2017_biao.txt", 0),
    ("other/js_zhengxiebangongting_2018_biao.txt", 0),
    ("other/js_zhengxiebangongting_2019_biao.txt", 0),
]


@pytest.mark.parametrize(("source", "code"), PARSED)
def test_documents_of_the_families_audit_with_every_figure_placed(source: str, code: int) -> None:
    report = audit_document(_read(source))
    assert [f.message for f in report.findings if f.severity == "unplaced"] == []
    assert exit_code(report) == code
