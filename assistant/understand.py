"""Question understanding, deterministic: text → `Frame` (what is asked about, which operation).

Terms are linked to the store through a `Lexicon` built from the document's own row names, the columns of
single-row tables, the labels of facts stated in the text, and the curated aliases in
`assistant/data/aliases.toml`. Matching is longest-first, then tolerant of one wrong character, then of
partial names. The operation (lookup, sum, difference, share, multiple, rank, breakdown, count, prior-year
change, balance, per-month average, definition) is read from the wording. Nothing here touches files
beyond the alias data, models or the network.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from typing import Any

from assistant import datafiles
from assistant.recall import Remembered
from assistant.records import Document, Table

_ORDINAL_PREFIX = re.compile(r"^([一二三四五六七八九十]+、|\d+[、.．]|（[一二三四五六七八九十\d]+）)\s*")
_HELD = re.compile(r"^.*(共有|实有|现有|拥有)")  # a count stated as held: 所属各预算单位共有车辆
_YEAR_LEAD = re.compile(r"^20\d\d年?度?")
_FUNCTION_CHARS = set("几多少是的呢吗了和与及或在有为中里个项一共")
GENERIC_WORDS = {
    "支出",
    "经费",
    "预算",
    "费用",
    "收入",
    "合计",
    "其他",
    "项目",
    "单位",
    "资金",
    "费",
    "补助",
    "缴费",
}

FOUND = 4096  # texts whose mentions a lexicon keeps (a document's lexicon; each entry a few hundred bytes)


def aliases() -> dict[str, Any]:
    return datafiles.load("aliases.toml")


@cache
def _t2s() -> Any:
    from opencc import OpenCC

    return OpenCC("t2s")


@lru_cache(maxsize=1 << 16)
def normalise(text: str) -> str:
    """Full-width → half-width, traditional → simplified, lower case, no spaces or quotes (remembered: the
    same row and unit names are normalised for every question)."""
    text = unicodedata.normalize("NFKC", text)
    text = _t2s().convert(text)
    text = re.sub(r"[\s“”\"'‘’「」《》<>]", "", text.lower())
    return text


_HANZI = re.compile(r"[\u4e00-\u9fff]+")


def row_key(name: str) -> str:
    """A row name as matched: ordinal prefix (一、 / 1、) dropped, normalised."""
    return normalise(_ORDINAL_PREFIX.sub("", name))


@dataclass(frozen=True)
class Target:
    """What a term points at: a row by name, a concept's cells, or facts stated in the text."""

    kind: str  # "row" | "concept" | "text"
    key: str  # normalised row name / concept surface / text label
    cells: tuple[tuple[str, str, str], ...] = ()  # concept: (table key, row regex, column)


@dataclass
class Mention:
    surface: str  # the words as matched in the question (normalised)
    targets: list[Target]
    start: int
    end: int
    fuzzy: bool = False


@dataclass
class Frame:
    question: str  # normalised
    op: str = "lookup"
    mentions: list[Mention] = field(default_factory=list)
    column: str | None = None
    unit: str | None = None  # 万元 / 亿元 when asked for
    order: str | None = None  # "max" / "min"
    top: int | None = None
    level: int | None = None  # 1 类, 2 款, 3 项
    table_hint: list[str] = field(default_factory=list)
    wants_text: bool = False  # a definition / mandate / explanation question
    wants_figure: bool = False  # asks for an amount
    refuse: str = ""  # reason, when the documents cannot answer
    unknown: str = ""  # an item-like term the documents do not have (培训费)
    years: list[int] = field(default_factory=list)
    followup: str = ""  # "other-item" | "pair" | "convert" | "child" | "" …
    row_columns: list[str] = field(
        default_factory=list
    )  # several columns of one row (人员经费、公用经费各多少)
    reverse: bool = False  # "后者是前者的几倍": the pair in reverse order
    nth: int | None = None  # 排第二的: the n-th of a ranking


