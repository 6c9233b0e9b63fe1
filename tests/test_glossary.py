"""Budget terms explained from the document's own 名词解释."""

from __future__ import annotations

import pytest

from assistant.documents import read_document
from assistant.glossary import definitions, used
from tests.conftest import SEED

SECTION = """（一）基本支出预算：是为保障机构正常运转、完成日常工作任务而编制的年度基本支出计划，包括人员经费和公用经费两部分。其他说明。
（二）“三公”经费：是因公出国（境）费、公务用车购置及运行费、公务接待费。
1、机关运行经费：指行政单位的日常公用经费支出。
这一行不是词条。"""


def test_definitions_read_each_entry_to_its_first_sentence():
    assert definitions(SECTION) == {
        "基本支出预算": "是为保障机构正常运转、完成日常工作任务而编制的年度基本支出计划，包括人员经费和公用经费两部分。",
        "三公经费": "是因公出国（境）费、公务用车购置及运行费、公务接待费。",
        "机关运行经费": "指行政单位的日常公用经费支出。",
    }
    assert definitions("") == {}


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("“三公”经费预算为3万元", ["三公经费"]),
        ("基本支出 100 元，其中机关运行经费 5 元", ["基本支出预算", "机关运行经费"]),
        ("项目支出 100 元", []),
    ],
)
def test_used_finds_the_terms_an_answer_mentions_in_order(text, terms):
    assert [t for t, _ in used(text, definitions(SECTION))] == terms


def test_used_takes_at_most_the_limit():
    glossary = {f"术语{n}号": "释义。" for n in range(5)}
    text = "".join(glossary)
    assert len(used(text, glossary, limit=3)) == 3


def test_the_seed_defines_its_terms():
    doc = read_document(SEED)
    glossary = definitions(doc.section("名词解释").text)
    assert {"财政拨款收入", "三公经费", "机关运行经费", "基本支出预算"} <= set(glossary)
    assert all(len(d) <= 80 for d in glossary.values())
