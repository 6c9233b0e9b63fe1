"""`budget-qa doctor`: is the index whole and the deployment ready? One line per check: ✓, or ✗ and what to do.

The index: CURRENT names a build, its manifest reads, every file has the size and sha256 the manifest
gives, the fact store passes SQLite's full `integrity_check` with the manifest's counts, every passage
parses, and, when the build has vectors, the Chroma collection holds them and the embedding model loads
offline and is the one they were made with. The deployment: the app database can be written, the helpdesk
accounts parse, the corpus can be read, and the disk has room for another build.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from assistant.errors import BudgetQAError, IndexDamagedError, InputError
from assistant.manifest import count

HEADROOM = 100 * 1024 * 1024  # room for the question log to grow, beyond two builds


@dataclass(frozen=True)
class Check:
    """One check's outcome: what was found, or, when it failed, what is wrong and what to do."""

    name: str
    ok: bool
    message: str

    def line(self) -> str:
        return f"{'✓' if self.ok else '✗'} {self.name}: {self.message}"


@dataclass(frozen=True)
class Deployment:
    """Where the deployment keeps things (resolved from arguments and the environment at the CLI)."""

    index: Path
    app_db: Path | str  # a SQLite file, or a postgresql:// URL
    corpus: Path
    environ: Mapping[str, str]


def run_checks(deployment: Deployment, headroom: int = HEADROOM) -> list[Check]:
    """Every check, the index's first; checks that need a live build are left out when there is none."""
    checks, build = index_checks(deployment.index)
    checks += [
        attempt("app database", lambda: check_app_db(deployment.app_db)),
        attempt("helpdesk accounts", lambda: check_accounts(deployment.environ)),
        attempt("corpus", lambda: check_corpus(deployment.corpus, deployment.index)),
        attempt("disk space", lambda: check_disk(deployment.index, build, headroom)),
    ]
    return checks


def attempt(name: str, check: Callable[[], str]) -> Check:
    """Run one check: its summary when it passes, its one-line error when it does not."""
    try:
        return Check(name, True, check())
    except BudgetQAError as err:
        return Check(name, False, str(err))
    except OSError as err:
        return Check(name, False, f"{err.filename or name}: {err.strerror or err}")


def index_checks(index: Path) -> tuple[list[Check], Path | None]:
    """The build's checks (integrity.py), with the files' digests, the full SQLite check and the vectors."""
    from assistant.index import current_build
    from assistant.integrity import check_files, check_passages, check_store

    try:
        build = current_build(index)
    except BudgetQAError as err:
        return [Check("index", False, str(err))], None
    found, manifest = manifest_check(build)
    checks = [Check("index", True, f"{build} is live"), found]
    if manifest is not None:
        checks.append(attempt("files", lambda: check_files(build, manifest, digests=True)))
    checks.append(attempt("fact store", lambda: check_store(build, manifest, full=True)))
    checks.append(attempt("passages", lambda: check_passages(build, manifest)))
    if manifest.vectors if manifest is not None else (build / "chroma").is_dir():
        checks += vector_checks(build, manifest)
    return checks, build


def manifest_check(build: Path) -> tuple[Check, Any]:
    """The manifest and what it says; a build made before manifests fails here (rebuild it), the rest of
    its checks run without the manifest's counts."""
    from assistant.integrity import manifest_expected, no_manifest
    from assistant.manifest import MANIFEST_FILE, missing, read_manifest

    try:
        manifest = read_manifest(build)
    except IndexDamagedError as err:
        return Check("manifest", False, str(err)), None
    if manifest is not None:
        return Check("manifest", True, _summary(manifest)), manifest
    if manifest_expected(build):
        return Check("manifest", False, missing(build / MANIFEST_FILE)), None
    return Check("manifest", False, no_manifest(build)), None


def vector_checks(build: Path, manifest: Any) -> list[Check]:
    """The collection holds the manifest's vectors; the model a server would load is the one that made them."""
    from assistant.integrity import check_vectors

    return [
        attempt("vectors", lambda: check_vectors(build, manifest)),
        attempt("embedding model", lambda: check_model(manifest.embedding_model if manifest else "")),
    ]


def check_model(built_with: str) -> str:
    """The embedding model loads offline, embeds a query, and is the model the vectors were made with."""
    from assistant.embeddings import ENV_MODEL, load_embedder

    embedder = load_embedder()
    vector = embedder.embed_query("名词解释")
    if len(vector) != embedder.dimension:
        raise BudgetQAError(f"{embedder.name} gives {len(vector)} numbers, not {embedder.dimension}")
    if built_with and embedder.name != built_with:
        raise BudgetQAError(
            f"the vectors were made with {built_with}, but {embedder.name} loads; set {ENV_MODEL}={built_with} "
            "or rebuild with `budget-qa index --force`"
        )
    return f"{embedder.name} loads offline in {embedder.load_seconds:.1f}s"


