"""The 31 published Shanghai PDFs read directly agree with their extracted text, figure by figure.

The text path places each figure by the accounting identities; the PDF path by the ruling lines, which the
identities then check. Every figure both place is in the same column; the PDF places some the identities
cannot (rows whose printed figures break their own identity, zeros whose column the text cannot tell).
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
    ("sh_putuo_sifaju_2026_unit", 371, 20),
    ("sh_putuo_wanli_2023", 638, 0),
    ("sh_putuo_wanli_2024", 875, 0),
    ("sh_putuo_wanli_2025", 869, 6),
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
    assert (len(EXPECTED), agree, only_pdf) == (31, 8093, 28)
    assert only_pdf >= 26  # sifaju_2026_unit 20 and wanli_2025 6 are beyond the identities
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
