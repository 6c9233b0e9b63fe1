"""Budgets of other provinces, one golden file per layout family (`tests/golden/families/<family>.json`):
cells checked by hand against the printed page, each placed with exactly that value from every source of
the document (its PDF and its extracted text); and every document of the family audits without an unplaced
figure."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest

from assistant.audit import audit_document, exit_code, render_audit
from assistant.documents import read_document
from assistant.records import Document, Table

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpus"
GOLDEN = sorted((Path(__file__).parent / "golden" / "families").glob("*.json"))


@cache
def _read(path: str) -> Document:
    return read_document(SHARED / path)


def _sources(golden: dict, cell: dict) -> list[str]:
    """A file's `sources`, or, for a cell naming its `document`, that document's PDF and extracted text."""
    if "document" not in cell:
        return golden["sources"]
    paths = [f"pdf/{cell['document']}.pdf", f"other/{cell['document']}.txt"]
    return [p for p in paths if (SHARED / p).exists()]


def _cases() -> list[tuple[str, str, dict]]:
    out = []
    for file in GOLDEN:
        golden = json.loads(file.read_text(encoding="utf-8"))
        out += [
            (golden["family"], source, cell) for cell in golden["cells"] for source in _sources(golden, cell)
        ]
    return out


def _plain(text: str) -> str:
    """A row as printed (`[2080501]行政单位离退休`, `2080501 行政单位离退休`) and as parsed (`208 05 01`)."""
    return re.sub(r"[\s\[\]]", "", text)


def _row(table: Table, row: str) -> int | None:
    found = [r for r, printed in enumerate(table.rows) if _plain(printed.code + printed.name) == _plain(row)]
    assert len(found) <= 1, f"{row} names {len(found)} rows"
    return found[0] if found else None


def test_every_family_has_a_golden_file_of_at_least_30_cells() -> None:
    assert GOLDEN
    for file in GOLDEN:
        assert len(json.loads(file.read_text(encoding="utf-8"))["cells"]) >= 30, file.name


@pytest.mark.parametrize(("family", "source", "cell"), _cases())
def test_golden_cells_are_placed_exactly(family: str, source: str, cell: dict) -> None:
    doc = _read(source)
    assert doc.family == family
    table = next(t for t in doc.tables if t.key == cell["table"])
    r = _row(table, cell["row"])
    assert r is not None and table.value(r, cell["column"]) == Decimal(cell["value"])
    assert str(table.value(r, cell["column"])) == cell["value"]  # as printed, to the last decimal
    if "page" in cell and source.endswith(".pdf"):
        assert table.rows[r].page == cell["page"]


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
    ("other/js_rendabangongting_2018.txt", 0),
    ("other/js_renda_changweihui_bangongting_2019_biao.txt", 0),
    ("other/js_shengweibangongting_2017_biao.txt", 0),
    ("other/js_shengweibangongting_2018_biao.txt", 0),
    ("other/js_shengweibangongting_2019_biao.txt", 0),
    ("other/js_zhengxiebangongting_2017_biao.txt", 0),
    ("other/js_zhengxiebangongting_2018_biao.txt", 0),
    ("other/js_zhengxiebangongting_2019_biao.txt", 0),
    ("other/fuzhou_yibaoju_2026.txt", 0),
    ("pdf/fuzhou_yibaoju_2026.pdf", 0),
    ("pdf/fuzhou_shangwuju_2026.pdf", 0),
    ("other/quanzhou_shizhengfubangongshi_2026.txt", 0),
    ("pdf/quanzhou_shizhengfubangongshi_2026.pdf", 0),
    ("pdf/quanzhou_gonganju_2026.pdf", 0),
    ("other/guangzhou_shizhengfubangongting_2026.txt", 1),
    ("pdf/guangzhou_shizhengfubangongting_2026.pdf", 1),
    ("other/zhuhai_shangwuju_2026.txt", 1),
    ("pdf/zhuhai_shangwuju_2026.pdf", 1),
    ("pdf/guangzhou_xinfangju_2026.pdf", 1),
    ("pdf/guangzhou_fagaiwei_2026.pdf", 1),
]


@pytest.mark.parametrize(("source", "code"), PARSED)
def test_documents_of_the_families_audit_with_every_figure_placed(source: str, code: int) -> None:
    report = audit_document(_read(source))
    assert [f.message for f in report.findings if f.severity == "unplaced"] == []
    assert exit_code(report) == code


# The source's own inconsistencies, each checked against the printed figures: in 万元 converted from 元, a total
# or a 类 and the sum of its parts differ by 0.01 or 0.02 (the Guangdong tables say so: 尾数误差).
INCONSISTENT = [
    ("fujian", "fuzhou_yibaoju_2026", 0),
    ("fujian", "fuzhou_shangwuju_2026", 0),
    ("fujian", "quanzhou_shizhengfubangongshi_2026", 0),
    ("fujian", "quanzhou_gonganju_2026", 0),
    ("guangdong", "guangzhou_shizhengfubangongting_2026", 12),
    ("guangdong", "zhuhai_shangwuju_2026", 9),
    ("guangdong", "guangzhou_xinfangju_2026", 4),
    ("guangdong", "guangzhou_fagaiwei_2026", 28),
]


@pytest.mark.parametrize(
    ("family", "source", "errors"),
    [
        (f, p, n)
        for f, d, n in INCONSISTENT
        for p in (f"pdf/{d}.pdf", f"other/{d}.txt")
        if (SHARED / p).exists()
    ],
)
def test_documents_are_read_as_their_family_with_the_inconsistencies_found_by_hand(
    family: str, source: str, errors: int
) -> None:
    doc = _read(source)
    report = audit_document(doc)
    assert doc.family == family and not report.missing
    assert report.count("error") == errors, render_audit(report)
    assert all(
        abs(_difference(f.message)) <= Decimal("0.02") for f in report.findings if f.severity == "error"
    )


def _difference(message: str) -> Decimal:
    """The difference a finding reports (`（差 -0.01）`), or that of the two amounts it sets apart (`≠`)."""
    amounts = [Decimal(a.replace(",", "")) for a in re.findall(r"-?\d[\d,]*\.\d+", message)]
    return amounts[-1] if "差" in message else amounts[-2] - amounts[-1]
