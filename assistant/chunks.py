"""Narrative chunks: split a document's sections into the passages retrieval indexes.

One chunk per 职能 item, per 名词解释 entry, per 编制说明 paragraph or list item, per 其他相关情况说明 point
(its sub-items stay with it) and one for 机构设置. Chunks are whole lines of normalised text, so a sentence is
never cut; lines that PDF extraction broke mid-sentence are joined again here as well, so raw section text
works too. Pure: takes a `Document`, returns `Chunk`s.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from assistant import headings
from assistant.records import Chunk, Document, Section

FUNCTIONS = "主要职能"
ORGANISATION = "机构设置"
TERMS = "名词解释"
BUDGET_NOTES = "预算编制说明"
OTHER_NOTES = "其他相关情况说明"
NARRATIVE_SECTIONS = (FUNCTIONS, ORGANISATION, TERMS, BUDGET_NOTES, OTHER_NOTES)
# sections read as part of another: the units a budget is made of (三、部门预算构成：本部门无下属单位) belong
# with the offices of 机构设置, where questions about 下属单位 look for them
READ_AS = {"预算构成": ORGANISATION}

_CN_NUM = "一二三四五六七八九十"
_POINT = re.compile(rf"^([{_CN_NUM}]+)[、.．]\s*")  # 一、
_PAREN = re.compile(rf"^([（(][{_CN_NUM}\d]+[）)])\s*")  # （一）
_ARABIC = re.compile(r"^(\d{1,2})\s*[、.．](?!\d)\s*")  # 1、 1. (not 1.5)
_TERMINAL = tuple("。；;！？!?：:")
_SHORT_TITLE = 30  # a line shorter than this without end punctuation is a title, not a broken line
_HEADING_MAX = 40
_LEAD_IN = re.compile(r"其中|包括|主要包括|具体包括|具体如下|如下")  # a list's lead-in, not a heading


@dataclass(frozen=True)
class _Unit:
    """A logical line: one item or paragraph, PDF line breaks undone."""

    text: str
    marker: str  # the item marker kind: "point", "paren", "arabic" or ""
    item: str


def chunk_document(doc: Document) -> list[Chunk]:
    """All narrative chunks of a document, in reading order, each distinct text once."""
    chunks: list[Chunk] = []
    seen: set[str] = set()
    cursor = _Cursor(doc.lines)
    for printed in doc.sections:
        section = replace(printed, name=READ_AS.get(printed.name, printed.name))
        if section.name not in NARRATIVE_SECTIONS:
            continue
        for item, heading, text in _split_section(section):
            chunk_id = chunk_hash(doc.id, section.name, text)
            if chunk_id in seen:
                continue
            seen.add(chunk_id)
            start, end = cursor.locate(text, section.line)
            chunks.append(
                Chunk(
                    id=chunk_id,
                    document=doc.id,
                    unit_name=doc.unit_name,
                    year=doc.year,
                    section=section.name,
                    item=item,
                    heading=heading,
                    text=text,
                    line_start=start,
                    line_end=end,
                    page=doc.page(start),
                    path=" · ".join(headings.path(doc.lines, section, start)) if doc.lines else "",
                )
            )
    return chunks


def chunk_hash(document: str, section: str, text: str) -> str:
    """Stable short id: the same passage of the same document and section always gets the same id."""
    return hashlib.sha1(f"{document}\x1f{section}\x1f{text}".encode()).hexdigest()[:16]


def search_text(chunk: Chunk) -> str:
    """The text that is embedded and tokenised for a chunk: its heading gives items their context."""
    prefix = chunk.heading if chunk.heading and chunk.heading not in chunk.text else ""
    return f"{chunk.section} {prefix}：{chunk.text}" if prefix else f"{chunk.section}：{chunk.text}"


def _split_section(section: Section) -> list[tuple[str, str, str]]:
    units = _units(section.text.splitlines())
    if not units:
        return []
    if section.name == ORGANISATION:
        return [("", _clean_title(section.title), "\n".join(u.text for u in units))]
    if section.name == TERMS:
        return list(_terms(units))
    if section.name == OTHER_NOTES:
        return list(_points(units))
    return list(_items(units))


def _items(units: Sequence[_Unit]) -> Iterable[tuple[str, str, str]]:
    """主要职能 and 编制说明: every item or paragraph is a chunk; short lines ending in ： are headings."""
    heading = ""
    for unit in units:
        if _is_heading(unit):
            if not _LEAD_IN.fullmatch(
                _clean_title(unit.text)
            ):  # 其中： leads into the items, under the heading
                heading = _clean_title(_strip_marker(unit.text))
            continue
        yield unit.item, heading, unit.text


def _terms(units: Sequence[_Unit]) -> Iterable[tuple[str, str, str]]:
    """名词解释: one chunk per entry (unmarked lines continue the entry before); the term is its heading."""
    entries: list[_Unit] = []
    for unit in units:
        if entries and not unit.marker:
            last = entries[-1]
            entries[-1] = _Unit(last.text + unit.text, last.marker, last.item)
        else:
            entries.append(unit)
    for entry in entries:
        body = _strip_marker(entry.text)
        term = re.split(r"[：:]", body, maxsplit=1)[0] if re.search(r"[：:]", body) else ""
        yield entry.item, term.strip() if len(term) <= _HEADING_MAX else "", entry.text


def _points(units: Sequence[_Unit]) -> Iterable[tuple[str, str, str]]:
    """其他相关情况说明: a point (一、…) with everything up to the next point; text before it stands alone."""
    group: list[_Unit] = []
    for unit in units:
        if unit.marker == "point" and group:
            yield _point_chunk(group)
            group = []
        group.append(unit)
    if group:
        yield _point_chunk(group)


def _point_chunk(group: Sequence[_Unit]) -> tuple[str, str, str]:
    first = group[0]
    heading = _clean_title(_strip_marker(first.text)) if first.marker == "point" else ""
    if first.marker == "point" and len(heading) > _HEADING_MAX:
        heading = ""
    return first.item, heading, "\n".join(u.text for u in group)


def _units(lines: Iterable[str]) -> list[_Unit]:
    """Join broken lines: a line continues the previous one unless that ended a sentence or this starts an item."""
    pieces: list[list[str]] = []
    for raw in lines:
        line = raw.strip().strip("\u3000").strip()
        if not _has_content(line):
            continue
        if pieces and not _starts_item(line) and _is_open(pieces[-1]):
            pieces[-1].append(line)
        else:
            pieces.append([line])
    units = []
    for parts in pieces:
        text = "".join(parts)
        marker, item = _marker(text)
        units.append(_Unit(text=text, marker=marker, item=item))
    return units


def _is_open(parts: list[str]) -> bool:
    """Whether the next line continues this one: a sentence broken by extraction, or a long "…主要用于："."""
    last, whole = parts[-1], "".join(parts)
    if last.endswith(("：", ":")):
        return len(whole) > _HEADING_MAX
    if _POINT.match(whole) and whole.endswith("说明") and len(whole) <= _HEADING_MAX:
        return False  # 九、一般公共预算“三公”经费、会议费、培训费支出预算情况说明: a long title, complete
    return not last.endswith(_TERMINAL) and len(last) >= _SHORT_TITLE


_PAGE_NUMBER = re.compile(r"^[-—–\s]*(第\s*)?\d{1,3}\s*(页)?[-—–\s]*$")


def _has_content(line: str) -> bool:
    """Page markers and rules ("-- PAGE_BREAK --", "———") hold no CJK character or digit; a page number
    printed inside the text ("2", "- 1 -") is not a passage either."""
    if _PAGE_NUMBER.match(line):
        return False
    return any(ch.isdigit() or "\u4e00" <= ch <= "\u9fff" for ch in line)


def _starts_item(line: str) -> bool:
    return _marker(line)[0] != ""


def _marker(text: str) -> tuple[str, str]:
    for kind, pattern in (("point", _POINT), ("paren", _PAREN), ("arabic", _ARABIC)):
        found = pattern.match(text)
        if found:
            return kind, found.group(1)
    return "", ""


def _strip_marker(text: str) -> str:
    for pattern in (_POINT, _PAREN, _ARABIC):
        text = pattern.sub("", text, count=1)
    return text


def _is_heading(unit: _Unit) -> bool:
    text = unit.text
    if len(text) > _HEADING_MAX or "。" in text or "；" in text:
        return False
    return text.endswith(("：", ":")) or (unit.marker == "point" and not text.endswith(_TERMINAL))


def _clean_title(text: str) -> str:
    return text.strip().rstrip("：:").strip()


class _Cursor:
    """Finds the source lines of chunk texts, moving forward through the document."""

    def __init__(self, lines: Sequence[str]) -> None:
        self._compact = [_compact(line) for line in lines]
        self._pos = 0

    def locate(self, text: str, fallback: int) -> tuple[int, int]:
        target = _compact(text)
        if not target or not self._compact:
            return fallback, fallback
        found = self._find(target, self._pos) or self._find(target, 0)
        if found is None:
            return fallback, fallback
        start, end = found
        self._pos = end - 1
        return start + 1, end

    def _find(self, target: str, begin: int) -> tuple[int, int] | None:
        for index in range(begin, len(self._compact)):
            line = self._compact[index]
            if not line or not target.startswith(line[: len(target)]):
                continue
            covered, end = len(line), index + 1
            while covered < len(target) and end < len(self._compact):
                covered += len(self._compact[end])
                end += 1
            return index, end
        return None


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)
