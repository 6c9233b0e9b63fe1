"""The 31 published Shanghai PDFs read directly agree with their extracted text, figure by figure.

The text path places each figure by the accounting identities; the PDF path by the ruling lines, which the
identities then check. Every figure both place is in the same column; the PDF places some the identities
cannot (zeros whose column the text cannot tell); a row whose printed figures break their own identity is
placed by both when it prints every cell.
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from assistant.documents import parse_source, read_document
from assistant.pdf import read_pdf
from assistant.records import Document, Source
from assistant.store import fact_rows
from assistant.tables import ruled_placements
from tests.conftest import SHANGHAI

# document, figures placed alike by both paths, figures only the PDF places
EXPECTED = [
    ("sh_caiwukuaiji_zongheguanli_2026", 216, 0),
    ("sh_fulicaipiao_faxingzhongxin_2026", 60, 0),
    ("sh_haiyangjianceyubaozhongxin_2026", 226, 0),
    ("sh_huahuiliangzhongshiyanchang_2026", 167, 0),
    ("sh_jianwujiangtan_guanliyunxingjishuzhongxin_2026", 204, 0),
    ("sh_jiaotongzhiyejishuxueyuan_2026", 245, 0),
    ("sh_jiedukangfuzhongxin_2026", 237, 0),
    ("sh_putuo_shehuifuliyuan_2024", 185, 0),
    ("sh_putuo_sifaju_2026_dept", 366, 0),
    ("sh_putuo_sifaju_2026_unit", 391, 0),
    ("sh_putuo_wanli_2023", 638, 0),
    ("sh_putuo_wanli_2024", 875, 0),
    ("sh_putuo_wanli_2025", 875, 0),
    ("sh_shangkeda_fushuxuexiao_2026", 218, 2),
    ("sh_shenjiju_2026", 258, 0),
    ("sh_shizhengfubangongting_wenyinzhongxin_2026", 37, 0),
    ("sh_shuichan_laoganbuhuodongshi_2026", 95, 0),
    ("sh_shujuju_2026", 223, 0),
    ("sh_tongji_dashujuyanjiuyuan_2026", 240, 0),
    ("sh_tuiyijunren_fuwuzhongxin_2026", 186, 0),
    ("sh_wenlvju_zhifazongdui_2026", 240, 0),
    ("sh_xinfangban_2026", 255, 0),
    ("sh_xingshikexuejishuyanjiuyuan_2026", 173, 0),
    ("sh_yibao_shiyeguanlizhongxin_2026", 217, 0),
    ("sh_yingjiju_zhifazongdui_2026", 214, 0),
    ("sh_yuwainongchangguanliban_2026", 37, 0),
    ("sh_zhiyenenglikaoshiyuan_2026", 213, 0),
    ("sh_zhongyiwenxianguan_2026", 213, 0),
    ("sh_zhujianwei_rencaikaifapingjiazhongxin_2026", 226, 0),
    ("sh_ziranziyuan_quequandengji_2026", 259, 0),
    ("sh_zuanshibaoyushijiaoyi_lianheguanliban_2026", 130, 0),
]
pytestmark = pytest.mark.skipif(not SHANGHAI.exists(), reason="shared Shanghai corpus not present")


@cache
def _read(path: str) -> Document:
    if path.endswith(".pdf"):
        return parse_source(_source(path), Path(path).stem, path)
    return read_document(path)


@cache
def _source(path: str) -> Source:
    return read_pdf(path)


def _placed(doc: Document) -> Counter:
    """(table, row, value) → column of every table figure, as a multiset."""
    return Counter(
        (f["table"], f["row_code"], f["row_name"], f["value"], f["column"])
        for f in fact_rows(doc)
        if f["source"] == "table"
    )


def _explained(figure: tuple, text: Document) -> bool:
    """A figure only the PDF places: one the text path lists as unplaced, or a zero (which reads the same
    in whichever empty column the text would put it)."""
    table, code, name, value, _ = figure
    if value.strip("0.") == "":
        return True
    unplaced = [u for t in text.tables if t.name == table for u in t.unplaced]
    shown = f"{int(float(value))}" if "." not in value else value
    return any(f"{code} {name}" in u and shown in u.replace(",", "") for u in unplaced)


@pytest.mark.parametrize(("name", "agree", "only_pdf"), EXPECTED)
def test_pdf_and_text_place_every_figure_alike(name, agree, only_pdf):
    text, pdf = _read(str(SHANGHAI / f"{name}.txt")), _read(str(SHANGHAI / f"{name}.pdf"))
    by_text, by_pdf = _placed(text), _placed(pdf)
    assert sum((by_text & by_pdf).values()) == agree
    assert by_text - by_pdf == Counter()  # nothing the text places is lost or moved to another column
    extra = by_pdf - by_text
    assert sum(extra.values()) == only_pdf
    assert all(_explained(figure, text) for figure in extra)
    assert sum(len(t.unplaced) for t in pdf.tables) == 0


def test_the_corpus_totals():
    agree = sum(a for _, a, _ in EXPECTED)
    only_pdf = sum(o for _, _, o in EXPECTED)
    # the rows of sifaju_2026_unit (20 figures) and wanli_2025 (6) that break their own identity print every
    # cell, so the text places them too, in the columns the ruling lines give
    assert (len(EXPECTED), agree, only_pdf) == (31, 8119, 2)
    assert sorted(p.stem for p in SHANGHAI.glob("*.pdf")) == [n for n, _, _ in EXPECTED]


@pytest.mark.parametrize("name", [n for n, _, _ in EXPECTED])
def test_every_table_row_is_ruled_and_every_figure_has_its_page(name):
    path = SHANGHAI / f"{name}.pdf"
    source, doc = _source(str(path)), _read(str(path))
    for table in doc.tables:
        rows = [r for r, row in enumerate(table.rows) if row.side != "收入" and row.numbers]
        assert sorted(ruled_placements(table, source.grid)) == rows, table.name
    pages = max(source.pages)
    assert all(1 <= f["page"] <= pages for f in fact_rows(doc))


def _with_scanned_pages(source: Path, target: Path, scanned: set[int]) -> None:
    """A copy of `source` whose `scanned` pages (1-based) are images only, rendered at 300 dpi."""
    import io

    import pypdfium2
    from pypdf import PdfReader, PdfWriter

    rendered = pypdfium2.PdfDocument(str(source))
    writer = PdfWriter()
    for n, page in enumerate(PdfReader(source).pages, start=1):
        if n not in scanned:
            writer.add_page(page)
            continue
        image = rendered[n - 1].render(scale=300 / 72).to_pil()
        buffer = io.BytesIO()
        image.save(buffer, "PDF", resolution=300)
        writer.add_page(PdfReader(buffer).pages[0])
    rendered.close()
    writer.write(target)


def test_pages_without_a_text_layer_are_read_by_ocr(tmp_path):
    from assistant.audit import audit_document, render_audit
    from assistant.index import build_index, current_build
    from assistant.store import Store

    original_path = SHANGHAI / "sh_yuwainongchangguanliban_2026.pdf"
    scanned_path = tmp_path / "sh_yuwainongchangguanliban_2026.pdf"
    _with_scanned_pages(original_path, scanned_path, {8, 9})
    source = _source(str(scanned_path))
    assert source.ocr_pages == [8, 9]

    original, scanned = _read(str(original_path)), _read(str(scanned_path))
    tables = {f["table"] for f in fact_rows(original) if f["page"] in (8, 9) and f["source"] == "table"}
    assert len(tables) == 2

    def figures(doc: Document) -> Counter:
        return Counter(
            (f["table"], f["row_code"], f["value"], f["column"])
            for f in fact_rows(doc)
            if f["table"] in tables
        )

    assert figures(scanned) == figures(original) and sum(figures(original).values()) >= 12
    assert all(f["ocr"] for f in fact_rows(scanned) if f["table"] in tables)
    assert not any(f["ocr"] for f in fact_rows(scanned) if f["table"] not in tables)

    report = audit_document(scanned)
    assert report.ocr_pages == [8, 9]
    assert "第 8，9 页按图像识别" in render_audit(report)
    assert any(f.check == "ocr" for f in report.findings)

    index = tmp_path / "index"
    build_index([scanned_path], index, with_vectors=False)
    store = Store.open(current_build(index) / "facts.sqlite")
    assert store.document(scanned.id)["ocr_pages"] == [8, 9]
    assert {f.ocr for f in store.facts(scanned.id) if f.table in tables} == {True}
