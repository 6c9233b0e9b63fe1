"""Layout families as data: every family file is well formed (a contract run over each) and is detected from
the documents of its family."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant import layouts, levels
from assistant.documents import source_lines

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpus"
HIERARCHIES = {"code", "sides", "none", "units", "names", "blocks", "flat"}


@pytest.fixture(params=layouts.names())
def family(request: pytest.FixtureRequest) -> dict:
    return layouts.family(request.param)


def test_every_table_template_is_complete(family: dict) -> None:
    keys = [t["key"] for t in family["tables"]]
    assert len(keys) == len(set(keys))
    for table in family["tables"]:
        assert table["name"] and table["hierarchy"] in HIERARCHIES
        re.compile(table["title"])
        assert table["layouts"], table["key"]
        for layout in table["layouts"]:
            columns = layout["columns"]
            assert len(columns) == len(set(columns)), table["key"]
            for identity in layout["identities"]:
                assert set(identity) <= set(columns), (table["key"], identity)
            for pattern, column in table.get("transpose", {}).get("lines", []):
                re.compile(pattern)
                assert column in columns, (table["key"], column)
        if "other_text" in table:
            re.compile(table["other_text"])


def test_cross_table_specs_name_tables_and_columns_the_family_has(family: dict) -> None:
    columns = {
        t["key"]: {c for lay in t["layouts"] for c in lay["columns"] + lay.get("left", [])}
        for t in family["tables"]
    }
    for link in family.get("links", []):
        assert link["column"] in columns[link["target"]]
        for key, column in link["parts"]:
            assert column in columns[key], (key, column)
    for anchor in family.get("anchors", []):
        assert anchor["column"] in columns[anchor["table"]] and anchor["source_table"] in columns
    for bound in family.get("bounds", []):
        assert bound["column"] in columns[bound["table"]]
        assert ("at_least" in bound) != ("at_most" in bound)
        for key, column in [bound["at_least"]] if "at_least" in bound else bound["at_most"]:
            assert column in columns[key], (key, column)
    for rule in family.get("class_rules", []):
        assert set(rule["empty"]) <= columns[rule["table"]]


def test_every_family_names_its_marks_and_sides(family: dict) -> None:
    assert family["family"]["name"] and family["family"]["label"] and family["family"]["detect"]
    for pattern in family["family"]["detect"]:
        re.compile(pattern)
    assert {"left_label", "right_start", "left_total", "right_total"} <= set(family["sides"])
    assert {s["name"] for s in family["sections"]} >= {"主要职能", "名词解释"}


def test_an_extending_family_replaces_the_tables_it_redefines() -> None:
    national, jiangsu = layouts.family("national"), layouts.family("jiangsu")
    assert layouts.template("jiangsu", "economic")["layouts"][0]["columns"] == ["金额"]
    assert layouts.template("national", "economic")["layouts"][0]["columns"] == [
        "合计",
        "人员经费",
        "公用经费",
    ]
    assert "capital_function" not in {t["key"] for t in jiangsu["tables"]}
    assert "capital_function" in {t["key"] for t in national["tables"]}
    assert "third_side" not in national["sides"] and jiangsu["sides"]["third_side"] == "用途"


@pytest.mark.parametrize(
    ("folder", "pattern", "expected"),
    [
        ("shanghai", "*.txt", "shanghai"),
        ("other", "js_*_biao.txt", "jiangsu"),
        ("other", "js_gaojifayuan_*.txt", "jiangsu"),
        ("other", "suzhou_*.txt", "national"),
        ("other", "wuxi_*.txt", "national"),
        ("other", "shenzhen_*.txt", "shenzhen"),
        ("other", "hangzhou_*.txt", "zhejiang"),
        ("other", "huzhou_*.txt", "zhejiang"),
        ("other", "fuzhou_*.txt", "fujian"),
        ("other", "quanzhou_*.txt", "fujian"),
        ("other", "guangzhou_*.txt", "guangdong"),
        ("other", "zhuhai_*.txt", "guangdong"),
        ("other", "changsha_*.txt", "zongti"),
        ("other", "chongqing_*.txt", "zongti"),
        ("other", "yantai_*.txt", "zongti"),
        ("other", "beijing_*.txt", "beijing"),
        ("other", "xian_*.txt", "xian"),
        ("other", "js_rendabangongting_*.txt", "jiangsu"),
        ("other", "zhongyang_*.txt", "central"),
        ("other", "changchun_*.txt", "changchun"),
    ],
)
def test_documents_are_detected_as_their_family(folder: str, pattern: str, expected: str) -> None:
    paths = sorted((SHARED / folder).glob(pattern))
    assert paths
    found = {p.stem: layouts.detect(source_lines(p.read_text(encoding="utf-8"))) for p in paths}
    assert set(found.values()) == {expected}, found


def test_classification_names_are_known_to_every_template_that_reads_names() -> None:
    for name in layouts.names():
        for table in layouts.family(name)["tables"]:
            for key in ("classes", "uncoded"):
                if key in table:
                    assert levels.classification(table[key])[0] in (2, 3), (name, table["key"])


def test_a_document_without_marks_is_read_as_the_default_family() -> None:
    assert layouts.detect(["主要职能", "本单位负责……"]) == layouts.DEFAULT


@pytest.mark.parametrize(
    ("title", "pattern", "matches"),
    [
        (
            "十一、一般公共预算 三公 经费、会议费、培训费支出预“ ”算表",
            "“三公”经费、会议费、培训费支出预算表?$",
            True,
        ),
        (
            "公开 09 表：一般公共预算“三公”经费、会议费、培训费支出预算表",
            "“三公”经费、会议费、培训费支出预算表$",
            True,
        ),
        ("财政拨款收支预算总表", "(?<!财政拨款)收支预算总表$", False),
        ("收支总表", "^(部门)?收支总表$", True),
    ],
)
def test_titles_match_as_printed_or_without_spaces_and_quotes(
    title: str, pattern: str, matches: bool
) -> None:
    assert layouts.title_matches(pattern, title) is matches
