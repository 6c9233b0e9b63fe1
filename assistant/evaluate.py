"""The evaluation harness: load question sets, run them through an `ask` function, score, report.

`ask(question, history) -> dict` is whatever answers questions (the pipeline, the CLI's JSON, a server);
the harness measures nothing of its own except wall time when an answer carries no `latency_ms`.
Scoring rules live in `assistant.scoring`.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from assistant.errors import BudgetQAError, IndexMissingError, InputError
from assistant.scoring import score, validate_expect

DECLINED = ("refuse", "clarify")  # routes that answer nothing: a refusal or a clarifying question

Ask = Callable[[str, list[str]], dict[str, Any]]
MAX_QUESTION_FILE_BYTES = 20 * 1024 * 1024
DEFAULT_CATEGORY = "other"


@dataclass(frozen=True)
class QuestionResult:
    """One question as asked and scored."""

    id: str
    category: str
    question: str
    history: list[str]
    answer: str
    route: str
    citations: int
    expect_refuse: bool
    latency_ms: float
    reasons: list[str]
    file: str = ""

    @property
    def passed(self) -> bool:
        return not self.reasons

    @property
    def key(self) -> str:
        """Stable identity across runs: the id, prefixed by the question file when there is one."""
        return f"{self.file}:{self.id}" if self.file else self.id


@dataclass(frozen=True)
class CategoryScore:
    total: int
    passed: int

    @property
    def accuracy(self) -> float:
        return self.passed / self.total if self.total else 0.0


@dataclass(frozen=True)
class LatencyStats:
    count: int
    p50: float
    p95: float


@dataclass
class Report:
    """Aggregates of a run; rates are None when their denominator is empty."""

    total: int
    passed: int
    categories: dict[str, CategoryScore]
    answered: int  # questions not refused
    cited: int  # answered questions with at least one citation
    refused: int
    refusals_expected: int
    refusals_correct: int  # refused and expected to be
    latency: dict[str, LatencyStats]  # per route, and "all"
    results: list[QuestionResult] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.passed / self.total if self.total else 0.0

    @property
    def citation_coverage(self) -> float | None:
        return self.cited / self.answered if self.answered else None

    @property
    def refusal_precision(self) -> float | None:
        return self.refusals_correct / self.refused if self.refused else None

    @property
    def refusal_recall(self) -> float | None:
        return self.refusals_correct / self.refusals_expected if self.refusals_expected else None

    @property
    def failures(self) -> list[QuestionResult]:
        return [result for result in self.results if not result.passed]


# ---------------------------------------------------------------- loading


def load_questions(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Read a JSONL question set; every malformed line is an InputError naming the file and line."""
    source = Path(path)
    if not source.is_file():
        raise InputError(f"{path}: no such question file")
    if source.stat().st_size > MAX_QUESTION_FILE_BYTES:
        raise InputError(f"{path}: question file larger than {MAX_QUESTION_FILE_BYTES // (1024 * 1024)} MB")
    try:
        text = source.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    questions: list[dict[str, Any]] = []
    first_line: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            item = json.loads(line)
        except json.JSONDecodeError as err:
            raise InputError(f"{where}: not valid JSON ({err.msg}, column {err.colno})") from None
        question = _check_question(item, where)
        if question["id"] in first_line:
            raise InputError(
                f"{where}: duplicate id {question['id']!r} (first on line {first_line[question['id']]})"
            )
        first_line[question["id"]] = number
        questions.append(question)
    if not questions:
        raise InputError(f"{path}: no questions")
    return questions


def _check_question(item: Any, where: str) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise InputError(f"{where}: each line must be a JSON object")
    for key in ("id", "question"):
        if not isinstance(item.get(key), str) or not item[key].strip():
            raise InputError(f"{where}: {key!r} must be a non-empty string")
    category = item.get("category", DEFAULT_CATEGORY)
    if not isinstance(category, str) or not category.strip():
        raise InputError(f"{where}: 'category' must be a non-empty string")
    history = item.get("history", [])
    if not isinstance(history, list) or not all(isinstance(turn, str) for turn in history):
        raise InputError(f"{where}: 'history' must be a list of strings")
    expect = item.get("expect", {})
    problems = validate_expect(expect)
    if problems:
        raise InputError(f"{where}: {'; '.join(problems)}")
    return {**item, "category": category, "history": list(history), "expect": expect}


