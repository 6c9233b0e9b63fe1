"""The app on several machines: two `budget-qa serve` processes, each over its own copy of one index build
(the fact store and passages, read-only), with the narrative vectors on one real Chroma server and the app
database on one real PostgreSQL. Both answer alike; they keep one question log, one set of helpdesk
sessions and one login throttle; and neither writes to its copy of the index."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bcrypt
import httpx
import pytest

from assistant.engine import Assistant
from tests.conftest import SEED, SEED_ID
from tests.servers import ROOT, ChromaServer, ServerProcess

pytestmark = pytest.mark.slow

STAFF, CHEN, PASSWORD = "staff", "chen", "correct-horse-9"
COOKIE = "bqa-helpdesk"
LOCK_AFTER = 3
SETTINGS = {  # small login settings: no waits, the third failure locks the account for five minutes
    "BUDGET_QA_LOGIN_DELAY": "0",
    "BUDGET_QA_LOGIN_LOCK_AFTER": str(LOCK_AFTER),
    "BUDGET_QA_LOGIN_LOCK_SECONDS": "300",
    "PYTHONUNBUFFERED": "1",
}
JSON_CLIENT = {"accept": "application/json"}


@dataclass
class Replica:
    name: str
    index: Path  # its own copy of the index
    server: ServerProcess

    @property
    def url(self) -> str:
        return self.server.url


@dataclass
class Deployment:
    a: Replica
    b: Replica
    db_url: str
    chroma: ChromaServer
    collection: str  # the build's collection on the Chroma server
    passages: int
    before: dict[str, dict[str, str]]  # each copy's files and their digests when the servers started


def digests(folder: Path) -> dict[str, str]:
    """Every file under `folder` (relative path → SHA-256)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def build_on_chroma(index: Path, chroma: ChromaServer, log_file: Path) -> None:
    """`budget-qa index` of the seed, its vectors written to the Chroma server."""
    env = {**os.environ, "CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(chroma.port), "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "assistant", "--index", str(index), "index", str(SEED)]
    with log_file.open("wb") as out:
        done = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT, timeout=600)
    assert done.returncode == 0, log_file.read_text(errors="replace")


