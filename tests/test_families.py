"""Budgets of other provinces' layout families, read from their published PDFs and extracted texts: cells checked
by hand against the PDF page (tests/golden/families/<family>.json), and each document's audit.

A golden cell names its row as printed; `parsed_row` is the parser's name where it differs (the unit's own line
heading a Shenzhen table is that table's 合计; the 三公 rows are named by their year), `occurrence` picks one of
several rows printed with the same name (a department and its own unit).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest

from assistant.audit import audit_document, exit_code, render_audit
from assistant.documents import read_document
from assistant.records import Document, Row, Table, format_decimal

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


# ---- Fujian and Guangdong: golden files of {"family", "cells"}, each cell naming its document -----------------

WITH_DOCUMENTS = [GOLDEN / f"{family}.json" for family in ("fujian", "guangdong")]


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
    for file in WITH_DOCUMENTS:
        golden = json.loads(file.read_text(encoding="utf-8"))
        out += [
            (golden["family"], source, cell) for cell in golden["cells"] for source in _sources(golden, cell)
        ]
    return out


def _bare(text: str) -> str:
    """A row as printed (`[2080501]行政单位离退休`, `2080501 行政单位离退休`) and as parsed (`208 05 01`)."""
    return re.sub(r"[\s\[\]]", "", text)


def _row(table: Table, row: str) -> int | None:
    found = [r for r, printed in enumerate(table.rows) if _bare(printed.code + printed.name) == _bare(row)]
    assert len(found) <= 1, f"{row} names {len(found)} rows"
    return found[0] if found else None


def test_every_family_with_documents_per_cell_has_a_golden_file_of_at_least_30_cells() -> None:
    for file in WITH_DOCUMENTS:
        assert len(json.loads(file.read_text(encoding="utf-8"))["cells"]) >= 30, file.name


@pytest.mark.parametrize(("family", "source", "cell"), _cases())
def test_golden_cells_naming_their_document_are_placed_exactly(family: str, source: str, cell: dict) -> None:
    doc = _read(source)
    assert doc.family == family
    table = next(t for t in doc.tables if t.key == cell["table"])
    r = _row(table, cell["row"])
    assert r is not None and table.value(r, cell["column"]) == Decimal(cell["value"])
    assert str(table.value(r, cell["column"])) == cell["value"]  # as printed, to the last decimal
    if "page" in cell and source.endswith(".pdf"):
        assert table.rows[r].page == cell["page"]


PARSED = [
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
def test_fujian_and_guangdong_documents_audit_with_every_figure_placed(source: str, code: int) -> None:
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


# ---- zongti and beijing: golden files listing their cells, each naming its document --------------------------

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
    return read_document(SHARED / folder / f"{stem}{suffix}")


def _listed_cells() -> list[tuple[str, str, dict]]:
    cases = []
    for path in [GOLDEN / f"{family}.json" for family in ("zongti", "beijing")]:
        for cell in json.loads(path.read_text(encoding="utf-8")):
            for suffix in (".txt", ".pdf"):
                cases.append((path.stem, suffix, cell))
    return cases


def _id(case: tuple[str, str, dict]) -> str:
    family, suffix, cell = case
    return f"{family}-{cell['document']}{suffix}-{cell['table']}-{cell['row']}-{cell['column']}"


@pytest.mark.parametrize("case", _listed_cells(), ids=_id)
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


@pytest.mark.parametrize("suffix", [".txt", ".pdf"])
@pytest.mark.parametrize(("stem", "code"), sorted(EXIT_CODES.items()))
def test_every_document_audits_with_its_exit_code_and_nothing_unplaced(stem, code, suffix):
    report = audit_document(_document(stem, suffix))
    assert report.count("unplaced") == 0
    assert exit_code(report) == code


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


# ---- xian: a golden file of {"family", "cells"}, each cell naming its document (and side) ----------------------

XIAN = [GOLDEN / "xian.json"]


def _document_sources(document: str) -> list[str]:
    """The published PDF, and the extracted text when the corpus has it."""
    return [
        f"{folder}/{document}.{ext}"
        for folder, ext in (("pdf", "pdf"), ("other", "txt"))
        if (SHARED / folder / f"{document}.{ext}").exists()
    ]


def _xian_cases() -> list[tuple[str, str, dict]]:
    """(family, source, cell) for every golden cell and every source of its document: a golden file names its
    cells' document per cell (with the page), or once for the whole file (`sources`)."""
    out = []
    for file in XIAN:
        golden = json.loads(file.read_text(encoding="utf-8"))
        for cell in golden["cells"]:
            sources = golden.get("sources") or _document_sources(cell["document"])
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


def test_the_xian_golden_file_has_at_least_30_cells_over_its_tables() -> None:
    for file in XIAN:
        cells = json.loads(file.read_text(encoding="utf-8"))["cells"]
        assert len(cells) >= 30, file.name
        assert len({c["table"] for c in cells}) >= 4, file.name  # spread over the tables


@pytest.mark.parametrize(("family", "source", "cell"), _xian_cases())
def test_xian_golden_cells_are_placed_exactly(family: str, source: str, cell: dict) -> None:
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
def test_xian_documents_audit_with_every_figure_placed(source: str, code: int, errors: int) -> None:
    report = audit_document(_read(source))
    assert [f.message for f in report.findings if f.severity == "unplaced"] == []
    assert (exit_code(report), report.count("error")) == (code, errors)


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
