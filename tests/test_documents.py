"""Reading documents: identity, sections, the 决算 refusal and bad inputs."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from assistant.documents import decode, parse_document, read_document
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
