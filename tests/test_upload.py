"""Adding a budget to a live index: through the library (`add_documents`), the checks staff see before it
goes live, and the helpdesk's upload on a running server whose public chat then answers from it."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client, handle_file

from assistant.engine import Assistant
from assistant.errors import BudgetQAError
from assistant.index import UPLOADS, add_documents, build_index, current_build
from assistant.live import LiveAssistant
from assistant.store import Store
from assistant.upload import check, refusal
from tests.conftest import SEED, SEED_ID, SHANGHAI
from tests.servers import PASSWORD, USER, start_with_staff

pytestmark = pytest.mark.skipif(not SHANGHAI.exists(), reason="shared Shanghai corpus not present")
PDF = SHANGHAI / "sh_yuwainongchangguanliban_2026.pdf"
TEXT = SHANGHAI / "sh_shenjiju_2026.txt"


@pytest.fixture()
def index(tmp_path: Path) -> Path:
    folder = tmp_path / "index"
    build_index([SEED], folder, with_vectors=False)
    return folder


def _facts(index: Path, doc: str) -> list:
    store = Store.open(current_build(index) / "facts.sqlite")
    try:
        return store.facts(doc)
    finally:
        store.close()


def test_adding_keeps_every_other_document_and_is_kept_for_later_builds(index: Path) -> None:
    before = current_build(index)
    seed_facts = _facts(index, SEED_ID)
    result = add_documents([PDF], index)
    assert sorted(d["id"] for d in result.documents) == [SEED_ID, PDF.stem][::-1]
    assert current_build(index) == result.build_dir != before
    assert _facts(index, SEED_ID) == seed_facts
    assert any(f.value == 118853953 and f.page for f in _facts(index, PDF.stem))
    assert (result.build_dir / "originals" / PDF.name).read_bytes() == PDF.read_bytes()
    assert (index / UPLOADS / PDF.name).exists()
    ask = Assistant.open(index)
    assert "118,853,953" in ask.ask("上海市域外农场管理办公室的农林水支出是多少？").text
    assert ask.ask("上海市域外农场管理办公室的主要职能是什么？").route == "text"
    # a full rebuild from the corpus keeps what was added
    rebuilt = build_index([SEED], index, with_vectors=False)
    assert sorted(d["id"] for d in rebuilt.documents) == [SEED_ID, PDF.stem][::-1]


def _without_unit_lines(folder: Path) -> Path:
    text = SEED.read_text(encoding="utf-8")
    path = folder / "nameless.txt"
    path.write_text(re.sub(r"(预算单位|编制单位|编制部门|预算部门)[:：]\S*", "", text), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("make", "sentence"),
    [
        (lambda tmp: SEED, "已收录同一单位"),  # the same budget again
        (lambda tmp: shutil.copy(SEED, tmp / "copy-of-seed.txt"), "已收录同一单位"),
        (lambda tmp: SHANGHAI / "sh_putuo_caizhengju_2024_juesuan.txt", "决算"),
        (lambda tmp: (tmp / "poem.txt").write_text("床前明月光\n") and tmp / "poem.txt", "没有找到预算表"),
        (lambda tmp: (tmp / "x.pdf").write_bytes(b"%PDF-1.7\n1 0 obj") and tmp / "x.pdf", "已损坏"),
        (lambda tmp: (tmp / "notes.docx").write_bytes(b"PK\x03\x04") and tmp / "notes.docx", "无法加入"),
        # a budget whose lines naming its unit (预算单位：…) were left out
        (lambda tmp: _without_unit_lines(tmp), "没有找到预算单位名称"),
    ],
)
def test_refused_files_change_nothing(index: Path, tmp_path: Path, make, sentence: str) -> None:
    path = Path(make(tmp_path))
    before = current_build(index)
    with pytest.raises(BudgetQAError) as err:
        check(path, Store.open(before / "facts.sqlite").documents(), lambda *_: None)
    assert sentence in refusal(err.value)
    if path.suffix in (".pdf", ".txt"):
        with pytest.raises(BudgetQAError):
            add_documents([path], index)
    assert current_build(index) == before
    assert not (index / UPLOADS).exists() or not any((index / UPLOADS).iterdir())


def test_check_reports_progress_and_the_audit_before_anything_changes(index: Path) -> None:
    steps: list[tuple[float, str]] = []
    checked = check(
        PDF, Store.open(current_build(index) / "facts.sqlite").documents(), lambda f, d: steps.append((f, d))
    )
    assert checked.document.unit_name == "上海市域外农场管理办公室"
    assert "审计全部通过" in checked.summary and "来源：PDF，共 16 页" in checked.summary
    fractions = [f for f, _ in steps]
    assert fractions == sorted(fractions) and steps[0][1] == "读取第 1/16 页"
    assert len(Assistant.open(index).catalog.entries) == 1


def test_a_live_assistant_switches_to_a_new_build_between_questions(index: Path) -> None:
    live = LiveAssistant(index)
    first = live.current()
    assert PDF.stem not in live.catalog.entries
    add_documents([TEXT], index)
    assert live.current() is not first
    assert TEXT.stem in live.catalog.entries
    assert live.current() is live.current()


def test_adding_to_an_index_with_vectors_embeds_the_new_passages(tmp_path: Path) -> None:
    from assistant.embeddings import load_embedder
    from assistant.retrieval import CHROMA_DIR
    from assistant.vectors import collection_count, open_collection

    index = tmp_path / "index"
    build_index([SEED], index, with_vectors=True)
    before = collection_count(open_collection(current_build(index) / CHROMA_DIR, load_embedder()))
    result = add_documents([TEXT], index)
    after = collection_count(open_collection(current_build(index) / CHROMA_DIR, load_embedder()))
    assert after > before and result.chunks == after


@pytest.fixture()
def server(index: Path) -> Iterator[Any]:
    running = start_with_staff(index)
    yield running
    running.close()


def _first(outputs: Any) -> str:
    """The first output of an endpoint (gradio_client returns a lone output by itself)."""
    return outputs[0] if isinstance(outputs, tuple | list) else outputs


@pytest.mark.slow
def test_helpdesk_upload_goes_live_without_a_restart(server: Any) -> None:
    public = Client(server.url, verbose=False)
    question = "上海市域外农场管理办公室的农林水支出是多少？"
    messages, *_ = public.predict(question, api_name="/chat")
    assert "118,853,953" not in str(messages[-1]["content"])
    desk = Client(server.url + "/helpdesk/", auth=(USER, PASSWORD), verbose=False)
    summary = _first(desk.predict(handle_file(str(PDF)), api_name="/check_upload"))
    assert "上海市域外农场管理办公室 2026年单位预算" in summary and "审计全部通过" in summary
    note = _first(desk.predict(api_name="/publish_upload"))
    assert note.startswith("已加入索引：上海市域外农场管理办公室")
    messages, *_ = Client(server.url, verbose=False).predict(question, api_name="/chat")
    assert "118,853,953" in str(messages[-1]["content"])
    again = _first(desk.predict(handle_file(str(PDF)), api_name="/check_upload"))
    assert again.startswith("未加入：已收录同一单位")
