"""Helpdesk accounts (bcrypt, no default) and its pure views over a real index."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import bcrypt
import pytest

from assistant.accounts import parse_users
from assistant.engine import Assistant
from assistant.helpdesk import (
    also_appears,
    audit_text,
    cell_rows,
    checker,
    hash_line,
    reply_text,
    table_grid_html,
)
from assistant.index import build_index

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus" / "shanghai-sme-office-2024.txt"
HASH = bcrypt.hashpw(b"correct-horse-9", bcrypt.gensalt(rounds=4)).decode()


@pytest.mark.parametrize(
    ("user", "password", "ok"),
    [
        ("staff", "correct-horse-9", True),
        ("staff", "correct-horse-8", False),
        ("root", "correct-horse-9", False),
        ("", "", False),
    ],
)
def test_checker(user: str, password: str, ok: bool) -> None:
    assert checker(parse_users(f"staff:{HASH}"))(user, password) is ok


@pytest.mark.parametrize(
    ("user", "password"), [("", "long-enough"), ("a:b", "long-enough"), ("staff", "short")]
)
def test_hash_line_rejects(user: str, password: str) -> None:
    with pytest.raises(ValueError):
        hash_line(user, password)


def test_hash_password_command_round_trips() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "assistant.app", "hash-password", "staff"],
        input="correct-horse-9\n",
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout.strip()
    assert out.startswith("staff:$2b$")
    assert checker(parse_users(out))("staff", "correct-horse-9") is True


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    folder = tmp_path_factory.mktemp("index")
    build_index([CORPUS], folder, with_vectors=False)
    return Assistant.open(folder)


def test_views_of_a_traced_figure(assistant: Assistant) -> None:
    answer = assistant.ask("公务接待费是多少？")
    rows = cell_rows(answer)
    assert [
        "表格",
        "2024年单位“三公”经费和机关运行经费预算表",
        "合计",
        "公务接待费",
        "3.00",
        "万元",
        453,
        "",  # read from text: no PDF page
    ] in rows
    others = also_appears(assistant.store.facts(answer.document), answer.citations)
    assert others and all(o[0] in ("3.00万元", "30,000元") for o in others)
    reply = reply_text(answer)
    assert "**" not in reply and "数据来源：" in reply and "“合计”行“公务接待费”栏：3.00万元" in reply
    assert "第453行" not in reply


def test_grid_and_audit(assistant: Assistant) -> None:
    doc = next(iter(assistant.docs.values()))
    table = next(t for t in doc.tables if "经济分类" in t.name)
    grid = table_grid_html(table)
    assert "<td>302 09</td><td>物业管理费</td>" in grid and "<td>850,000</td>" in grid
    text = audit_text(assistant.store.audit(doc.id))
    assert text.startswith(f"文件：{doc.id}") and "结论：" in text
    assert audit_text(None) == "这份文件没有审计报告（重建索引后生成）。"
