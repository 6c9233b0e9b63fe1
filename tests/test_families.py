"""Layout families on their own documents: every golden cell (checked by hand against the PDF page) is placed
with exactly its printed value from the PDF and from its extracted text, and every document of a family audits
with its exit code and no figure left unplaced."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from assistant.audit import audit_document, exit_code
from assistant.documents import read_document
from assistant.records import Document, format_decimal

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
GOLDEN = Path(__file__).parent / "golden" / "families"

# Each document of a family: the audit's exit code (1: the source's own figures disagree, every such finding
# checked against the page) for its text and its PDF.
EXIT_CODES = {
    "changsha_xinfangju_2026": 0,
    "changsha_gonganju_2025": 0,
    "chongqing_shizhengfubangongting_2026": 1,  # 0.01 rounding differences printed in the source
    "yantai_caizhengju_2026": 1,  # 0.01 rounding differences printed in the source
    "beijing_caizhengju_2026_baobiao": 0,
    "beijing_sifaju_2026_baobiao": 0,
    "beijing_caizhengju_2026_shuoming": 0,  # the narrative alone: its tables are the 报表
    "beijing_sifaju_2026_shuoming": 0,
}


@cache
def _document(stem: str, suffix: str) -> Document:
    folder = "pdf" if suffix == ".pdf" else "other"
    return read_document(CORPUS / folder / f"{stem}{suffix}")


def _golden() -> list[tuple[str, str, dict]]:
    cases = []
    for path in sorted(GOLDEN.glob("*.json")):
        for cell in json.loads(path.read_text(encoding="utf-8")):
            for suffix in (".txt", ".pdf"):
                cases.append((path.stem, suffix, cell))
    return cases


def _id(case: tuple[str, str, dict]) -> str:
    family, suffix, cell = case
    return f"{family}-{cell['document']}{suffix}-{cell['table']}-{cell['row']}-{cell['column']}"


needs_corpus = pytest.mark.skipif(not CORPUS.exists(), reason="the shared corpus is not present")


@needs_corpus
@pytest.mark.parametrize("case", _golden(), ids=_id)
def test_every_golden_cell_is_placed_with_its_printed_value(case):
    family, suffix, cell = case
    doc = _document(cell["document"], suffix)
    table = doc.table(cell["table"])
    assert table is not None and table.family == family
    found = [
        (format_decimal(c.value), table.rows[c.row].page)
        for c in table.cells
        if f"{table.rows[c.row].code} {table.rows[c.row].name}".strip() == cell["row"]
        and c.column == cell["column"]
    ]
    expected_page = cell["page"] if suffix == ".pdf" else 0
    # a row printed under the same code and name more than once (北京 lists each unit's functions in turn)
    # is one of the rows found
    assert (cell["value"], expected_page) in found


@needs_corpus
@pytest.mark.parametrize("suffix", [".txt", ".pdf"])
@pytest.mark.parametrize(("stem", "code"), sorted(EXIT_CODES.items()))
def test_every_document_audits_with_its_exit_code_and_nothing_unplaced(stem, code, suffix):
    report = audit_document(_document(stem, suffix))
    assert report.count("unplaced") == 0
    assert exit_code(report) == code


@needs_corpus
@pytest.mark.parametrize("suffix", [".txt", ".pdf"])
@pytest.mark.parametrize("unit", ["caizhengju", "sifaju"])
def test_a_beijing_narrative_is_the_same_unit_and_year_as_its_tables_and_has_none(unit, suffix):
    narrative = _document(f"beijing_{unit}_2026_shuoming", suffix)
    tables = _document(f"beijing_{unit}_2026_baobiao", suffix)
    assert (narrative.unit_name, narrative.year, narrative.kind) == (
        tables.unit_name,
        tables.year,
        tables.kind,
    )
    assert (
        narrative.unit_name.startswith("北京市") and narrative.year == 2026 and narrative.kind == "部门预算"
    )
    assert not narrative.tables and len(tables.tables) == 11
    assert [s.name for s in narrative.sections] == [
        "主要职能",
        "机构设置",
        "预算编制说明",
        "其他相关情况说明",
        "名词解释",
    ]
    report = audit_document(narrative)
    assert [f.message for f in report.findings] == [
        "本文件是预算的情况说明，不含预算表：预算表在另行公开的报表文件中"
    ]
