"""Document readers: a file → `Source` (the text lines, and what a PDF adds: pages, ruled rows, OCR pages).

A reader is chosen by the file's content first (a PDF is a PDF whatever its name) and then by its suffix.
Every reader meets the same contract (tests/test_readers.py): lines come back in reading order, `pages`
is empty or gives every line its page, ruled rows point at lines that exist, and a file that cannot be read
raises a one-line `InputError`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from assistant.records import Source

Progress = Callable[[int, int], None]  # (pages done, pages in all)


class Reader(Protocol):
    """Reads one kind of document file."""

    name: str
    suffixes: tuple[str, ...]

    def read(self, path: Path, progress: Progress | None = None) -> Source: ...


class TextReader:
    """UTF-8 text as extracted from a budget PDF (one table row a line, empty cells dropped)."""

    name = "text"
    suffixes = (".txt",)

    def read(self, path: Path, progress: Progress | None = None) -> Source:
        from assistant.documents import decode

        source = Source(decode(path.read_bytes(), str(path)).splitlines())
        if progress:
            progress(1, 1)
        return source


class PdfReader:
    """A published PDF: text layer, ruled tables, OCR for pages without text."""

    name = "pdf"
    suffixes = (".pdf",)

    def __init__(self, ocr: bool = True):
        self.ocr = ocr

    def read(self, path: Path, progress: Progress | None = None) -> Source:
        from assistant.pdf import read_pdf

        return read_pdf(path, progress, ocr=self.ocr)


READERS: tuple[Reader, ...] = (PdfReader(), TextReader())


def reader_for(path: Path) -> Reader:
    """The reader for a file: a PDF by its first bytes or its suffix, else text."""
    with path.open("rb") as handle:
        if handle.read(5) == b"%PDF-":
            return READERS[0]
    return next((r for r in READERS if path.suffix.lower() in r.suffixes), READERS[-1])
