"""Building the index: up-to-date re-runs, build aside and swap, failures that leave the live index alone."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from assistant.engine import Assistant
from assistant.errors import BudgetQAError, IndexMissingError, InputError, NotABudgetError
from assistant.index import (
    LEASE_TTL_S,
    LEASES,
    build_index,
    corpus_files,
    current_build,
    dropped_documents,
    lease_holder,
    remove_unused_builds,
    touch_lease,
)
from assistant.store import Store

from .conftest import OTHER, OTHER_ID, SEED, SEED_ID


def _builds(index: Path) -> list[str]:
    return sorted(p.name for p in index.glob("build-*"))


@pytest.fixture()
def built(tmp_path: Path, corpus: Path) -> Path:
    index = tmp_path / "index"
    result = build_index([corpus], index, with_vectors=False)
    assert result.build_dir is not None and not result.up_to_date
    return index


def test_build_writes_a_live_build(built: Path) -> None:
    live = current_build(built)
    assert (built / "CURRENT").read_text(encoding="utf-8").strip() == live.name
    assert (live / "facts.sqlite").exists()
    assert _builds(built) == [live.name]
    store = Store.open(live / "facts.sqlite")
    assert [d["id"] for d in store.documents()] == [SEED_ID]
    assert store.meta("fingerprint")
    store.close()


def test_rerun_with_unchanged_files_does_nothing(built: Path, corpus: Path) -> None:
    before = current_build(built)
    result = build_index([corpus], built, with_vectors=False)
    assert result.up_to_date and result.build_dir is None
    assert current_build(built) == before
    assert _builds(built) == [before.name]


def test_changed_file_rebuilds_keeps_the_previous_build_once(built: Path, corpus: Path) -> None:
    first = current_build(built)
    doc = corpus / SEED.name
    for _ in (1, 2):
        doc.write_text(doc.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        before = current_build(built)
        result = build_index([corpus], built, with_vectors=False)
        assert not result.up_to_date
        assert result.build_dir is not None and result.build_dir != before
        assert current_build(built) == result.build_dir
        # the build a running server may still be answering from stays until the next swap
        assert _builds(built) == sorted([before.name, result.build_dir.name])
    assert not first.exists()


def test_a_newer_reader_rebuilds_what_an_older_one_built(
    built: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant import index as indexing

    before = current_build(built)
    monkeypatch.setattr(indexing, "reader_version", lambda: "a newer reader")  # the code upgraded
    result = build_index([corpus], built, with_vectors=False)
    assert not result.up_to_date and current_build(built) == result.build_dir != before


def test_the_reader_version_is_a_digest_of_the_package() -> None:
    from assistant.index import reader_version

    assert len(reader_version()) == 64 and reader_version() == reader_version()


def test_force_rebuilds(built: Path, corpus: Path) -> None:
    before = current_build(built)
    result = build_index([corpus], built, with_vectors=False, force=True)
    assert not result.up_to_date and current_build(built) == result.build_dir != before


def _bad_files(folder: Path) -> dict[str, Path]:
    folder.mkdir(exist_ok=True)
    files = {
        "empty": folder / "empty.txt",
        "binary": folder / "binary.txt",
        "not-a-budget": folder / "notes.txt",
    }
    files["empty"].write_text("", encoding="utf-8")
    files["binary"].write_bytes(bytes(range(256)) * 8)
    files["not-a-budget"].write_text("今天天气很好，我们去公园散步。\n没有任何表格。\n", encoding="utf-8")
    return files


@pytest.mark.parametrize("kind", ["empty", "binary", "not-a-budget"])
def test_a_failing_build_leaves_the_previous_index_usable(
    tmp_path: Path, built: Path, corpus: Path, kind: str
):
    before = current_build(built)
    pointer = (built / "CURRENT").read_text(encoding="utf-8")
    bad = _bad_files(tmp_path / "bad")[kind]
    with pytest.raises(BudgetQAError) as err:
        build_index([corpus, bad], built, with_vectors=False, force=True)
    assert bad.name in str(err.value) or bad.stem in str(err.value)
    assert "\n" not in str(err.value)
    assert (built / "CURRENT").read_text(encoding="utf-8") == pointer
    assert before.exists() and (before / "facts.sqlite").exists()
    assert _builds(built) == [before.name]  # the failed build was cleaned up
    assert Assistant.open(built).ask("办公费是多少？").values[0].value == "300000"


def test_a_failing_build_in_the_same_second_keeps_the_live_build(tmp_path: Path, corpus: Path) -> None:
    """Two builds started within one second must not share a folder (the failed one is deleted)."""
    bad = _bad_files(tmp_path / "bad")["empty"]
    index = tmp_path / "index"
    build_index([corpus], tmp_path / "warm", with_vectors=False)  # imports and caches warmed up
    while time.time() % 1 > 0.2:
        time.sleep(0.01)
    build_index([corpus], index, with_vectors=False)
    with pytest.raises(InputError):
        build_index([corpus, bad], index, with_vectors=False, force=True)
    assert Assistant.open(index).ask("办公费是多少？").values[0].value == "300000"


def test_skip_bad_indexes_the_good_documents(tmp_path: Path, corpus: Path) -> None:
    bad = _bad_files(tmp_path / "bad")
    index = tmp_path / "index"
    result = build_index([corpus, *bad.values()], index, with_vectors=False, skip_bad=True)
    assert [d["id"] for d in result.documents] == [SEED_ID]
    assert len(result.skipped) == 3
    for path in bad.values():
        assert sum(path.name in reason or path.stem in reason for reason in result.skipped) == 1
    assert Assistant.open(index).ask("物业管理费是多少？").values[0].value == "850000"


def test_skip_bad_with_nothing_good_fails_and_builds_nothing(tmp_path: Path) -> None:
    bad = _bad_files(tmp_path / "bad")
    index = tmp_path / "index"
    with pytest.raises(InputError, match="no document could be indexed"):
        build_index(list(bad.values()), index, with_vectors=False, skip_bad=True)
    assert _builds(index) == []
    with pytest.raises(IndexMissingError):
        current_build(index)


def test_without_skip_bad_the_first_bad_file_stops_the_build(tmp_path: Path, corpus: Path) -> None:
    bad = _bad_files(tmp_path / "bad")["not-a-budget"]
    with pytest.raises(NotABudgetError) as err:
        build_index([corpus, bad], tmp_path / "index", with_vectors=False)
    assert not (tmp_path / "index" / "CURRENT").exists()
    assert str(err.value).endswith("; nothing was indexed (--skip-bad indexes the other files)")
    assert "\n" not in str(err.value)


def test_corpus_files_expands_folders_sorted(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name in ("b.txt", "a.txt", "c.pdf", "b.pdf", "d.md", ".hidden.pdf"):
        (folder / name).write_text("x", encoding="utf-8")
    (folder / "sub.txt").mkdir()
    single = tmp_path / "single.md"
    single.write_text("x", encoding="utf-8")
    # the PDF of b is read instead of its extracted text; other kinds of file are left out
    assert corpus_files([folder, single]) == [folder / "a.txt", folder / "b.pdf", folder / "c.pdf", single]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: [tmp / "missing.txt"], "no such file or folder"),
        (lambda tmp: [], "no document files"),
        (lambda tmp: [(tmp / "emptydir").mkdir() or tmp / "emptydir"], "no document files"),
    ],
)
def test_corpus_files_errors(tmp_path: Path, make, message: str) -> None:
    with pytest.raises(InputError, match=message):
        corpus_files(make(tmp_path))


@pytest.mark.parametrize(
    ("pointer", "message"),
    [
        (None, "{index}: no index yet; build it with `budget-qa index`"),
        (
            b"build-gone\n",
            "{index}/CURRENT names build-gone, which is missing; rebuild it with `budget-qa index --force`",
        ),
        (b"", "{index}/CURRENT is damaged (it names no build); rebuild it with `budget-qa index --force`"),
        (
            b"../elsewhere",
            "{index}/CURRENT is damaged (it names no build); rebuild it with `budget-qa index --force`",
        ),
        (
            b"\xff\xfe\x00",
            "{index}/CURRENT is damaged (it names no build); rebuild it with `budget-qa index --force`",
        ),
    ],
)
def test_current_build_errors(tmp_path: Path, pointer: bytes | None, message: str) -> None:
    index = tmp_path / "index"
    index.mkdir()
    if pointer is not None:
        (index / "CURRENT").write_bytes(pointer)
    with pytest.raises(IndexMissingError) as err:
        current_build(index)
    assert str(err.value) == message.format(index=index)
    with pytest.raises(IndexMissingError):
        Assistant.open(index)


def test_progress_is_reported(tmp_path: Path, corpus: Path) -> None:
    seen: list[tuple[str, int, int]] = []
    build_index(
        [corpus], tmp_path / "index", with_vectors=False, progress=lambda m, d, t: seen.append((m, d, t))
    )
    assert (f"parsed {SEED.name}", 1, 1) in seen
    assert (f"stored {SEED_ID}", 1, 1) in seen


# leases: a build a serving process reads is never removed under it
@pytest.mark.parametrize(
    ("age_s", "holder", "kept"),
    [
        (0, "this", True),  # this process read it just now
        (LEASE_TTL_S - 30, "this", True),  # within the grace period
        (LEASE_TTL_S + 30, "this", False),  # not touched for longer than the grace period
        (0, "other-host", True),  # another machine's process: its lease is trusted while fresh
        (0, "dead", False),  # a process of this host that has ended
        (None, "", False),  # nobody reads it
    ],
)
def test_removal_spares_a_build_with_a_fresh_lease(tmp_path: Path, age_s, holder: str, kept: bool) -> None:
    index = tmp_path / "index"
    for name in ("build-a", "build-b", "build-c"):
        (index / name).mkdir(parents=True)
    if age_s is not None:
        names = {
            "this": lease_holder(),
            "other-host": "elsewhere-1",
            "dead": f"{socket.gethostname()}-{_ended_pid()}",
        }
        lease = touch_lease(index, "build-a", names[holder])
        os.utime(lease, (time.time() - age_s, time.time() - age_s))
    removed = remove_unused_builds(index, keep={"build-b", "build-c"})
    assert removed == ([] if kept else ["build-a"])
    assert (index / "build-a").exists() is kept
    assert (index / "build-b").exists() and (index / "build-c").exists()  # CURRENT and the one it replaced
    assert (index / LEASES / "build-a").exists() is kept


def _ended_pid() -> int:
    """The id of a process that has ended."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_swaps_keep_a_leased_build_until_its_lease_is_stale(built: Path, corpus: Path) -> None:
    served = current_build(built)
    lease = touch_lease(built, served.name)  # a server answering from the first build
    doc = corpus / SEED.name
    for _ in range(3):  # three rebuilds: the first build is neither CURRENT nor the previous one
        doc.write_text(doc.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        build_index([corpus], built, with_vectors=False)
    assert served.exists() and len(_builds(built)) == 3
    os.utime(lease, (time.time() - LEASE_TTL_S - 1,) * 2)  # the server moved on long ago
    doc.write_text(doc.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    build_index([corpus], built, with_vectors=False)
    assert not served.exists() and len(_builds(built)) == 2


def test_current_is_replaced_whole(built: Path, corpus: Path) -> None:
    build_index([corpus], built, with_vectors=False, force=True)
    assert [p.name for p in built.iterdir() if p.name.startswith(".CURRENT")] == []  # no temporary left
    assert (built / "CURRENT").read_text(encoding="utf-8") == current_build(built).name + "\n"


# replacing the index with fewer documents takes --force
@pytest.mark.parametrize(
    ("held", "files", "dropped"),
    [
        (["a", "b"], ["a.txt", "b.pdf"], []),
        (["a", "b"], ["a.txt"], ["b"]),
        (["a", "b", "c"], ["x.txt"], ["a", "b", "c"]),
        ([], ["a.txt"], []),
    ],
)
def test_dropped_documents(held: list[str], files: list[str], dropped: list[str]) -> None:
    assert dropped_documents(held, [Path(f) for f in files]) == dropped


@pytest.mark.skipif(not OTHER.exists(), reason="shared Shanghai corpus not present")
def test_index_refuses_to_drop_documents_without_force(tmp_path: Path, corpus: Path) -> None:
    shutil.copy(OTHER, corpus / OTHER.name)
    index = tmp_path / "index"
    build_index([corpus], index, with_vectors=False)
    live = current_build(index)
    with pytest.raises(InputError) as err:
        build_index([corpus / SEED.name], index, with_vectors=False)
    message = str(err.value)
    assert "\n" not in message and "--force" in message
    assert f"refusing to drop 1 indexed document(s) missing from the files given: {OTHER_ID};" in message
    assert current_build(index) == live  # nothing changed
    forced = build_index([corpus / SEED.name], index, with_vectors=False, force=True)
    assert [d["id"] for d in forced.documents] == [SEED_ID]
