"""Table parsing: the golden cells of the seed, the line readers, and synthetic tables as printed."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.documents import Block, find_blocks, read_document
from assistant.records import Cell, Row, Table, format_decimal
from assistant.tables import (
    _is_header,
    _segments,
    _sum_groups,
    ceiling_values,
    parse_number,
    parse_table,
    row_keys,
    split_code,
    split_figures,
)

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "shanghai-sme-office-2024.txt"
GOLDEN = Path(__file__).parent / "golden" / "shanghai-sme-office-2024.json"
D = Decimal


def test_seed_cells_match_the_hand_checked_golden_file():
    doc = read_document(SEED)
    got = [
        {
            "table": t.key,
            "line": t.rows[c.row].line,
            "side": t.rows[c.row].side,
            "code": t.rows[c.row].code,
            "name": t.rows[c.row].name,
            "column": c.column,
            "value": format_decimal(c.value),
        }
        for t in doc.tables
        for c in t.cells
    ]
    assert got == json.loads(GOLDEN.read_text(encoding="utf-8"))["cells"]
    assert all(not t.unplaced for t in doc.tables)


@pytest.mark.parametrize(
    ("token", "value"),
    [
        ("10,555,000", D("10555000")),
        ("0.00", D("0.00")),
        ("125360,898", D("125360898")),
        ("86,959,408.34", D("86959408.34")),
        ("-60.86%", D("-60.86")),  # a change in percent
        ("1009.71%", D("1009.71")),
        ("合计", None),
        ("1,2", None),
        ("%", None),
        ("", None),
    ],
)
def test_parse_number(token, value):
    assert parse_number(token) == value


@pytest.mark.parametrize(
    ("text", "code", "rest"),
    [
        ("208 05 01 行政单位离退休 158,980", "208 05 01", "行政单位离退休 158,980"),
        ("2013802一般行政管理事务 5", "201 38 02", "一般行政管理事务 5"),
        ("21208 国有土地使用权出让收入安排的支出", "212 08", "国有土地使用权出让收入安排的支出"),
        ("合计 10,555,000", "", "合计 10,555,000"),
        ("[2010301]行政运行 6,853.85", "201 03 01", "行政运行 6,853.85"),
        ("[201]一般公共服务支出 8,812.33", "201", "一般公共服务支出 8,812.33"),
        ("[30217]公务接待费 11.26", "302 17", "公务接待费 11.26"),
        ("2040601-行政运行 12.5", "204 06 01", "行政运行 12.5"),
        ("106_长沙市公安局 458.50", "106", "长沙市公安局 458.50"),
    ],
)
def test_split_code(text, code, rest):
    assert split_code(text) == (code, rest)


def test_split_figures():
    assert split_figures("行政单位离退休 158,980 158,980") == ("行政单位离退休", [D(158980), D(158980)])


@pytest.mark.parametrize(
    ("line", "segments"),
    [
        (
            "一、财政拨款收入 178,830,483一、社会保障和就业支出 3,196,880 3,135,520 61,360",
            [
                ("一、财政拨款收入", [D(178830483)]),
                ("一、社会保障和就业支出", [D(3196880), D(3135520), D(61360)]),
            ],
        ),
        (
            "三、国有资本经营预算 三、教育支出 180,000 180,000",
            [("三、国有资本经营预算", []), ("三、教育支出", [D(180000)] * 2)],
        ),
        ("62,000,000.00 62,000,000.00", [("", [D("62000000.00")] * 2)]),
    ],
)
def test_two_sided_segments(line, segments):
    assert _segments(line, r"^([一二三四五六七八九十]+、|支出总计|支出合计)") == segments


@pytest.mark.parametrize(
    ("line", "header"),
    [
        ("项目 预算数 项目 合计 一般公共预算政府性基金预算国有资本经营预算", True),
        ("类款项", True),
        ("合计 10,555,000", False),
        ("一、财政拨款收入 10,555,000", False),
    ],
)
def test_header_lines(line, header):
    words = {"项目", "预算数", "合计", "一般公共预算", "政府性基金预算", "国有资本经营预算", "类", "款", "项"}
    assert _is_header(line, words) is header


def _fmt(value: int) -> str:
    return f"{value:,}"


@st.composite
def printed_tables(draw):
    """支出预算总表 text as the PDFs print it: codes, names, figures with empty cells dropped."""
    amount = st.one_of(st.just(0), st.integers(1, 90000).map(lambda x: x * 10))
    rows: list[tuple[str, str, list[int]]] = []
    total = [0, 0, 0]
    for lei in range(draw(st.integers(1, 3))):
        code = f"2{lei + 1}0"
        kuan_rows = []
        lei_sum = [0, 0, 0]
        for kuan in range(draw(st.integers(1, 2))):
            kcode = f"{code} {kuan + 1:02d}"
            leaves = []
            k_sum = [0, 0, 0]
            for leaf in range(draw(st.integers(1, 3))):
                basic, project = draw(amount), draw(amount)
                if basic + project == 0:
                    basic = 100
                vec = [basic + project, basic, project]
                k_sum = [a + b for a, b in zip(k_sum, vec, strict=True)]
                leaves.append((f"{kcode} {leaf + 1:02d}", f"项目{lei}{kuan}{leaf}", vec))
            kuan_rows.append((kcode, f"款目{lei}{kuan}", k_sum))
            kuan_rows += leaves
            lei_sum = [a + b for a, b in zip(lei_sum, k_sum, strict=True)]
        rows.append((code, f"类目{lei}", lei_sum))
        rows += kuan_rows
        total = [a + b for a, b in zip(total, lei_sum, strict=True)]
    rows.append(("", "合计", total))
    return rows


@settings(max_examples=100, deadline=None)
@given(printed_tables(), st.booleans())
def test_parse_table_on_synthetic_text(rows, glued):
    lines = [
        "2024年预算单位支出预算总表",
        "编制单位：某单位 单位：元",
        "项目 支出预算",
        "功能分类科目编码",
        "功能分类科目名称 合计 基本支出 项目支出",
        "类 款 项",
    ]
    for code, name, vec in rows:
        label = (code.replace(" ", "") + name) if glued and code else f"{code} {name}".strip()
        lines.append(" ".join([label] + [_fmt(v) for v in vec if v]))
    table = parse_table(Block("table", "expenditure_summary", lines[0], 0, len(lines)), lines, 2024)
    assert len(table.rows) == len(rows)
    columns = ["合计", "基本支出", "项目支出"]
    placed = {(c.row, c.column): c.value for c in table.cells}
    for r, (code, _, vec) in enumerate(rows):
        assert table.rows[r].code == code
        for col, value in zip(columns, vec, strict=True):
            if (r, col) in placed:
                assert placed[(r, col)] == value  # never a wrong column
    reported = len(table.unplaced)
    printed = sum(1 for _, _, vec in rows for v in vec if v)
    assert len(table.cells) + reported == printed  # every figure placed or reported


def test_a_complete_income_label_ends_before_the_expenditure_label_beside_it():
    complete = r"^([一二三四五六七八九十]+、)?(一般公共预算|政府性基金预算|上年结转结余)$"
    right = r"^([一二三四五六七八九十]+、|支出总计)"
    assert _segments("政府性基金预算 科技成果转化与扩散 28.00", right, complete) == [
        ("政府性基金预算", []),
        ("科技成果转化与扩散", [D("28.00")]),
    ]
    assert _segments("政府性基金预算 科技成果转化与扩散 28.00", right) == [
        ("政府性基金预算科技成果转化与扩散", [D("28.00")])
    ]


NAMES_ONLY = [
    "表5：2026年市级部门一般公共预算支出预算表",
    "部门名称：某局 单位：万元",
    "基本支出",
    "功能分类科目名称 合 计 日常公用 项目支出",
    "小计 人员经费",
    "支出",
    "** 1 2 3 4 5",
    "合计 130.00 100.00 80.00 20.00 30.00",
    "科学技术支出 30.00 30.00",
    "技术研究与开发 30.00 30.00",
    "科技成果转化与扩散 30.00 30.00",
    "社会保障和就业支出 100.00 100.00 80.00 20.00",
    "行政事业单位养老支出 100.00 100.00 80.00 20.00",
    "行政单位离退休 60.00 60.00 40.00 20.00",
    "机关事业单位基本养老保险缴费支出 40.00 40.00 40.00",
    "18",
]


def test_a_table_printed_without_codes_is_read_by_its_names():
    block = Block("table", "general_function", NAMES_ONLY[0], 0, len(NAMES_ONLY), "zhejiang")
    table = parse_table(block, NAMES_ONLY, 2026)
    assert [(r.name, r.level) for r in table.rows] == [
        ("合计", 0),
        ("科学技术支出", 1),
        ("技术研究与开发", 2),
        ("科技成果转化与扩散", 3),
        ("社会保障和就业支出", 1),
        ("行政事业单位养老支出", 2),
        ("行政单位离退休", 3),
        ("机关事业单位基本养老保险缴费支出", 3),
    ]
    assert not table.unplaced and not table.warnings
    placed = {(table.rows[c.row].name, c.column): c.value for c in table.cells}
    assert placed[("科技成果转化与扩散", "项目支出")] == D("30.00")
    # 40.00 goes to 人员经费: the 款 above has 80.00 there and its other 项 only 40.00
    assert placed[("机关事业单位基本养老保险缴费支出", "人员经费")] == D("40.00")
    keys = row_keys(table)
    assert keys["名:社会保障和就业支出/行政事业单位养老支出/行政单位离退休"] == 6
    assert keys["类:科学技术支出"] == 1 and keys["总计"] == 0


SHENZHEN_PAGES = [
    "表7",
    "一般公共预算支出表（按功能分类）",
    "部门名称：深圳市某局（本级） 单位：万元",
    "预算单位 科目编码 科目名称 支出总计 基本支出 项目支出",
    "深圳市某局（本级） 30.00 20.00 10.00",
    "201 一般公共服务支出 30.00 20.00 10.00",
    "20106 财政事务 30.00 20.00 10.00",
    "- 28 -",
    "表7",
    "一般公共预算支出表（按功能分类）",
    "部门名称：深圳市某局（本级） 单位：万元",
    "预算单位 科目编码 科目名称 支出总计 基本支出 项目支出",
    "2010601 行政运行 20.00 20.00 0.00",
    "2010602 一般行政管理事务 10.00 0.00 10.00",
]


def test_a_table_continued_under_its_repeated_title_whose_first_row_is_the_unit():
    blocks = [b for b in find_blocks(SHENZHEN_PAGES, "shenzhen") if b.kind == "table"]
    assert [(b.name, b.start, b.end, b.parts) for b in blocks] == [("general_function", 1, 14, (9,))]
    table = parse_table(blocks[0], SHENZHEN_PAGES, 2026)
    assert [(r.code, r.name) for r in table.rows] == [
        ("", "合计"),  # printed under the unit's name: the table's total
        ("201", "一般公共服务支出"),
        ("201 06", "财政事务"),
        ("201 06 01", "行政运行"),
        ("201 06 02", "一般行政管理事务"),
    ]
    assert len(table.cells) == 15 and not table.unplaced and not table.warnings


def test_spending_from_an_empty_source_is_zero():
    spec = {
        "table": "projects",
        "row": "总计",
        "column": "财政专户管理资金",
        "source_row": "总计",
        "at_most": [
            ["income_summary", "财政专户管理资金收入"],
            ["income_summary", "上年结转财政专户管理资金"],
        ],
    }
    income = Table(
        "income_summary",
        "",
        "",
        "万元",
        ["合计", "财政专户管理资金收入", "上年结转财政专户管理资金"],
        [Row("", "合计", 0, 1, "", (D(5),))],
        [Cell(0, "合计", D(5))],
    )
    projects = Table(
        "projects",
        "",
        "",
        "万元",
        ["合计", "财政专户管理资金", "单位资金"],
        [Row("", "合计", 0, 9, "", (D(5), D(5)))],
        unplaced=["第9行「 合计」的 5：列无法唯一确定"],
    )
    assert ceiling_values(projects, [income, projects], [spec]) == {(0, "财政专户管理资金"): D(0)}
    income.cells.append(Cell(0, "财政专户管理资金收入", D(5)))
    assert ceiling_values(projects, [income, projects], [spec]) == {}


def _parse(family: str, lines: list[str]):
    return parse_table(Block("table", "", lines[0], 0, len(lines), family), lines, 2026)


def _grid(table) -> list[tuple[str, int, dict[str, str]]]:
    """Each row's name, level and placed cells as printed."""
    return [
        (row.name, row.level, {c.column: format_decimal(c.value) for c in table.cells if c.row == r})
        for r, row in enumerate(table.rows)
    ]


