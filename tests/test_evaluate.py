"""Tests for assistant.evaluate: loading question sets, running them, reports, comparison and the command."""

import io
import json
from pathlib import Path

import pytest

from assistant.errors import IndexMissingError, InputError
from assistant.evaluate import (
    build_report,
    compare,
    eval_command,
    load_questions,
    percentile,
    render_markdown,
    render_text,
    report_to_json,
    run_eval,
)

CITATION = {
    "source": "table",
    "document": "shanghai-sme-office-2024",
    "table": "2024年财务收支预算总表",
    "row": "收入总计",
    "column": "金额",
    "value": "10555000",
    "unit": "元",
}

QUESTIONS = [
    {
        "id": "q1",
        "category": "lookup",
        "question": "收入预算是多少？",
        "history": [],
        "expect": {"amounts": [10555000]},
    },
    {
        "id": "q2",
        "category": "lookup",
        "question": "支出预算是多少？",
        "history": [],
        "expect": {"amounts": [10555000]},
    },
    {"id": "q3", "category": "refuse", "question": "给我讲个笑话", "history": [], "expect": {"refuse": True}},
    {
        "id": "q4",
        "category": "text",
        "question": "办公地址在哪里？",
        "history": [],
        "expect": {"keywords": ["地址"]},
    },
    {
        "id": "q5",
        "category": "followup",
        "question": "占比呢？",
        "history": ["公用经费是多少？"],
        "expect": {"percents": [21.632653061224488], "cite": ["财务收支预算总表"]},
    },
    {
        "id": "q6",
        "category": "lookup",
        "question": "差旅费是多少？",
        "history": [],
        "expect": {"amounts": [100000]},
    },
]


def ask(question: str, history: list[str]) -> dict:
    """A small answering function: the input the harness is run with."""
    table = {"route": "table", "citations": [CITATION]}
    if question == "收入预算是多少？":
        return {"answer": "收入预算为10,555,000元（1,055.5万元）。", "latency_ms": 2.0, **table}
    if question == "支出预算是多少？":
        return {"answer": "支出预算为1,056万元。", "latency_ms": 4.0, **table}
    if question == "占比呢？" and history == ["公用经费是多少？"]:
        return {"answer": "公用经费占基本支出的21.63%。", "latency_ms": 6.0, **table}
    if question == "差旅费是多少？":
        raise ValueError("no row for 差旅费")
    return {"answer": "抱歉，资料中没有这一信息。", "route": "refuse", "citations": [], "latency_ms": 1.0}


@pytest.fixture(scope="module")
def report():
    return run_eval(QUESTIONS, ask, file="dev.jsonl")


def test_run_eval_scores_each_question(report) -> None:
    assert [(r.id, r.passed, r.route) for r in report.results] == [
        ("q1", True, "table"),
        ("q2", False, "table"),
        ("q3", True, "refuse"),
        ("q4", False, "refuse"),
        ("q5", True, "table"),
        ("q6", False, ""),
    ]
    assert [(f.id, f.reasons) for f in report.failures] == [
        ("q2", ["amount 10,555,000元 not shown"]),
        ("q4", ["refused an answerable question", "missing keyword '地址'"]),
        ("q6", ["error: ValueError: no row for 差旅费", "no citation", "amount 100,000元 not shown"]),
    ]


def test_run_eval_aggregates(report) -> None:
    assert (report.total, report.passed, round(report.accuracy, 4)) == (6, 3, 0.5)
    assert {name: (c.passed, c.total) for name, c in report.categories.items()} == {
        "followup": (1, 1),
        "lookup": (1, 3),
        "refuse": (1, 1),
        "text": (0, 1),
    }
    # answered = not refused: q1, q2, q5 (cited) and q6 (an error, no citation)
    assert (report.answered, report.cited, report.citation_coverage) == (4, 3, 0.75)
    # refused q3 (expected) and q4 (not expected); the one expected refusal was made
    assert (report.refusal_precision, report.refusal_recall) == (0.5, 1.0)
    # q6 raised, so its latency is wall time (well under 1 ms): the lowest of the six
    assert {route: (s.count, s.p50, s.p95) for route, s in report.latency.items() if route != "(none)"} == {
        "all": (6, 1.0, 6.0),
        "refuse": (2, 1.0, 1.0),
        "table": (3, 4.0, 6.0),
    }
    assert report.latency["(none)"].count == 1


