"""Narrative chunking of the seed document and of the other budget documents in the shared corpus."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.chunks import chunk_document, chunk_hash, search_text
from assistant.documents import read_document
from assistant.errors import BudgetQAError
from assistant.records import Document, Section

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpus" / "shanghai-sme-office-2024.txt"
SHARED = sorted((ROOT.parent / "shared" / "corpus" / "shanghai").glob("*.txt"))


@pytest.fixture(scope="module")
def seed() -> Document:
    return read_document(SEED)


@pytest.fixture(scope="module")
def chunks(seed: Document) -> list:
    return chunk_document(seed)


def test_counts_per_section(chunks: list) -> None:
    counts = Counter(c.section for c in chunks)
    assert counts == {"主要职能": 22, "机构设置": 1, "名词解释": 8, "预算编制说明": 7, "其他相关情况说明": 5}


@pytest.mark.parametrize(
    ("section", "item", "heading", "lines", "starts", "ends"),
    [
        (
            "主要职能",
            "1",
            "上海市促进中小企业发展协调办公室主要职能",
            (6, 7),
            "1、统筹协调全市",
            "协调解决企业发展中遇到的问题；",
        ),
        (
            "主要职能",
            "10",
            "上海市促进中小企业发展协调办公室主要职能",
            (17, 17),
            "10、承担委领导",
            "以及其他事务。",
        ),
        (
            "主要职能",
            "",
            "重点企业服务办公室主要职能",
            (21, 22),
            "负责本市重点民营企业",
            "高质量发展。具体包括：",
        ),
        ("主要职能", "11", "重点企业服务办公室主要职能", (42, 42), "11、完成市政府", "交办的其他事项。"),
        (
            "机构设置",
            "",
            "上海市促进中小企业发展协调办公室 （单位）机构设置",
            (91, 91),
            "上海市促进",
            "无内设机构 。",
        ),
        (
            "名词解释",
            "（一）",
            "财政拨款收入",
            (97, 98),
            "（一）财政拨款收入：",
            "国有资本经营预算财政拨款。",
        ),
        ("名词解释", "（七）", "“三公”经费", (106, 111), "（七）“三公”经费：", "过路过桥费、保险费等支出。"),
        ("预算编制说明", "", "", (119, 120), "2024年，上海市", "其他收入0万元。"),
        ("预算编制说明", "", "", (123, 123), "财政拨款收入支出增加", "人员经费调整。"),
        (
            "预算编制说明",
            "4",
            "财政拨款支出主要内容如下",
            (128, 128),
            "4.“住房保障支出”",
            "住房公积金和购房补贴。",
        ),
        (
            "其他相关情况说明",
            "一",
            "2024年“三公”经费预算情况说明",
            (459, 463),
            "一、2024年",
            "与2023年预算持平。",
        ),
        ("其他相关情况说明", "五", "国有资产占有使用情况", (471, 477), "五、国有资产", "0台（套）。"),
    ],
)
def test_chunk_metadata(chunks: list, section, item, heading, lines, starts, ends) -> None:
    matches = [c for c in chunks if c.section == section and c.item == item and c.text.startswith(starts)]
    assert len(matches) == 1
    chunk = matches[0]
    assert (chunk.heading, (chunk.line_start, chunk.line_end)) == (heading, lines)
    assert chunk.text.endswith(ends)
    assert (chunk.document, chunk.unit_name, chunk.year) == (
        "shanghai-sme-office-2024",
        "上海市促进中小企业发展协调办公室",
        2024,
    )


def test_point_keeps_its_sub_items(chunks: list) -> None:
    point = next(c for c in chunks if c.section == "其他相关情况说明" and c.item == "一")
    assert point.text.count("\n") == 4
    assert "（二）公务用车购置及运行费0.00万元" in point.text
    assert not any(c.text.startswith("（二）公务用车") for c in chunks)


def test_ids_are_content_hashes(chunks: list) -> None:
    assert len({c.id for c in chunks}) == len(chunks)
    first = chunks[0]
    assert first.id == chunk_hash(first.document, first.section, first.text)
    assert len(first.id) == 16
    assert chunk_hash("other-doc", first.section, first.text) != first.id


def test_repeated_block_is_indexed_once(seed: Document) -> None:
    """The seed prints its 主要职能 block twice; chunks of a section holding both copies are the same set."""
    lines = SEED.read_text(encoding="utf-8").splitlines()
    raw_twice = "\n".join(lines[1:88])
    doubled = replace(seed, sections=[Section("主要职能", lines[0].strip(), raw_twice, 1)])
    single = [c for c in chunk_document(seed) if c.section == "主要职能"]
    assert [(c.id, c.line_start) for c in chunk_document(doubled)] == [(c.id, c.line_start) for c in single]


def test_raw_extraction_lines_give_the_same_chunks(seed: Document) -> None:
    """Lines broken mid-sentence by PDF extraction are joined by the chunker itself, too."""
    lines = SEED.read_text(encoding="utf-8").splitlines()
    spans = {"主要职能": (1, 88), "机构设置": (89, 94), "名词解释": (95, 116), "预算编制说明": (117, 131)}
    spans["其他相关情况说明"] = (457, 479)
    raw = [Section(n, lines[a - 1].strip(), "\n".join(lines[a:b]), a) for n, (a, b) in spans.items()]
    from_raw = chunk_document(replace(seed, sections=raw))
    assert [(c.id, c.line_start, c.line_end) for c in from_raw] == [
        (c.id, c.line_start, c.line_end) for c in chunk_document(seed)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "一、单位主要职能\n1、负责甲；\n2、负责乙。",
            [("1", "单位主要职能", "1、负责甲；"), ("2", "单位主要职能", "2、负责乙。")],
        ),
        (
            "主要职能包括：\n（一）贯彻执行法律。\n（二）完成交办事项。",
            [
                ("（一）", "主要职能包括", "（一）贯彻执行法律。"),
                ("（二）", "主要职能包括", "（二）完成交办事项。"),
            ],
        ),
        (
            "本单位是公益二类事业单位，主要承担全市海洋监测预报和海洋防灾减灾的技术支撑工作。",
            [("", "", "本单位是公益二类事业单位，主要承担全市海洋监测预报和海洋防灾减灾的技术支撑工作。")],
        ),
        ("-- PAGE_BREAK --\n1、负责甲。", [("1", "", "1、负责甲。")]),
        # a page number printed between two items is no passage of its own
        ("1、负责甲。\n2\n- 3 -\n2、负责乙。", [("1", "", "1、负责甲。"), ("2", "", "2、负责乙。")]),
    ],
)
def test_function_items_in_other_layouts(seed: Document, text: str, expected: list) -> None:
    doc = replace(seed, id="layout", sections=[Section("主要职能", "主要职能", text, 1)], lines=[])
    assert [(c.item, c.heading, c.text) for c in chunk_document(doc)] == expected
    assert all((c.line_start, c.line_end) == (1, 1) for c in chunk_document(doc))


def test_long_colon_line_takes_its_continuation(seed: Document) -> None:
    text = (
        "1.“一般公共服务支出(类）-统计信息事务（款）-统计管理（项）”2026年度预算0.12万元，主要用于：\n"
        "各类统计工作。\n"
        "2.“公共安全支出(类）-司法（款）”2026年度预算27万元。"
    )
    doc = replace(seed, id="colon", sections=[Section("预算编制说明", "编制说明", text, 1)], lines=[])
    assert [c.text for c in chunk_document(doc)] == [
        "1.“一般公共服务支出(类）-统计信息事务（款）-统计管理（项）”2026年度预算0.12万元，主要用于：各类统计工作。",
        "2.“公共安全支出(类）-司法（款）”2026年度预算27万元。",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # a bare 其中： leads into the items; they stay under the section's heading
            "五、财政拨款支出预算情况说明\n财政拨款预算支出 4,651.67 万元。\n其中：\n1.行政运行（项）支出 2,342 万元。",
            [("", "财政拨款支出预算情况说明", "财政拨款预算支出 4,651.67 万元。"),
             ("1", "财政拨款支出预算情况说明", "1.行政运行（项）支出 2,342 万元。")],
        ),
        (  # a numbered title of more than a line's width that ends in 说明 is complete
            "九、一般公共预算“三公”经费、会议费、培训费支出预算情况说明\n本表反映部门年度“三公”经费情况，用于公务接待等支出。",
            [("", "一般公共预算“三公”经费、会议费、培训费支出预算情况说明",
              "本表反映部门年度“三公”经费情况，用于公务接待等支出。")],
        ),
    ],
)  # fmt: skip
def test_budget_note_headings(seed: Document, text: str, expected: list) -> None:
    doc = replace(seed, id="notes", sections=[Section("预算编制说明", "情况说明", text, 1)], lines=[])
    assert [(c.item, c.heading, c.text) for c in chunk_document(doc)] == expected


def test_search_text_adds_heading_for_context(chunks: list) -> None:
    item = next(c for c in chunks if c.heading == "重点企业服务办公室主要职能" and c.item == "7")
    assert search_text(item) == "主要职能 重点企业服务办公室主要职能：" + item.text
    term = next(c for c in chunks if c.item == "（二）")
    assert search_text(term) == "名词解释：" + term.text


def _budgets() -> list[Document]:
    docs = []
    for path in SHARED:
        try:
            docs.append(read_document(path))
        except BudgetQAError:
            continue
    return docs


def test_other_documents_chunk_cleanly() -> None:
    docs = _budgets()
    assert len(docs) >= 30
    for doc in docs:
        chunks = chunk_document(doc)
        sections = {s.name: re.sub(r"\s+", "", s.text) for s in doc.sections}
        assert {c.section for c in chunks} >= {"主要职能", "名词解释", "预算编制说明"}, doc.id
        assert len({c.id for c in chunks}) == len(chunks), doc.id
        for chunk in chunks:
            # every chunk is whole lines of its section, so no sentence is cut
            assert re.sub(r"\s+", "", chunk.text) in sections[chunk.section], (doc.id, chunk.text[:30])
            assert 1 <= chunk.line_start <= chunk.line_end <= len(doc.lines), (doc.id, chunk.text[:30])
        terms = [c for c in chunks if c.section == "名词解释"]
        assert all(c.heading for c in terms), doc.id


def test_passages_keep_their_printed_headings(seed: Document) -> None:
    lines = ["一、部门概况", "（一）主要职能", "1.负责甲。", "2.负责乙。"]
    section = Section("主要职能", "（一）主要职能", "1.负责甲。\n2.负责乙。", 2)
    doc = replace(seed, id="printed", sections=[section], lines=lines, pages=[])
    assert [c.path for c in chunk_document(doc)] == ["一、部门概况 · （一）主要职能"] * 2


@pytest.mark.parametrize(
    ("name", "section"),
    [
        # the units a budget is made of are read with the offices of 机构设置
        ("预算构成", "机构设置"),
        ("机构设置", "机构设置"),
        # a section the narrative does not search stays out
        ("绩效目标", None),
    ],
)
def test_sections_read_as_another(seed: Document, name: str, section: str | None) -> None:
    printed = Section(name, "三、部门预算构成", "本部门无下属单位，部门预算为局本级预算。", 1)
    chunks = chunk_document(replace(seed, sections=[printed], lines=[]))
    assert [(c.section, c.text) for c in chunks] == (
        [(section, "本部门无下属单位，部门预算为局本级预算。")] if section else []
    )
