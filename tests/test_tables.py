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
from assistant.tables import (
    _is_header,
    _segments,
    _sum_groups,
    parse_number,
    parse_table,
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
