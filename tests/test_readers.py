"""The contract every document reader meets (run over each implementation): reading order and pages,
ruled rows that point at real lines, progress, and one-line refusals."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.documents import parse_source
from assistant.errors import BudgetQAError, InputError
from assistant.readers import READERS, PdfReader, Reader, TextReader, reader_for
from tests.conftest import ROOT, SEED, SHANGHAI
from tests.fuzzing import TEXTS, Mutation, check_source, fuzz_settings, index_in_memory, mutations

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


# ---------------------------------------------------------------- fuzzing: document bytes

SMALL_PDF = ROOT / "corpus" / "shanghai" / "sh_haiyangjianceyubaozhongxin_2026.pdf"


def _first_pages(pdf: Path, pages: int) -> bytes:
    """The first pages of a published PDF (the cover, the contents, the mandate and the first tables)."""
    import io

    from pypdf import PdfReader as Pages
    from pypdf import PdfWriter

    writer = PdfWriter()
    for page in Pages(pdf).pages[:pages]:
        writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _parse_or_refuse(path: Path, reader: Reader) -> None:
    """Bytes → reader → parser: a document that indexes, or one `BudgetQAError` line; nothing else."""
    try:
        source = reader.read(path)
        check_source(source)
        doc = parse_source(source, path.stem, str(path))
    except BudgetQAError as err:
        assert str(err).strip() and "\n" not in str(err), repr(str(err))
        return
    index_in_memory(doc)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-bytes")


@pytest.mark.fuzz
@fuzz_settings(100)
@given(edited=mutations(sorted(TEXTS)))
def test_any_text_bytes_parse_or_are_refused_in_one_line(scratch: Path, edited: Mutation) -> None:
    path = scratch / "budget.txt"
    path.write_bytes(edited.apply(TEXTS[edited.base]))
    _parse_or_refuse(path, reader_for(path))


@pytest.mark.fuzz
@fuzz_settings(100)
@given(data=st.binary(max_size=4000))
def test_any_bytes_at_all_are_refused_in_one_line(scratch: Path, data: bytes) -> None:
    for suffix in (".txt", ".pdf"):
        path = scratch / f"bytes{suffix}"
        path.write_bytes(data)
        _parse_or_refuse(path, reader_for(path))


PDF_PAGES = {SMALL_PDF.name: _first_pages(SMALL_PDF, 8)}


@pytest.mark.fuzz
@fuzz_settings(20, share=0.05)
@given(edited=mutations(sorted(PDF_PAGES)))
def test_any_pdf_bytes_read_or_are_refused_in_one_line(scratch: Path, edited: Mutation) -> None:
    path = scratch / "budget.pdf"
    path.write_bytes(edited.apply(PDF_PAGES[edited.base]))
    _parse_or_refuse(path, PdfReader(ocr=False))  # a page without text would be read by OCR: 3 s a page
