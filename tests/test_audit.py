"""The audit: checks, exit codes, the Chinese report and the table grid; every Shanghai text audits 0 or 1."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from assistant.audit import (
    AuditReport,
    Finding,
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
