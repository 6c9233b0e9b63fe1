"""Budgets published as two files: the tables in one, the narrative (情况说明) in the other.

A document with narrative sections but no table figures is a companion of the table document of the same
unit, year and kind; the two are read as one document (the tables' file first), so that a question about the
unit is answered from its tables and its text alike. Unit names of the two files may differ in form
(中共江苏省委办公厅 / 江苏省委办公厅): the shorter must keep its characters in order within the longer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.documents import _contents as contents
from assistant.documents import source_lines
from assistant.records import Document, Source

_SENTENCE_END = ("。", "；", ";", "：", ":")


def is_narrative_only(doc: Document) -> bool:
    """Narrative sections and no table figures: the text half of a budget published as two files."""
    return bool(doc.sections) and not any(t.rows for t in doc.tables)


def names_agree(a: str, b: str) -> bool:
    """The shorter unit name's characters appear in order in the longer (江苏省委办公厅 in 中共江苏省委办公厅)."""
    short, long = sorted((a, b), key=len)
    if len(short) < 4:
        return False
    rest = iter(long)
    return all(ch in rest for ch in short)


@dataclass(frozen=True)
class Pair:
    tables: str  # document id of the table document
    narrative: str  # document id of its narrative companion


def find_pairs(docs: list[Document]) -> list[Pair]:
    """Each narrative-only document with the one table document of its unit, year and kind (none when the
    match is not unique)."""
    with_tables = [d for d in docs if not is_narrative_only(d)]
    pairs = []
    taken: set[str] = set()
    for doc in docs:
        if not is_narrative_only(doc):
            continue
        found = [
            t
            for t in with_tables
            if t.year == doc.year and t.kind == doc.kind and names_agree(t.unit_name, doc.unit_name)
        ]
        if len(found) == 1 and found[0].id not in taken:
            taken.add(found[0].id)
            pairs.append(Pair(found[0].id, doc.id))
    return pairs


def join_sources(tables: Source, narrative: Source) -> Source:
    """The two files as one source, the tables first. The narrative's lines carry no page (its pages are
    another file's); its provenance line and its table of contents are blanked (in the joined text the
    contents no longer open the document, so their entries would be read as the headings they list)."""
    lines = list(narrative.lines)
    if lines and lines[0].startswith("# source:"):
        lines[0] = ""
    for i in contents(source_lines(lines)):
        lines[i] = ""
    _rejoin_headings(lines)
    pages = list(tables.pages) + [0] * len(lines) if tables.pages else []
    offset = len(tables.lines)
    grid = dict(tables.grid) | {offset + k: row for k, row in narrative.grid.items()}
    return Source(list(tables.lines) + lines, pages, grid, list(tables.ocr_pages))


def _rejoin_headings(lines: list[str]) -> None:
    """A heading broken before its last word (`九、…培训费支出预算` / `情况说明`) put back on its first line,
    so that the joined text reads it as the narrative heading it is, not as the title of the table it
    describes. The second line is blanked: line numbers stay those of the narrative's file."""
    for i in range(len(lines) - 1):
        head, tail = lines[i].strip(), lines[i + 1].strip()
        if re.fullmatch(r"\S{0,4}说明", tail) and "预算" in head and not head.endswith(_SENTENCE_END):
            lines[i], lines[i + 1] = head + tail, ""