@pytest.mark.parametrize(
    ("family", "lines", "rows"),
    [
        (  # 泉州: the “三公” table as a list, one figure column
            "fujian",
            [
                "2026 年度一般公共预算“三公”经费支出预算表",
                "单位：万元",
                "项目 预算数",
                "合计 312.75",
                "1、因公出国（境）费用 0.00",
                "2、公务接待费 18.85",
                "3、公务用车购置及运行费 293.90",
                "其中：（1）公务用车购置费 261.90",
                "（2）公务用车运行费 32.00",
            ],
            [
                (
                    "合计",
                    0,
                    {
                        "合计": "312.75",
                        "因公出国(境)费": "0.00",
                        "公务接待费": "18.85",
                        "公务用车购置及运行费": "293.90",
                        "购置费": "261.90",
                        "运行费": "32.00",
                    },
                )
            ],
        ),
        (  # 珠海: items by source of funds; each source becomes a row, 行政经费 the 机关运行经费
            "guangdong",
            [
                "财政拨款安排的行政经费及“三公”经费预算表",
                "单位名称：珠海市商务局 单位：万元",
                "项目 合计 一般公共预算 政府性基金预算 国有资本经营预算",
                "行政经费 10,884.55 10,884.55 0.00 0.00",
                "“三公”经费 19.84 19.84 0.00 0.00",
                "其中：（一）因公出国（境）支出 13.20 13.20 0.00 0.00",
                "（二）公务用车购置及运行维护支出 0.00 0.00 0.00 0.00",
                "1.公务用车购置费 0.00 0.00 0.00 0.00",
                "2.公务用车运行维护费 0.00 0.00 0.00 0.00",
                "（三）公务接待费支出 6.64 6.64 0.00 0.00",
            ],
            [
                (
                    name,
                    level,
                    dict(
                        zip(
                            [
                                "机关运行经费",
                                "合计",
                                "因公出国(境)费",
                                "公务用车购置及运行费",
                                "购置费",
                                "运行费",
                                "公务接待费",
                            ],
                            values,
                            strict=True,
                        )
                    ),
                )
                for name, level, values in [
                    ("合计", 0, ["10884.55", "19.84", "13.20", "0.00", "0.00", "0.00", "6.64"]),
                    ("一般公共预算", 1, ["10884.55", "19.84", "13.20", "0.00", "0.00", "0.00", "6.64"]),
                    ("政府性基金预算", 1, ["0.00"] * 7),
                    ("国有资本经营预算", 1, ["0.00"] * 7),
                ]
            ],
        ),
    ],
)
def test_a_table_printed_as_a_list_is_read_as_rows_and_columns(family, lines, rows):
    table = _parse(family, lines)
    assert table.key == "three_public" and not table.unplaced and not table.warnings
    assert _grid(table) == rows


