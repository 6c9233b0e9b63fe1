"""Reading a budget disclosure: bytes → normalised lines → sections and table blocks → `Document`.

The text is what PDF extraction gives: table rows flattened onto one line, sentences broken at the page
width, a table of contents that repeats every heading, sometimes whole blocks printed twice. This module
only finds the parts and the document's identity (unit, year, kind); `tables` turns table blocks into
cells and `narrative` reads the facts the text states.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from assistant import layouts as families
from assistant.errors import InputError, NotABudgetError, ParseError
from assistant.records import Document, Fact, GridRow, Section, Source, Table

MAX_BYTES = 20 * 1024 * 1024

_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_SENTENCE_END = ("。", "；", ";", "：", ":", "！", "？")
_ITEM_START = re.compile(
    r"^(\d+[、.．](?!\d)|（[一二三四五六七八九十\d]+）|\([一二三四五六七八九十\d]+\)|[一二三四五六七八九十]+、)"
)
_SUBHEADING = re.compile(r"^([一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)[^，。；：:,]{2,28}$")
_TOC_LEADER = re.compile(r"[…\.·]{3,}\s*\d*\s*$")
_UNIT_NAME = re.compile(r"(?:预算单位|编制单位|编制部门|预算部门)[:：]\s*(\S+?)(?:\s+单位[:：].*)?$")
_TABLE_UNIT = re.compile(r"单位[:：]\s*(万元|元)")
_YEAR = re.compile(r"(20\d\d)\s*年")


def layouts(name: str = families.DEFAULT) -> dict[str, Any]:
    """A layout family's section headings and table templates (assistant/data/layouts/<name>.toml)."""
    return families.family(name)


@dataclass(frozen=True)
class Block:
    """A stretch of lines under one heading: a narrative section or a table."""

    kind: str  # "section" or "table"
    name: str  # section name, or table template key ("" when the table is not a known one)
    title: str
    start: int  # 0-based index of the heading line
    end: int  # exclusive
    family: str = families.DEFAULT  # the layout family the document was recognised as
    parts: tuple[int, ...] = ()  # the title printed again on each later page of the table (0-based lines)