def test_latency_falls_back_to_wall_time() -> None:
    def slow_ask(question: str, history: list[str]) -> dict:
        total = sum(range(200_000))  # some real work, no latency_ms in the answer
        return {"answer": f"{total}", "route": "table", "citations": [CITATION]}

    result = run_eval([QUESTIONS[0]], slow_ask).results[0]
    assert 0 < result.latency_ms < 5000
    assert result.reasons == ["amount 10,555,000元 not shown"]


def test_index_missing_stops_the_run() -> None:
    def no_index(question: str, history: list[str]) -> dict:
        raise IndexMissingError("no index: run `budget-qa index corpus/` first")

    with pytest.raises(IndexMissingError):
        run_eval(QUESTIONS[:1], no_index)


def test_non_dict_answer_is_a_failure() -> None:
    result = run_eval([QUESTIONS[2]], lambda q, h: "refuse").results[0]
    assert result.reasons == [
        "error: answer is not a JSON object",
        "expected a refusal, got route '(none)'",
        "no citation",
    ]


@pytest.mark.parametrize(
    ("values", "p", "expected"),
    [
        ([5.0], 50, 5.0),
        ([1.0, 2.0, 3.0, 4.0], 50, 2.0),
        ([1.0, 2.0, 3.0, 4.0], 95, 4.0),
        ([3.0, 1.0, 2.0], 50, 2.0),
    ]
    + [(list(map(float, range(1, 101))), 95, 95.0), (list(map(float, range(1, 101))), 50, 50.0)],
)
def test_percentile(values: list[float], p: float, expected: float) -> None:
    assert percentile(values, p) == expected


def test_empty_report() -> None:
    empty = build_report([])
    assert (empty.accuracy, empty.citation_coverage, empty.refusal_precision, empty.refusal_recall) == (
        0.0,
        None,
        None,
        None,
    )
    assert report_to_json(empty)["refusal"]["precision"] is None


# ------------------------------------------------------------------ loading


def write(tmp_path: Path, lines: list[str], name: str = "set.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_load_questions_fills_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, ['{"id": "a", "question": "收入预算是多少？"}', "", json.dumps(QUESTIONS[4])])
    questions = load_questions(path)
    assert questions[0] == {
        "id": "a",
        "question": "收入预算是多少？",
        "category": "other",
        "history": [],
        "expect": {},
    }
    assert questions[1] == QUESTIONS[4]


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (
            ['{"id": "a", "question": "x"}', '{"id": "b", "question": '],
            "{path}:2: not valid JSON (Expecting value, column 25)",
        ),
        (["[1, 2]"], "{path}:1: each line must be a JSON object"),
        (['{"question": "x"}'], "{path}:1: 'id' must be a non-empty string"),
        (['{"id": "a", "question": " "}'], "{path}:1: 'question' must be a non-empty string"),
        (['{"id": "a", "question": "x", "category": 3}'], "{path}:1: 'category' must be a non-empty string"),
        (
            ['{"id": "a", "question": "x", "history": "earlier"}'],
            "{path}:1: 'history' must be a list of strings",
        ),
        (
            ['{"id": "a", "question": "x", "expect": {"amount": [1], "percents": ["x"]}}'],
            "{path}:1: unknown expect key 'amount'; expect.percents: not a number: 'x'",
        ),
        (
            ['{"id": "a", "question": "x"}', '{"id": "a", "question": "y"}'],
            "{path}:2: duplicate id 'a' (first on line 1)",
        ),
        (["", "  "], "{path}: no questions"),
    ],
)
def test_load_questions_rejects_malformed_lines(tmp_path: Path, lines: list[str], message: str) -> None:
    path = write(tmp_path, lines)
    with pytest.raises(InputError) as caught:
        load_questions(path)
    assert str(caught.value) == message.format(path=path)