def test_units_listed_by_name_add_up_to_the_total_and_place_their_figures():
    lines = [
        "2026 年度收入预算总表",
        "单位：万元",
        "单位名称 合计 预算拨款 金预算拨 经营预算 管理资金 事业收入 其他收入",
        "合计 24995.94 23195.94 1800.00 0.00 0.00 0.00 0.00 0.00 0.00 0.00 0.00",
        "福州市商务",
        "发展促进中 337.92 337.92",
        "心",
        "福州市商务",
        "24658.02 22858.02 1800.00",
        "局",
    ]
    table = _parse("fujian", lines)
    assert not table.unplaced
    assert _grid(table)[1:] == [
        ("福州市商务发展促进中心", 0, {"合计": "337.92", "一般公共预算": "337.92"}),
        ("福州市商务局", 0, {"合计": "24658.02", "一般公共预算": "22858.02", "政府性基金预算": "1800.00"}),
    ]


@pytest.mark.parametrize(
    ("rows", "levels"),
    [
        (  # each unit, then its classes; a difference from rounding to 万元 still closes the group
            [
                ("合计", "1,862.24"),
                ("储备粮管理中心", "1,862.24"),
                ("工资福利支出", "1,662.06"),
                ("商品和服务支出", "133.31"),
                ("对个人和家庭的补助", "59.86"),
                ("资本性支出", "7.00"),
            ],
            [0, 1, 2, 2, 2, 2],
        ),
        (
            [
                ("合计", "100.00"),
                ("甲单位", "60.00"),
                ("工作经费", "60.00"),
                ("乙单位", "40.00"),
                ("购置经费", "10.00"),
                ("专项经费", "30.00"),
            ],
            [0, 1, 2, 1, 2, 2],
        ),
        (  # the sums never close: no groups are guessed
            [("合计", "100.00"), ("甲单位", "60.00"), ("工作经费", "50.00"), ("乙单位", "40.00")],
            [0, 0, 0, 0],
        ),
    ],
)
def test_groups_printed_without_codes_are_found_by_their_sums(rows, levels):
    lines = ["部门预算基本支出预算表", "单位名称：某局 单位：万元"]
    lines += [f"{name} {v} {v} {v} 0.00 0.00 0.00 0.00" for name, v in rows]
    table = _parse("guangdong", lines)
    assert [row.level for row in table.rows] == levels
    assert not table.unplaced


