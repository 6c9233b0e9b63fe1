"""`budget-qa doctor`'s checks of a deployment: app database, helpdesk accounts, corpus, disk space, and the
vectors and embedding model of a build that has them."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import bcrypt
import pytest

from assistant.applog import AppLog
from assistant.doctor import (
    Check,
    Deployment,
    check_accounts,
    check_app_db,
    check_corpus,
    check_disk,
    render,
    report,
    run_checks,
)
from assistant.errors import BudgetQAError
from assistant.index import add_documents, build_index, current_build

from .conftest import OTHER, ROOT, SEED

HASH = bcrypt.hashpw(b"correct-horse-9", bcrypt.gensalt(rounds=4)).decode()
FIX_ACCOUNTS = "make each line with `python -m assistant.app hash-password USER`"


def _fails(check, *args) -> str:
    with pytest.raises(BudgetQAError) as err:
        check(*args)
    return str(err.value)


def test_app_db_that_exists_takes_a_write_and_is_left_as_it_was(tmp_path: Path) -> None:
    db = tmp_path / "app.sqlite"
    log = AppLog(db)
    log.record("办公费是多少？", "table", 3.0)
    log.close()
    conn = sqlite3.connect(db)
    before = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    conn.close()
    assert check_app_db(db) == f"{db} is writable (1 question logged)"
    conn = sqlite3.connect(db)
    after = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    assert after == before and "questions" in after
    assert conn.execute("SELECT COUNT(*) FROM questions").fetchone()[0] == 1
    conn.close()


def test_app_db_yet_to_be_made(tmp_path: Path) -> None:
    db = tmp_path / "new" / "deeper" / "app.sqlite"
    assert check_app_db(db) == f"{db} will be created at the first question"
    assert not (tmp_path / "new").exists()


def test_app_db_that_cannot_be(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    assert _fails(check_app_db, blocker / "app.sqlite") == (
        f"{blocker / 'app.sqlite'} cannot be created ({blocker} is not a folder); set BUDGET_QA_APP_DB"
    )
    assert (
        _fails(check_app_db, tmp_path) == f"{tmp_path} is not a file; set BUDGET_QA_APP_DB to a database file"
    )
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"not a database" * 100)
    assert _fails(check_app_db, garbage) == (
        f"{garbage} cannot be written (file is not a database); set BUDGET_QA_APP_DB to a writable file"
    )


@pytest.mark.parametrize(
    ("environ", "result"),
    [
        ({}, "none configured, so the helpdesk is off (set BUDGET_QA_HELPDESK_USERS to open it)"),
        ({"BUDGET_QA_HELPDESK_USERS": f"staff:{HASH},chen:{HASH}"}, "2 accounts: chen, staff"),
        ({"BUDGET_QA_HELPDESK_USERS": f"staff:{HASH}"}, "1 account: staff"),
    ],
)
def test_accounts_that_parse(environ: dict[str, str], result: str) -> None:
    assert check_accounts(environ) == result


def test_accounts_that_do_not(tmp_path: Path) -> None:
    environ = {"BUDGET_QA_HELPDESK_USERS": f"staff:{HASH},chen:secret"}
    message = _fails(check_accounts, environ)
    assert message == (f"the hash of 'chen' in BUDGET_QA_HELPDESK_USERS is not a bcrypt hash; {FIX_ACCOUNTS}")
    missing = tmp_path / "users.txt"
    assert _fails(check_accounts, {"BUDGET_QA_HELPDESK_USERS_FILE": str(missing)}) == (
        f"{missing} cannot be read (FileNotFoundError); {FIX_ACCOUNTS}"
    )


def test_corpus(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    index = tmp_path / "index"
    assert check_corpus(corpus, index) == f"1 document in {corpus} readable"
    (index / "uploads").mkdir(parents=True)
    shutil.copy(SEED, index / "uploads" / "added.txt")
    assert check_corpus(corpus, index) == f"1 document in {corpus} readable, 1 uploaded"
    assert (
        _fails(check_corpus, tmp_path / "absent", index) == f"{tmp_path / 'absent'}: no such file or folder"
    )
    (tmp_path / "empty").mkdir()
    assert _fails(check_corpus, tmp_path / "empty", index) == "no document files (*.pdf, *.txt) to index"


def test_disk_space(tmp_path: Path, seed_index: Path) -> None:
    build = current_build(seed_index)
    size = sum(f.stat().st_size for f in build.rglob("*") if f.is_file())
    free = shutil.disk_usage(seed_index).free
    assert check_disk(seed_index, build, headroom=0).endswith(
        f"free at {seed_index} (a rebuild needs about {2 * size / 1024 / 1024:,.0f} MB)"
    )
    message = _fails(check_disk, tmp_path / "not" / "yet", None, free * 2)
    assert message.startswith(f"{free / 1024 / 1024:,.0f} MB free at {tmp_path}, a rebuild needs about ")
    assert message.endswith("; free some space")


def test_every_check_runs_when_there_is_no_index(tmp_path: Path) -> None:
    deployment = Deployment(tmp_path / "index", tmp_path / "index" / "app.sqlite", ROOT / "corpus", {})
    checks = run_checks(deployment)
    assert [(c.name, c.ok) for c in checks] == [
        ("index", False),
        ("app database", True),
        ("helpdesk accounts", True),
        ("corpus", True),
        ("disk space", True),
    ]
    assert checks[0].message == f"{tmp_path / 'index'}: no index yet; build it with `budget-qa index`"


def test_render_and_report() -> None:
    checks = [
        Check("index", True, "index/build-1 is live"),
        Check("corpus", False, "corpus: no such file or folder"),
    ]
    assert render(checks) == "✓ index: index/build-1 is live\n✗ corpus: corpus: no such file or folder"
    assert report(checks) == {
        "ok": False,
        "checks": [
            {"name": "index", "ok": True, "message": "index/build-1 is live"},
            {"name": "corpus", "ok": False, "message": "corpus: no such file or folder"},
        ],
    }


@pytest.fixture(scope="module")
def vector_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed with its narrative embedded, then a second budget added to it."""
    if not OTHER.exists():
        pytest.skip("shared Shanghai corpus not present")
    index = tmp_path_factory.mktemp("vectors") / "index"
    build_index([SEED], index, with_vectors=True)
    add_documents([OTHER], index)
    return index


