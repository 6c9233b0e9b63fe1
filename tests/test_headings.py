"""The headings a document printed above a passage, as text citations name them."""

from __future__ import annotations

import pytest

from assistant.headings import is_heading, label, level, path
from assistant.records import Section

HANGZHOU = """杭州市气象局
目录
一、部门概况
（一）主要职能 ....................................2
一、部门概况
（一）主要职能
1.制定本行政区域气象事业发展规划，并负责
组织实施。
2
2.负责本行政区域内气象监测网络工作的管理。
（二）机构设置情况
从预算单位构成看，杭州市气象局部门预算包括：杭
州市气象局本级。
二、2026 年杭州市气象局部门预算安排情况说明
（一）收支预算情况的总体说明（详见表 1-3）
按照综合预算的原则，所有收入和支出均纳入部门预算管理。
（五）一般公共预算当年拨款情况说明（详见表 5）
1.一般公共预算当年拨款规模变化情况。
（1）科学技术支出（类）技术研究与开发（款）科技
成果转化与扩散（项）28.00 万元。比上年执行数减少 113.53 万元。
（2）社会保障和就业支出（类）行政事业单位养老支
出（款）193.24 万元。
（七）一般公共预算“三公”经费预算情况说明（详
见表 7）2026 年“三公”经费预算数为 24.02 万元。
2.公务接待费：2026 年安排公务接待费预算 6.02 万元。""".splitlines()

SHENZHEN = """目 录
第一部分 部门概况
第二部分 部门预算收支总体情况
第一部分 部门概况
一、部门职责
1.贯彻执行国家和省财政、税收方针政策。
二、机构编制
本单位下设 17 个处室。
第二部分 部门预算收支总体情况
预算收支减少主要原因说明：一是未安排本项目资金。
第三部分 部门预算支出具体情况
一、深圳市财政局（本级）
（三）向市委审计委员会提出年度市级预算执行和其他财
政收支情况审计报告。""".splitlines()


def _section(lines: list[str], name: str, title: str) -> Section:
    return Section(name, title, "", lines.index(title, 3) + 1)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("第三部分 部门预算支出具体情况", 0),
        ("一、部门职责", 1),
        ("（五）一般公共预算当年拨款情况说明（详见表 5）", 2),
        ("1.一般公共预算当年拨款规模变化情况。", 3),
        ("（1）科学技术支出", 4),
        ("部门概况", None),
    ],
)
def test_level(line: str, expected: int | None) -> None:
    assert level(line) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("一、部门职责", True),
        ("（五）一般公共预算当年拨款情况说明（详见表 5）", True),
        ("（一）主要职能 ....................................2", False),  # a contents entry
        ("（一）在职人员经费 8,009.83 万元", False),
        ("1.一般公共预算当年拨款规模变化情况。", False),  # a sentence
        ("一、财政拨款收入：指预算单位从本级财政部门取得的财", False),  # a defined term
        ("部门概况", False),
    ],
)
def test_is_heading(line: str, expected: bool) -> None:
    assert is_heading(line) is expected


@pytest.mark.parametrize(
    ("lines", "name", "title", "passage", "expected"),
    [
        (
            HANGZHOU,
            "主要职能",
            "（一）主要职能",
            "1.制定本行政区域气象事业发展规划，并负责",
            ["一、部门概况", "（一）主要职能"],
        ),
        (
            HANGZHOU,
            "机构设置",
            "（二）机构设置情况",
            "从预算单位构成看，杭州市气象局部门预算包括：杭",
            ["一、部门概况", "（二）机构设置情况"],
        ),
        (
            HANGZHOU,
            "预算编制说明",
            "二、2026 年杭州市气象局部门预算安排情况说明",
            "（2）社会保障和就业支出（类）行政事业单位养老支",
            ["二、2026 年杭州市气象局部门预算安排情况说明", "（五）一般公共预算当年拨款情况说明（详见表 5）"],
        ),
        (  # a heading the PDF broke inside its （详见表7）
            HANGZHOU,
            "预算编制说明",
            "二、2026 年杭州市气象局部门预算安排情况说明",
            "2.公务接待费：2026 年安排公务接待费预算 6.02 万元。",
            ["二、2026 年杭州市气象局部门预算安排情况说明", "（七）一般公共预算“三公”经费预算情况说明（详"],
        ),
        (
            SHENZHEN,
            "主要职能",
            "一、部门职责",
            "1.贯彻执行国家和省财政、税收方针政策。",
            ["第一部分 部门概况", "一、部门职责"],
        ),
        (
            SHENZHEN,
            "机构设置",
            "二、机构编制",
            "本单位下设 17 个处室。",
            ["第一部分 部门概况", "二、机构编制"],
        ),
        (  # a part printed inside the section takes the title's place; a broken item line is no heading
            SHENZHEN,
            "预算编制说明",
            "第二部分 部门预算收支总体情况",
            "政收支情况审计报告。",
            ["第三部分 部门预算支出具体情况", "一、深圳市财政局（本级）"],
        ),
    ],
)
def test_path(lines: list[str], name: str, title: str, passage: str, expected: list[str]) -> None:
    section = _section(lines, name, title)
    assert path(lines, section, lines.index(passage) + 1) == expected


@pytest.mark.parametrize(
    ("name", "printed", "expected"),
    [
        ("主要职能", ["第一部分 部门概况", "一、部门职责"], "主要职能（第一部分 部门概况 · 一、部门职责）"),
        ("主要职能", ["一、部门概况", "（一）主要职能"], "主要职能（一、部门概况 · （一）主要职能）"),
        ("主要职能", ["一、主要职能"], "主要职能"),  # the document printed the name itself
        (
            "其他相关情况说明",
            ["四、其他相关情况说明", "二、机关运行经费预算"],
            "其他相关情况说明（二、机关运行经费预算）",
        ),
        ("名词解释", [""], "名词解释"),
    ],
)
def test_label(name: str, printed: list[str], expected: str) -> None:
    assert label(name, printed) == expected