def test_a_row_printing_every_column_is_placed_even_when_its_own_figures_disagree():
    lines = [
        "收入总体情况表",
        "单位名称：珠海市商务局 单位：万元",
        "合计 1,090.13 1,086.98 0.00 0.00 0.00 0.00 0.00 0.00 0.00 0.00 0.00 3.16",
        "珠海市贸易服务中心 1,090.13 1,086.98 0.00 0.00 0.00 0.00 0.00 0.00 0.00 0.00 0.00 3.16",
    ]
    table = _parse("guangdong", lines)
    assert not table.unplaced
    assert {c.column: c.value for c in table.cells if c.row == 1}["上年结转结余"] == D("3.16")


def _zongti(lines: list[str], key: str, year: int = 2026):
    """A table of the 总体情况表 family, parsed from its printed lines (title first)."""
    return parse_table(Block("table", key, lines[0], 0, len(lines), "zongti"), lines, year)


def _cells(table) -> dict[tuple[str, str], str]:
    return {
        ((table.rows[c.row].code + " " + table.rows[c.row].name).strip(), c.column): format_decimal(c.value)
        for c in table.cells
    }


def test_a_kuan_or_xiang_printed_with_its_own_digits_takes_its_parents_code():
    table = _zongti(
        [
            "支出总体情况表",
            "部门（单位）：某局 单位：万元",
            "科目名称 合计 基本支出 项目支出",
            "类 款 项",
            "合 计 30.00 20.00 10.00",
            "201 一般公共服务支出 25.00 20.00 5.00",
            "06 财政事务 25.00 20.00 5.00",
            "01 行政运行 20.00 20.00",
            "02 一般行政管理事务 5.00 5.00",
            "07 税收事务 0.00",
            "205 教育支出 5.00 5.00",
            "08 进修及培训 5.00 5.00",
            "03 培训支出 5.00 5.00",
        ],
        "expenditure_summary",
    )
    assert [r.code for r in table.rows] == [
        "",
        "201",
        "201 06",
        "201 06 01",
        "201 06 02",
        "201 07",
        "205",
        "205 08",
        "205 08 03",
    ]
    assert not table.unplaced and _cells(table)["201 06 02 一般行政管理事务", "项目支出"] == "5.00"