class Lexicon:
    """Surface words → targets, for one document."""

    def __init__(self, doc: Document):
        spec = aliases()
        self.found: Remembered[str, list[Mention]] = Remembered(FOUND)  # `find`'s answers, by question
        self.surfaces: dict[str, list[Target]] = {}
        self.row_names: set[str] = set()
        own = normalise(doc.unit_name) if doc.unit_name else ""
        self._rows_in_order: list[str] = []
        for table in doc.tables:
            for row in table.rows:
                key = row_key(row.name)
                if len(key) >= 2 and key not in ("合计", "收入总计", "支出总计"):
                    # not 出: the end of a row name a page break cut off (其他…养老支 / 出)
                    self.row_names.add(key)
                    self._add(key, Target("row", key))
                    if own and key.startswith(own) and len(key) - len(own) >= 3:
                        self._add(
                            key[len(own) :], Target("row", key)
                        )  # 杭州市气象局气象业务建设: the project
            if len(table.columns) > 3 and table.key == "three_public":
                for col in table.columns[1:]:
                    if normalise(col) in GENERIC_WORDS:
                        continue  # 支出预算合计多少: a total word after an item, not the 三公 table's 合计
                    self._add(
                        normalise(col), Target("concept", normalise(col), ((table.key, "^合计$", col),))
                    )
        for surface, key in _paired_names(doc):
            self._add(surface, Target("row", key))
        for surface, key in _without_region(own, self.row_names, self.surfaces):
            self._add(surface, Target("row", key))
        stems: dict[str, str] = {}  # 会议费预算 5.6 万元 answers 会议费, unless 会议费 names something else
        for fact in doc.text_facts:
            counted = fact.unit not in ("元", "万元", "亿元")
            if fact.column or (
                fact.table not in ("预算编制说明", "其他相关情况说明")
                and not (
                    counted and fact.table in ("机构设置", "主要职能")
                )  # 下设4个处室 (主要职能及机构设置)
            ):
                continue  # a change names no item of its own: it is found through the item it is about
            label = normalise(fact.row_name)
            if len(label) >= 3 or len(label) == 2 and fact.unit not in ("元", "万元", "亿元"):
                self._add(label, Target("text", label))
                core = label.rsplit("的", 1)[-1]  # 纳入2026年部门预算的政府采购项目 → 政府采购项目
                if core != label and len(core) >= 4:
                    self._add(core, Target("text", label))
                bare = _YEAR_LEAD.sub("", core)  # 2026驻京经费: a project named with its year, asked without
                if bare != core and len(bare) >= 3:
                    self._add(bare, Target("text", label))
                held = _HELD.sub("", core) if counted else core  # 实有车辆 15 辆 answers 车辆
                if held != core and len(held) >= 2:
                    self._add(held, Target("text", label))
                stem = re.sub(r"预算(支出|数)?$", "", core)
                if stem != core and len(stem) >= 3:
                    stems.setdefault(stem, label)
        for surface, cells in spec["concepts"].items():
            parsed = tuple(tuple(part.strip() for part in c.split("|")) for c in cells)
            self._add(normalise(surface), Target("concept", normalise(surface), parsed))  # type: ignore[arg-type]
        for code_row in self._codes(doc):
            self._add(*code_row)
        self._merge_column_names()
        for surface, name in spec["rows"].items():
            key = row_key(name)
            for target in self.surfaces.get(key, []):
                self._add(normalise(surface), target)
        self._suffix_aliases(spec["suffix_aliases"])
        known = [s for s in self.surfaces if len(s) >= 3]
        for stem, label in stems.items():
            if not any(s in stem for s in known):  # not 财政拨款基本支出, which the tables answer
                self._add(stem, Target("text", label))
        self.ordered = sorted(self.surfaces, key=len, reverse=True)
        self.by_first: dict[str, list[str]] = {}
        for surface in self.ordered:
            self.by_first.setdefault(surface[0], []).append(surface)
        self.partial_names = self.row_names | {
            t.key for ts in self.surfaces.values() for t in ts if t.kind == "text"
        }
        self.kind = normalise(doc.kind)  # 部门预算 names the document, not an item partly
        self.units = {normalise(doc.unit_name)} if doc.unit_name else set()
        self.unit_names = [doc.unit_name] if doc.unit_name else []
        self.full_text = normalise(
            "".join(s.text for s in doc.sections) + "".join(line for line in doc.lines)
        )

    def _suffix_aliases(self, rules: dict[str, list[str]]) -> None:
        """Names derived from a row's own name (中小企业发展专项 → 专项资金), when only one row ends so."""
        for suffix, forms in rules.items():
            rows = sorted(r for r in self.row_names if r.endswith(suffix) and len(r) > len(suffix) + 1)
            if len(rows) != 1:
                continue
            row = rows[0]
            stem = row[: -len(suffix)]
            short = re.sub(r"(发展|建设|管理|服务)$", "", stem)
            for form in forms:
                surface = normalise(form.format(stem=stem, short=short))
                if surface not in self.surfaces:
                    self._add(surface, Target("row", row))

    def _merge_column_names(self) -> None:
        """因公出国(境)费 (a column of the 三公 table) and 因公出国(境)费用 (an economic row) name one thing."""
        concepts = [s for s, ts in self.surfaces.items() if any(t.kind == "concept" for t in ts)]
        for surface in concepts:
            for row in self.row_names:
                if (
                    row != surface
                    and (row.startswith(surface) or surface.startswith(row))
                    and abs(len(row) - len(surface)) <= 1
                ):
                    for target in list(self.surfaces[surface]):
                        self._add(row, target)
                    for target in list(self.surfaces[row]):
                        self._add(surface, target)

    @staticmethod
    def _codes(doc: Document) -> list[tuple[str, Target]]:
        """Row codes as typed in questions: 2150805, 215 08 05 (spaces are dropped by `normalise`)."""
        out = []
        for table in doc.tables:
            for row in table.rows:
                code = row.code.replace(" ", "")
                if len(code) >= 3:
                    out.append((code, Target("row", row_key(row.name))))
        return out

    def _add(self, surface: str, target: Target) -> None:
        bucket = self.surfaces.setdefault(surface, [])
        if target not in bucket:
            bucket.append(target)

    def find(self, text: str) -> list[Mention]:
        """Leftmost-longest matches; then one-typo and partial matches in what is left. The typo search
        is most of the work of answering, so the mentions found in a text are kept (copies are returned):
        the same question, or an earlier question of a conversation answered again, is not searched again."""
        kept = self.found.get(text)
        if kept is None:
            kept = self._find(text)
            self.found.put(text, kept)
        return [replace(m) for m in kept]

    def _find(self, text: str) -> list[Mention]:
        taken = [False] * len(text)
        found: list[Mention] = []
        i = 0
        while i < len(text):
            hit = next(
                (
                    s
                    for s in self.by_first.get(text[i], ())
                    if text.startswith(s, i) and self._plausible(text, s, i)
                ),
                None,
            )
            prefix = self._row_prefix(text, i)
            if prefix and self._two_terms(text[i : i + prefix[1]]):
                prefix = None  # 人员经费和公用经费各多少: two terms, not the start of 人员经费和公用经费支出
            if prefix and (hit is None or prefix[1] > len(hit)):
                name, size = prefix  # 公务员医疗补助 → 公务员医疗补助缴费: the start of a row name
                found.append(Mention(name, self.surfaces[name], i, i + size, fuzzy=True))
                for j in range(i, i + size):
                    taken[j] = True
                i += size
                continue
            if hit is None:
                i += 1
                continue
            found.append(Mention(hit, self.surfaces[hit], i, i + len(hit)))
            for j in range(i, i + len(hit)):
                taken[j] = True
            i += len(hit)
        for m in re.finditer(wording()["section_words"], text):  # 预算名词解释: 预算名 is no typo of 预算数
            for j in range(m.start(), m.end()):
                taken[j] = True
        found += self._fuzzy(text, taken)
        return sorted(found, key=lambda m: m.start)

    def _row_prefix(self, text: str, i: int) -> tuple[str, int] | None:
        """The longest row name whose first ≥5 characters stand at position i."""
        best: tuple[str, int] | None = None
        if len(self._rows_in_order) != len(self.row_names):  # sorted once, not for every position
            self._rows_in_order = sorted(self.row_names, key=lambda s: (len(s), s))
        for name in self._rows_in_order:
            n = 0
            while n < len(name) and i + n < len(text) and text[i + n] == name[n]:
                n += 1
            if n >= 4 and n < len(name) and (best is None or n > best[1]):
                best = (name, n)
        return best

    def _two_terms(self, text: str) -> bool:
        """Whether words read as the start of a longer row name are two known terms joined (A和B, A、B)."""
        parts = re.split(r"和|与|及|、", text)
        return len(parts) == 2 and all(p in self.surfaces for p in parts)

    def _word_in_document(self, window: str, surface: str) -> bool:
        """Whether the differing character forms, with a neighbour, a word the document itself uses."""
        i = next(k for k, (a, b) in enumerate(zip(window, surface, strict=True)) if a != b)
        pairs = [window[max(0, i - 1) : i + 1], window[i : i + 2]]
        pairs = [p for p in pairs if len(p) == 2]
        return bool(pairs) and all(p in self.full_text for p in pairs)

    @staticmethod
    def _plausible(text: str, surface: str, start: int) -> bool:
        if surface.isdigit() and len(surface) == 3:  # a 类 code only where the question says it is one
            after, before = text[start + 3 : start + 5], text[max(0, start - 2) : start]
            return bool(re.match(r"[类款]|科目", after) or re.search(r"科目|代码|编码", before))
        # bare 收入 / 支出 name the whole budget only when nothing item-like stands right before them
        if surface.startswith(("收入", "支出")) and surface not in ("收入预算", "支出预算") and start > 0:
            return not re.search(r"[\u4e00-\u9fff]$", text[:start]) or bool(
                re.search(r"[总年的位算门室本问是看占比和与及中里了在对为\0]$", text[:start])
            )
        return True

    def _fuzzy(self, text: str, taken: list[bool]) -> list[Mention]:
        out: list[Mention] = []
        windows: dict[int, list[int]] = {}  # length → starts of windows that could be a typo (per question)
        weak = aliases()["weak"]
        for surface in self.ordered:
            n = len(surface)
            if n < 3 or surface in GENERIC_WORDS or surface in weak:
                continue
            if n not in windows:
                windows[n] = [i for i in range(0, len(text) - n + 1) if self._could_be_typo(text[i : i + n])]
            for start in windows[n]:
                if any(taken[start : start + n]):
                    continue
                window = text[start : start + n]
                if not _one_apart(window, surface) or not self._plausible(text, surface, start):
                    continue
                if self._word_in_document(window, surface):
                    continue  # 科目支出 is not a typo of 项目支出: 科目 is a word of its own
                if n >= 4 or window[:2] == surface[:2] and window[2] not in _FUNCTION_CHARS:
                    out.append(Mention(surface, self.surfaces[surface], start, start + n, fuzzy=True))
                    for i in range(start, start + n):
                        taken[i] = True
                    break
        if out:
            return out
        return self._partial(text, taken)

    def _could_be_typo(self, window: str) -> bool:
        """Chinese characters only, and not a word the document itself uses (办公室 is not 办公费)."""
        return bool(_HANZI.fullmatch(window)) and window not in self.full_text

    def _partial(self, text: str, taken: list[bool]) -> list[Mention]:
        """A distinctive part of a row name or text label (≥4 characters, not generic) stands for it."""
        free = "".join(ch if not t else "\0" for ch, t in zip(text, taken, strict=True))
        bigrams = {free[i : i + 2] for i in range(len(free) - 1)}
        best: tuple[float, str, int, int] | None = None
        pieces: dict[int, set[str]] = {}
        for name in sorted(self.partial_names, key=lambda s: (len(s), s)):
            size, hit = _longest_common(name, free, pieces)
            if size < 4 or free[hit : hit + size] == self.kind:
                continue
            score = (
                size
                + 0.5 * sum(1 for i in range(len(name) - 1) if name[i : i + 2] in bigrams)
                - 0.01 * len(name)
            )
            if best is None or score > best[0]:
                best = (score, name, hit, size)
        if best is None:
            return []
        _, name, hit, size = best
        targets = self.surfaces.get(name) or [Target("text", name)]
        return [Mention(name, targets, hit, hit + size, fuzzy=True)]


