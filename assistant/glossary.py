"""Budget terms explained in one line, from the document's own 名词解释 (never from outside it).

`definitions` reads the section's entries (“（一）基本支出：指为保障机构正常运转……”); `used` picks the terms an
answer mentions, longest first, so 基本支出 is explained once even where 一般公共预算基本支出 also appears.
"""

from __future__ import annotations

import re

_ENTRY = re.compile(
    r"(?:^|\n)\s*(?:[（(][一二三四五六七八九十\d]+[)）]|\d+[、.．]|[一二三四五六七八九十]+、)\s*"
    r"([^：:\n]{2,12})[：:]\s*([^\n]+)"
)
MAX_CHARS = 80


def definitions(section_text: str) -> dict[str, str]:
    """{term: its definition's first sentence} for every entry of a 名词解释 section, in order."""
    out: dict[str, str] = {}
    for term, body in _ENTRY.findall(section_text or ""):
        term = re.sub(r"[“”\"]", "", term).strip()
        line = re.split(r"(?<=。)", body.strip(), maxsplit=1)[0]
        if len(line) > MAX_CHARS:
            line = line[: MAX_CHARS - 1].rstrip("，、；") + "…"
        if term and line:
            out.setdefault(term, line)
    return out


def _forms(term: str) -> list[str]:
    """How an answer may write a defined term: 基本支出预算 also as 基本支出."""
    bare = term.removesuffix("预算")
    return [term, bare] if bare != term and len(bare) >= 3 else [term]


def used(text: str, glossary: dict[str, str], limit: int = 3) -> list[tuple[str, str]]:
    """The defined terms a text mentions (longest first, none inside another already taken), up to `limit`,
    in the order the text first mentions them. Quotes do not matter (“三公”经费 is 三公经费)."""
    plain = re.sub(r"[“”\"]", "", text)
    found: dict[str, int] = {}
    shown: list[str] = []
    for term in sorted(glossary, key=len, reverse=True):
        for form in _forms(term):
            if form in plain and not any(form in s for s in shown):
                found[term] = plain.index(form)
                shown.append(form)
                break
    order = sorted(found, key=found.__getitem__)
    return [(t, glossary[t]) for t in order[:limit]]