def test_a_second_classification_on_the_row_stays_out_of_the_name_and_the_figures():
    table = _zongti(
        [
            "一般公共预算基本支出情况表",
            "部门（单位）：某局 单位：万元",
            "部门预算支出经济分类科目名称 政府预算支出经济分类科目名称",
            "类 款 类 款 小计 人员支出 日常公用支出",
            "合计 30.00 30.00",
            "301 工资福利支出 501 机关工资福利支出 20.00 20.00",
            "301 01 基本工资 501 01 工资奖金津补贴 12.00 12.00",
            "机关事业单位基本养老保",
            "301 08 501 02 社会保障缴费 8.00 8.00",
            "险缴费",
            "301 工资福利支出 505 对事业单位经常性补助 10.00 10.00",
            "301 01 基本工资 505 01 工资福利支出 10.00 10.00",
        ],
        "economic",
    )
    assert [f"{r.code} {r.name}" for r in table.rows[1:]] == [
        "301 工资福利支出 501 机关工资福利支出",
        "301 01 基本工资 501 01 工资奖金津补贴",
        "301 08 机关事业单位基本养老保险缴费 501 02 社会保障缴费",
        "301 工资福利支出 505 对事业单位经常性补助",
        "301 01 基本工资 505 01 工资福利支出",
    ]
    # each 301 01 belongs to the 301 printed nearest above it
    assert sorted(_sum_groups(table.rows, "code")) == [(0, (1, 4)), (1, (2, 3)), (4, (5,))]