def _one_apart(window: str, surface: str) -> bool:
    """Whether two strings of one length differ in exactly one character (a typo)."""
    diff = 0
    for a, b in zip(window, surface, strict=True):
        if a != b:
            diff += 1
            if diff > 1:
                return False
    return diff == 1


def _longest_common(name: str, text: str, pieces: dict[int, set[str]] | None = None) -> tuple[int, int]:
    """Length and position in `text` of the longest non-generic substring of `name` found in `text`;
    `pieces` remembers the substrings of `text` by length, for the next name."""
    pieces = {} if pieces is None else pieces
    for size in range(min(len(name), len(text)), 3, -1):
        if size not in pieces:
            pieces[size] = {text[i : i + size] for i in range(len(text) - size + 1)}
        for i in range(len(name) - size + 1):
            part = name[i : i + size]
            if part in pieces[size] and part not in GENERIC_WORDS:
                return size, text.find(part)
    return 0, -1


def wording() -> dict[str, Any]:
    """Operation, passage, figure and refusal patterns (assistant/data/wording.toml)."""
    return datafiles.load("wording.toml")


_LEVELS = {"类": 1, "款": 2, "项": 3}
_CN_NUM = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


# a department class printed with its government class after it (办公费 502 01 办公经费): the first name
_GOVERNMENT_CLASS_AFTER = re.compile(r"^(\S{2,}?)\s+5\d{2}(?:\s?\d{2})?\s+\S{2,}$")


