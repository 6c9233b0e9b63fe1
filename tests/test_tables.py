"""Table parsing: the golden cells of the seed, the line readers, and synthetic tables as printed."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.documents import Block, read_document
from assistant.records import format_decimal
from assistant.tables import _is_header, _segments, parse_number, parse_table, split_code, split_figures

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
        ("合计", None),
        ("1,2", None),
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
