"""The audit: checks, exit codes, the Chinese report and the table grid; every Shanghai text audits 0 or 1."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from assistant.audit import (
    AuditReport,
    Finding,
    _open_severity,
    audit_document,
    exit_code,
    render_audit,
    render_table,
    rounds_to,
)
from assistant.documents import read_document

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "shanghai-sme-office-2024.txt"
SHANGHAI = ROOT.parent / "shared" / "corpus" / "shanghai"
TEXTS = sorted(p for p in SHANGHAI.glob("*.txt") if "juesuan" not in p.name) if SHANGHAI.exists() else []
D = Decimal


@pytest.fixture(scope="module")
def seed():
    return read_document(SEED)


def test_seed_audit_holds_and_warns_about_the_mistitled_table(seed):
    report = audit_document(seed)
    assert exit_code(report) == 0
    assert report.count("error") == 0 and report.count("unplaced") == 0
    warnings = [f for f in report.findings if f.severity == "warning"]
    assert len(warnings) == 1 and warnings[0].line == 351
    assert "标题为「2024年预算单位政府性基金预算支出功能分类预算表」" in warnings[0].message
    text = render_audit(report)
    assert "结论：全部通过（退出码 0）" in text and "按表头识别为国有资本经营预算支出功能分类预算表" in text


@pytest.mark.parametrize(
    ("check", "words"),
    [
        ("row", "第264行「合计」 合计 = 基本支出+项目支出"),
        ("hierarchy", "第250行「215 08 支持中小企业发展和管理支出」 款 = Σ项"),
        ("hierarchy", "第248行「215 资源勘探工业信息等支出」 类 = Σ款"),
        ("sides", "收入总计 = 支出总计 = 10,555,000"),
        (
            "cross",
            "第248行「215 资源勘探工业信息等支出」 合计 = 2024年预算单位一般公共预算支出功能分类预算表的合计",
        ),
        ("text", "正文「收入预算 1056万元」与2024年预算单位收入预算总表的合计 10,555,000元 相符"),
        (
            "text",
            "正文「因公出国（境）费 12.00万元」与2024年单位“三公”经费和机关运行经费预算表的因公出国(境)费",
        ),
    ],
)
def test_seed_checks_that_hold(seed, check, words):
    report = audit_document(seed)
    assert any(f.severity == "ok" and f.check == check and words in f.message for f in report.findings)


@pytest.mark.parametrize(
    ("text", "unit", "table", "table_unit", "holds"),
    [
        (D("1056"), "万元", D("10555000"), "元", True),
        (D("57"), "万元", D("575900"), "元", True),
        (D("91.96"), "万元", D("919600"), "元", True),
        (D("12.00"), "万元", D("12.00"), "万元", True),
        (D("12.00"), "万元", D("12.5"), "万元", False),
        (D("1056"), "万元", D("10570000"), "元", False),
        (D("3"), "个", D("3"), "元", False),
    ],
)
def test_rounds_to(text, unit, table, table_unit, holds):
    assert rounds_to(text, unit, table, table_unit) is holds


def _report(*findings: Finding) -> AuditReport:
    return AuditReport("x", "单位", 2024, "单位预算", findings=list(findings))


@pytest.mark.parametrize(
    ("findings", "code"),
    [
        ((Finding("ok", "row", "ok", 1, "a"),), 0),
        ((Finding("warning", "table", "w", 1, "a"),), 0),
        ((Finding("error", "row", "e", 1, "a"),), 1),
        ((Finding("unplaced", "placement", "u", 1, "a"),), 2),
        ((Finding("error", "row", "e", 1, "a"), Finding("unplaced", "placement", "u", 2, "a")), 1),
        ((Finding("error", "row", "e", 1, "a"), Finding("unplaced", "placement", "u", 2, "b")), 2),
    ],
)
def test_exit_code(findings, code):
    assert exit_code(_report(*findings)) == code


def test_an_inconsistent_document_exits_1_with_the_finding(seed):
    text = SEED.read_text(encoding="utf-8").replace(
        "215 08 99 其他支持中小企业发展和管理支出 6,786,920 5,636,920 1,150,000",
        "215 08 99 其他支持中小企业发展和管理支出 6,786,920 5,636,920 1,150,001",
    )
    from assistant.documents import parse_document

    report = audit_document(parse_document(text, "broken"))
    assert exit_code(report) == 1
    errors = [f for f in report.findings if f.severity == "error"]
    assert errors and all(f.line for f in errors)
    # every cell of the row is printed, so its figures keep their columns and the identity they break is named
    assert any(
        f.line == 254 and "合计 6,786,920 ≠ 基本支出+项目支出 6,786,921（差 -1）" in f.message for f in errors
    )
    assert not [f for f in report.findings if f.severity == "unplaced" and f.line == 254]


def test_report_to_dict(seed):
    data = audit_document(seed).to_dict()
    assert data["exit_code"] == 0 and data["counts"]["error"] == 0
    assert {t["key"] for t in data["tables"]} >= {"economic", "three_public"}


def test_render_table_grid(seed):
    grid = render_table(seed.table("fiscal_summary")).splitlines()
    assert grid[0] == "2024年预算单位财政拨款收支预算总表（单位：元，第268行）"
    assert grid[1] == "收入" and "支出" in grid
    assert any("一、一般预算资金" in line and "10,555,000" in line for line in grid)
    assert any(line.startswith("284 | 支出总计") and line.count("10,555,000") == 2 for line in grid)
    economic = render_table(seed.table("economic"))
    assert "302 01 办公费" in economic and "300,000" in economic


@pytest.mark.skipif(not TEXTS, reason="shared corpus not present")
@pytest.mark.parametrize("path", TEXTS, ids=[p.stem for p in TEXTS])
def test_every_shanghai_text_audits_0_or_1(path):
    report = audit_document(read_document(path))
    assert exit_code(report) in (0, 1), render_audit(report)
    if exit_code(report) == 1:
        assert any(f.severity == "error" and f.line for f in report.findings)


def test_a_later_budget_states_its_change_consistently_with_the_earlier_one(tmp_path: Path) -> None:
    from assistant.audit import audit_series

    files = [ROOT / "corpus" / "shanghai" / f"sh_putuo_wanli_{y}.pdf" for y in (2023, 2024, 2025)]
    docs = [read_document(f) for f in files]
    found = audit_series(docs)
    assert set(found) == {"sh_putuo_wanli_2024", "sh_putuo_wanli_2025"}
    assert found["sh_putuo_wanli_2025"] and all(f.severity == "ok" for fs in found.values() for f in fs)
    text = (
        (SHANGHAI / "sh_putuo_wanli_2025.txt")
        .read_text(encoding="utf-8")
        .replace("比2024年预算减少10万元", "比2024年预算减少11万元")
    )
    altered = tmp_path / "sh_putuo_wanli_2025.txt"
    altered.write_text(text, encoding="utf-8")
    wrong = audit_series([docs[1], read_document(altered)])["sh_putuo_wanli_2025"]
    assert [f.severity for f in wrong if "三公" in f.message] == ["warning"]
    assert "不符" in next(f.message for f in wrong if f.severity == "warning")


def _fujian_summary(carried: str) -> str:
    """A 收支预算总表 as 福建 prints it (收入合计 = 本年收入合计 + 上年结转结余) and its “三公” list."""
    return "\n".join(
        [
            "2026 年度",
            "某市某局",
            "部门预算",
            "一、部门主要职责",
            "某市某局的主要职责是：负责本市有关工作。",
            "一、收支预算总表",
            "2026 年度收支预算总表",
            "单位：万元",
            "收入 支出",
            "项目 预算数 项目 预算数",
            "一、一般公共预算拨款收入 90.00 一、一般公共服务支出 110.00",
            "二、政府性基金预算拨款收入 二、外交支出",
            "九、其他收入 10.00",
            "本年收入合计 100.00 本年支出合计 110.00",
            f"上年结转结余 {carried} 结转下年支出 0.00",
            "收入合计 110.00 支出合计 110.00",
            "十、一般公共预算“三公”经费支出预算表",
            "2026 年度一般公共预算“三公”经费支出预算表",
            "单位：万元",
            "项目 预算数",
            "合计 5.00",
            "1、因公出国（境）费用 0.00",
            "2、公务接待费 5.00",
            "3、公务用车购置及运行费 0.00",
        ]
    )


@pytest.mark.parametrize(
    ("carried", "severity", "message"),
    [
        ("10.00", "ok", "收支预算总表：收入合计 110.00 = 本年收入合计、上年结转结余之和 110.00"),
        ("9.00", "error", "收支预算总表：收入合计 110.00 ≠ 本年收入合计、上年结转结余之和 109.00"),
    ],
)
def test_two_sided_totals_are_the_familys_and_add_up_through_the_years_subtotal(carried, severity, message):
    from assistant.documents import parse_document

    doc = parse_document(_fujian_summary(carried), "fujian-summary")
    assert doc.tables[0].family == "fujian" and doc.unit_name == "某市某局"
    sides = [f for f in audit_document(doc).findings if f.check == "sides"]
    assert any(f.severity == severity and f.message.endswith(message) for f in sides), sides
    assert any(f.severity == "ok" and "本年收入合计 100.00 = 各项收入之和 100.00" in f.message for f in sides)
    assert any(f.severity == "ok" and "收入合计 = 支出合计 = 110.00" in f.message for f in sides)


@pytest.mark.parametrize(
    ("message", "template", "severity"),
    [
        (
            "第9行「 合计」的 5.40：列无法唯一确定（可能在：上年购置费、上年运行费）",
            {"open_note": "n", "open_columns": ["上年购置费", "上年运行费"]},
            "warning",
        ),
        (
            "第9行「 合计」的 5.40：列无法唯一确定（可能在：购置费、上年运行费）",
            {"open_note": "n", "open_columns": ["上年购置费", "上年运行费"]},
            "unplaced",
        ),
        (
            "第9行「 合计」的 5.40：列无法唯一确定",
            {"open_note": "n", "open_columns": ["上年购置费"]},
            "unplaced",
        ),
        ("第9行「 合计」的 5.40：列无法唯一确定（可能在：其他资金）", {"open_note": "n"}, "warning"),
        ("第9行「 合计」的 5.40：列无法唯一确定（可能在：其他资金）", {}, "unplaced"),
    ],
)
def test_open_figures_are_a_notice_only_in_the_columns_the_family_names(message, template, severity):
    assert _open_severity(message, template)[0] == severity


def test_a_family_balances_its_own_grand_totals():
    from assistant.documents import parse_document

    text = "\n".join(
        [
            "2026年部门收支总体情况表",
            "单位名称：某厅 单位：万元",
            "收入 支出",
            "项目 预算数 项目 预算数",
            "合计 12.00 合计 12.01",
            "一、一般公共预算资金 12.00 一、一般公共服务支出 12.01",
            "2026年部门支出总体情况表",
            "单位名称：某厅 单位：万元",
            "科目编码 科目名称 总计 基本支出 项目支出",
            "合计 12.01 12.01",
            "201 一般公共服务支出 12.01 12.01",
        ]
    )
    report = audit_document(parse_document(text, "twins"))
    assert [f.message for f in report.findings if f.check == "sides" and f.severity == "error"] == [
        "2026年部门收支总体情况表：收入总计 12.00 ≠ 支出总计 12.01"
    ]


def test_a_grand_total_made_of_this_year_and_last_years_remainder_balances():
    """北京's 收支总表: 收入总计 = 本年收入合计 + 上年结转结余 (the remainder carries no number)."""
    from assistant.documents import parse_document

    text = "\n".join(
        [
            "预算01表 收支总表",
            "金额单位：万元",
            "收 入 支 出",
            "项 目 预算数 项 目 预算数",
            "一、一般公共预算拨款收入 10.000000 一、一般公共服务支出 12.500000",
            "九、其他收入 0.500000",
            "本年收入合计 10.500000 本年支出合计 12.500000",
            "上年结转结余 2.000000 年终结转结余",
            "收入总计 12.500000 支出总计 12.500000",
            "预算10表 政府采购预算明细表",
            "采购类别 金额",
            "A-货物 1.000000",
            "合 计 1.000000",
        ]
    )
    report = audit_document(parse_document(text, "beijing"))
    sides = [(f.severity, f.message) for f in report.findings if f.check == "sides"]
    assert sides == [
        ("ok", "收支总表：收入总计 = 支出总计 = 12.500000"),
        ("ok", "收支总表：收入总计 12.500000 = 各项收入之和 12.500000"),
    ]


@pytest.mark.parametrize(("staff", "holds"), [("100.00", True), ("90.00", False)])
def test_every_side_of_a_table_of_four_sides_adds_up(staff, holds):
    from assistant.documents import parse_document
    from tests.test_documents import XIAN

    report = audit_document(parse_document(XIAN.format(staff=staff), "xian-example"))
    sides = [f for f in report.findings if f.check == "sides"]
    item = next(f for f in sides if "1、人员经费和公用经费支出" in f.message)
    assert (item.severity, "（部门经济分类）" in item.message) == ("ok" if holds else "error", True)
    assert any(f.severity == "ok" and "支出总计」（政府经济分类）" in f.message for f in sides)
    assert [f for f in report.findings if f.severity == "unplaced"] == []