def test_load_questions_rejects_missing_and_binary_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such question file"):
        load_questions(tmp_path / "missing.jsonl")
    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(InputError, match="not UTF-8 text"):
        load_questions(binary)


# ------------------------------------------------------------------ rendering and comparison


def test_report_to_json(report) -> None:
    data = report_to_json(report)
    assert data["accuracy"] == 0.5
    assert data["categories"]["lookup"] == {"total": 3, "passed": 1, "accuracy": 0.3333}
    assert data["citation_coverage"] == {"answered": 4, "cited": 3, "rate": 0.75}
    assert data["refusal"] == {"refused": 2, "expected": 1, "correct": 1, "precision": 0.5, "recall": 1.0}
    assert data["latency_ms"]["table"] == {"count": 3, "p50": 4.0, "p95": 6.0}
    assert data["results"][0] == {"id": "q1", "file": "dev.jsonl", "category": "lookup", "passed": True}
    assert data["failures"][0] == {
        "id": "q2",
        "file": "dev.jsonl",
        "category": "lookup",
        "question": "支出预算是多少？",
        "history": [],
        "answer": "支出预算为1,056万元。",
        "route": "table",
        "reasons": ["amount 10,555,000元 not shown"],
    }
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data


def test_render_text(report) -> None:
    text = render_text(report, "dev.jsonl").splitlines()
    assert text[0] == "== dev.jsonl =="
    assert text[1] == "准确率 Accuracy: 3/6 (50.0%)"
    assert "  lookup      1/3     33.3%" in text
    assert "引用覆盖 Citation coverage: 3/4 answered (75.0%)" in text
    assert "拒答 Refusals: precision 50.0% (1/2), recall 100.0% (1/1)" in text
    assert "  table    n=3    p50=4.00  p95=6.00" in text
    assert "失败 Failures: 3" in text
    assert "  dev.jsonl:q4 [text] 办公地址在哪里？" in text
    assert "    - refused an answerable question" in text


def test_render_markdown(report) -> None:
    markdown = render_markdown(report)
    assert "| lookup | 1 | 3 | 33.3% |" in markdown
    assert "- Refusal recall: 100.0% (1/1)" in markdown
    assert "### Failures (3)" in markdown
    assert (
        "| dev.jsonl:q2 | lookup | 支出预算是多少？ | table | 支出预算为1,056万元。 | amount 10,555,000元 not shown |"
        in (markdown)
    )


def test_compare() -> None:
    def results(*outcomes: tuple[str, bool]) -> dict:
        return {"accuracy": 0.5, "results": [{"id": i, "file": "", "passed": p} for i, p in outcomes]}

    current = {"overall": results(("a", True), ("b", False), ("c", True), ("d", False))}
    baseline = results(("a", False), ("b", True), ("c", True), ("e", True))
    assert compare(current, baseline) == {
        "newly_failing": ["b"],
        "newly_passing": ["a"],
        "accuracy": 0.5,
        "baseline_accuracy": 0.5,
        "only_in_report": ["d"],
        "only_in_baseline": ["e"],
    }


# ------------------------------------------------------------------ the command


@pytest.fixture
def question_files(tmp_path: Path) -> list[str]:
    first = write(tmp_path, [json.dumps(q, ensure_ascii=False) for q in QUESTIONS[:3]], "dev.jsonl")
    second = write(tmp_path, [json.dumps(q, ensure_ascii=False) for q in QUESTIONS[3:5]], "more.jsonl")
    return [str(first), str(second)]