@pytest.mark.slow
def test_a_build_with_vectors_checks_them_and_the_model(vector_index: Path, monkeypatch) -> None:
    deployment = Deployment(vector_index, vector_index / "app.sqlite", ROOT / "corpus", {})
    checks = {c.name: c for c in run_checks(deployment)}
    assert all(c.ok for c in checks.values()), render(list(checks.values()))
    from assistant.manifest import read_manifest

    manifest = read_manifest(current_build(vector_index))
    assert manifest is not None and manifest.documents == 2
    assert manifest.vectors == manifest.passages > 0 and manifest.embedding_model == "e5-small-q4"
    assert checks["vectors"].message == f"{manifest.vectors:,} vectors"
    assert checks["embedding model"].message.startswith("e5-small-q4 loads offline in ")
    monkeypatch.setenv("BUDGET_QA_EMBEDDING_MODEL", "use-m3")
    model = {c.name: c for c in run_checks(deployment)}["embedding model"]
    assert not model.ok
    assert model.message == (
        "the vectors were made with e5-small-q4, but use-m3 loads; set BUDGET_QA_EMBEDDING_MODEL=e5-small-q4 "
        "or rebuild with `budget-qa index --force`"
    )


@pytest.mark.slow
def test_vectors_fewer_than_the_manifest_says(vector_index: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    shutil.copytree(vector_index, index)
    build = current_build(index)
    import chromadb

    from assistant.vectors import COLLECTION, _settings

    client = chromadb.PersistentClient(str(build / "chroma"), settings=_settings())
    collection = client.get_collection(COLLECTION)
    collection.delete(ids=collection.get(limit=1)["ids"])
    total = collection.count()
    client.close()
    deployment = Deployment(index, index / "app.sqlite", ROOT / "corpus", {})
    vectors = {c.name: c for c in run_checks(deployment)}["vectors"]
    assert not vectors.ok
    assert vectors.message == (
        f"{build / 'chroma'} is damaged ({total:,} vectors, the manifest says {total + 1:,}); "
        "rebuild it with `budget-qa index --force`"
    )