def check_app_db(path: Path | str) -> str:
    """The question log can be written: an existing database takes a write (rolled back), else its folder can
    hold one; a PostgreSQL database answers."""
    if isinstance(path, str):
        return _database_answers(path)
    if path.exists():
        if not path.is_file():
            raise InputError(f"{path} is not a file; set BUDGET_QA_APP_DB to a database file")
        return _writable_db(path)
    folder = next(p for p in path.parents if p.exists())
    if not folder.is_dir():
        raise InputError(f"{path} cannot be created ({folder} is not a folder); set BUDGET_QA_APP_DB")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as err:
        raise InputError(f"{path} cannot be created ({err.strerror}); set BUDGET_QA_APP_DB") from None
    return f"{path} will be created at the first question"


def _database_answers(url: str) -> str:
    from assistant.appdb import open_database

    db = open_database(url)  # an unreachable database is an AppDatabaseError (one line, no password)
    try:
        db.query("SELECT 1")
        return f"{db.describe()} answers"
    finally:
        db.close()


def _writable_db(path: Path) -> str:
    conn = sqlite3.connect(path, timeout=2)
    try:
        problems = [r[0] for r in conn.execute("PRAGMA quick_check")]
        if problems != ["ok"]:
            raise InputError(f"{path} is damaged ({problems[0][:120]}); move it aside, a new one is made")
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("CREATE TABLE doctor_probe (x INTEGER)")
        conn.rollback()
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        logged = conn.execute("SELECT count(*) FROM questions").fetchone()[0] if "questions" in tables else 0
    except sqlite3.Error as err:
        raise InputError(
            f"{path} cannot be written ({err}); set BUDGET_QA_APP_DB to a writable file"
        ) from None
    finally:
        conn.close()
    return f"{path} is writable ({count(logged, 'question')} logged)"


def check_accounts(environ: Mapping[str, str]) -> str:
    """The helpdesk accounts parse; none at all is fine (the helpdesk is then off)."""
    from assistant.accounts import USERS_ENV, account_problems, load_users

    problems = account_problems(environ)
    if problems:
        fix = "make each line with `python -m assistant.app hash-password USER`"
        raise InputError("; ".join(problems) + f"; {fix}")
    users = load_users(environ)
    if not users:
        return f"none configured, so the helpdesk is off (set {USERS_ENV} to open it)"
    return f"{count(len(users), 'account')}: {', '.join(sorted(users))}"


def check_corpus(folder: Path, index: Path) -> str:
    """Every document `budget-qa index` would read (the corpus and the uploads kept in the index) can be read."""
    from assistant.index import UPLOADS, corpus_files

    files = corpus_files([folder])
    uploads = index / UPLOADS
    added = corpus_files([uploads]) if uploads.is_dir() and any(uploads.iterdir()) else []
    for f in files + added:
        try:
            with f.open("rb") as handle:
                handle.read(4096)
        except OSError as err:
            raise InputError(f"{f} cannot be read ({err.strerror})") from None
    return f"{count(len(files), 'document')} in {folder} readable" + (
        f", {len(added)} uploaded" if added else ""
    )


def check_disk(index: Path, build: Path | None, headroom: int = HEADROOM) -> str:
    """Room for another build beside the live one and the one it replaced, plus `headroom`."""
    where = next(p for p in (index, *index.absolute().parents) if p.exists())
    size = sum(f.stat().st_size for f in build.rglob("*") if f.is_file()) if build else 0
    need = 2 * size + headroom
    free = shutil.disk_usage(where).free
    if free < need:
        raise InputError(f"{_mb(free)} free at {where}, a rebuild needs about {_mb(need)}; free some space")
    return f"{_mb(free)} free at {where} (a rebuild needs about {_mb(need)})"


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:,.0f} MB"


def _summary(manifest: Any) -> str:
    vectors = (
        f"{count(manifest.vectors, 'vector')} ({manifest.embedding_model})"
        if manifest.vectors
        else "no vectors"
    )
    return (
        f"{count(manifest.documents, 'document')}, {count(manifest.facts, 'fact')}, "
        f"{count(manifest.passages, 'passage')}, "
        f"{vectors}, schema {manifest.schema}"
    )


def render(checks: list[Check]) -> str:
    return "\n".join(c.line() for c in checks)


def report(checks: list[Check]) -> dict[str, Any]:
    """The checks for machines (`budget-qa doctor --json`)."""
    return {"ok": all(c.ok for c in checks), "checks": [asdict(c) for c in checks]}


def environment() -> dict[str, str]:
    """The variables the checks read (the helpdesk accounts), from the process environment."""
    from assistant.accounts import USERS_ENV, USERS_FILE_ENV

    return {k: os.environ[k] for k in (USERS_ENV, USERS_FILE_ENV) if k in os.environ}