# ---------------------------------------------------------------- running


def run_eval(questions: list[dict[str, Any]], ask: Ask, *, file: str = "") -> Report:
    """Ask every question (with its history) and score the answers.

    An exception from `ask` fails that question with the error as its reason, except IndexMissingError,
    which means nothing can be answered and is raised.
    """
    results = []
    for question in questions:
        history = list(question.get("history", []))
        started = time.perf_counter()
        try:
            answer = ask(question["question"], history)
        except IndexMissingError:
            raise
        except Exception as err:  # one broken answer must not end the run; it is reported as a failure
            answer = {"answer": "", "route": "", "citations": [], "error": f"{type(err).__name__}: {err}"}
        wall_ms = (time.perf_counter() - started) * 1000
        if hasattr(answer, "to_dict"):
            answer = answer.to_dict()
        if not isinstance(answer, dict):
            answer = {"answer": "", "route": "", "citations": [], "error": "answer is not a JSON object"}
        reasons = score(question.get("expect", {}), answer, question.get("category", ""))
        if answer.get("error"):
            reasons = [f"error: {answer['error']}", *reasons]
        latency = answer.get("latency_ms")
        citations = answer.get("citations")
        results.append(
            QuestionResult(
                id=str(question["id"]),
                category=str(question.get("category") or DEFAULT_CATEGORY),
                question=question["question"],
                history=history,
                answer=str(answer.get("answer") or ""),
                route=str(answer.get("route") or ""),
                citations=len(citations) if isinstance(citations, list) else 0,
                expect_refuse=bool(question.get("expect", {}).get("refuse")),
                latency_ms=float(latency) if _is_number(latency) else wall_ms,
                reasons=reasons,
                file=file,
            )
        )
    return build_report(results)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list: an observed value, no interpolation."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def build_report(results: list[QuestionResult]) -> Report:
    """Aggregate per-question results (of one file or several) into a Report."""
    totals: dict[str, list[int]] = {}
    for result in results:
        counts = totals.setdefault(result.category, [0, 0])
        counts[0] += 1
        counts[1] += result.passed
    by_route: dict[str, list[float]] = {}
    for result in results:
        by_route.setdefault(result.route or "(none)", []).append(result.latency_ms)
    if results:
        by_route["all"] = [result.latency_ms for result in results]
    answered = [r for r in results if r.route not in DECLINED]
    return Report(
        total=len(results),
        passed=sum(r.passed for r in results),
        categories={name: CategoryScore(*totals[name]) for name in sorted(totals)},
        answered=len(answered),
        cited=sum(r.citations > 0 for r in answered),
        refused=sum(r.route in DECLINED for r in results),
        refusals_expected=sum(r.expect_refuse for r in results),
        refusals_correct=sum(r.route in DECLINED and r.expect_refuse for r in results),
        latency={
            route: LatencyStats(len(times), percentile(times, 50), percentile(times, 95))
            for route, times in sorted(by_route.items())
        },
        results=list(results),
    )