def _without_region(own: str, row_names: set[str], known: dict[str, list[Target]]) -> list[tuple[str, str]]:
    """A unit row named with the department's city (杭州市东郊监狱 in 杭州市司法局's budget) answers to its
    name without the city (东郊监狱), where no term already has that name."""
    region = re.match(r"^.{2,}?(省|自治区|自治州|市|盟|县|区)", own)
    if not region:
        return []
    cut = len(region.group())
    return [
        (key[cut:], key)
        for key in sorted(row_names)
        if key.startswith(region.group()) and len(key) - cut >= 3 and key[cut:] not in known
    ]


def _paired_names(doc: Document) -> list[tuple[str, str]]:
    """A row printed with a second classification after the first (离退休费 30301-离休费) answers to that
    class's name (离休费), and one printed with the government class after it (办公费 502 01 办公经费) to
    its first name (办公费), where the name marks one row of its table; where it marks several (物业管理费 under
    two government classes), no one row is that class."""
    out: list[tuple[str, str]] = []
    for table in doc.tables:
        keys: dict[str, set[str]] = {}
        for row in table.rows:
            if m := re.search(r"\s\d{5,7}-(\S{2,})$", row.name) or _GOVERNMENT_CLASS_AFTER.match(row.name):
                keys.setdefault(normalise(m.group(1)), set()).add(row_key(row.name))
        out += [(name, next(iter(found))) for name, found in keys.items() if len(found) == 1]
    return out


def expand(text: str) -> str:
    for short, full in aliases()["abbreviations"].items():
        text = text.replace(short, full)
    return text


def translate_english(text: str) -> str:
    """English terms → the Chinese words the lexicon knows (longest first)."""
    lowered = text.lower()
    if not re.search(r"[a-z]{3,}", lowered):
        return text
    lowered = re.sub(r"\b(total|overall)\s+(20\d\d)\s+budget", r"\2 \1 budget", lowered)
    # "what share of X is Y" asks for Y ÷ X
    lowered = re.sub(
        r"(?:share|percentage|percent|proportion) of (.+?) (?:goes to|go to|is spent on|is|are|does|do) (.+?)\??$",
        r"\2 占 \1 的比例",
        lowered,
    )
    for phrase, zh in sorted(aliases()["english"].items(), key=lambda kv: len(kv[0]), reverse=True):
        lowered = lowered.replace(phrase, f" {zh} ")
    return lowered


def mask_item_words(q: str) -> str:
    """Words of an item's name that look like a year or a 决算 (上年结转, 预决算管理业务) blanked out, so that
    neither is read as a reference to another year or to final accounts; positions are kept."""
    return re.sub(wording()["item_words"], lambda m: "\0" * len(m.group()), q)