def test_a_flat_list_adds_up_to_its_total_and_keeps_its_two_text_columns():
    table = _zongti(
        [
            "项目支出预算情况表",
            "部门（单位）：某局 单位：万元",
            "项目名称 项目类别 合计 单位资金 上年结转",
            "合 计 330.00 330.00 330.00",
            "公车统管费用 其他运转类 30.00 30.00 30.00",
            "财政工作专项经费 特定目标类 300.00 300.00 300.00",
        ],
        "projects",
    )
    assert [r.name for r in table.rows] == ["合计", "公车统管费用 其他运转类", "财政工作专项经费 特定目标类"]
    # 一般公共预算 or another fiscal source: only the total's 财政拨款收入 column is certain
    assert _cells(table)["公车统管费用 其他运转类", "财政拨款收入"] == "30.00"
    assert any("可能在：一般公共预算、政府性基金预算、国有资本经营预算" in u for u in table.unplaced)


def test_the_same_total_label_on_both_sides_is_the_income_side_first():
    table = _zongti(
        [
            "2026年部门收支总体情况表",
            "单位名称：某厅 单位：万元",
            "收入 支出",
            "项目 预算数 项目 预算数",
            "合计 12.00 合计 12.00",
            "一、一般公共预算资金 12.00 一、一般公共服务支出 12.00",
        ],
        "financial_summary",
    )
    assert [(r.side, r.name) for r in table.rows] == [
        ("收入", "合计"),
        ("支出", "合计"),
        ("收入", "一、一般公共预算资金"),
        ("支出", "一、一般公共服务支出"),
    ]


