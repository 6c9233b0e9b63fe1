"""The command line, run in-process (plus one smoke test of the installed `budget-qa`)."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from hypothesis import given

from assistant.cli import main
from assistant.engine import Assistant

from .conftest import OTHER, OTHER_ID, ROOT, SEED, SEED_ID, as_built_before_manifests
from .damage import CASES, FIX, live, overwritten_sections
from .fuzzing import TEXTS, Mutation, check_answer, fuzz_settings, mutations, phrased

CONTRACT = {"answer", "route", "citations", "values", "formula", "latency_ms"}
FACT_FIELDS = {
    "document",
    "unit_name",
    "year",
    "table",
    "row_code",
    "row_name",
    "column",
    "value",
    "unit",
    "line",
}


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ask_json_prints_one_contract_object(capsys, seed_index: Path) -> None:
    code, out, err = _run(
        capsys, "--index", str(seed_index), "ask", "--json", "物业管理费占商品和服务支出的比例是多少？"
    )
    assert code == 0 and err == ""
    lines = out.strip().splitlines()
    assert len(lines) == 1
    data = json.loads(lines[0])
    assert set(data) >= CONTRACT
    assert data["route"] == "table" and "47.43%" in data["answer"]
    assert data["formula"] == "物业管理费 850,000 ÷ 商品和服务支出 1,792,000 × 100% = 47.43%"
    first = data["citations"][0]
    assert first == {
        "source": "table",
        "document": SEED_ID,
        "table": "2024年预算单位一般公共预算基本支出部门预算经济分类预算表",
        "row": "302 09 物业管理费",
        "column": "合计",
        "value": "850000",
        "unit": "元",
        "line": first["line"],
    }
    assert {"label": "占比", "value": "47.43", "unit": "%"} in data["values"]


def test_ask_prints_text_for_people(capsys, seed_index: Path) -> None:
    code, out, _ = _run(capsys, "--index", str(seed_index), "ask", "办公费是多少？")
    assert code == 0
    assert out.startswith("**办公费**：300,000元（30.00万元）。")


def test_ask_jsonl_one_line_per_question_with_history(capsys, seed_index: Path, tmp_path: Path) -> None:
    questions = [
        {"id": "q1", "question": "办公费是多少？", "history": []},
        {"id": "q2", "question": "换算成万元", "history": ["办公费是多少？"]},
        {"id": "q3", "question": "这两项加起来多少？", "history": ["办公费是多少？", "印刷费是多少？"]},
        {"id": 4, "question": "换算成万元"},
        {"id": "q5", "question": "", "history": []},
    ]
    file = tmp_path / "questions.jsonl"
    file.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in questions) + "\n", encoding="utf-8")
    code, out, err = _run(capsys, "--index", str(seed_index), "ask", "--jsonl", str(file))
    assert code == 0 and err == ""
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in rows] == ["q1", "q2", "q3", 4, "q5"]
    assert all(set(r) >= CONTRACT for r in rows)
    assert "300,000元" in rows[0]["answer"]
    assert "30.00万元" in rows[1]["answer"]
    assert "320,000元" in rows[2]["answer"]
    assert rows[3]["route"] == "refuse"  # no history: nothing to convert
    assert rows[4]["route"] == "refuse"


def test_ask_jsonl_reports_a_bad_line_and_goes_on(capsys, seed_index: Path, tmp_path: Path) -> None:
    file = tmp_path / "questions.jsonl"
    file.write_text('not json\n[1, 2]\n{"id": "ok", "question": "办公费是多少？"}\n', encoding="utf-8")
    code, out, _ = _run(capsys, "--index", str(seed_index), "ask", "--jsonl", str(file))
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 3
    assert rows[0] == {"id": None, "line": 1, "error": "not a JSON object"}
    assert rows[1]["line"] == 2 and rows[1]["id"] is None
    assert rows[2]["id"] == "ok" and "300,000元" in rows[2]["answer"]


def _one_line_error(code: int, out: str, err: str, needle: str) -> None:
    assert code == 2
    assert out == ""
    assert err.startswith("budget-qa: ") and err.count("\n") == 1, err
    assert needle in err
    assert "Traceback" not in err


def test_ask_before_any_index(capsys, tmp_path: Path) -> None:
    code, out, err = _run(capsys, "--index", str(tmp_path / "none"), "ask", "办公费是多少？")
    _one_line_error(code, out, err, "budget-qa index")


def test_ask_without_a_question(capsys, seed_index: Path) -> None:
    code, out, err = _run(capsys, "--index", str(seed_index), "ask")
    _one_line_error(code, out, err, "--jsonl")


def test_ask_jsonl_missing_file(capsys, seed_index: Path, tmp_path: Path) -> None:
    code, out, err = _run(capsys, "--index", str(seed_index), "ask", "--jsonl", str(tmp_path / "nope.jsonl"))
    _one_line_error(code, out, err, "no such file")


def test_facts_jsonl_fields(capsys) -> None:
    code, out, err = _run(capsys, "facts", str(SEED), "--jsonl")
    assert code == 0 and err == ""
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) > 100
    assert all(set(r) >= FACT_FIELDS for r in rows)
    office = [r for r in rows if r["row_name"] == "办公费" and r["column"] == "合计"]
    assert office == [office[0]] and {k: office[0][k] for k in FACT_FIELDS - {"line"}} == {
        "document": SEED_ID,
        "unit_name": "上海市促进中小企业发展协调办公室",
        "year": 2024,
        "table": "2024年预算单位一般公共预算基本支出部门预算经济分类预算表",
        "row_code": "302 01",
        "row_name": "办公费",
        "column": "合计",
        "value": "300000",
        "unit": "元",
    }
    assert isinstance(office[0]["line"], int) and office[0]["line"] > 0
    three = [r for r in rows if "三公" in r["table"] and r["column"] == "合计" and r["row_name"] == "合计"]
    assert three and (three[0]["value"], three[0]["unit"]) == ("15.00", "万元")
    assert any(r["row_code"] == "208 05 01" for r in rows)
    procurement = [r for r in rows if r["row_name"] == "政府采购预算" and not r["column"]]
    assert procurement and (procurement[0]["value"], procurement[0]["unit"]) == ("91.96", "万元")


def test_audit_of_the_seed_exits_0(capsys) -> None:
    code, out, _ = _run(capsys, "audit", str(SEED))
    assert code == 0
    assert out.strip()


def test_audit_json(capsys) -> None:
    code, out, _ = _run(capsys, "audit", str(SEED), "--json")
    assert code == 0
    assert isinstance(json.loads(out), dict)


def test_tables_prints_a_grid(capsys) -> None:
    code, out, _ = _run(capsys, "tables", str(SEED), "--table", "economic")
    assert code == 0
    assert "经济分类预算表" in out
    office = next(line for line in out.splitlines() if "302 01 办公费" in line)
    assert "300,000" in office
    assert out.count("|") > 20


def test_tables_unknown_table(capsys) -> None:
    code, out, err = _run(capsys, "tables", str(SEED), "--table", "nonsense")
    _one_line_error(code, out, err, "economic")


def _bad(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / f"{kind}.txt"
    if kind == "empty":
        path.write_text("", encoding="utf-8")
    elif kind == "binary":
        path.write_bytes(bytes(range(256)) * 8)
    elif kind == "not-a-budget":
        path.write_text("今天天气很好，我们去公园散步。\n没有任何表格。\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["facts", "audit", "tables"])
@pytest.mark.parametrize(
    ("kind", "needle"),
    [("missing", "no such file"), ("empty", "empty"), ("binary", "binary"), ("not-a-budget", "budget")],
)
def test_bad_inputs_exit_2_with_one_line(
    capsys, tmp_path: Path, command: str, kind: str, needle: str
) -> None:
    path = _bad(tmp_path, kind)
    code, out, err = _run(capsys, command, str(path))
    _one_line_error(code, out, err, needle)
    assert path.name in err or path.stem in err


def test_index_creates_the_folder_and_reruns_as_up_to_date(capsys, tmp_path: Path) -> None:
    index = tmp_path / "new" / "index"
    code, out, _ = _run(capsys, "--index", str(index), "index", str(SEED), "--no-vectors", "--quiet")
    assert code == 0
    assert (
        "indexed 1 document(s)" in out and f"{SEED_ID}: 上海市促进中小企业发展协调办公室 2024 单位预算" in out
    )
    assert (index / "CURRENT").exists()
    code, out, _ = _run(capsys, "--index", str(index), "index", str(SEED), "--no-vectors", "--quiet")
    assert code == 0 and "up to date" in out


def test_index_failure_leaves_the_index(capsys, tmp_path: Path) -> None:
    index = tmp_path / "index"
    assert _run(capsys, "--index", str(index), "index", str(SEED), "--no-vectors", "--quiet")[0] == 0
    pointer = (index / "CURRENT").read_text(encoding="utf-8")
    bad = _bad(tmp_path, "empty")
    code, out, err = _run(
        capsys, "--index", str(index), "index", str(SEED), str(bad), "--no-vectors", "--quiet", "--force"
    )
    _one_line_error(code, out, err, "empty")
    assert (index / "CURRENT").read_text(encoding="utf-8") == pointer
    code, out, _ = _run(capsys, "--index", str(index), "ask", "办公费是多少？")
    assert code == 0 and "300,000元" in out


def test_index_skip_bad(capsys, tmp_path: Path) -> None:
    bad = _bad(tmp_path, "binary")
    code, out, err = _run(
        capsys,
        "--index",
        str(tmp_path / "index"),
        "index",
        str(SEED),
        str(bad),
        "--no-vectors",
        "--quiet",
        "--skip-bad",
    )
    assert code == 0
    assert "indexed 1 document(s)" in out
    assert err.startswith("skipped: ") and "binary" in err


def test_index_of_one_file_refuses_to_drop_the_others_without_force(capsys, tmp_path: Path) -> None:
    if not OTHER.exists():
        pytest.skip("shared Shanghai corpus not present")
    index = tmp_path / "index"
    assert (
        _run(capsys, "--index", str(index), "index", str(SEED), str(OTHER), "--no-vectors", "--quiet")[0] == 0
    )
    pointer = (index / "CURRENT").read_text(encoding="utf-8")
    code, out, err = _run(capsys, "--index", str(index), "index", str(SEED), "--no-vectors", "--quiet")
    _one_line_error(
        code, out, err, f"refusing to drop 1 indexed document(s) missing from the files given: {OTHER_ID};"
    )
    assert (index / "CURRENT").read_text(encoding="utf-8") == pointer
    code, out, _ = _run(
        capsys, "--index", str(index), "index", str(SEED), "--no-vectors", "--quiet", "--force"
    )
    assert code == 0 and "indexed 1 document(s)" in out


def test_index_missing_path(capsys, tmp_path: Path) -> None:
    code, out, err = _run(
        capsys, "--index", str(tmp_path / "index"), "index", str(tmp_path / "nope"), "--no-vectors"
    )
    _one_line_error(code, out, err, "no such file or folder")
    assert not (tmp_path / "index").exists()


def test_installed_command_smoke(seed_index: Path) -> None:
    exe = ROOT / ".venv" / "bin" / "budget-qa"
    if not exe.exists():
        pytest.skip("budget-qa is not installed in .venv")
    env = dict(os.environ, BUDGET_QA_INDEX=str(seed_index))
    proc = subprocess.run(
        [str(exe), "ask", "--json", "三公经费是多少？"], capture_output=True, text=True, env=env, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert set(data) >= CONTRACT and "150,000元" in data["answer"]
    proc = subprocess.run(
        [str(exe), "--index", str(seed_index.parent / "absent"), "ask", "x"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 2 and proc.stderr.startswith("budget-qa: ") and "Traceback" not in proc.stderr


def _command(*argv: str) -> subprocess.CompletedProcess[str]:
    """`budget-qa` as a user runs it: a fresh process, this checkout's package, no helpdesk settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BUDGET_QA_")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "assistant", *argv],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


