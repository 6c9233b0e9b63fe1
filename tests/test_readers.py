"""The contract every document reader meets (run over each implementation): reading order and pages,
ruled rows that point at real lines, progress, and one-line refusals."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.documents import parse_source
from assistant.errors import InputError
from assistant.readers import READERS, PdfReader, Reader, TextReader, reader_for
from tests.conftest import SEED, SHANGHAI

SAMPLES = {"text": SEED, "pdf": SHANGHAI / "sh_yuwainongchangguanliban_2026.pdf"}


@pytest.fixture(params=READERS, ids=lambda r: r.name)
def reader(request: pytest.FixtureRequest) -> Reader:
    if not SAMPLES[request.param.name].exists():
        pytest.skip("the shared corpus is not present")
    return request.param


def test_a_budget_reads_in_order_with_pages_and_ruled_rows(reader: Reader) -> None:
    steps: list[tuple[int, int]] = []
    source = reader.read(SAMPLES[reader.name], lambda n, total: steps.append((n, total)))
    assert source.lines and any("预算" in line for line in source.lines)
    assert not source.pages or (
        len(source.pages) == len(source.lines) and source.pages == sorted(source.pages)
    )
    assert all(0 <= line < len(source.lines) for line in source.grid)
    assert set(source.ocr_pages) <= set(source.pages)
    assert steps and steps[-1][0] == steps[-1][1]
    doc = parse_source(source, SAMPLES[reader.name].stem)
    assert doc.unit_name and doc.year and len(doc.tables) >= 8


def test_an_empty_file_is_refused_in_one_line(reader: Reader, tmp_path: Path) -> None:
    empty = tmp_path / f"empty{reader.suffixes[0]}"
    empty.write_bytes(b"")
    with pytest.raises(InputError) as err:
        reader.read(empty)
    assert "empty" in str(err.value) and "\n" not in str(err.value)


def test_the_reader_is_chosen_by_content_then_suffix(tmp_path: Path) -> None:
    if not SAMPLES["pdf"].exists():
        pytest.skip("the shared corpus is not present")
    renamed = tmp_path / "budget.txt"
    shutil.copy(SAMPLES["pdf"], renamed)
    assert isinstance(reader_for(renamed), PdfReader)
    assert isinstance(reader_for(SEED), TextReader)
    other = tmp_path / "notes.md"
    other.write_text("预算", encoding="utf-8")
    assert isinstance(reader_for(other), TextReader)