def detect_op(q: str) -> str:
    q = mask_item_words(q)
    for op, pattern in wording()["ops"]:
        if re.search(pattern, q):
            return op
    return "lookup"


def understand(
    question: str, lexicon: Lexicon, doc: Document, text_mentions: set[str] | None = None
) -> Frame:
    """One question → a frame; conversation context is applied later by the engine."""
    q = expand(normalise(translate_english(question)))
    frame = Frame(q)
    plain = mask_item_words(q)
    frame.years = [int(y) for y in re.findall(r"(20\d\d)年(?!\d+月)", q)]
    if re.search(r"去年|上年|上一年|前一年", plain) and doc.year:
        frame.years.append(doc.year - 1)
    frame.mentions = lexicon.find(_mask_tables(_mask_claims(_mask_units(_mask_years(q), lexicon))))
    for pattern, reason, *printed in wording()["refuse"]:
        found = re.search(pattern, plain)
        if (
            found
            and not (printed and found.group() in lexicon.full_text)
            and not _in_item(found, frame)
            and not _defined(found, q, doc)
        ):
            frame.refuse = reason  # unless the words asked about are the document's own (2025年执行数)
            break
    weak = set(aliases()["weak"]) | set(aliases()["phrasings"])
    if any(m.surface not in weak for m in frame.mentions):
        frame.mentions = [m for m in frame.mentions if m.surface not in weak]
    frame.op = detect_op(q)
    if re.search(r"\d+\s*(辆|台|家)", q):
        frame.op = "count"  # 文件里说有5辆公务车…: the count the text states answers it
    frame.wants_text = bool(re.search(wording()["text"], q))
    frame.wants_figure = bool(re.search(wording()["figure"], q))
    if re.search(r"亿元", q):
        frame.unit = "亿元"
    elif re.search(r"万元|万块|以万为单位|换算成万|折合万", q):
        frame.unit = "万元"
    if frame.op in ("lookup", "count", "sum", "difference", "share", "multiple", "per_month"):
        frame.unknown = _unknown_term(_mask_tables(_mask_units(_mask_years(q), lexicon)), frame.mentions)
    _columns(frame)
    _part_and_whole(frame)
    _locator_first(frame)
    _figure_of_each(frame, doc)
    _paid_from(frame)
    _funds_of_three_public(frame)
    if (
        frame.op == "breakdown"
        and len(frame.mentions) >= 2
        and re.search(r"分别|各(是|为)?多少|各自", q)
        and not re.search(r"(花|用)在哪|哪几(方面|项|块)|哪些方面|各项分别", q)
    ):
        frame.op = "list"  # 人员经费和公用经费分别是多少: each figure, not the parts of the first
    if frame.op == "sum" and (
        _total_then_parts(frame) or _total_then_projects(frame) or _total_then_each(frame)
    ):
        frame.op = "breakdown"  # 三公经费一共多少？出国、公车、接待各多少: the total and its parts
    if frame.op == "sum" and re.search(_COUNTED_TOTAL, q):
        frame.op = "count"  # 一共有多少辆车: a count the text states, not a sum of what is named
    _whole_by_kinds(frame)
    _ranking(frame, q)
    _hints(frame, q)
    _followup(frame, q)
    if not frame.refuse:
        frame.refuse = _out_of_scope(frame, q, lexicon, doc)

    return frame


def _in_item(found: re.Match[str], frame: Frame) -> bool:
    """Whether refused words stand inside the name of an item the document prints (天气 in
    人工影响天气常年作业项目维持业务费): they name that item, not what the documents cannot answer."""
    size = found.end() - found.start()
    return any(
        m.start <= found.start() and found.end() <= m.end and m.end - m.start >= size + 4
        for m in frame.mentions
    )


def _defined(found: re.Match[str], q: str, doc: Document) -> bool:
    """Whether the words a refusal found are a term the question asks the meaning of and the budget's 名词解释
    defines (编制人数：指经政府编制管理部门核定的人员编制数), so the definition answers it."""
    glossary = doc.section("名词解释")
    if not glossary or not re.search(wording()["definition"], q):
        return False
    return bool(re.search(rf"(^|\n)\s*\S{{0,6}}?{re.escape(found.group())}\s*[：:]", glossary.text))


_UNIT_PREFIX = re.compile(r"^(上海市|上海|[\u4e00-\u9fff]{2}区)?(人民政府)?")


def unit_core(unit_name: str) -> str:
    """上海市普陀区人民政府万里街道办事处 → 万里街道办事处: the part of a unit's name people say."""
    core = _UNIT_PREFIX.sub("", normalise(unit_name))
    return re.sub(r"[(（].*?[)）]", "", core)


def unit_match(unit_name: str, q: str) -> int:
    """How many characters of a unit's name the question uses (≥3 in a row, or 0)."""
    core = unit_core(unit_name)
    if not core:
        return 0
    if normalise(unit_name) in q or core in q:
        return len(core)
    for size in range(len(core) - 1, 2, -1):
        if any(core[i : i + size] in q for i in range(len(core) - size + 1)):
            return size
    return 0