@pytest.mark.parametrize(("min_accuracy", "code"), [(None, 0), (0.6, 0), (0.61, 1), (1.0, 1)])
def test_eval_command_exit_code(question_files: list[str], min_accuracy: float | None, code: int) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert eval_command(question_files, ask, min_accuracy=min_accuracy, out=out, err=err) == code
    assert err.getvalue() == (
        "" if code == 0 else f"accuracy 60.0% is below the minimum {min_accuracy * 100:.1f}%\n"
    )


def test_eval_command_json_per_file_and_overall(question_files: list[str]) -> None:
    out = io.StringIO()
    assert eval_command(question_files, ask, as_json=True, out=out) == 0
    document = json.loads(out.getvalue())
    assert sorted(document["files"]) == ["dev.jsonl", "more.jsonl"]
    assert (document["files"]["dev.jsonl"]["passed"], document["files"]["dev.jsonl"]["total"]) == (2, 3)
    assert (document["files"]["more.jsonl"]["passed"], document["files"]["more.jsonl"]["total"]) == (1, 2)
    assert (document["overall"]["passed"], document["overall"]["total"], document["overall"]["accuracy"]) == (
        3,
        5,
        0.6,
    )


def test_eval_command_text_output(question_files: list[str]) -> None:
    out = io.StringIO()
    eval_command(question_files, ask, out=out)
    headings = [line for line in out.getvalue().splitlines() if line.startswith("== ")]
    assert headings == ["== dev.jsonl ==", "== more.jsonl ==", "== overall =="]


def test_eval_command_reports_and_baseline(tmp_path: Path, question_files: list[str]) -> None:
    saved = tmp_path / "reports" / "baseline.json"
    assert eval_command(question_files, ask, report_path=str(saved), out=io.StringIO()) == 0
    assert json.loads(saved.read_text(encoding="utf-8"))["overall"]["accuracy"] == 0.6

    def better_ask(question: str, history: list[str]) -> dict:
        if question == "收入预算是多少？":
            return {"answer": "暂无", "route": "table", "citations": [CITATION]}
        if question == "办公地址在哪里？":
            return {"answer": "资料未载明办公地址。", "route": "text", "citations": [CITATION]}
        return ask(question, history)

    out, markdown = io.StringIO(), tmp_path / "report.md"
    assert (
        eval_command(question_files, better_ask, report_path=str(markdown), baseline_path=str(saved), out=out)
        == 0
    )
    assert "newly failing (1): dev.jsonl:q1" in out.getvalue()
    assert "newly passing (1): more.jsonl:q4" in out.getvalue()
    assert markdown.read_text(encoding="utf-8").startswith("## dev.jsonl\n")

    out = io.StringIO()
    eval_command(question_files, better_ask, as_json=True, baseline_path=str(saved), out=out)
    comparison = json.loads(out.getvalue())["comparison"]
    assert (comparison["newly_failing"], comparison["newly_passing"]) == (["dev.jsonl:q1"], ["more.jsonl:q4"])


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"paths": []}, "eval: give at least one question file (JSONL)\n"),
        ({"paths": ["{tmp}/missing.jsonl"]}, "{tmp}/missing.jsonl: no such question file\n"),
        ({"min_accuracy": 95}, "eval: min accuracy must be a fraction between 0 and 1, got 95\n"),
        ({"baseline_path": "{tmp}/none.json"}, "{tmp}/none.json: no such baseline report\n"),
        ({"baseline_path": "{tmp}/dev.jsonl"}, "{tmp}/dev.jsonl: baseline is not a JSON report\n"),
    ],
)
def test_eval_command_bad_input(
    tmp_path: Path, question_files: list[str], arguments: dict, message: str
) -> None:
    options = {"paths": question_files, **arguments}
    options["paths"] = [p.format(tmp=tmp_path) for p in options["paths"]]
    if "baseline_path" in options:
        options["baseline_path"] = options["baseline_path"].format(tmp=tmp_path)
    out, err = io.StringIO(), io.StringIO()
    paths = options.pop("paths")
    assert eval_command(paths, ask, out=out, err=err, **options) == 2
    assert err.getvalue() == message.format(tmp=tmp_path)
    assert out.getvalue() == ""