# ---------------------------------------------------------------- rendering


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def report_to_json(report: Report) -> dict[str, Any]:
    """The report as plain JSON data (rates as fractions 0..1, null when undefined)."""
    return {
        "total": report.total,
        "passed": report.passed,
        "accuracy": _rate(report.accuracy),
        "categories": {
            name: {"total": c.total, "passed": c.passed, "accuracy": _rate(c.accuracy)}
            for name, c in report.categories.items()
        },
        "citation_coverage": {
            "answered": report.answered,
            "cited": report.cited,
            "rate": _rate(report.citation_coverage),
        },
        "refusal": {
            "refused": report.refused,
            "expected": report.refusals_expected,
            "correct": report.refusals_correct,
            "precision": _rate(report.refusal_precision),
            "recall": _rate(report.refusal_recall),
        },
        "latency_ms": {
            route: {"count": s.count, "p50": round(s.p50, 2), "p95": round(s.p95, 2)}
            for route, s in report.latency.items()
        },
        "results": [
            {"id": r.id, "file": r.file, "category": r.category, "passed": r.passed} for r in report.results
        ],
        "failures": [
            {
                "id": r.id,
                "file": r.file,
                "category": r.category,
                "question": r.question,
                "history": r.history,
                "answer": r.answer,
                "route": r.route,
                "reasons": r.reasons,
            }
            for r in report.failures
        ],
    }


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def _one_line(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def render_text(report: Report, title: str = "") -> str:
    """A plain-text report for people: totals, categories, citations, refusals, latency, failures."""
    lines = [f"== {title} ==" if title else "== 评测 Evaluation =="]
    lines.append(f"准确率 Accuracy: {report.passed}/{report.total} ({_pct(report.accuracy)})")
    lines.append("按类别 By category:")
    width = max((len(name) for name in report.categories), default=0)
    for name, c in report.categories.items():
        lines.append(f"  {name:<{width}}  {c.passed:>3}/{c.total:<3} {_pct(c.accuracy):>7}")
    lines.append(
        f"引用覆盖 Citation coverage: {report.cited}/{report.answered} answered ({_pct(report.citation_coverage)})"
    )
    lines.append(
        f"拒答 Refusals: precision {_pct(report.refusal_precision)} ({report.refusals_correct}/{report.refused}), "
        f"recall {_pct(report.refusal_recall)} ({report.refusals_correct}/{report.refusals_expected})"
    )
    lines.append("延迟 Latency (ms):")
    for route, s in report.latency.items():
        lines.append(f"  {route:<8} n={s.count:<4} p50={s.p50:.2f}  p95={s.p95:.2f}")
    failures = report.failures
    lines.append(f"失败 Failures: {len(failures)}")
    for r in failures:
        lines.append(f"  {r.key} [{r.category}] {r.question}")
        if r.history:
            lines.append(f"    history: {' / '.join(r.history)}")
        lines.append(f"    route: {r.route or '(none)'}; citations: {r.citations}")
        lines.append(f"    answer: {_one_line(r.answer)}")
        for reason in r.reasons:
            lines.append(f"    - {reason}")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return _one_line(text, 200).replace("|", "\\|")


def render_markdown(report: Report, title: str = "评测报告 Evaluation report") -> str:
    """The report as Markdown, for evals/ or a pull request."""
    lines = [f"## {title}", "", f"**Accuracy {_pct(report.accuracy)}** ({report.passed}/{report.total})", ""]
    lines += ["| category | passed | total | accuracy |", "|---|---:|---:|---:|"]
    lines += [
        f"| {name} | {c.passed} | {c.total} | {_pct(c.accuracy)} |" for name, c in report.categories.items()
    ]
    lines += [
        "",
        f"- Citation coverage: {_pct(report.citation_coverage)} ({report.cited}/{report.answered} answered)",
        f"- Refusal precision: {_pct(report.refusal_precision)} ({report.refusals_correct}/{report.refused})",
        f"- Refusal recall: {_pct(report.refusal_recall)} ({report.refusals_correct}/{report.refusals_expected})",
        "",
        "| route | n | p50 ms | p95 ms |",
        "|---|---:|---:|---:|",
    ]
    lines += [f"| {route} | {s.count} | {s.p50:.2f} | {s.p95:.2f} |" for route, s in report.latency.items()]
    lines += ["", f"### Failures ({len(report.failures)})", ""]
    if report.failures:
        lines += ["| id | category | question | route | answer | reasons |", "|---|---|---|---|---|---|"]
        for r in report.failures:
            question = " / ".join([*r.history, r.question])
            lines.append(
                f"| {_cell(r.key)} | {_cell(r.category)} | {_cell(question)} | {r.route or '(none)'} | "
                f"{_cell(r.answer)} | {_cell('; '.join(r.reasons))} |"
            )
    return "\n".join(lines) + "\n"


def _outcomes(report_json: dict[str, Any]) -> dict[str, bool]:
    data = report_json.get("overall", report_json)
    outcomes = {}
    for item in data.get("results", []):
        key = f"{item['file']}:{item['id']}" if item.get("file") else str(item["id"])
        outcomes[key] = bool(item["passed"])
    return outcomes


def compare(report_json: dict[str, Any], baseline_json: dict[str, Any]) -> dict[str, Any]:
    """Which questions (present in both runs) changed outcome since the baseline, and the accuracies."""
    now, before = _outcomes(report_json), _outcomes(baseline_json)
    common = sorted(now.keys() & before.keys())
    return {
        "newly_failing": [key for key in common if before[key] and not now[key]],
        "newly_passing": [key for key in common if now[key] and not before[key]],
        "accuracy": report_json.get("overall", report_json).get("accuracy"),
        "baseline_accuracy": baseline_json.get("overall", baseline_json).get("accuracy"),
        "only_in_report": sorted(now.keys() - before.keys()),
        "only_in_baseline": sorted(before.keys() - now.keys()),
    }


def render_comparison(comparison: dict[str, Any]) -> str:
    lines = [
        f"== 对比基线 Against baseline: accuracy {comparison['baseline_accuracy']} -> {comparison['accuracy']} ==",
        f"newly failing ({len(comparison['newly_failing'])}): {', '.join(comparison['newly_failing']) or '-'}",
        f"newly passing ({len(comparison['newly_passing'])}): {', '.join(comparison['newly_passing']) or '-'}",
    ]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- command


def _load_baseline(path: str) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such baseline report") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InputError(f"{path}: baseline is not a JSON report") from None
    results = data.get("overall", data).get("results") if isinstance(data, dict) else None
    if not isinstance(results, list) or not all(
        isinstance(r, dict) and "id" in r and "passed" in r for r in results
    ):
        raise InputError(f"{path}: baseline is not a JSON report written by eval --report FILE.json")
    return data


def _file_names(paths: list[str]) -> list[str]:
    names = [Path(p).name for p in paths]
    return names if len(set(names)) == len(names) else list(paths)


def eval_command(
    paths: list[str],
    ask: Ask,
    *,
    as_json: bool = False,
    report_path: str | None = None,
    baseline_path: str | None = None,
    min_accuracy: float | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """`budget-qa eval FILE...`: run, print (text or JSON), optionally save and compare; the exit code.

    Exit 1 when overall accuracy is below `min_accuracy` (a fraction, 0..1), 2 on bad input (message on
    `err`), else 0. `report_path` ending in .json gets the JSON document, .md Markdown, anything else text.
    """
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        if not paths:
            raise InputError("eval: give at least one question file (JSONL)")
        if min_accuracy is not None and not 0 <= min_accuracy <= 1:
            raise InputError(f"eval: min accuracy must be a fraction between 0 and 1, got {min_accuracy}")
        names = _file_names(paths)
        question_sets = {name: load_questions(path) for name, path in zip(names, paths, strict=True)}
        baseline = _load_baseline(baseline_path) if baseline_path else None
        reports = {name: run_eval(questions, ask, file=name) for name, questions in question_sets.items()}
    except BudgetQAError as error:
        err.write(f"{error}\n")
        return error.exit_code
    overall = build_report([result for report in reports.values() for result in report.results])
    document: dict[str, Any] = {
        "overall": report_to_json(overall),
        "files": {name: report_to_json(report) for name, report in reports.items()},
    }
    comparison = compare(document, baseline) if baseline is not None else None
    if comparison is not None:
        document["comparison"] = comparison

    if as_json:
        out.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    else:
        out.write(_render_all(reports, overall, render_text))
        if comparison is not None:
            out.write(render_comparison(comparison))
    if report_path:
        try:
            _write_report(Path(report_path), document, reports, overall, comparison)
        except OSError as error:
            err.write(f"{report_path}: cannot write the report ({error.strerror})\n")
            return InputError.exit_code

    if min_accuracy is not None and overall.accuracy < min_accuracy:
        err.write(f"accuracy {_pct(overall.accuracy)} is below the minimum {_pct(min_accuracy)}\n")
        return 1
    return 0


def _render_all(reports: dict[str, Report], overall: Report, render: Callable[..., str]) -> str:
    if len(reports) == 1:
        name, report = next(iter(reports.items()))
        return render(report, name)
    parts = [render(report, name) for name, report in reports.items()]
    return "\n".join([*parts, render(overall, "overall")])


def _write_report(
    path: Path, document: dict[str, Any], reports: dict[str, Report], overall: Report, comparison: dict | None
) -> None:
    if path.suffix == ".json":
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    elif path.suffix == ".md":
        text = _render_all(reports, overall, render_markdown)
        if comparison is not None:
            text += "\n```\n" + render_comparison(comparison) + "```\n"
    else:
        text = _render_all(reports, overall, render_text)
        if comparison is not None:
            text += render_comparison(comparison)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