def _mask_units(q: str, lexicon: Lexicon) -> str:
    """The unit's own name is not a budget item (万里街道办事处的公务接待费)."""
    for name in lexicon.unit_names:
        for part in sorted({name, unit_core(name)}, key=len, reverse=True):
            if len(part) >= 3 and part in q:
                q = q.replace(part, "\0" * len(part))
    return q


_CLAIM = re.compile(r"\d[\d,.]*\s*(万元|亿元|元|辆|台|个|家)(?!以上|以下|（含）|\(含\))")


def _mask_claims(q: str) -> str:
    """A figure the question states (办公费是999元 / 既然专项有8300万元 / 有5辆车) is a claim, not a term; only a
    threshold (单价100万元以上) describes something."""
    return _CLAIM.sub(lambda m: "\0" * len(m.group()), q)


_TABLE_NAME = re.compile(
    r"(财务收支|收入|支出|财政拨款收支)预算总表|(一般公共预算|政府性基金预算?|国有资本经营预算?)?(支出)?功能分类(预算)?表"
    r"|(部门预算)?经济分类(预算)?表|三公经费(和机关运行经费)?(预算)?表"
)


def _mask_tables(q: str) -> str:
    """A table named in the question says where to look (table hints), it is not an item (支出预算总表里的项目支出)."""
    return _TABLE_NAME.sub(lambda m: "\0" * len(m.group()), q)


def _mask_years(q: str) -> str:
    # "2024年" must not be read as part of a name; keep positions stable
    return re.sub(r"20\d\d年度?", lambda m: "\0" * len(m.group()), q)


def _columns(frame: Frame) -> None:
    """Column words next to one row item pick its columns (卫生健康支出中人员经费 / 人员经费、公用经费各多少)."""
    cols = aliases()["columns"]
    rows = [m for m in frame.mentions if any(t.kind == "row" for t in m.targets) and m.surface not in cols]
    words = [m for m in frame.mentions if m.surface in cols and m not in rows]
    if len(rows) == 2 and locates(frame.question, rows[0], rows[1], adjacent=True):
        rows = rows[1:]  # 城乡社区管理事务行政运行的项目支出: the column is the inner row's
    if len(rows) != 1 or not words or words[0].start < rows[0].start:
        return
    if frame.op == "share" and (at := frame.question.find("占")) >= 0:
        words = [m for m in words if m.start < at]  # after 占 a column word names the whole, not a column
        if not words:
            return
    for m in words:
        frame.mentions.remove(m)
    names = [cols[m.surface] for m in words]
    if len(names) == 1 and frame.op != "share":
        frame.column = names[0]
    else:
        frame.row_columns = names


def locates(q: str, outer: Mention, inner: Mention, adjacent: bool = False) -> bool:
    """Whether the first of two terms only says where the second is: X中Y, X里的Y, X下面的Y, and with
    `adjacent` also XY (城乡社区管理事务行政运行, where the codes confirm it)."""
    gap = q[outer.end : inner.start]
    return (adjacent and gap in ("", "的")) or bool(
        re.fullmatch(r"中|里|当中|之中|中的|里的|里面|下面的?|下的|其中", gap)
    )


def _part_and_whole(frame: Frame) -> None:
    """三公经费中因公出国费占多少: both before 占, the whole first: the part is the one next to 占."""
    at = frame.question.find("占")
    if frame.op != "share" or at < 0 or len(frame.mentions) < 2:
        return
    before = [m for m in frame.mentions if m.end <= at]
    if len(before) >= 2:
        part, whole = before[-1], before[-2]
        gap = frame.question[whole.end : part.start]
        if gap.startswith("在") or len(gap) <= 8 and gap.endswith("在") or _within(frame.question, part, at):
            part, whole = whole, part  # 公务接待费在三公经费中占多少 / “政协会议”这一项在政协事务中占多少
        rest = [m for m in frame.mentions if m not in (part, whole)]
        if (again := _of_whole_again(frame.question, whole, part, rest, at)) is not None:
            part, whole, rest = whole, again, [m for m in rest if m is not again]  # X的三公经费占全部三公经费
        frame.mentions = [part, whole, *rest]


def _of_whole_again(q: str, owner: Mention, term: Mention, rest: list[Mention], at: int) -> Mention | None:
    """西郊监狱的三公经费占全部门三公经费: the term said of an owner (X的Y) and again after 占 is the whole;
    the owner's Y is the part. The repeated term after 占, else None."""
    if q[owner.end : term.start] != "的":
        return None
    return next((m for m in rest if m.start > at and m.surface == term.surface), None)


def _locator_first(frame: Frame) -> None:
    """一般公共预算支出里，委托业务费和差旅费哪个多 / 基本支出中的商品和服务支出各明细项: the first term only
    says where the ones reckoned with or broken down are."""
    least = {"sum": 3, "difference": 3, "multiple": 3, "breakdown": 2}.get(frame.op)
    if least is None or len(frame.mentions) < least:
        return
    first, second = frame.mentions[:2]
    gap = frame.question[first.end : second.start]
    if re.fullmatch(r"(中|里|当中|之中|里面)[，,]?的?", gap) or locates(frame.question, first, second):
        frame.mentions = frame.mentions[1:]