def wait_for_line(server: ServerProcess, start: str, timeout: float = 180) -> str:
    """The first line of the server log starting with `start` (the server warms up in the background)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [line for line in server.log().splitlines() if line.startswith(start)]
        if found:
            return found[0]
        if server.process.poll() is not None:
            break
        time.sleep(0.5)
    raise AssertionError(f"no {start!r} line in the server log: {server.log()[-2000:]}")


def accounts() -> str:
    return ",".join(
        f"{user}:{bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()}"
        for user in (STAFF, CHEN)
    )


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory, postgres_cluster: Any) -> Iterator[Deployment]:
    root = tmp_path_factory.mktemp("replicas")
    with ExitStack() as stack:  # every server stops, whatever fails on the way
        chroma = ChromaServer(root / "chroma-data", root / "chroma.log")
        stack.callback(chroma.close)
        built = root / "built"
        build_on_chroma(built, chroma, root / "index.log")
        copies = {name: root / f"replica-{name}" / "index" for name in "ab"}
        for copy in copies.values():
            shutil.copytree(built, copy)
        shutil.rmtree(built)  # only the copies are left to read
        build = next(copies["a"].glob("build-*"))
        collection = json.loads((build / "vectors.json").read_text(encoding="utf-8"))["collection"]
        passages = len((build / "chunks.jsonl").read_text(encoding="utf-8").splitlines())
        db_url = postgres_cluster.database()
        env = {
            **SETTINGS,
            "BUDGET_QA_HELPDESK_USERS": accounts(),
            "BUDGET_QA_APP_DB": db_url,
            "CHROMA_HOST": "127.0.0.1",
            "CHROMA_PORT": str(chroma.port),
        }
        before = {name: digests(copy) for name, copy in copies.items()}
        servers = {}
        for name, copy in copies.items():
            servers[name] = ServerProcess(copy, copy.parent / "server.log", env, wait=False)
            stack.callback(servers[name].close)
        for server in servers.values():
            server.wait(180)
            wait_for_line(server, "narrative search:")
        a, b = (Replica(name, copies[name], servers[name]) for name in "ab")
        yield Deployment(a, b, db_url, chroma, collection, passages, before)


@pytest.fixture(scope="module")
def engine(seed_index: Path) -> Assistant:
    return Assistant.open(seed_index)


def ask(replica: Replica, question: str, ident: str) -> dict[str, Any]:
    response = httpx.post(
        replica.url + "/api/ask", json={"question": question, "id": ident, "document": SEED_ID}, timeout=120
    )
    assert response.status_code == 200, response.text
    return response.json()


def log_in(replica: Replica, user: str, password: str) -> httpx.Response:
    form = {"username": user, "password": password}
    return httpx.post(replica.url + "/helpdesk/login", data=form, headers=JSON_CLIENT, timeout=60)


def desk(replica: Replica, path: str, token: str | None) -> httpx.Response:
    """GET a helpdesk path with the session cookie `token` (or none)."""
    cookies = {COOKIE: token} if token else {}
    return httpx.get(replica.url + "/helpdesk" + path, cookies=cookies, timeout=60)


def test_each_replica_searches_the_vectors_on_the_chroma_server(deployment: Deployment) -> None:
    import chromadb

    server = chromadb.HttpClient("127.0.0.1", deployment.chroma.port)
    assert server.get_collection(deployment.collection).count() == deployment.passages == 43
    for replica in (deployment.a, deployment.b):
        assert not any(replica.index.glob("build-*/chroma")), "the vectors are on the server only"
        line = wait_for_line(replica.server, "narrative search:")
        assert line == (
            f"narrative search: BM25 and 43 vectors in collection {deployment.collection} on the Chroma server "
            f"127.0.0.1:{deployment.chroma.port} (e5-small-q4), 43 passages"
        )


def test_each_replica_reads_its_own_copy_of_the_fact_store(deployment: Deployment) -> None:
    for replica, other in ((deployment.a, deployment.b), (deployment.b, deployment.a)):
        fds = Path(f"/proc/{replica.server.process.pid}/fd")
        opened = {os.readlink(fd) for fd in fds.iterdir() if fd.is_symlink()}
        stores = {p for p in opened if p.endswith("facts.sqlite")}
        assert stores == {str(next(replica.index.glob("build-*/facts.sqlite")))}
        assert not any(p.startswith(str(other.index)) for p in opened)


@pytest.mark.parametrize(
    ("question", "route", "shown"),
    [
        ("物业管理费占商品和服务支出的比例？", "table", "47.43"),
        ("公务接待费是多少？", "table", "30000.00"),
        ("什么是公务接待费？", "text", "住宿费"),
        ("办公室在招商引资方面做什么？", "text", "招商引资"),
        ("卫生健康支出主要用于什么？", "text", "行政单位医疗"),
    ],
)
def test_both_replicas_give_the_same_answer(
    deployment: Deployment, engine: Assistant, question: str, route: str, shown: str
) -> None:
    ident = f"same-{uuid.uuid4().hex}"
    through_a, through_b = ask(deployment.a, question, ident), ask(deployment.b, question, ident)
    for answer in (through_a, through_b):
        answer.pop("latency_ms")
    assert through_a == through_b
    assert through_a["id"] == ident and through_a["route"] == route and through_a["citations"]
    if route == "table":  # a table answer needs no vectors: the same as the engine over the seed's own index
        expected = engine.ask(question, document=SEED_ID).to_dict()
        assert (through_a["answer"], through_a["values"]) == (expected["answer"], expected["values"])
        assert shown in [v["value"] for v in through_a["values"]]
    else:
        assert shown in through_a["answer"]


def test_a_login_at_one_replica_is_a_session_at_the_other(deployment: Deployment) -> None:
    a, b = deployment.a, deployment.b
    opened = log_in(a, STAFF, PASSWORD)
    assert opened.status_code == 200 and opened.json() == {"success": True}
    token = opened.cookies[COOKIE]
    assert desk(b, "/", None).status_code == 303  # no session, no helpdesk
    assert desk(b, "/", token).status_code == 200
    assert desk(b, "/login", token).headers.get("location") == "/helpdesk/"
    logged_out = httpx.get(b.url + "/helpdesk/logout", cookies={COOKIE: token}, timeout=60)
    assert logged_out.status_code == 303
    assert desk(a, "/", token).status_code == 303  # logged out at B: out at A too
    assert desk(a, "/log.csv", token).status_code == 401


def test_one_question_log_read_through_either_replica(deployment: Deployment) -> None:
    marks = {
        replica.name: f"日志核对{uuid.uuid4().hex[:8]}：物业管理费是多少？"
        for replica in (deployment.a, deployment.b)
    }
    for replica in (deployment.a, deployment.b):
        ask(replica, marks[replica.name], f"log-{replica.name}")
    token = log_in(deployment.b, STAFF, PASSWORD).cookies[COOKIE]
    for replica in (deployment.a, deployment.b):
        exported = desk(replica, "/log.csv?text=日志核对", token)
        assert exported.status_code == 200
        rows = list(csv.DictReader(io.StringIO(exported.text.removeprefix("\ufeff"))))
        assert sorted(row["question"] for row in rows) == sorted(marks.values())


def test_failed_logins_at_one_replica_lock_the_account_at_the_other(deployment: Deployment) -> None:
    a, b = deployment.a, deployment.b
    assert log_in(b, CHEN, PASSWORD).status_code == 200  # the account works, and its record is clear
    refused = [log_in(a, CHEN, "wrong-password") for _ in range(LOCK_AFTER)]
    assert [r.status_code for r in refused] == [400] * LOCK_AFTER
    assert "已暂时锁定" in refused[-1].json()["error"]
    for replica in (b, a):  # now the right password is refused at both, without being checked
        locked = log_in(replica, CHEN, PASSWORD)
        assert locked.status_code == 429 and "已暂时锁定" in locked.json()["error"]
        assert 290 <= int(locked.headers["retry-after"]) <= 300
    assert log_in(b, STAFF, PASSWORD).status_code == 200  # another account is not affected


def test_neither_replica_wrote_to_its_copy_of_the_index(deployment: Deployment) -> None:
    """Run last: after every question, login and export above, each copy is byte for byte as deployed (no
    app database, no lock, no journal beside the fact store) but for the one lease each server holds on the
    build it reads (an empty file, so that a rebuild on that machine keeps the build), and neither server
    logged a traceback."""
    for replica in (deployment.a, deployment.b):
        now = digests(replica.index)
        leases = sorted(name for name in now if name.startswith("leases/"))
        build = next(name for name in deployment.before[replica.name] if name.startswith("build-")).split(
            "/"
        )[0]
        assert leases == [f"leases/{build}/{socket.gethostname()}-{replica.server.process.pid}"]
        assert {k: v for k, v in now.items() if k not in leases} == deployment.before[replica.name]
        assert "Traceback" not in replica.server.log()
