"""Reading documents: identity, sections, the 决算 refusal and bad inputs."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from assistant.documents import decode, find_blocks, parse_document, read_document
from assistant.errors import BudgetQAError, InputError, NotABudgetError, ParseError

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "shanghai-sme-office-2024.txt"
SHANGHAI = ROOT.parent / "shared" / "corpus" / "shanghai"
FINAL_ACCOUNTS = SHANGHAI / "sh_putuo_caizhengju_2024_juesuan.txt"


def test_seed_identity_and_tables():
    doc = read_document(SEED)
    assert (doc.unit_name, doc.year, doc.kind) == ("上海市促进中小企业发展协调办公室", 2024, "单位预算")
    assert [t.key for t in doc.tables] == [
        "financial_summary",
        "income_summary",
        "expenditure_summary",
        "fiscal_summary",
        "general_function",
        "fund_function",
        "capital_function",
        "economic",
        "three_public",
    ]
    assert [s.name for s in doc.sections][:2] == ["主要职能", "机构设置"]


def test_seed_mistitled_table_is_decided_by_its_header():
    table = read_document(SEED).table("capital_function")
    assert "政府性基金" in table.title
    assert table.name == "2024年预算单位国有资本经营预算支出功能分类预算表"
    assert table.warnings and "国有资本经营预算支出" in table.warnings[0]


@pytest.mark.skipif(not FINAL_ACCOUNTS.exists(), reason="shared corpus not present")
def test_final_accounts_are_refused_clearly():
    with pytest.raises(NotABudgetError, match="决算") as err:
        read_document(FINAL_ACCOUNTS)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("mandate", "final"),
    [
        ("负责市级预决算公开。", False),  # a finance bureau's mandate, in its budget
        ("2023年度部门决算公开", True),
        ("单位决算公开说明", True),
    ],
)
def test_a_mandate_to_publish_final_accounts_is_not_a_final_account(mandate, final):
    from assistant.documents import is_final_accounts, source_lines

    lines = source_lines(SEED.read_text(encoding="utf-8"))
    assert is_final_accounts(lines[:5] + [mandate] + lines[5:]) is final


def _seed_cut_mid_table() -> str:
    lines = SEED.read_text(encoding="utf-8").splitlines()
    cut = next(i for i, line in enumerate(lines) if line.startswith("215 08 05")) + 1
    return "\n".join(lines[:cut])


@pytest.mark.parametrize(
    ("name", "data", "error", "words"),
    [
        ("empty.txt", b"", InputError, "empty"),
        ("blank.txt", b"  \n\n ", InputError, "empty"),
        ("binary.bin", bytes(range(256)) * 4, InputError, "binary"),
        ("doc.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", InputError, "cannot be read"),
        ("renamed.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", InputError, "cannot be read"),
        ("fake.pdf", "预算单位：某单位\n".encode(), InputError, "not a PDF"),
        ("latin1.txt", "预算".encode("gb18030"), InputError, "UTF-8"),
        (
            "poem.txt",
            "床前明月光，疑是地上霜。\n举头望明月，低头思故乡。\n".encode(),
            NotABudgetError,
            "no budget table",
        ),
    ],
)
def test_bad_inputs_give_one_line_errors(tmp_path, name, data, error, words):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(error) as err:
        read_document(path)
    assert words in str(err.value)
    assert "\n" not in str(err.value)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_document(tmp_path / "nothing.txt")
    with pytest.raises(InputError, match="folder"):
        read_document(tmp_path)


def test_truncated_table_is_a_one_line_parse_error():
    with pytest.raises(ParseError, match="收入预算总表 \\(line 166\\) ends without its total row") as err:
        parse_document(_seed_cut_mid_table(), "cut")
    assert "\n" not in str(err.value)


def test_decode_accepts_utf8_with_bom():
    assert decode("\ufeff预算".encode(), "x") == "预算"


def test_every_error_is_a_budget_error():
    assert issubclass(InputError, BudgetQAError) and issubclass(NotABudgetError, BudgetQAError)


CAIZHENGJU = ROOT / "corpus" / "shanghai" / "sh_caizhengju_2025.txt"


def _table_lines(lines: list[str], title: str) -> tuple[int, int]:
    """The first and one-past-last line of the table printed under `title` (up to its 合计 row)."""
    start = next(i for i, line in enumerate(lines) if line.strip() == title)
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("合计 ")) + 1
    return start, end


def test_a_table_title_left_from_the_contents_gives_way_to_the_table():
    """Found by fuzzing: without the contents lines around it, one entry of the table of contents reads as an
    empty table, and the same table was then stored twice (a crash of `budget-qa index`)."""
    lines = CAIZHENGJU.read_text(encoding="utf-8").split("\n")
    doc = parse_document("\n".join(lines[:11] + lines[20:]), "toc")
    keys = [t.key for t in doc.tables]
    assert keys.count("income_summary") == 1 and len(keys) == len(set(keys))
    income = next(t for t in doc.tables if t.key == "income_summary")
    assert income.rows and income.line > 11


def test_a_table_printed_twice_is_kept_once():
    lines = SEED.read_text(encoding="utf-8").split("\n")
    start, end = _table_lines(lines, "2024年预算单位收入预算总表")
    once = parse_document("\n".join(lines), "once")
    twice = parse_document("\n".join(lines[:end] + [""] + lines[start:end] + lines[end:]), "twice")
    assert [t.key for t in twice.tables] == [t.key for t in once.tables]
    assert len(twice.text_facts) == len(once.text_facts)


def test_a_table_printed_twice_with_different_figures_is_refused_in_one_line():
    lines = SEED.read_text(encoding="utf-8").split("\n")
    start, end = _table_lines(lines, "2024年预算单位收入预算总表")
    copy = [line.replace("10,555,000", "10,555,001") for line in lines[start:end]]
    with pytest.raises(ParseError) as err:
        parse_document("\n".join(lines[:end] + [""] + copy + lines[end:]), "twice")
    assert str(err.value) == (
        f"twice: the table 2024年预算单位收入预算总表 is printed twice with different figures "
        f"(lines {start + 1} and {end + 2})"
    )


CONTENTS = [
    "湖州市某局 2026 年部门预算",
    "目录",
    "一、部门概况",
    "（一）主要职能",
    "四、2026 年部门预算表",
    "（一）2026年市级部门收支预算总表",
    "（十）2026年市级部门项目支出预算表",
    "（十一）2026年市级部门项目支出绩效表",
    "一、部门概况",
    "（一）主要职能",
    "1.负责全市财政工作。",
    "表10",
    "2026年市级部门项目支出预算表",
    "表11",
    "2026年市级部门项目支出绩效表",
]


@pytest.mark.parametrize(
    ("family", "heads"),
    [
        # the contents run from 目录 to where their first entry is printed again: none of them is a heading
        (
            "zhejiang",
            [("section", "主要职能", 9), ("table", "projects", 12), ("section", "项目支出绩效目标", 14)],
        ),
    ],
)
def test_contents_entries_are_not_headings(family, heads):
    assert [(b.kind, b.name, b.start) for b in find_blocks(CONTENTS, family)] == heads


PROSE = [
    "第三部分 2019年度部门预算情况说明",
    "一、收支预算总体情况说明",
    "3．检察监督(项)支出 1185.6 万元，主要原因一是本级划转办案费;二是《财政拨款支出预算表",
    "（功能科目）》增加了“其他检察支出”项级科目分流469.5万元。",
    "五、财政拨款支出预算表",
]


@pytest.mark.parametrize(
    ("line", "heads"),
    [
        # a sentence naming a table in book quotes after a sentence mark is prose, not the table's title
        (2, [("section", "预算编制说明", 0), ("table", "fiscal_function", 4)]),
        (4, [("section", "预算编制说明", 0), ("table", "fiscal_function", 4)]),
    ],
)
def test_a_sentence_naming_a_table_is_not_its_title(line: int, heads: list[tuple[str, str, int]]) -> None:
    blocks = find_blocks(PROSE, "jiangsu")
    assert [(b.kind, b.name, b.start) for b in blocks] == heads
    assert next(b for b in blocks if b.start <= line < b.end).kind == heads[0 if line < 4 else 1][0]


OTHER = ROOT.parent / "shared" / "corpus" / "other"


@pytest.mark.skipif(not OTHER.exists(), reason="shared corpus not present")
@pytest.mark.parametrize(
    ("name", "unit", "sections", "glossary_start"),
    [
        (  # 名词解释 printed again after a page holding only its heading and a page number
            "quanzhou_shizhengfubangongshi_2026",
            "泉州市人民政府办公室",
            ["主要职能", "机构设置", "主要工作任务", "预算编制说明", "其他相关情况说明", "名词解释"],
            "一、财政拨款收入：",
        ),
        (  # a contents list without leaders: the part headings (第二部分 …部门预算表) only divide
            "guangzhou_shizhengfubangongting_2026",
            "广州市人民政府办公厅",
            ["主要职能", "机构设置", "预算构成", "预算编制说明", "名词解释"],
            "一、财政拨款收入:",
        ),
        (  # the mandate printed as 一、主要职责 where the contents list it as 一、主要职能
            "js_jianchayuan_2019",
            "江苏省人民检察院",
            ["主要职能", "机构设置", "主要工作任务", "预算编制说明", "名词解释"],
            "一、财政拨款：",
        ),
    ],
)
def test_other_families_sections_and_unit(name, unit, sections, glossary_start):
    doc = read_document(OTHER / f"{name}.txt")
    assert doc.unit_name == unit and doc.year == int(name[-4:]) and doc.kind == "部门预算"
    assert [s.name for s in doc.sections] == sections
    assert next(s for s in doc.sections if s.name == "名词解释").text.startswith(glossary_start)


# A department budget of the 总体情况表 family, cut down: contents, narrative, one table over two pages.
ZONGTI = """某市某局
2026 年部门预算公开
目 录
第一部分 2026 年部门预算说明
一、部门基本概况
七、名词解释
第二部分 2026 年部门预算表
1、部门收支总表
2、部门支出总表
第一部分 部门预算公开说明
一、部门基本概况
（一）职能职责
负责全市某项工作。
（二）机构设置
局机关设办公室。
二、部门预算单位构成
本部门只有本级。
七、名词解释
1．基本支出：保障机构正常运转的支出。
第二部分 2026 年部门预算表
2026年部门收支总体情况表
部门名称：某局 单位：万元
收 入 支 出
项 目 本年预算 项 目 本年预算
一、本级财政拨款收入 10.00 一、基本支出 6.00
二、项目支出 4.00
2026年部门收支总体情况表
部门名称：某局 单位：万元
收 入 支 出
项 目 本年预算 项 目 本年预算
本 年 收 入 合 计 10.00 本 年 支 出 合 计 10.00
收 入 总 计 10.00 支 出 总 计 10.00
2026年部门支出总体情况表
部门名称：某局 单位：万元
科目编码
功能科目 总 计 基本支出 项目支出
类 款 项
** ** ** ** 1 2 3
合计 10.00 6.00 4.00
201 一般公共服务支出 10.00 6.00 4.00
40 信访事务 10.00 6.00 4.00
201 40 01 行政运行 6.00 6.00
201 40 04 信访业务 4.00 4.00
"""


def test_a_table_continued_under_its_repeated_title_is_one_table():
    doc = parse_document(ZONGTI, "zongti")
    summary = doc.table("financial_summary")
    assert [t.key for t in doc.tables] == ["financial_summary", "expenditure_summary"]
    assert [r.name for r in summary.rows if r.side == "收入"] == [
        "一、本级财政拨款收入",
        "本年收入合计",
        "收入总计",
    ]
    assert not summary.unplaced and not doc.table("expenditure_summary").unplaced


def test_contents_entries_are_skipped_and_sections_of_one_name_are_joined():
    doc = parse_document(ZONGTI, "zongti")
    sections = {s.name: s for s in doc.sections}
    assert sections["名词解释"].text.startswith("1．基本支出：保障机构正常运转的支出。")
    assert "部门收支总表" not in sections["名词解释"].text  # not the contents entry printed first
    assert sections["机构设置"].text == "局机关设办公室。\n本部门只有本级。"
    assert (doc.unit_name, doc.year, doc.kind) == ("某局", 2026, "部门预算")


# 北京's 情况说明: the narrative of a budget whose tables are published as a separate 报表 file.
NARRATIVE_ONLY = """北京市某局
2026 年度部门预算信息公开
目 录
第一部分 2026 年度部门预算情况说明
一、部门情况说明
六、名词解释
第二部分 2026 年度部门预算报表
一、收支总表
十一、财政拨款政府购买服务明细表
- 2 -
第一部分 2026 年度部门预算情况说明
一、部门情况说明
（一）本部门职责情况
负责全市某项工作。
- 3 -
六、名词解释
基本支出：指为保障机构正常运转的支出。
第二部分 2026 年度部门预算报表
附件：北京市某局 2026 年度部门预算批复公开表
"""


def test_a_narrative_published_without_its_tables_is_read_as_narrative_only():
    doc = parse_document(NARRATIVE_ONLY, "shuoming")
    assert (doc.unit_name, doc.year, doc.kind, doc.tables) == ("北京市某局", 2026, "部门预算", [])
    assert [s.name for s in doc.sections] == ["主要职能", "名词解释"]
    assert doc.sections[0].text == "负责全市某项工作。"  # the page footer (- 3 -) is not part of it


def test_a_narrative_that_does_not_say_its_tables_are_apart_is_still_not_a_budget():
    with pytest.raises(NotABudgetError, match="no budget table"):
        lines = NARRATIVE_ONLY.splitlines()
        parse_document(
            "\n".join(line for line in lines if "部门预算报表" not in line and "附件" not in line), "x"
        )


def test_tables_that_print_no_year_take_the_year_their_text_names():
    text = "\n".join(
        [
            "预算09表 财政拨款“三公”经费支出表",
            "金额单位：万元",
            "“三公”经费财政拨款预算总额 因公出国（境）费用 公务接待费",
            "小计 公务用车购置费 公务用车运行维护费",
            "3.000000 1.000000 1.000000 1.000000 0.400000 0.600000",
            "预算10表 政府采购预算明细表",
            "金额单位：万元",
            "采购类别 金额",
            "A-货物 1.000000",
            "合 计 1.000000",
            "预算12表 项目支出绩效目标表",
            "确保2026年工作顺利进行",
        ]
    )
    doc = parse_document(text, "baobiao")
    assert (doc.year, doc.kind) == (2026, "部门预算")
    assert doc.table("three_public").value(0, "运行费") == Decimal("0.600000")


XIAN = """西安市示例局（汇总）
2026年部门综合预算说明
目 录
第二部分：部门预算收支情况说明
五、收支预算总体情况说明
第二部分：部门预算收支情况说明
五、收支预算总体情况说明
本部门当年预算收入100.00万元，其中：一般公共预算拨款100.00万元。
第五部分：部门预算公开报表
部门名称：西安市示例局（汇总）
表1
部门综合预算收支总表
单位：万元
收入 支出
一、部门预算 100.00 一、部门预算 100.00 一、部门预算 100.00 一、部门预算 100.00
1、财政拨款 100.00 1、一般公共服务支出 60.00 1、人员经费和公用经费支出 100.00 1、机关工资福利支出 100.00
(1)一般公共预算拨款 100.00 2、外交支出 (1)工资福利支出 {staff}
表1
部门综合预算收支总表
单位：万元
5、教育支出 40.00
本年收入合计 100.00 本年支出合计 100.00 本年支出合计 100.00 本年支出合计 100.00
收入总计 100.00 支出总计 100.00 支出总计 100.00 支出总计 100.00
"""


def test_a_table_continued_under_its_repeated_title_keeps_its_rows():
    doc = parse_document(XIAN.format(staff="100.00"), "xian-example")
    table = doc.table("financial_summary")
    assert doc.family == "xian" and [t.key for t in doc.tables] == ["financial_summary"]
    assert ("5、教育支出", (Decimal("40.00"),)) in [
        (r.name, r.numbers) for r in table.rows if r.side == "支出"
    ]
    assert "本部门当年预算收入" in doc.section("预算编制说明").text  # not the contents entry of the same name


def test_an_explanation_without_its_tables_is_a_budget_of_a_family_that_allows_it():
    narrative = XIAN.split("部门名称")[0]
    doc = parse_document(narrative, "xian-explanation")
    assert (doc.tables, doc.family, doc.unit_name) == ([], "xian", "")
    assert any(f.row_name == "当年预算收入" for f in doc.text_facts)
    with pytest.raises(NotABudgetError):
        parse_document("主要职能\n本单位负责……\n", "not-a-budget")
