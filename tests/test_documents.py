"""Reading documents: identity, sections, the 决算 refusal and bad inputs."""

from __future__ import annotations

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
    ],
)
def test_other_families_sections_and_unit(name, unit, sections, glossary_start):
    doc = read_document(OTHER / f"{name}.txt")
    assert doc.unit_name == unit and doc.year == 2026 and doc.kind == "部门预算"
    assert [s.name for s in doc.sections] == sections
    assert next(s for s in doc.sections if s.name == "名词解释").text.startswith(glossary_start)