def test_a_wrapped_name_ending_in_a_header_word_is_joined():
    table = _zongti(
        [
            "2026年部门支出总体情况表",
            "单位名称：某厅 单位：万元",
            "科目编码 科目名称 总计 基本支出 项目支出",
            "合计 5.00 5.00",
            "201 一般公共服务支出 5.00 5.00",
            "20103 政府办公厅（室）及相关机构事务 5.00 5.00",
            "其他政府办公厅（室）及相关机构事务",
            "2010399 5.00 5.00",
            "支出",
        ],
        "expenditure_summary",
    )
    assert table.rows[-1].name == "其他政府办公厅（室）及相关机构事务支出"


@pytest.mark.parametrize(
    ("code", "empty"),
    [("505 01", {"公用经费"}), ("505 02", {"人员经费"}), ("501 01", {"公用经费"}), ("599 99", set())],
)
def test_class_rules_may_name_a_kuan_of_a_class(code, empty):
    from assistant.records import Row, Table
    from assistant.tables import class_values

    rules = [
        {"table": "economic", "code": "501", "empty": ["公用经费"]},
        {"table": "economic", "code": "505 01", "empty": ["公用经费"]},
        {"table": "economic", "code": "505 02", "empty": ["人员经费"]},
    ]
    row = Row(code, "工资福利支出 30101-基本工资", 2, 7, "", (D(5), D(5)))
    table = Table("economic", "t", "t", "万元", ["合计", "人员经费", "公用经费"], [row])
    table.unplaced.append(f"第7行「{code} 工资福利支出」的 5：列无法唯一确定")
    assert {column for (_, column) in class_values(table, rules)} == empty


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("预算05表 一般公共预算支出表", "2026年一般公共预算支出表"),
        ("公开09表：政府采购支出表", "2026年政府采购支出表"),
    ],
)
def test_a_printed_table_number_is_not_part_of_the_tables_name(title, name):
    from assistant.tables import canonical_title

    assert canonical_title(title, {"name": name.removeprefix("2026年")}, 2026, None) == name


@pytest.mark.parametrize(
    ("text", "template", "expected"),
    [
        ("行政运行 1.00 2.00", {}, ("行政运行", [D("1.00"), D("2.00")], "")),
        (
            "国家预警发布平台维持项目 142500 信息发布系统。",
            {"trailing_text": True},
            ("国家预警发布平台维持项目", [D(142500)], ""),
        ),
        ("7.70 2080109 50299 项目支出", {"trailing_text": True, "figures": "first"}, ("", [D("7.70")], "")),
        (
            "日常公用经费 C04070100体检服务 2 302 99 502 99 370,000.00",
            {"figures": "last"},
            ("日常公用经费C04070100体检服务", [D(370000)], ""),
        ),
        (
            "基本工资 50101 工资奖金津补贴 5.00 5.00",
            {"second_code": r"^5\d{4}$"},
            ("基本工资", [D("5.00"), D("5.00")], "50101 工资奖金津补贴"),
        ),
        ("50102 1.00 1.00", {"second_code": r"^5\d{4}$"}, ("", [D("1.00"), D("1.00")], "50102")),
    ],
)
def test_row_text_reads_names_figures_and_details_as_the_template_says(text, template, expected):
    from assistant.tables import row_text

    assert row_text(text, template) == expected


def _xian_table(title: str, lines: list[str]):
    doc_lines = [title, "单位：元", *lines]
    return parse_table(Block("table", "", title, 0, len(doc_lines), "xian"), doc_lines, 2026)


def test_codes_and_names_wrapped_around_their_figures_are_read_back_into_their_rows():
    table = _xian_table(
        "部门综合预算一般公共预算支出明细表（按支出功能分类科目）",
        [
            "功能科目编码 功能科目名称 合计 人员经费支出 公用经费支出 专项业务经费支出 备注",
            "合计 30.00 10.00 0.00 20.00",
            "201 一般公共服务支出 30.00 10.00 0.00 20.00",
            "10 人力资源事务 30.00 10.00 0.00 20.00",
            "行政运行 10.00 10.00 0.00 0.00",
            "2011001",
            "一般行政管理",
            "20.00 0.00 0.00 20.00",
            "2011002 事务",
        ],
    )
    assert [(r.code, r.name) for r in table.rows] == [
        ("", "合计"),
        ("201", "一般公共服务支出"),
        ("201 10", "人力资源事务"),
        ("201 10 01", "行政运行"),
        ("201 10 02", "一般行政管理事务"),
    ]
    assert table.unplaced == []