@pytest.mark.parametrize("case", list(CASES))
def test_a_damaged_index_is_one_line_and_exit_2(tmp_path: Path, seed_index: Path, case: str) -> None:
    index = tmp_path / "index"
    shutil.copytree(seed_index, index)
    expected = CASES[case](index)
    asked = _command("--index", str(index), "ask", "办公费是多少？")
    assert (asked.returncode, asked.stdout, asked.stderr) == (2, "", f"budget-qa: {expected.line}\n")
    doctor = _command("doctor", "--index", str(index))
    failed = [line for line in doctor.stdout.splitlines() if line.startswith("✗")]
    assert doctor.returncode == 2 and doctor.stderr == ""
    assert failed == [f"✗ {name}: {message}" for name, message in expected.doctor]


def test_damage_past_what_opening_reads_is_one_line_too(tmp_path: Path, seed_index: Path) -> None:
    index = tmp_path / "index"
    shutil.copytree(seed_index, index)
    expected = overwritten_sections(index)
    asked = _command("--index", str(index), "ask", "办公费是多少？")
    assert (asked.returncode, asked.stdout, asked.stderr) == (2, "", f"budget-qa: {expected.line}\n")
    doctor = _command("doctor", "--index", str(index))
    failed = [line for line in doctor.stdout.splitlines() if line.startswith("✗")]
    assert doctor.returncode == 2 and failed == [f"✗ {name}: {message}" for name, message in expected.doctor]