def _figure_of_each(frame: Frame, doc: Document) -> None:
    """东郊监狱和西郊监狱的收入预算加起来: a whole-budget figure said after two or more rows (A和B的Z) is the
    figure asked of each of them, not a further term of the sum."""
    if frame.op not in ("sum", "difference", "multiple") or len(frame.mentions) < 3:
        return
    *named, last = frame.mentions
    cells = [c for t in last.targets if t.kind == "concept" for c in t.cells]
    tables = [t for key, _, _ in cells if (t := doc.table(key)) is not None]
    if frame.question[named[-1].end : last.start] != "的" or not all(
        t.kind == "row" for m in named for t in m.targets
    ):
        return
    if not all(_has_row(tables, m) for m in named):  # no table lists that figure for each of them
        if cells and all(re.search(r"[总合]\]?计", pattern) for _, pattern, _ in cells):  # a whole's total
            names = "、".join(f"「{m.surface}」" for m in named)
            frame.refuse = f"文件没有按{names}分别列出「{last.surface}」"
        return  # never a row of another item (a unit's 三公) shown as its figure, nor added to the whole
    frame.mentions = named
    frame.table_hint = [key for key, _, _ in cells]  # each row in the table that holds the figure
    columns = {column for _, _, column in cells}
    if len(columns) == 1 and not columns & {"合计", "预算数"}:
        frame.column = columns.pop()  # 项目支出: that column of each row


def _has_row(tables: list[Table], mention: Mention) -> bool:
    keys = {t.key for t in mention.targets}
    return any(row_key(r.name) in keys for table in tables for r in table.rows)


def _paid_from(frame: Frame) -> None:
    """财政拨款用于政府购买服务的预算合计: the funds an item is paid from only qualify it; the item asked
    is the one after 用于, not a sum of both."""
    if frame.op not in ("lookup", "sum"):
        return
    q, pairs = frame.question, list(zip(frame.mentions, frame.mentions[1:], strict=False))
    paying = [m for m, n in pairs if re.fullmatch(r"(安排)?用于|安排的", q[m.end : n.start])]
    frame.mentions = [m for m in frame.mentions if m not in paying]


_FUNDS = re.compile(r"(一般公共预算|财政)(拨款)?(预算)?")
# what the 三公 tables print: 三公 and its parts, and the 会议费 and 培训费 printed beside them
_THREE_PUBLIC = re.compile(r"三公|因公出国|公务接待|公务用车|会议费|培训费")


def _funds_of_three_public(frame: Frame) -> None:
    """财政拨款“三公”经费预算一共多少, 一般公共预算安排的会议费和培训费: the 三公 tables report only what the
    budget's funds pay, so the funds named right before 三公 (or a part, 会议费, 培训费) qualify it; the item
    asked is that one, not the funds as a whole."""
    q, pairs = frame.question, list(zip(frame.mentions, frame.mentions[1:], strict=False))
    funds = [
        m
        for m, n in pairs
        if _FUNDS.fullmatch(m.surface)
        and _THREE_PUBLIC.match(n.surface)
        and re.fullmatch(r"(安排的?)?", q[m.end : n.start])
    ]
    frame.mentions = [m for m in frame.mentions if m not in funds]


def _within(q: str, m: Mention, at: int) -> bool:
    """Whether a term is where the share is taken (…有多少？在三公经费里占多大比例): 在X里占, 在X中所占."""
    return q[m.start - 1 : m.start] == "在" and bool(
        re.fullmatch(r"(中|里|当中|之中|里面)?所?", q[m.end : at])
    )


def _total_then_parts(frame: Frame) -> bool:
    """The first term asked in total (X一共多少), the others each (A、B各多少): a total and its parts, not a sum."""
    q, first = frame.question, frame.mentions[0] if frame.mentions else None
    if first is None or len(frame.mentions) < 2 or not re.search(r"各(是|为|有|自)?多少|分别", q):
        return False
    return bool(re.match(r"(的|是)?(一共|总共|合计|共计?)(是|有|为)?多少", q[first.end :]))


def _total_then_each(frame: Frame) -> bool:
    """One term asked in total, then each of its items unnamed (三公经费一共多少？各项分别多少): its breakdown."""
    return len(frame.mentions) == 1 and bool(re.search(r"各项|每一?项|各部分|各自", frame.question))


_COUNTED_TOTAL = r"(一共|总共|共计?)(有|是)?(多少|几)(辆|台|个|家)"


def _whole_by_kinds(frame: Frame) -> None:
    """政府采购预算一共多少？货物、工程、服务各多少: a whole asked with the kinds it is counted by
    (`[categories]` of its table) asks for its breakdown by kind; a kind read as a row (服务C) is one of them."""
    q, kinds = frame.question, aliases()["categories"]
    for m in frame.mentions:
        tables = [c[0] for t in m.targets if t.kind == "concept" for c in t.cells]
        words = "|".join(k for key in tables for k in kinds.get(key, {}))
        after = q[m.end :]
        if not words or not re.search(words, after) or not re.search(r"各|分别|构成|组成|哪", after):
            continue
        spans = [(w.start(), w.end()) for w in re.finditer(words, q)]
        rest = [
            o for o in frame.mentions if o is not m and not any(o.start < e and b < o.end for b, e in spans)
        ]
        frame.mentions = [m, *rest]
        if (
            "占" not in after
        ):  # 货物和服务各占多少: each kind with its share (the parts the engine finds named)
            frame.op = "breakdown"
        return