def decode(data: bytes, name: str = "input") -> str:
    """Bytes → text, refusing what is not a text document."""
    if not data.strip():
        raise InputError(f"{name}: the file is empty")
    if len(data) > MAX_BYTES:
        raise InputError(f"{name}: the file is too large ({len(data):,} bytes; the limit is {MAX_BYTES:,})")
    if b"\x00" in data[:8192] or data[:5] == b"%PDF-":
        raise InputError(f"{name}: this is a binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(f"{name}: the file is not UTF-8 text (byte {err.start})") from None


def normalise_line(line: str) -> str:
    """Full-width spaces and digits → ASCII; tabs → spaces; trimmed."""
    line = line.replace("\u3000", " ").replace("\xa0", " ").replace("\t", " ").translate(_FULLWIDTH_DIGITS)
    return re.sub(r" {2,}", " ", line).strip()


def source_lines(text: str | list[str]) -> list[str]:
    """Normalised lines; a leading `# source: …` provenance line is blanked (it is not content)."""
    raw = text.splitlines() if isinstance(text, str) else text
    lines = [normalise_line(line) for line in raw]
    if lines and lines[0].startswith("# source:"):
        lines[0] = ""
    return lines


_PAGE = re.compile(r"^\d{1,3}$")  # a page number between two contents entries


def _is_toc_entry(lines: list[str], i: int, candidates: set[int]) -> bool:
    if _TOC_LEADER.search(lines[i]):
        return True
    nxt = next(
        (
            j
            for j in range(i + 1, min(i + 4, len(lines)))
            if lines[j]
            and not _PAGE.match(lines[j])
            and not _PART_ONLY.match(lines[j])
            and not _PAGE_NUMBER.match(lines[j])
        ),
        None,
    )
    return nxt is not None and (nxt in candidates or _TOC_LEADER.search(lines[nxt]) is not None)


def _contents(lines: list[str]) -> range:
    """The table of contents: from a `目录` line to where its first entry is printed again as the body starts
    (entries such as `（十一）…绩效表` are then known as contents even where no leader dots mark them)."""
    start = next((i for i, line in enumerate(lines[:200]) if re.sub(r"\s", "", line) == "目录"), None)
    if start is None:
        return range(0)
    keys = [re.sub(r"\s", "", line) for line in lines[start + 1 : start + 150]]  # a few pages at most
    first = next((n for n, key in enumerate(keys) if len(key) >= 4), None)
    again = (
        next((n for n in range(first + 1, len(keys)) if keys[n] == keys[first]), None)
        if first is not None
        else None
    )
    return range(start, start + 1 + again) if again is not None else range(0)


_PAGE_FOOTER = re.compile(r"^[—\-－]\s*\d{1,3}\s*[—\-－]$")  # `- 5 -` printed inside a paragraph
_PAGE_NUMBER = re.compile(r"^([—\-－]\s*)?\d{1,3}(\s*[—\-－])?$")
_ORDINAL_HEAD = re.compile(
    r"^(第.部分\s*|20\d\d\s*年度?|\d+[、.．]|[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)+"
)


def _listed_again(lines: list[str], i: int, raw: dict[int, tuple[str, str]], toc: set[int]) -> bool:
    """A heading printed again further on whose own block is at most a few lines (a contents entry the
    contents check missed: the last entry of a part, followed by the next part's title)."""
    later = [j for j in raw if j > i and j not in toc]
    bare = _ORDINAL_HEAD.sub("", families.plain_title(lines[i]))
    if not any(
        raw[j] == raw[i] and _ORDINAL_HEAD.sub("", families.plain_title(lines[j])) == bare for j in later
    ):
        return False
    end = min((j for j in raw if j > i), default=len(lines))
    body = [line for line in lines[i + 1 : end] if line and not _PAGE_NUMBER.match(line)]
    return len(body) <= 3


def _title_text(lines: list[str], i: int) -> str:
    """A table title, rejoined when extraction broke it (`…经济分类预` + `算表`)."""
    title = lines[i]
    nxt = lines[i + 1] if i + 1 < len(lines) else ""
    if nxt and len(nxt) <= 3 and re.fullmatch(r"[预算表]+", nxt):
        title += nxt
    return title


def _broken_titles(lines: list[str], i: int) -> list[str]:
    """A title the PDF broke over short lines (`…培训费支出预` / `“ ”` / `算表`), joined one line at a time."""
    out, title = [], lines[i]
    for nxt in lines[i + 1 : i + 3]:
        if not nxt or len(nxt) > 8 or re.search(r"\d", nxt):
            break
        title += nxt
        out.append(title)
    return out


_PART = re.compile(r"^第[一二三四五六七八九十]部分")
_PART_ONLY = re.compile(r"^第[一二三四五六七八九十]部分.{0,30}$")


# prose naming a table after a sentence mark (…办案费;二是《财政拨款支出预算表（功能科目）》增加了…): not its title
_CITES_TABLE = re.compile(r"[;；。，,].*《")


def _match_heading(line: str, spec: dict[str, Any]) -> tuple[str, str] | None:
    if not line or len(line) > 80 or line.endswith(("：", ":", "。", "；")) or _CITES_TABLE.search(line):
        return None
    bare = re.sub(r"^(\d+[.．]|[一二三四五六七八九十]+、)\s*", "", line)
    for table in spec["tables"]:
        if families.title_matches(table["title"], bare):
            return ("table", table["key"])
    for section in spec["sections"]:
        if re.search(section["heading"], bare):
            return ("section", section["name"])
    if re.search(r"预算表$|总表$", bare) and re.search(r"20\d\d年|单位|部门", bare) and not _PART.match(bare):
        return ("table", "")
    return None


def find_blocks(lines: list[str], family: str = families.DEFAULT) -> list[Block]:
    """Headings of sections and tables, skipping the table of contents."""
    spec = layouts(family)
    repeated = {s["name"] for s in spec["sections"] if s.get("repeats")}
    raw: dict[int, tuple[str, str]] = {}
    titles: dict[int, str] = {}
    for i, line in enumerate(lines):
        title = _title_text(lines, i)
        found = _match_heading(title, spec) or _match_heading(line, spec)
        for joined in _broken_titles(lines, i) if not (found and found[1]) else []:
            if (again := _match_heading(joined, spec)) and again[1]:
                found, titles[i] = again, joined
                break
        if found:
            raw[i] = found
    contents = _contents(lines) if spec.get("lines", {}).get("contents") else range(0)
    toc = {i for i in raw if _is_toc_entry(lines, i, set(raw))}
    heads = [i for i in raw if i not in contents and i not in toc and not _listed_again(lines, i, raw, toc)]
    continued = spec.get("lines", {}).get("continued", False)
    blocks: list[Block] = []
    for n, i in enumerate(heads):
        end = heads[n + 1] if n + 1 < len(heads) else len(lines)
        kind, name = raw[i]
        block = Block(kind, name, titles.get(i) or _title_text(lines, i), i, end, family)
        if (
            blocks
            and _continues(blocks[-1], block, repeated, continued)
            and _same_template(lines, blocks[-1], block, spec)
        ):
            # the repeated titles kept as `parts`, their headers then left out of the rows (`continued =
            # "title"`: only the title is left out; the lines under it are read, header words skipped as such,
            # so a name wrapped above its figures stays with them)
            prev = blocks.pop()
            parts = (*prev.parts, block.start) if kind == "table" and continued is True else prev.parts
            block = replace(prev, end=end, parts=parts)
        blocks.append(block)
    return blocks


def _same_template(lines: list[str], before: Block, block: Block, spec: dict[str, Any]) -> bool:
    """Both parts read as the same table by their headers (a title can be printed on the wrong table)."""
    if block.kind != "table":
        return True
    from assistant.tables import choose_template, split_figures

    def key(part: Block) -> str:
        body = lines[part.start + 1 : part.end]
        first = next((n for n, line in enumerate(body) if split_figures(line)[1]), len(body))
        header = "".join(line.replace(" ", "") for line in body[:first])
        return str(choose_template(part.title, header, spec["tables"])[0]["key"])

    return key(before) == key(block)


def _continues(before: Block, block: Block, repeated: set[str], continued: bool | str) -> bool:
    """In a family whose tables run on under their title printed again (`[lines] continued`), the same title
    right after a table continues it (one table, not two); a section whose heading the family marks as
    printed on every page (`repeats`) continues likewise."""
    if before.kind != block.kind or not block.name or before.name != block.name:
        return False
    if block.kind == "section":
        return block.name in repeated
    return bool(continued) and families.plain_title(before.title) == families.plain_title(block.title)


def join_broken_lines(lines: list[str], offset: int = 0) -> list[tuple[int, str]]:
    """Join lines the PDF broke mid-sentence; returns (0-based first line, text) per logical line."""
    out: list[tuple[int, str]] = []
    for i, line in enumerate(lines, start=offset):
        if not line:
            continue
        prev = out[-1][1] if out else ""
        if (
            out
            and not prev.endswith(_SENTENCE_END)
            and not _ITEM_START.match(line)
            and not _SUBHEADING.match(prev)
        ):
            start, text = out[-1]
            out[-1] = (start, text + line)
        else:
            out.append((i, line))
    return out


def dedupe(logical: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Drop lines printed again further on (the seed repeats its whole 主要职能 block)."""
    seen: set[str] = set()
    out = []
    for start, text in logical:
        key = re.sub(r"\s", "", text)
        if len(key) >= 6 and key in seen:
            continue
        seen.add(key)
        out.append((start, text))
    return out


def detect_identity(lines: list[str], blocks: list[Block]) -> tuple[str, int, str]:
    """The unit (预算单位/编制单位/编制部门), the year and the kind (单位预算 / 部门预算) of a document."""
    spec = layouts(blocks[0].family if blocks else families.DEFAULT).get("identity", {})
    unit_name = _unit_name(lines, spec)
    titles = [b.title for b in blocks if b.kind == "table"] or [line for line in lines[:30] if "预算" in line]
    years = Counter(int(m.group(1)) for t in titles for m in _YEAR.finditer(t))
    if not years:  # `[identity] year`: a cover may print the year on a line of its own
        year_mark = re.compile(spec.get("year", _YEAR.pattern))
        years = Counter(int(m.group(1)) for line in lines[:40] for m in year_mark.finditer(line))
    if not years:  # tables that print no year (北京's 报表): the year their text names most
        years = Counter(int(m.group(1)) for line in lines for m in _YEAR.finditer(line))
    year = years.most_common(1)[0][0] if years else 0
    head = " ".join(lines[:40]) + " ".join(titles)
    department = spec.get("department", r"部门(财务收支|收入|支出)预算|区级部门预算|部门预算编制说明")
    kind = spec.get("kind") or ("部门预算" if re.search(department, head) else "单位预算")
    return unit_name, year, kind


def _unit_name(lines: list[str], spec: dict[str, str]) -> str:
    pattern = re.compile(spec["unit"]) if "unit" in spec else _UNIT_NAME
    names = Counter(
        next(g for g in m.groups() if g) for line in lines if (m := pattern.search(line)) and any(m.groups())
    )
    return names.most_common(1)[0][0] if names else ""


def narrative_only(lines: list[str], blocks: list[Block], family: str) -> bool:
    """A budget's narrative published without its tables (北京's 情况说明, whose 报表 are a separate file): the
    family names the line that says so (`narrative_only`), and the document has narrative sections."""
    pattern = layouts(family).get("family", {}).get("narrative_only")
    return (
        bool(pattern)
        and any(b.kind == "section" for b in blocks)
        and any(re.search(pattern, line) for line in lines if len(line) <= 80)
    )


def is_final_accounts(lines: list[str]) -> bool:
    """A 决算 (final accounts) uses 决算 in its titles; this product answers about budgets only. A finance
    bureau's mandate to publish budgets and final accounts (负责预决算公开) does not make its budget a 决算."""
    head = [line for line in lines[:60] if line]
    titles = sum(1 for line in lines if re.search(r"决算(总)?表$", line))
    return titles >= 2 or any(re.search(r"年度?部门决算|单位决算$|(?<!预)决算公开", line) for line in head)


def parse_document(text: str, doc_id: str, path: str = "") -> Document:
    """Split a disclosure's text into narrative sections and table blocks; tables are parsed by `tables`."""
    return parse_source(Source(text.splitlines()), doc_id, path)


def parse_source(source: Source, doc_id: str, path: str = "") -> Document:
    """A read document (text lines, and for a PDF each line's page and ruled row) → `Document`."""
    from assistant.narrative import section_facts
    from assistant.tables import parse_table

    lines = source_lines(source.lines)
    if is_final_accounts(lines):
        raise NotABudgetError(
            f"{doc_id}: this is a 决算 (final accounts), not a budget; only budgets are supported"
        )
    family = families.detect(lines)
    blocks = find_blocks(lines, family)
    if (
        not any(b.kind == "table" and b.name for b in blocks)
        and not narrative_only(lines, blocks, family)
        and not _tables_optional(family, blocks)
    ):
        raise NotABudgetError(
            f"{doc_id}: no budget table was found; this does not look like a budget disclosure"
        )
    unit_name, year, kind = detect_identity(lines, blocks)
    spec = layouts(blocks[0].family)
    furniture = [re.compile(p) for p in spec.get("lines", {}).get("furniture", [])]
    dividers = {s["name"] for s in spec["sections"] if s.get("divider")}
    sections: list[Section] = []
    tables = []
    table_blocks: list[Block] = []
    facts = []
    for block in blocks:
        if block.kind == "section" and block.name in dividers:
            continue  # a part heading: it only ends what came before
        if block.kind == "section":
            body = _section_body(lines[block.start + 1 : block.end], block.start + 1, furniture)
            if _add_section(
                sections, Section(block.name, block.title, "\n".join(t for _, t in body), block.start + 1)
            ):
                facts += section_facts(doc_id, unit_name, year, block.name, body)
        elif block.name:
            _keep_table(
                parse_table(block, lines, year, grid=source.grid), block, tables, table_blocks, doc_id
            )
    texts = [s.text for s in sections]
    tables = settle_tables(tables, table_blocks, lines, year, facts, texts, source.grid)
    _require_totals(doc_id, tables)
    if source.pages:
        tables, facts = _with_pages(tables, facts, source)
    return Document(
        doc_id, path, unit_name, year, kind, sections, tables, facts, lines, source.pages, source.ocr_pages
    )


def _without_furniture(lines: list[str], furniture: list[re.Pattern[str]]) -> list[str]:
    """Page furniture (running heads, page numbers) blanked, so a sentence broken by a page joins up."""
    return ["" if any(p.search(line) for p in furniture) else line for line in lines]


def _keep_table(table: Table, block: Block, tables: list[Table], blocks: list[Block], doc_id: str) -> None:
    """Add a parsed table, once per kind: a title repeated after a page break or left over from the table of
    contents has no figures and gives way to the table that has them; the same table printed twice is kept
    once; printed twice with different figures, the document cannot be trusted."""
    same = next((n for n, t in enumerate(tables) if t.key == table.key), None)
    if same is not None:
        earlier = tables[same]
        if not table.rows or _figures(earlier) == _figures(table):
            return
        if earlier.rows and not _has_total(table):
            earlier.warnings.append(f"第{table.line}行起重复标题下的续表（无合计行）未读入")
            return  # a continuation printed under the title again: its rows are not read (reported)
        if earlier.rows:
            raise ParseError(
                f"{doc_id}: the table {table.name} is printed twice with different figures "
                f"(lines {earlier.line} and {table.line})"
            )
        del tables[same], blocks[same]
    tables.append(table)
    blocks.append(block)


def _has_total(table: Table) -> bool:
    return any(r.level == 0 and re.search(r"(合计|总计)$", r.name) for r in table.rows)


def _figures(table: Table) -> list[tuple[str, str, tuple]]:
    return [(r.code, r.name, r.numbers) for r in table.rows]


def _section_body(lines: list[str], first: int, furniture: list[re.Pattern[str]]) -> list[tuple[int, str]]:
    """A section's logical lines, page furniture and page footers (`- 5 -`) left out."""
    page = ["" if _PAGE_FOOTER.match(line) else line for line in lines]
    return dedupe(join_broken_lines(_without_furniture(page, furniture), first))


def _add_section(sections: list[Section], section: Section) -> bool:
    """Keep a section, once per heading: a heading printed again after a page holding only it (and a page
    number) gives the later text; new text under a heading printed before is joined to it. False when the
    text adds nothing."""
    earlier = next((n for n, s in enumerate(sections) if s.name == section.name), None)
    if earlier is None:
        sections.append(section)
    elif not _has_text(sections[earlier].text):
        sections[earlier] = section
    elif not section.text or section.text in sections[earlier].text:
        return False  # a repeated heading: its text was printed before
    else:  # a section printed in parts under one heading is joined
        sections[earlier] = replace(sections[earlier], text=sections[earlier].text + "\n" + section.text)
    return True


def _has_text(text: str) -> bool:
    """More than page numbers (`3 6`, `- 2 -`)."""
    return bool(re.sub(r"[\d\s\-—－]", "", text))


def _tables_optional(family: str, blocks: list[Block]) -> bool:
    """A family whose budgets may be published as the explanation alone, the tables being a separate
    attachment (`tables_optional`): recognised by its own marks and its budget explanation section."""
    optional = families.family(family).get("family", {}).get("tables_optional", False)
    return bool(optional) and any(b.kind == "section" and b.name == "预算编制说明" for b in blocks)


def _with_pages(tables: list[Table], facts: list[Fact], source: Source) -> tuple[list[Table], list[Fact]]:
    """Each row and text fact with the PDF page it was printed on (and whether that page was OCR'd)."""
    ocr = set(source.ocr_pages)
    for table in tables:
        table.rows = [
            replace(row, page=source.page(row.line), ocr=source.page(row.line) in ocr) for row in table.rows
        ]
    facts = [replace(f, page=source.page(f.line), ocr=source.page(f.line) in ocr) for f in facts]
    return tables, facts


def _require_totals(doc_id: str, tables: list[Table]) -> None:
    """Every table with figures ends with its total row; one without it was cut off (a truncated file)."""
    from assistant.tables import TOTAL_KEY, row_keys

    for table in tables:
        template = families.template(table.family, table.key) or {}
        if not template.get("total", True):
            continue  # a list of items printed without a total row
        if table.rows and table.key != "three_public" and TOTAL_KEY not in row_keys(table):
            raise ParseError(
                f"{doc_id}: the table {table.name} (line {table.line}) ends without its total row; "
                "the document looks truncated"
            )


def settle_tables(
    tables: list[Table],
    blocks: list[Block],
    lines: list[str],
    year: int,
    facts: list,
    texts: list[str],
    grid: dict[int, GridRow] | None = None,
) -> list[Table]:
    """Re-place tables whose figures stay undetermined, using the same figures elsewhere (the family's
    layout file: `[[anchors]]` income side, `[[links]]` cross-table equations, `[[text_links]]` the narrative),
    until nothing changes; last, `[[class_rules]]` for economic rows still open (reported as a warning)."""
    from assistant.tables import (
        anchor_values,
        ceiling_values,
        class_values,
        floor_values,
        link_values,
        parse_table,
        text_values,
    )

    spec = layouts(blocks[0].family if blocks else families.DEFAULT)
    used: dict[int, dict] = {}
    for final in (False,) * 5 + (True,) * 4:
        changed = False
        for n, table in enumerate(tables):
            if not table.unplaced:
                continue
            totals = anchor_values(table.key, tables, spec.get("anchors", []))
            known = link_values(table, tables, spec.get("links", []))
            known.update(text_values(table, facts, texts, spec.get("text_links", [])))
            known.update(ceiling_values(table, tables, spec.get("bounds", [])))
            floors = floor_values(table, tables, spec.get("bounds", []))
            extra = {}
            if final:
                extra = {
                    k: v
                    for k, v in class_values(table, spec.get("class_rules", [])).items()
                    if k not in known
                }
                known.update(extra)
            state = {"totals": totals, "known": known, "floors": floors}
            if state == used.get(n) or not (totals or known or floors):
                continue
            used[n] = state
            again = parse_table(blocks[n], lines, year, totals, known, grid, floors)
            if final and extra and len(again.unplaced) < len(table.unplaced):
                again.warnings.append("部分数字按经济分类科目的归属（工资福利支出属人员经费等）定列")
            if len(again.unplaced) <= len(table.unplaced):
                tables[n] = again
                changed = True
        if not changed and final:
            break
    return tables


def read_document(path: str | Path) -> Document:
    """Read and parse one document file; errors are one-line `BudgetQAError`s."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file")
    if p.is_dir():
        raise InputError(f"{p}: is a folder, not a document")
    from assistant.readers import reader_for

    return parse_source(reader_for(p).read(p), p.stem, str(p))
