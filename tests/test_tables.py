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
