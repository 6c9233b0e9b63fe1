"""Facts the narrative states, with the line they come from."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from assistant.documents import read_document

SEED = Path(__file__).resolve().parent.parent / "corpus" / "shanghai-sme-office-2024.txt"


@pytest.fixture(scope="module")
def doc():
    return read_document(SEED)


@pytest.mark.parametrize(
    ("section", "label", "column", "value", "unit", "source_words"),
    [
        ("其他相关情况说明", "政府采购预算", "", "91.96", "万元", "政府采购预算91.96万元"),
        ("其他相关情况说明", "编报绩效目标的项目", "", "2", "个", "编报绩效目标的项目共2个"),
        ("其他相关情况说明", "涉及项目预算资金", "", "196.00", "万元", "196.00万元"),
        ("其他相关情况说明", "车辆", "", "0", "辆", "共有车辆0辆"),
        ("其他相关情况说明", "公务接待费", "", "3.00", "万元", "公务接待费3.00万元"),
        ("其他相关情况说明", "财政拨款的机关运行经费预算", "", "185.50", "万元", "185.50万元"),
        ("预算编制说明", "财政拨款支出预算", "比2023年预算增减", "11", "万元", "比2023年预算增加11万元"),
        ("预算编制说明", "收入预算", "", "1056", "万元", "收入预算1,056万元"),
        ("预算编制说明", "资源勘探工业信息等支出", "", "762", "万元", "科目762万元"),
    ],
)
def test_seed_text_facts(doc, section, label, column, value, unit, source_words):
    facts = [f for f in doc.text_facts if f.table == section and f.row_name == label and f.column == column]
    assert facts, f"no fact {label}"
    fact = facts[0]
    assert (fact.value, fact.unit, fact.source) == (Decimal(value), unit, "text")
    # the line number points at the source line that prints the figure
    assert source_words.replace(" ", "") in doc.lines[fact.line - 1].replace(" ", "") + doc.lines[
        fact.line
    ].replace(" ", "")
    assert doc.lines[fact.line - 1]


def test_text_fact_lines_are_real_source_lines(doc):
    for fact in doc.text_facts:
        line = doc.lines[fact.line - 1]
        assert line and fact.quote[:4] in "".join(doc.lines[fact.line - 1 : fact.line + 3])
