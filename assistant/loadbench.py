"""The load benchmark's runs (`budget-qa bench --load`, `make load`): stages of concurrent visitors, a login
flood against the helpdesk during the load, memory over many one-question sessions, and a forced rebuild of
the index while the chat is busy. Each run starts its own server process on 127.0.0.1 unless given a URL.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import InputError
from assistant.load import (
    SETS,
    ChatEndpoint,
    LoadQuestion,
    Reply,
    StageResult,
    ask,
    http_client,
    load_mix,
    login_flood,
    run_stage,
)
from assistant.served import ServedApp

NEW_DOCUMENT = Path("corpus/shanghai/sh_wenwubaohuyanjiuzhongxin_2026.txt")


@dataclass(frozen=True)
class LoadPlan:
    clients: tuple[int, ...] = (20, 100, 200)
    requests: int = 1000  # per stage
    turns: int = 5  # questions a visitor asks in one conversation
    flood: bool = False
    flood_clients: int = 20
    sessions: int = 0  # questions each in a new session, for the memory figure (0: not measured)
    reindex: bool = False
    new_document: Path = NEW_DOCUMENT
    vectors: bool = True  # the rebuild embeds the narrative, as `budget-qa index` does
    max_stage_s: float = 300.0
    pause_s: float = 0.0  # a visitor reads each answer this long before asking again
    paused: tuple[int, ...] = ()  # stages run again with that pause (the others ask without one)


def held_documents(index_dir: Path) -> set[str]:
    from assistant.index import current_build
    from assistant.store import Store

    store = Store.open(current_build(index_dir) / "facts.sqlite")
    try:
        return {d["id"] for d in store.documents()}
    finally:
        store.close()


@contextmanager
def server(index_dir: Path, url: str | None) -> Iterator[tuple[str, ServedApp | None]]:
    if url:
        yield url.rstrip("/"), None
        return
    app = ServedApp(index_dir)
    try:
        yield app.url, app
    finally:
        app.close()


def run_load(index_dir: Path, plan: LoadPlan, url: str | None = None, as_json: bool = False) -> int:
    """Every run the plan asks for; prints the report (text or JSON)."""
    questions = load_mix(SETS, held_documents(index_dir))
    if not questions:
        raise InputError("no question of the evaluation sets fits this index")
    report: dict[str, Any] = {
        "questions": len(questions),
        "turns": plan.turns,
        "stages": [],
        "load_average": _load_average(),
    }
    if plan.clients or plan.flood or plan.sessions:
        serve_runs(index_dir, plan, url, questions, report)
    if plan.reindex:
        report["reindex"] = reindex_run(plan)
    print(json.dumps(report, ensure_ascii=False, indent=1) if as_json else render(report))
    return 0


def serve_runs(
    index_dir: Path, plan: LoadPlan, url: str | None, questions: list[LoadQuestion], report: dict[str, Any]
) -> None:
    """The stages, the login flood and the memory run, against one server."""
    with server(index_dir, url) as (base, app):
        asyncio.run(run_stage(base, questions, 4, min(len(questions), 400)))  # warm-up: caches, the model
        report["rss_start_mb"] = app.rss_mb() if app else None
        stages = [(c, 0.0) for c in plan.clients] + [(c, plan.pause_s) for c in plan.paused]
        for clients, pause in stages:
            report["stages"].append(measured_stage(base, app, questions, clients, pause, plan))
        if plan.flood:
            report["flood"] = asyncio.run(flood_run(base, questions, plan))
        if plan.sessions:
            report["memory"] = sessions_run(base, app, questions, plan.sessions)


def measured_stage(
    url: str, app: ServedApp | None, questions: list[LoadQuestion], clients: int, pause: float, plan: LoadPlan
) -> dict[str, Any]:
    """One stage with what the server spent on it: CPU per answer, memory, and how often its answer cache
    and its kept conversation states spared the engine work (hits over questions, this stage only)."""
    cpu, cached = (app.cpu_s(), app.cache_stats()) if app else (None, None)
    stage = asyncio.run(
        run_stage(url, questions, clients, plan.requests, plan.max_stage_s, plan.turns, pause)
    )
    summary = stage.summary()
    out: dict[str, Any] = {**summary, "pause_s": pause, "load_average": _load_average()}
    if app and cpu is not None:
        used = (app.cpu_s() or cpu) - cpu
        out |= {"rss_mb": app.rss_mb(), "cpu_ms": round(1000 * used / max(summary["answers"], 1), 1)}
    after = app.cache_stats() if app else None
    if cached and after:
        out |= {f"{k}_hit_rate": _rate(cached[k], after[k]) for k in ("answers", "states", "found")}
    return out


def _rate(before: dict[str, Any] | None, after: dict[str, Any] | None) -> float | None:
    if not before or not after:
        return None
    asked = after["asked"] - before["asked"]
    return round((after["hits"] - before["hits"]) / asked, 3) if asked else None


def _load_average() -> float | None:
    """The machine's one-minute load average: other work on the cores shows in every figure."""
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


