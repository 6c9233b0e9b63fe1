"""A budget published as two files (tables; 情况说明) is read as one document when indexed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.companions import find_pairs, is_narrative_only, join_sources, names_agree
from assistant.documents import read_document
from assistant.engine import Assistant
from assistant.index import build_index
from assistant.records import GridRow, Source

OTHER = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "other"


@pytest.mark.parametrize(
    ("a", "b", "agree"),
    [
        ("中共江苏省委办公厅", "江苏省委办公厅", True),
        ("中国共产党江苏省委员会办公厅", "江苏省委办公厅", True),
        ("江苏省政协办公厅", "江苏省政协办公厅", True),
        ("江苏省人民检察院", "江苏省高级人民法院", False),
        ("办公厅", "江苏省委办公厅", False),  # too short to tell a unit
    ],
)
def test_unit_names_agree_when_the_shorter_keeps_its_characters_in_order(a: str, b: str, agree: bool) -> None:
    assert names_agree(a, b) is agree


def test_a_narrative_file_pairs_with_the_table_file_of_its_unit_and_year() -> None:
    docs = [
        read_document(OTHER / name)
        for name in (
            "js_zhengxiebangongting_2019.txt",
            "js_zhengxiebangongting_2019_biao.txt",
            "js_zhengxiebangongting_2018_biao.txt",
            "js_shengweibangongting_2019_wenjian.txt",
            "js_shengweibangongting_2019_biao.txt",
        )
    ]
    assert [is_narrative_only(d) for d in docs] == [True, False, False, True, False]
    pairs = {(p.tables, p.narrative) for p in find_pairs(docs)}
    assert pairs == {
        ("js_zhengxiebangongting_2019_biao", "js_zhengxiebangongting_2019"),
        ("js_shengweibangongting_2019_biao", "js_shengweibangongting_2019_wenjian"),
    }


@pytest.mark.parametrize(
    ("narrative", "tables"),
    [
        ("js_zhengxiebangongting_2017", "js_zhengxiebangongting_2017_biao"),
        ("js_shengweibangongting_2017", "js_shengweibangongting_2017_biao"),
        ("js_zhengxiebangongting_2018", "js_zhengxiebangongting_2018_biao"),
        ("js_shengweibangongting_2018_wenjian", "js_shengweibangongting_2018_biao"),
        ("js_renda_changweihui_2019", "js_renda_changweihui_bangongting_2019_biao"),
    ],
)
def test_every_jiangsu_narrative_file_is_read_as_narrative_and_finds_its_tables(
    narrative: str, tables: str
) -> None:
    """A Jiangsu narrative file lists the tables in its contents and prints their part as a bare title: it is a
    budget's narrative (not refused for having no table), and it pairs with the table file of its unit and year."""
    text, table_file = read_document(OTHER / f"{narrative}.txt"), read_document(OTHER / f"{tables}.txt")
    assert is_narrative_only(text) and not is_narrative_only(table_file)
    assert text.section("主要职能") is not None
    assert [(p.tables, p.narrative) for p in find_pairs([table_file, text])] == [(tables, narrative)]


@pytest.mark.parametrize("unit", ["caizhengju", "sifaju"])
def test_a_beijing_narrative_is_joined_to_its_tables(unit: str) -> None:
    """北京 publishes the 情况说明 (narrative only) and the 报表 apart: the two are one budget."""
    from assistant.documents import parse_source
    from assistant.readers import reader_for

    tables_file, text_file = (OTHER / f"beijing_{unit}_2026_{part}.txt" for part in ("baobiao", "shuoming"))
    narrative, tables = read_document(text_file), read_document(tables_file)
    assert is_narrative_only(narrative) and not is_narrative_only(tables)
    assert [(p.tables, p.narrative) for p in find_pairs([tables, narrative])] == [(tables.id, narrative.id)]
    source = join_sources(reader_for(tables_file).read(tables_file), reader_for(text_file).read(text_file))
    joined = parse_source(source, tables.id)
    assert len(joined.tables) == len(tables.tables) == 11
    assert {s.name for s in narrative.sections} <= {s.name for s in joined.sections}
    assert joined.section("名词解释").text == narrative.section("名词解释").text


def test_joined_sources_keep_the_tables_pages_and_shift_the_narratives_ruled_rows() -> None:
    row = GridRow(groups=())
    tables = Source(["表", "1"], pages=[1, 2], grid={1: row})
    narrative = Source(["# source: x", "说明", "2"], pages=[1, 1, 1], grid={2: row})
    joined = join_sources(tables, narrative)
    assert joined.lines == ["表", "1", "", "说明", "2"]
    assert joined.pages == [1, 2, 0, 0, 0]
    assert set(joined.grid) == {1, 4}


def test_the_narratives_contents_are_blanked_and_its_broken_headings_rejoined() -> None:
    narrative = Source(
        [
            "目 录",
            "第一部分 部门概况",
            "第四部分 名词解释",
            "第一部分 部门概况",
            "一、主要职能",
            "职能。",
            "九、一般公共预算“三公”经费、会议费、培训费支出预算",
            "情况说明",
            "本表反映“三公”经费。",
            "第四部分 名词解释",
            "一、基本支出：指人员支出和公用支出。",
        ],
        pages=[],
    )
    joined = join_sources(Source(["表"], pages=[]), narrative)
    assert joined.lines == ["表", "", "", "", "第一部分 部门概况", "一、主要职能", "职能。",
        "九、一般公共预算“三公”经费、会议费、培训费支出预算情况说明", "", "本表反映“三公”经费。",
        "第四部分 名词解释", "一、基本支出：指人员支出和公用支出。"]  # fmt: skip


def test_an_index_answers_from_both_files_under_one_document(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("js_zhengxiebangongting_2019.txt", "js_zhengxiebangongting_2019_biao.txt"):
        shutil.copy(OTHER / name, corpus / name)
    result = build_index([corpus], tmp_path / "index", with_vectors=False)
    assert [d["id"] for d in result.documents] == ["js_zhengxiebangongting_2019_biao"]
    assert result.joined == [
        "js_zhengxiebangongting_2019: read with js_zhengxiebangongting_2019_biao as its narrative"
    ]
    assistant = Assistant.open(tmp_path / "index")
    figure = assistant.ask("江苏省政协办公厅2019年的基本支出是多少？")
    assert "6,522.75万元" in figure.text and figure.route == "table"
    text = assistant.ask("江苏省政协办公厅2019年的主要职能是什么？")
    assert text.route == "text" and "政治协商、民主监督、参政议政" in text.text
    assert {c.document for c in text.citations} == {"js_zhengxiebangongting_2019_biao"}