def _total_then_projects(frame: Frame) -> bool:
    """One term asked in total, then its projects each (专项业务经费总共多少？都安排了哪些项目，各是多少): its
    breakdown by project, not a sum of one."""
    q = frame.question
    return len(frame.mentions) == 1 and bool(
        re.search(wording()["projects"], q) and re.search(r"各|分别|每一?个项目", q)
    )  # 每个项目多少钱: each project's figure


def _ranking(frame: Frame, q: str) -> None:
    if re.search(r"最少|最小|最低|倒数", q):
        frame.order = "min"
    elif re.search(r"最多|最大|最高|排名|排序|前[一二三四五六七八九十\d]+|第一[多大高名位]|哪", q):
        frame.order = "max"
    if m := re.search(r"倒数第([一二三四五六七八九十\d])", q):
        frame.nth = int(m.group(1)) if m.group(1).isdigit() else _CN_NUM.get(m.group(1))
        frame.order, frame.op = "min", "rank"
    elif m := re.search(
        r"第([二三四五六七八九十\d])(多|大|高|少|小|低|名|位)|排第([二三四五六七八九十\d])"
        r"|^(?:那|那么)?第([二三四五六七八九十\d])(?:名|位|个|项)?呢?[?？]?$",
        q,
    ):
        n = next(g for g in (m.group(1), m.group(3), m.group(4)) if g)
        frame.nth = int(n) if n.isdigit() else _CN_NUM.get(n)
        frame.op = "rank" if frame.op in ("lookup", "count") else frame.op
    if m := re.search(r"前([一二三四五六七八九十两\d]+)", q):
        n = m.group(1)
        frame.top = int(n) if n.isdigit() else _CN_NUM.get(n, 3)
    if m := re.search(r"(类|款|项)级", q):
        frame.level = _LEVELS[m.group(1)]
    elif re.search(r"(哪一?|每一?|各|按|个|几)类|大类", q):
        frame.level = 1


def _hints(frame: Frame, q: str) -> None:
    for word, key in (
        ("经济分类", "economic"),
        ("功能分类", "general_function"),
        ("三公", "three_public"),
        ("财务收支", "financial_summary"),
        ("收入预算总表", "income_summary"),
        ("支出预算总表", "expenditure_summary"),
        ("财政拨款收支", "fiscal_summary"),
        ("收入", "income_summary"),
        ("财政拨款", "fiscal_summary"),
        ("一般公共预算", "general_function"),
        ("基本支出", "economic"),
    ):
        if word in q and key not in frame.table_hint:
            frame.table_hint.append(key)


def _followup(frame: Frame, q: str) -> None:
    if re.search(r"两者|二者|这两|两项|它们|他们|两个|前两|上述|前者|后者", q):
        frame.followup = "pair"
        frame.reverse = q.find("后者") >= 0 and (q.find("前者") < 0 or q.find("后者") < q.find("前者"))
    elif re.search(r"^其中|其中.{0,10}呢", q):
        frame.followup = "child"
    elif re.search(r"^(那|那么|那个|还有|再看|再问)|呢[?？]?$", q) and frame.mentions:
        frame.followup = "other-item"
    elif not frame.mentions and re.search(r"换算|折合|万元|亿元|多少元", q) and len(q) < 16:
        frame.followup = "convert"
    elif (
        not frame.mentions
        or re.search(r"^(占|是|它|它们|这项|这个|该项|其)", q)
        or (
            len(frame.mentions) == 1
            and frame.op in ("difference", "multiple", "share", "sum")
            and re.match(r"^(比|和|与|跟|占|是|加|再加|减)", q)
        )
    ):
        frame.followup = "reuse"


_TERM = re.compile(
    r"((?:(?![哪中的和与按类个各几最多少是占比有没那么请问里在对其些排要于主之类])[\u4e00-\u9fff]){1,8}?"
    r"(费|支出|经费|收入|补助|补贴|资金|缴费))"
)


def _unknown_term(q: str, mentions: list[Mention]) -> str:
    """An item-like term (…费, …支出) that no mention covers: the document does not have it."""
    covered = [False] * len(q)
    for m in mentions:
        for i in range(m.start, min(m.end, len(q))):
            covered[i] = True
    for m in _TERM.finditer(q):
        if "\0" in m.group(1):
            continue
        term = re.sub(r"^(那|那么|还有|请问|预算里有没有|有没有|是否有|的)", "", m.group(1))
        if len(term) >= 3 and not any(covered[m.start() : m.end()]) and term not in GENERIC_WORDS:
            return term
    return ""


def _out_of_scope(frame: Frame, q: str, lexicon: Lexicon, doc: Document) -> str:
    """A year this document cannot speak for (units the index does not hold are refused by scope)."""
    other_years = [y for y in frame.years if y not in (doc.year, doc.year - 1)]
    if other_years:
        return f"文件是{doc.year}年预算，不含{other_years[0]}年的数字"
    return ""
