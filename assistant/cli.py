"""`budget-qa`: a thin command line over the library.

JSON where machines read (`--json`, `--jsonl`), readable text for people; every domain error becomes one
line on stderr and exit code 2. Paths come from arguments or environment variables, with defaults.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlparse

from assistant.errors import BudgetQAError, InputError


def index_dir(args: argparse.Namespace | None = None) -> Path:
    given = getattr(args, "index", None) if args else None
    return Path(given or os.environ.get("BUDGET_QA_INDEX", "index"))


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="budget-qa", description="预算问答: exact, cited answers about published budgets."
    )
    p.add_argument("--index", help="index folder (default: $BUDGET_QA_INDEX or ./index)")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("index", help="build the fact store and the narrative index")
    s.add_argument(
        "paths", nargs="*", default=["corpus"], help="document files or folders (default: corpus/)"
    )
    s.add_argument("--force", action="store_true", help="rebuild even when nothing changed")
    s.add_argument(
        "--skip-bad", action="store_true", help="skip documents that cannot be read instead of stopping"
    )
    s.add_argument("--no-vectors", action="store_true", help="fact store only (no embeddings)")
    s.add_argument("--quiet", action="store_true")

    s = sub.add_parser("add", help="add documents to the live index, keeping the others")
    s.add_argument("paths", nargs="+", help="budget files (.pdf or .txt) or folders")
    s.add_argument("--quiet", action="store_true")

    s = sub.add_parser("ask", help="answer one question (or a JSONL file of questions)")
    s.add_argument("question", nargs="?")
    s.add_argument("--json", action="store_true", help="print the answer contract as JSON")
    s.add_argument(
        "--jsonl", metavar="FILE", help="read {id, question, history} lines; print one JSON line each"
    )
    s.add_argument("--document", help="document id to answer from (default: $BUDGET_QA_DOCUMENT)")

    s = sub.add_parser("units", help="list the units, years and kinds the index holds")
    s.add_argument("--json", action="store_true", help="one JSON object per unit")

    s = sub.add_parser("chat", help="a conversation in the terminal")
    s.add_argument("--document")

    s = sub.add_parser("facts", help="parse one document and print its facts")
    s.add_argument("file")
    s.add_argument("--jsonl", action="store_true", help="one JSON line per fact (default)")

    s = sub.add_parser("audit", help="check the identities and cross-references of documents")
    s.add_argument("files", nargs="+")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("tables", help="show a parsed table as a grid")
    s.add_argument("file")
    s.add_argument("--table", help="table key or part of its title")

    s = sub.add_parser("eval", help="score the assistant on question sets")
    s.add_argument("files", nargs="+")
    s.add_argument("--json", action="store_true")
    s.add_argument("--report", help="write a report (.md, .json or text)")
    s.add_argument("--baseline", help="a previous --report .json to compare with")
    s.add_argument("--min-accuracy", type=float, help="exit 1 below this overall accuracy (0–1)")
    s.add_argument("--document", help="document a question naming no unit is about (default: none)")

    s = sub.add_parser("doctor", help="check the index and the deployment, one line per check")
    s.add_argument(
        "--index", default=argparse.SUPPRESS, help="index folder (as the option before the command)"
    )
    s.add_argument("--corpus", default="corpus", help="the corpus `budget-qa index` reads (default: corpus/)")
    s.add_argument("--json", action="store_true", help="the checks as one JSON object")

    s = sub.add_parser("serve", help="start the web app (public chat and staff helpdesk)")
    s.add_argument("--host", default=os.environ.get("BUDGET_QA_HOST", "127.0.0.1"))
    s.add_argument("--port", type=int, default=int(os.environ.get("BUDGET_QA_PORT", "7860")))

    s = sub.add_parser("mcp", help="serve the assistant's tools to MCP clients (stdio, or --http)")
    s.add_argument(
        "--index", default=argparse.SUPPRESS, help="index folder (as the option before the command)"
    )
    s.add_argument(
        "--document", help="document a question naming no unit is about (default: $BUDGET_QA_DOCUMENT)"
    )
    s.add_argument(
        "--http", action="store_true", help="streamable HTTP at http://HOST:PORT/mcp instead of stdio"
    )
    s.add_argument("--host", default=os.environ.get("BUDGET_QA_MCP_HOST", "127.0.0.1"))
    s.add_argument("--port", type=int, default=int(os.environ.get("BUDGET_QA_MCP_PORT", "8765")))

    s = sub.add_parser("bench", help="measure latency, cold start, memory, and the scale table")
    s.add_argument("files", nargs="*", default=["evals/questions.jsonl"])
    s.add_argument("--json", action="store_true")
    s.add_argument(
        "--scale",
        default="",
        help="index sizes for the scale table, e.g. 1,37,1000 (renamed copies of corpus/)",
    )
    s.add_argument("--load", action="store_true", help="the public chat under load, through a real server")
    s.add_argument("--clients", default="20,100,200", help="concurrent visitors per load stage")
    s.add_argument("--requests", type=int, default=1000, help="questions per load stage")
    s.add_argument("--turns", type=int, default=5, help="questions a visitor asks in one conversation")
    s.add_argument(
        "--paused", default="", help="also: these load stages again with visitors reading each answer"
    )
    s.add_argument("--pause", type=float, default=5.0, help="seconds a visitor reads an answer (--paused)")
    s.add_argument("--url", help="load a running server instead of starting one (127.0.0.1 only)")
    s.add_argument("--flood", action="store_true", help="also: 200 wrong helpdesk logins during the load")
    s.add_argument("--sessions", type=int, default=0, help="also: server memory over N one-question sessions")
    s.add_argument(
        "--reindex", action="store_true", help="also: `index --force` with a document added during the load"
    )
    s.add_argument("--new-document", default="", help="the document the rebuild adds (--reindex)")
    s.add_argument("--no-vectors", action="store_true", help="the rebuild skips embeddings (--reindex)")
    return p


class _Warnings(logging.Handler):
    """The library's warnings (an index made before manifests, narrative search unavailable) as CLI lines."""

    def emit(self, record: logging.LogRecord) -> None:
        print(f"budget-qa: warning: {record.getMessage()}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logger = logging.getLogger("assistant")
    if not any(isinstance(h, _Warnings) for h in logger.handlers):
        logger.addHandler(_Warnings(logging.WARNING))
    try:
        return COMMANDS[args.command](args)
    except BudgetQAError as err:
        print(f"budget-qa: {err}", file=sys.stderr)
        return err.exit_code
    except sqlite3.DatabaseError as err:  # damage inside the fact store, past what opening reads
        if type(err) is not sqlite3.DatabaseError:  # locked, a broken constraint: not damage
            raise
        print(
            f"budget-qa: the index is damaged ({str(err).splitlines()[0]}); check it with `budget-qa doctor` "
            "and rebuild it with `budget-qa index --force`",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def cmd_index(args: argparse.Namespace) -> int:
    from assistant.index import build_index

    bar = _Progress(sys.stderr, quiet=args.quiet)
    result = build_index(
        args.paths,
        index_dir(args),
        with_vectors=not args.no_vectors,
        skip_bad=args.skip_bad,
        force=args.force,
        progress=bar,
    )
    bar.done()
    if result.up_to_date:
        print(f"index is up to date ({index_dir(args)}); nothing to do")
        return 0
    for reason in result.skipped:
        print(f"skipped: {reason}", file=sys.stderr)
    for note in result.joined:
        print(f"joined: {note}", file=sys.stderr)
    print(
        f"indexed {len(result.documents)} document(s), {result.chunks} passages in {result.seconds:.1f}s "
        f"→ {result.build_dir}"
    )
    for d in result.documents:
        print(f"  {d['id']}: {d['unit_name']} {d['year']} {d['kind']}")
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    from assistant.index import add_documents

    bar = _Progress(sys.stderr, quiet=args.quiet)
    before = _indexed(index_dir(args))
    result = add_documents(args.paths, index_dir(args), progress=bar)
    bar.done()
    added = [d for d in result.documents if d["id"] not in before]
    print(f"added {len(added)} document(s) in {result.seconds:.1f}s; the index holds {len(result.documents)}")
    for d in added:
        print(f"  {d['id']}: {d['unit_name']} {d['year']} {d['kind']}")
    return 0


def _indexed(index: Path) -> set[str]:
    from assistant.index import open_live

    _, store = open_live(index)
    try:
        return {d["id"] for d in store.documents()}
    finally:
        store.close()


def _open(args: argparse.Namespace) -> Any:
    from assistant.engine import Assistant

    return Assistant.open(index_dir(args), getattr(args, "document", None))


def cmd_ask(args: argparse.Namespace) -> int:
    if args.jsonl:
        return _ask_jsonl(args)
    if not args.question:
        raise InputError("give a question, or --jsonl FILE")
    result = _open(args).ask(args.question)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        print(result.text)
    return 0


def _ask_jsonl(args: argparse.Namespace) -> int:
    path = Path(args.jsonl)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    assistant = _open(args)
    for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            question, history = record.get("question", ""), record.get("history") or []
        except (json.JSONDecodeError, AttributeError):
            print(json.dumps({"id": None, "line": n, "error": "not a JSON object"}, ensure_ascii=False))
            continue
        try:
            out = assistant.ask(question, [str(h) for h in history] if isinstance(history, list) else [])
        except Exception as err:  # noqa: BLE001 - one bad line must not stop the others
            error = f"internal error: {type(err).__name__}: {err}"
            print(json.dumps({"id": record.get("id"), "line": n, "error": error}, ensure_ascii=False))
            continue
        print(json.dumps({"id": record.get("id"), **out.to_dict()}, ensure_ascii=False), flush=True)
    return 0


def cmd_units(args: argparse.Namespace) -> int:
    from assistant.catalog import Catalog
    from assistant.index import open_live

    _, store = open_live(index_dir(args))
    catalog = Catalog.from_rows(store.documents(), store.unit_table_rows())
    listing = catalog.listing()
    if args.json:
        for unit in listing:
            print(json.dumps(unit, ensure_ascii=False))
        return 0
    docs = sum(len(u["documents"]) for u in listing)
    print(f"{len(listing)} units, {docs} budgets, years {', '.join(map(str, catalog.years()))}")
    for unit in listing:
        held = "、".join(f"{d['year']}年{d['kind']}" for d in unit["documents"])
        names = "、".join(unit["names"][:4])
        print(f"  {unit['unit']}  {held}  ({names})")
        for doc in unit["documents"]:
            if doc["budget_units"]:
                print(f"    {doc['year']}年{doc['kind']}含预算单位：{'、'.join(doc['budget_units'])}")
    for duplicate, kept in sorted(catalog.duplicates.items()):
        print(f"  note: {duplicate} is the same budget as {kept}; answers use {kept}")
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    assistant = _open(args)
    history: list[str] = []
    print("预算问答 — 输入问题，空行或 Ctrl-D 退出。")
    while True:
        try:
            question = input("问> ").strip()
        except EOFError:
            break
        if not question:
            break
        answer = assistant.ask(question, history)
        print(answer.text + "\n")
        history.append(question)
    return 0


def cmd_facts(args: argparse.Namespace) -> int:
    from assistant.documents import read_document
    from assistant.store import fact_rows

    doc = read_document(args.file)
    for fact in fact_rows(doc):
        print(json.dumps(fact, ensure_ascii=False))
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from assistant.audit import audit_document, audit_series, exit_code, render_audit
    from assistant.documents import read_document

    worst = 0
    reports = []
    docs = []
    for f in args.files:
        try:
            docs.append(read_document(f))
        except BudgetQAError as err:
            print(f"budget-qa: {err}", file=sys.stderr)
            worst = max(worst, 2)
    across_years = audit_series(docs)  # one unit's budgets of consecutive years, when several are given
    for doc in docs:
        report = audit_document(doc)
        report.findings += across_years.get(doc.id, [])
        code = exit_code(report)
        worst = max(worst, code)
        reports.append(report.to_dict())
        if not args.json:
            print(render_audit(report))
    if args.json:
        print(json.dumps(reports if len(reports) != 1 else reports[0], ensure_ascii=False, indent=1))
    return worst


def cmd_tables(args: argparse.Namespace) -> int:
    from assistant.audit import render_table
    from assistant.documents import read_document

    doc = read_document(args.file)
    chosen = [
        t for t in doc.tables if not args.table or args.table in (t.key, t.name) or args.table in t.name
    ]
    if not chosen:
        raise InputError(f"no table matches {args.table!r}; tables: " + ", ".join(t.key for t in doc.tables))
    for table in chosen:
        print(render_table(table) + "\n")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from assistant.evaluate import eval_command

    assistant = _open(args)
    return eval_command(
        args.files,
        lambda q, h: assistant.ask(q, h).to_dict(),
        as_json=args.json,
        report_path=args.report,
        baseline_path=args.baseline,
        min_accuracy=args.min_accuracy,
    )


def cmd_doctor(args: argparse.Namespace) -> int:
    from assistant.appdb import app_db_setting
    from assistant.doctor import Deployment, environment, render, report, run_checks

    index = index_dir(args)
    checks = run_checks(Deployment(index, app_db_setting(index), Path(args.corpus), environment()))
    print(json.dumps(report(checks), ensure_ascii=False) if args.json else render(checks))
    return 0 if all(c.ok for c in checks) else 2


def cmd_serve(args: argparse.Namespace) -> int:
    from assistant.app import serve

    serve(index_dir(args), host=args.host, port=args.port)
    return 0


def cmd_mcp(args: argparse.Namespace) -> int:
    from functools import partial

    from assistant.engine import Assistant
    from assistant.live import LiveAssistant
    from assistant.mcp_server import run

    assistant = LiveAssistant(index_dir(args), partial(Assistant.open, default_document=args.document))
    if args.http:
        print(
            f"预算问答 MCP: streamable HTTP at http://{args.host}:{args.port}/mcp",
            file=sys.stderr,
            flush=True,
        )
    run(assistant, http=args.http, host=args.host, port=args.port)
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from assistant.bench import run_bench

    if args.load:
        return _load(args)
    try:
        sizes = [int(n) for n in args.scale.split(",") if n.strip()]
    except ValueError:
        raise InputError(f"--scale takes sizes like 1,37,1000, not {args.scale!r}") from None
    return run_bench(index_dir(args), args.files, as_json=args.json, scale=sizes)


def _load(args: argparse.Namespace) -> int:
    from assistant.loadbench import NEW_DOCUMENT, LoadPlan, run_load

    try:
        clients = tuple(int(n) for n in args.clients.split(",") if n.strip())
        paused = tuple(int(n) for n in args.paused.split(",") if n.strip())
    except ValueError:
        raise InputError(
            f"--clients and --paused take counts like 20,100,200, not {args.clients!r}"
        ) from None
    if args.url and urlparse(args.url).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise InputError(f"--url: the load test only targets this machine (127.0.0.1), not {args.url}")
    plan = LoadPlan(
        clients=clients,
        requests=args.requests,
        turns=max(1, args.turns),
        paused=paused,
        pause_s=max(0.0, args.pause),
        flood=args.flood,
        sessions=args.sessions,
        reindex=args.reindex,
        new_document=Path(args.new_document) if args.new_document else NEW_DOCUMENT,
        vectors=not args.no_vectors,
    )
    return run_load(index_dir(args), plan, url=args.url, as_json=args.json)


class _Progress:
    """A one-line progress bar on stderr (silent when not a terminal or --quiet)."""

    def __init__(self, stream: TextIO, quiet: bool = False):
        self.stream, self.quiet = stream, quiet
        self.tty = stream.isatty()

    def __call__(self, message: str, done: int, total: int) -> None:
        if self.quiet:
            return
        width = 24
        filled = int(width * done / total) if total else width
        line = f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {message}"
        if self.tty:
            self.stream.write("\r" + line[:100].ljust(100))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def done(self) -> None:
        if self.tty and not self.quiet:
            self.stream.write("\n")


COMMANDS = {
    "index": cmd_index,
    "add": cmd_add,
    "ask": cmd_ask,
    "units": cmd_units,
    "chat": cmd_chat,
    "facts": cmd_facts,
    "audit": cmd_audit,
    "tables": cmd_tables,
    "eval": cmd_eval,
    "doctor": cmd_doctor,
    "serve": cmd_serve,
    "mcp": cmd_mcp,
    "bench": cmd_bench,
}