def test_an_index_made_before_manifests_answers_with_a_warning(tmp_path: Path, seed_index: Path) -> None:
    index = tmp_path / "index"
    shutil.copytree(seed_index, index)
    build = live(index)
    as_built_before_manifests(build)
    warning = (
        f"{build} has no manifest.json (built by an earlier version), so its files cannot be checked; {FIX}"
    )
    asked = _command("--index", str(index), "ask", "办公费是多少？")
    assert asked.returncode == 0 and "300,000元" in asked.stdout
    assert asked.stderr == f"budget-qa: warning: {warning}\n"
    doctor = _command("doctor", "--index", str(index))
    assert doctor.returncode == 2
    assert [line for line in doctor.stdout.splitlines() if line.startswith("✗")] == [f"✗ manifest: {warning}"]
    rebuilt = _command("--index", str(index), "index", str(SEED), "--no-vectors", "--quiet")
    assert rebuilt.returncode == 0 and "indexed 1 document(s)" in rebuilt.stdout  # not "up to date"
    assert _command("doctor", "--index", str(index)).returncode == 0


def test_doctor_on_a_sound_index_passes_every_check(seed_index: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    shutil.copytree(seed_index, index)
    doctor = _command("doctor", "--index", str(index))
    lines = doctor.stdout.splitlines()
    assert doctor.returncode == 0 and doctor.stderr == ""
    assert [line.split(":")[0] for line in lines] == [
        "✓ index",
        "✓ manifest",
        "✓ files",
        "✓ fact store",
        "✓ passages",
        "✓ app database",
        "✓ helpdesk accounts",
        "✓ corpus",
        "✓ disk space",
    ]
    report = json.loads(_command("--index", str(index), "doctor", "--json").stdout)
    assert report["ok"] is True
    assert [(c["name"], c["ok"]) for c in report["checks"]] == [
        (line[2:].split(":")[0], True) for line in lines
    ]


@pytest.fixture(scope="module")
def fuzz_work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-index-command")


@pytest.mark.fuzz
@fuzz_settings(15, share=0.02)
@given(edited=mutations(sorted(TEXTS)), question=phrased)
def test_index_of_any_file_builds_or_is_refused_in_one_line(
    fuzz_work: Path, edited: Mutation, question: str
) -> None:
    """`budget-qa index FILE` on an edited budget: built (and then answers with citations or refuses), or one
    `budget-qa: ` line, exit 2, and no index."""
    work = Path(tempfile.mkdtemp(dir=fuzz_work))
    budget = work / "budget.txt"
    budget.write_bytes(edited.apply(TEXTS[edited.base]))
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["--index", str(work / "index"), "index", str(budget), "--no-vectors", "--quiet"])
    if code == 0:
        assistant = Assistant.open(work / "index")
        check_answer(assistant.ask(question, document="budget"), {"budget"})
        check_answer(assistant.ask(question), {"budget"})
    else:
        assert code == 2 and out.getvalue() == ""
        assert err.getvalue().startswith("budget-qa: ") and err.getvalue().count("\n") == 1, err.getvalue()
        assert not (work / "index" / "CURRENT").exists()
    shutil.rmtree(work)
