"""Budgets of other provinces' layout families, read from their published PDFs and extracted texts: cells checked
by hand against the PDF page (tests/golden/families/<family>.json), and each document's audit.

A golden cell names its row as printed; `parsed_row` is the parser's name where it differs (the unit's own line
heading a Shenzhen table is that table's 合计; the 三公 rows are named by their year), `occurrence` picks one of
several rows printed with the same name (a department and its own unit).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest

from assistant.audit import audit_document, exit_code
from assistant.documents import read_document
from assistant.records import Document, format_decimal

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpus"
GOLDEN = Path(__file__).parent / "golden" / "families"

pytestmark = pytest.mark.skipif(not SHARED.exists(), reason="shared corpus not present")

# (family, document, source, 不一致) — every 不一致 is the source's own: sums of figures rounded to 0.01 万元
# that miss their total by 0.01–0.02, and in 湖州市交通运输局 two tables that disagree (see the README).
DOCUMENTS = [
    ("shenzhen", "shenzhen_caizhengju_2026", "txt", 10),
    ("shenzhen", "shenzhen_caizhengju_2026", "pdf", 10),
    ("shenzhen", "shenzhen_tongjiju_2026", "pdf", 12),
    ("shenzhen", "shenzhen_sifaju_2026", "pdf", 20),
    ("shenzhen", "shenzhen_kouanbangongshi_2026", "pdf", 23),
    ("zhejiang", "hangzhou_qixiangju_2026", "txt", 11),
    ("zhejiang", "hangzhou_qixiangju_2026", "pdf", 11),
    ("zhejiang", "huzhou_caizhengju_2026", "txt", 14),
    ("zhejiang", "huzhou_caizhengju_2026", "pdf", 14),
    ("zhejiang", "hangzhou_sifaju_2026", "pdf", 23),
    ("zhejiang", "huzhou_jiaotongyunshuju_2026", "pdf", 30),
    # 国家信访局: the 2025 执行数 columns (and the changes from them) of 201 40, 208 05 and 合计 miss the sum of
    # their rows by 0.01
    ("central", "zhongyang_guojiaxinfangju_2026", "txt", 12),
    ("central", "zhongyang_guojiaxinfangju_2026", "pdf", 12),
    # 长春市信访局: totals 0.01 over the sum of their rows (1,682.76 against 1,682.75 in five tables); the 支出总表
    # prints 0.00 as the 当年预算小计 of 2014002 and 2014099 (so 201 40's 小计 is not their sum); the economic
    # table's 301 (911.21) and 302 (211.00) are not the sums of their items (920.96, 221.37)
    ("changchun", "changchun_xinfangju_2026", "txt", 25),
    ("changchun", "changchun_xinfangju_2026", "pdf", 25),
]
FAMILIES = sorted({family for family, *_ in DOCUMENTS})


@cache
def parsed(stem: str, source: str) -> Document:
    folder = SHARED / ("pdf" if source == "pdf" else "other")
    return read_document(folder / f"{stem}.{source}")


def _golden(family: str) -> list[dict]:
    return json.loads((GOLDEN / f"{family}.json").read_text(encoding="utf-8"))


def _plain(text: str) -> str:
    return re.sub(r"\s", "", text)


def _cells() -> list[tuple[str, str, dict]]:
    out = []
    for family in FAMILIES:
        sources = {(stem, source) for fam, stem, source, _ in DOCUMENTS if fam == family}
        for cell in _golden(family):
            out += [
                (family, source, cell) for source in ("pdf", "txt") if (cell["document"], source) in sources
            ]
    return out


def test_every_family_has_thirty_hand_checked_cells_over_its_tables():
    for family in FAMILIES:
        cells = _golden(family)
        assert len(cells) >= 30
        assert {"financial_summary", "income_summary", "general_function", "economic", "three_public"} <= {
            c["table"] for c in cells
        }


@pytest.mark.parametrize(
    ("family", "source", "cell"),
    _cells(),
    ids=lambda v: v if isinstance(v, str) else f"{v['document']}-{v['table']}-{v['row']}-{v['column']}",
)
def test_golden_cells_are_placed_with_exactly_the_printed_value(family, source, cell):
    doc = parsed(cell["document"], source)
    assert doc.family == family
    table = doc.table(cell["table"])
    assert table is not None, cell["table"]
    wanted = _plain(cell.get("parsed_row", cell["row"]))
    rows = [r for r, row in enumerate(table.rows) if _plain(row.code + row.name) == wanted]
    assert len(rows) >= cell.get("occurrence", 1), [row.name for row in table.rows]
    r = rows[cell.get("occurrence", 1) - 1]
    value = table.value(r, cell["column"])
    assert value is not None and format_decimal(value) == cell["value"]
    assert table.rows[r].page == (cell["page"] if source == "pdf" else 0)


@pytest.mark.parametrize(("family", "stem", "source", "errors"), DOCUMENTS)
def test_every_document_audits_with_every_figure_placed(family, stem, source, errors):
    doc = parsed(stem, source)
    report = audit_document(doc)
    assert doc.family == family
    assert report.count("unplaced") == 0
    assert report.count("error") == errors
    assert exit_code(report) == (1 if errors else 0)
    assert all(not t.unplaced for t in doc.tables)


@pytest.mark.parametrize("source", ["txt", "pdf"])
@pytest.mark.parametrize(
    ("stem", "unit"),
    [
        # the cover prints `国家信访局 年度部门预算` and the year on the next line; the unit is the one the
        # document names (its source folder in the collection it came from says 武汉)
        ("zhongyang_guojiaxinfangju_2026", "国家信访局"),
        ("changchun_xinfangju_2026", "长春市信访局"),
    ],
)
def test_the_unit_year_and_kind_are_read_from_the_document(stem, unit, source):
    doc = parsed(stem, source)
    assert (doc.unit_name, doc.year, doc.kind) == (unit, 2026, "部门预算")