async def flood_run(url: str, questions: list[LoadQuestion], plan: LoadPlan) -> dict[str, Any]:
    """The same load without and then with 200 wrong helpdesk logins running beside it."""
    requests = max(200, plan.requests // 2)
    quiet = await run_stage(url, questions, plan.flood_clients, requests, plan.max_stage_s, plan.turns)
    loaded, flood = await asyncio.gather(
        run_stage(url, questions, plan.flood_clients, requests, plan.max_stage_s, plan.turns),
        login_flood(url),
    )
    return {
        "clients": plan.flood_clients,
        "without": quiet.summary(),
        "with": loaded.summary(),
        "logins": {
            "attempts": flood.attempts,
            "statuses": flood.statuses,
            "p50_s": round(flood.p50_s, 3),
            "p95_s": round(flood.p95_s, 3),
            "seconds": round(flood.seconds, 1),
        },
    }


def sessions_run(
    url: str, app: ServedApp | None, questions: list[LoadQuestion], count: int
) -> dict[str, Any]:
    """Server memory before and after `count` questions, each asked in a session of its own (also after
    each thousand: growth that goes on after the first thousand is per-session memory not given back)."""
    asyncio.run(run_stage(url, questions, 8, len(questions), 900.0, turns=1))  # every document loaded
    before = app.rss_mb() if app else None
    steps: list[float | None] = []
    replies: list[Reply] = []
    started = time.monotonic()
    for done in range(0, count, 1000):
        stage = asyncio.run(run_stage(url, questions, 20, min(1000, count - done), 900.0, turns=1))
        replies += stage.replies
        steps.append(app.rss_mb() if app else None)
    total = StageResult(20, replies, time.monotonic() - started)
    return {
        "questions": count,
        "rss_before_mb": before,
        "rss_after_mb": steps[-1] if steps else before,
        "rss_each_thousand_mb": steps,
        **total.summary(),
    }


def render(report: dict[str, Any]) -> str:
    lines = [
        f"Public chat under load ({report['questions']} questions from the evaluation sets, {report['turns']} a "
        "visitor one after another (pause s: how long a visitor reads each answer first); "
        f"load average {report.get('load_average', '-')} when it started):"
    ]
    lines.append(
        "  clients  pause s  requests  answers/s  p50 s  p95 s  max s  failed  busy  rejected  errors"
        "  server MB  CPU ms/answer  answer cache hits  kept states hits  mentions kept hits  load avg"
    )
    for s in report["stages"]:
        lines.append(_stage_line(s))
    flood = report.get("flood")
    if flood:
        w, wo, lg = flood["with"], flood["without"], flood["logins"]
        lines.append(
            f"Login flood ({lg['attempts']} wrong logins against /helpdesk, {lg['seconds']}s; statuses "
            f"{lg['statuses']}; login p50 {lg['p50_s']}s p95 {lg['p95_s']}s) at {flood['clients']} clients: "
            f"chat p95 {wo['p95_s']}s without, {w['p95_s']}s with ({wo['answers_per_s']} → {w['answers_per_s']} "
            f"answers/s; errors {w['errors']}, busy {w['busy']}, rejected {w['rejected']})"
        )
    memory = report.get("memory")
    if memory:
        lines.append(
            f"Memory: {memory['questions']} questions, each in a new session: server {memory['rss_before_mb']} MB "
            f"before, {memory['rss_after_mb']} MB after (after each thousand: {memory.get('rss_each_thousand_mb')}; "
            f"{memory['answers_per_s']} answers/s, errors {memory['errors']})"
        )
    rebuild = report.get("reindex")
    if rebuild:
        lines.append(render_reindex(rebuild))
    lines += ["Targets:", *(f"  {line}" for line in targets(report))]
    lines.append(f"Load average at the end: {_load_average()}")
    return "\n".join(lines)


def targets(report: dict[str, Any]) -> list[str]:
    """Each target of the load work with what this run measured, met or not."""
    out = []
    for s in report["stages"]:
        if s["clients"] == 100:
            ok = s["rejected"] == 0 and s["busy"] == 0 and s["errors"] == 0 and s["p95_s"] < 3.0
            out.append(
                f"100 visitors, pause {s['pause_s']} s: none turned away and p95 < 3 s: {s['busy']} busy, "
                f"{s['rejected']} rejected, {s['errors']} errors, p95 {s['p95_s']} s: {_met(ok)}"
            )
    flood = report.get("flood")
    if flood and flood["without"]["p95_s"]:
        ratio = flood["with"]["p95_s"] / flood["without"]["p95_s"]
        out.append(f"login flood: chat p95 with / without = {ratio:.2f} (at most 1.5): {_met(ratio <= 1.5)}")
    memory = report.get("memory")
    steps = [m for m in (memory or {}).get("rss_each_thousand_mb", []) if m is not None]
    if len(steps) >= 2:
        growth = (steps[-1] - steps[-2]) * 1024 / 1000
        out.append(f"memory: {growth:.0f} KB a session over the last thousand sessions (0 when bounded)")
    rebuild = report.get("reindex")
    if rebuild:
        ok = (
            rebuild["failed"] == 0
            and rebuild["degraded"] == 0
            and rebuild["new_document_after_swap_s"] is not None
        )
        out.append(
            f"index --force while serving: {rebuild['failed']} failed, {rebuild['degraded']} degraded, the new "
            f"document answered {rebuild['new_document_after_swap_s']} s after the swap: {_met(ok)}"
        )
    return out


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def _stage_line(s: dict[str, Any]) -> str:
    return (
        f"  {s['clients']:7}  {s.get('pause_s', 0):7}  {s['requests']:8}  {s['answers_per_s']:9}  "
        f"{s['p50_s']:5.2f}  {s['p95_s']:5.2f}  {s['max_s']:5.2f}  {s['failed']:6}  {s['busy']:4}  "
        f"{s['rejected']:8}  {s['errors']:6}  {s.get('rss_mb') or '-':>9}  {s.get('cpu_ms') or '-':>13}  "
        f"{_percent(s.get('answers_hit_rate')):>17}  {_percent(s.get('states_hit_rate')):>16}  "
        f"{_percent(s.get('found_hit_rate')):>18}  "
        f"{s.get('load_average') or '-':>8}"
    )


def _percent(rate: float | None) -> str:
    return "-" if rate is None else f"{100 * rate:.0f}%"


# the rebuild during the load
def probe_question(new_id: str, files: tuple[str, ...] = SETS) -> LoadQuestion:
    """A question about the new document alone (from the evaluation sets)."""
    for q in load_mix(files, {new_id}):
        if q.docs == (new_id,) and not q.document:
            return q
    raise InputError(f"no question of the evaluation sets is about {new_id} alone")


def scratch_corpus(corpus: Path, new_document: Path, folder: Path) -> Path:
    """A copy of the corpus without the new document (its PDF and its text)."""
    target = folder / "corpus"
    stem = new_document.stem
    shutil.copytree(corpus, target, ignore=lambda _d, names: [n for n in names if Path(n).stem == stem])
    return target


def budget_qa(*args: str) -> list[str]:
    return [sys.executable, "-m", "assistant", *args]


def reindex_run(plan: LoadPlan, corpus: Path = Path("corpus")) -> dict[str, Any]:
    """A scratch index of the corpus less one document, served; the chat asked each question once (the
    answers before), then `budget-qa index --force` with the document added while visitors keep asking."""
    new = plan.new_document
    if not new.is_file():
        raise InputError(f"{new}: no such file")
    probe = probe_question(new.stem)
    with tempfile.TemporaryDirectory() as tmp:
        folder = scratch_corpus(corpus, new, Path(tmp))
        index = Path(tmp) / "index"
        vectors = [] if plan.vectors else ["--no-vectors"]
        command = budget_qa("--index", str(index), "index", str(folder), "--quiet", *vectors)
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        questions = load_mix(SETS, held_documents(index) | {new.stem})
        scopes = question_scopes(index, questions)
        app = ServedApp(index)
        try:
            result = asyncio.run(
                _reindex(app.url, questions, scopes, probe, (folder, index, new), vectors, plan)
            )
        finally:
            app.close()
    return result


def question_scopes(index: Path, questions: list[LoadQuestion]) -> dict[str, tuple[str, ...]]:
    """The documents each question is about, as the assistant resolves it over `index`; empty for a
    question about the whole corpus or the catalogue, a refusal or a clarifying answer (its answer may
    rightly change when a document is added)."""
    from assistant.engine import Assistant
    from assistant.scope import Last, Scope, choose
    from assistant.understand import normalise

    assistant = Assistant.open(index)
    out: dict[str, tuple[str, ...]] = {}
    for q in questions:
        last = Last()
        if q.document in assistant.catalog.entries:
            key = assistant.catalog.entries[q.document].key
            last = Last((q.document,), (key.unit,), key.year)
        scope = choose(normalise(q.question), last, assistant.catalog, None)
        whole = not isinstance(scope, Scope) or scope.corpus or scope.catalog_question
        out[q.id] = () if whole else tuple(scope.documents)
    return out


def about_unchanged(before: dict[str, tuple[str, ...]], after: dict[str, tuple[str, ...]]) -> set[str]:
    """The questions about documents a rebuild leaves as they were: about some documents (not the corpus, the
    catalogue, a refusal) and about the same ones over the old build and the new (a question also naming the
    added unit rightly changes its answer)."""
    return {q for q, docs in before.items() if docs and after.get(q) == docs}


async def _reindex(
    url: str,
    questions: list[LoadQuestion],
    scopes: dict[str, tuple[str, ...]],
    probe: LoadQuestion,
    paths: tuple[Path, Path, Path],
    vectors: list[str],
    plan: LoadPlan,
) -> dict[str, Any]:
    """Answers before; then the load, the rebuild in another process and the probe for the new document;
    degraded: an answer about documents the rebuild leaves as they were (the same scope over the old build
    and the new) that differs from before."""
    folder, index, new = paths
    # each question in a session of its own, before and during: no earlier turn changes its answer
    before = await run_stage(url, questions, 8, len(questions), plan.max_stage_s, turns=1)
    baseline = {r.question.id: r.answer for r in before.replies if r.status == "ok"}
    stop = asyncio.Event()
    load = asyncio.create_task(_until(url, questions, plan.flood_clients, stop))
    await asyncio.sleep(3)
    shutil.copy(new, folder / new.name)
    started = time.monotonic()
    command = budget_qa("--index", str(index), "index", "--force", str(folder), "--quiet", *vectors)
    rebuild = await asyncio.create_subprocess_exec(*command, stdout=subprocess.DEVNULL)
    swap = asyncio.create_task(_swapped(index, rebuild))
    answered_at = await _probe(url, probe, rebuild, started, timeout=900.0)
    code = await rebuild.wait()
    finished = time.monotonic()
    swapped_at = await swap
    await asyncio.sleep(5)  # answers after the swap too
    stop.set()
    replies = await load
    same = about_unchanged(scopes, question_scopes(index, questions))
    unchanged = [r for r in replies if r.question.id in baseline and r.question.id in same]
    degraded = [r for r in unchanged if r.status == "ok" and r.answer != baseline[r.question.id]]
    return {
        "clients": plan.flood_clients,
        "new_document": new.stem,
        "rebuild_exit": code,
        "rebuild_s": round(finished - started, 1),
        "asked": len(replies),
        "failed": sum(r.status != "ok" for r in replies),
        "statuses": _statuses(replies),
        "about_unchanged": len(unchanged),
        "degraded": len(degraded),
        "degraded_examples": sorted({r.question.id for r in degraded})[:5],
        "new_document_answered_s": None if answered_at is None else round(answered_at - started, 1),
        "new_document_after_swap_s": _after(answered_at, swapped_at),
        "probe": probe.question,
        "p95_s": _p95(replies),
    }


async def _swapped(index: Path, rebuild: Any) -> float | None:
    """When CURRENT named another build, or None: polled every 0.1 s while the rebuild runs, and dated by
    the file's own time (a busy event loop may notice the change late)."""
    pointer = index / "CURRENT"
    first = pointer.read_text(encoding="utf-8")
    while True:
        try:
            if pointer.read_text(encoding="utf-8") != first:
                late = max(0.0, time.time() - pointer.stat().st_mtime)
                return time.monotonic() - late
        except OSError:
            pass
        if rebuild.returncode is not None:
            return None
        await asyncio.sleep(0.1)


def _after(answered_at: float | None, swapped_at: float | None) -> float | None:
    """Seconds from the swap to the first answer about the new document (None when either is missing)."""
    return None if answered_at is None or swapped_at is None else round(answered_at - swapped_at, 1)


async def _until(url: str, questions: list[LoadQuestion], clients: int, stop: asyncio.Event) -> list[Reply]:
    """Visitors asking without pause until `stop` is set (bounded: 30 minutes at most)."""
    replies: list[Reply] = []
    deadline = time.monotonic() + 1800
    async with http_client(clients * 2 + 4) as client:
        chat = await ChatEndpoint.discover(client, url)
        asked = 0

        async def visitor() -> None:
            nonlocal asked
            while not stop.is_set() and time.monotonic() < deadline:
                q = questions[asked % len(questions)]
                asked += 1
                replies.append(await ask(client, chat, q, uuid.uuid4().hex[:11]))

        await asyncio.gather(*(visitor() for _ in range(clients)))
    return replies


async def _probe(url: str, probe: LoadQuestion, rebuild: Any, started: float, timeout: float) -> float | None:
    """Ask about the new document every half second until it is answered with sources; the time it was."""
    async with http_client(4) as client:
        chat = await ChatEndpoint.discover(client, url)
        first = await ask(client, chat, probe, "probe-before")
        while time.monotonic() - started < timeout:
            reply = await ask(client, chat, probe, f"probe-{time.monotonic_ns()}")
            if reply.status == "ok" and "<summary>来源" in reply.answer and reply.answer != first.answer:
                return reply.at
            if rebuild.returncode not in (None, 0):
                return None
            await asyncio.sleep(0.5)
    return None


def _statuses(replies: list[Reply]) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in replies:
        out[r.status] = out.get(r.status, 0) + 1
    return dict(sorted(out.items()))


def _p95(replies: list[Reply]) -> float:
    from assistant.bench import percentile

    return round(percentile([r.seconds for r in replies if r.status == "ok"], 95), 3)


def render_reindex(r: dict[str, Any]) -> str:
    answered = f"{r['new_document_answered_s']}s" if r["new_document_answered_s"] is not None else "never"
    return (
        f"`budget-qa index --force` with {r['new_document']} added, {r['clients']} clients asking: rebuild "
        f"{r['rebuild_s']}s (exit {r['rebuild_exit']}); {r['asked']} questions asked, {r['failed']} failed "
        f"({r['statuses']}); {r['degraded']} of {r['about_unchanged']} answers about unchanged documents "
        f"differ from before {r['degraded_examples'] or ''}; p95 {r['p95_s']}s; the new document answered "
        f"{answered} after the rebuild started, {r.get('new_document_after_swap_s')}s after CURRENT named the "
        "new build"
    )
