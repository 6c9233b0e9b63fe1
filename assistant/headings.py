"""The headings a document printed above a passage, so that a citation names them in the document's words.

A narrative section has a canonical name (主要职能, 机构设置, 预算编制说明 …) that the answer logic uses, but
each budget prints its own headings: 第一部分 部门概况 · 一、部门职责, or 一、部门概况 · （一）主要职能, and
inside a section （五）一般公共预算当年拨款情况说明. A helpdesk clerk finds a passage by those words, so a text
citation carries the path: the headings above the section's own (its part), the section's printed title,
and the sub-headings inside the section that stand above the passage. Pure: lines in, strings out.
"""

from __future__ import annotations

import re
from dataclasses import replace

from assistant import datafiles
from assistant.records import Citation, Document, Section

# heading markers, outermost first: 第一部分, 一、, （一）, 1. / 1、, （1）
_LEVELS = (
    re.compile(r"^第[一二三四五六七八九十]+部分\s*"),
    re.compile(r"^[一二三四五六七八九十]+、\s*"),
    re.compile(r"^[（(][一二三四五六七八九十]+[）)]\s*"),
    re.compile(r"^\d{1,2}\s*[、.．](?!\d)\s*"),
    re.compile(r"^[（(]\d{1,2}[）)]\s*"),
)
_TITLE = re.compile(r"^[^，。；;,：:！？]{2,36}[：:]?$")  # a heading is short and is not a sentence
_LEADER = re.compile(r"[…·.]{3,}")  # a table-of-contents entry (主要职能 ......2)
_CONTENTS = re.compile(r"^目\s*录$")


def level(line: str) -> int | None:
    """The heading level of a marked line (0 第一部分 … 4 （1）), None for an unmarked one."""
    return next((n for n, marker in enumerate(_LEVELS) if marker.match(line)), None)


def is_heading(line: str) -> bool:
    """A marked title line: 第二部分 部门预算收支总体情况, （五）一般公共预算当年拨款情况说明（详见表 5）."""
    line = line.strip()
    if level(line) is None or _LEADER.search(line) or "万元" in line:
        return False
    bare = _LEVELS[level(line) or 0].sub("", line)
    return bool(_TITLE.match(bare)) and bool(re.search(r"[\u4e00-\u9fff]{2}", bare))


def _heading_at(lines: list[str], i: int) -> bool:
    """Whether raw line i is a whole heading: a part or a 一、/（一） title ending as headings do (…情况说明);
    otherwise only when the next line starts another marked line, so that the first line of a long item
    the PDF broke is not one."""
    text = lines[i].strip()
    if not is_heading(text):
        return False
    if (level(text) or 0) <= 2 and re.search(datafiles.load("wording.toml")["heading_end"], text):
        return True
    following = next((t.strip() for t in lines[i + 1 : i + 3] if t.strip()), "")
    return level(following) is not None


def path(lines: list[str], section: Section, line: int) -> list[str]:
    """The printed headings above a passage at 1-based `line` of a section: the part above the section's own
    heading, the section's title, then the headings inside the section up to that line (a heading of the
    title's level or above, such as the next 第三部分 inside one section, takes the title's place)."""
    title = section.title.strip()
    own = level(title)
    stack = [*_parents(lines, section.line - 1, 1 if own is None else own), (own or 0, _clean(title))]
    for i in range(section.line, min(line, len(lines))):
        mark = level(lines[i].strip())
        if mark is not None and _heading_at(lines, i):
            stack = [(m, t) for m, t in stack if m < mark] + [(mark, _clean(lines[i]))]
    return [t for _, t in stack]


def _parents(lines: list[str], heading: int, own: int) -> list[tuple[int, str]]:
    """Headings of a higher level above the section's heading, outermost first; the scan stops at the
    table of contents."""
    found: list[tuple[int, str]] = []
    for i in range(heading - 1, -1, -1):
        text = lines[i].strip()
        if _CONTENTS.match(text):
            break
        mark = level(text)
        if mark is not None and mark < own and _heading_at(lines, i):
            found.insert(0, (mark, _clean(text)))
            own = mark
            if mark == 0:
                break
    return found


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).rstrip("：:").strip()


def label(section_name: str, printed: list[str]) -> str:
    """A text citation's section as the reader finds it: 主要职能（第一部分 部门概况 · 一、部门职责）; the canonical
    name alone when the document printed nothing more (its title is the name itself)."""
    shown = [p for p in printed if p]
    if all(_bare(p) == section_name for p in shown):
        return section_name  # the document printed the name itself (一、主要职能)
    while _bare(shown[0]) == section_name:  # the section's own title above the sub-heading: said once
        shown = shown[1:]
    return f"{section_name}（{' · '.join(shown)}）"


def _bare(text: str) -> str:
    marker = level(text)
    return _LEVELS[marker].sub("", text).strip() if marker is not None else text.strip()


def cite_printed(doc: Document, citation: Citation) -> Citation:
    """A text citation that names only a canonical section gets the section's printed title beside it."""
    section = doc.section(citation.section) if citation.source == "text" else None
    if section is None:
        return citation
    return replace(citation, section=label(citation.section, [_clean(section.title)]))