def test_a_code_without_its_parent_row_sums_into_the_nearest_printed_ancestor():
    table = _xian_table(
        "部门综合预算一般公共预算基本支出明细表（按支出经济分类科目）",
        [
            "部门经济科目编码 部门经济科目名称 政府经济科目编码 政府经济科目名称 合计 人员经费支出 公用经费支出 备注",
            "合计 3.00 3.00 0",
            "301 工资福利支出 3.00 3.00 0",
            "3010201 津贴补贴 50101 工资奖金津补贴 1.00 1.00 0",
            "3010202 改革性补贴 50101 工资奖金津补贴 2.00 2.00 0",
        ],
    )
    from assistant.tables import _sum_groups

    assert _sum_groups(table.rows, "code") == [(1, (2, 3)), (0, (1,))]
    assert [r.detail for r in table.rows[2:]] == ["50101 工资奖金津补贴"] * 2
    assert table.unplaced == []


CHANGCHUN_FISCAL = [
    "财政拨款收支总表(预算表4)",
    "预算单位：长春市某局 单位：万",
    "元",
    "收 入 支 出",
    "项 目 本年预算 编制预算 上年结转 项 目 本年预算 编制预算 上年结转",
    "一、本年收入 100.00 90.00 10.00 一、本年支出 100.00 90.00 10.00",
    "一般公共预算拨款 100.00 90.00 10.00 一、一般公共服务支出 60.00 60.00 0.00",
    "政府性基金预算拨款 0.00 0.00 0.00 二、住房保障支出 40.00 30.00 10.00",
    "二、结转下年支出",
    "收 入 总 计 100.00 90.00 10.00 支 出 总 计 100.00 90.00 10.00",
]


def test_a_two_sided_table_with_every_column_on_both_sides():
    block = Block("table", "fiscal_summary", CHANGCHUN_FISCAL[0], 0, len(CHANGCHUN_FISCAL), "changchun")
    table = parse_table(block, CHANGCHUN_FISCAL, 2026)
    assert table.unit == "万元"  # `单位：万` / `元` broken over two lines
    placed = {(table.rows[c.row].name, c.column): format_decimal(c.value) for c in table.cells}
    assert [placed[("一、本年收入", c)] for c in ("本年预算", "编制预算", "上年结转")] == [
        "100.00",
        "90.00",
        "10.00",
    ]
    assert [placed[("二、住房保障支出", c)] for c in ("本年预算", "编制预算", "上年结转")] == [
        "40.00",
        "30.00",
        "10.00",
    ]
    # 一、本年支出 totals the functions numbered 一、二、 again under it
    levels = {row.name: (row.side, row.level) for row in table.rows}
    assert levels["一、本年支出"] == ("支出", 0) and levels["一、一般公共服务支出"] == ("支出", 1)
    assert levels["一般公共预算拨款"] == ("收入", 2)
    assert not table.unplaced and not table.warnings


@pytest.mark.parametrize(
    ("rows", "total"),
    [
        ([Row("105001", "长春市某局", 2, 5, "", (D(1),))], 0),  # a department of one unit, no 合计 printed
        ([Row("105001", "长春市某局", 2, 5, "", (D(1),)), Row("105002", "某中心", 2, 6, "", (D(1),))], None),
        ([Row("", "某局", 1, 5, "", (D(1),))], None),  # a row without a code is not taken for the total
    ],
)
def test_a_table_of_one_coded_row_is_its_own_total(rows, total):
    table = Table("income_summary", "", "", "万元", ["合计"], rows)
    assert row_keys(table).get("总计") == total
