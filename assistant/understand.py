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
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from assistant.records import Document

DATA = Path(__file__).parent / "data"
_ORDINAL_PREFIX = re.compile(r"^([一二三四五六七八九十]+、|\d+[、.．]|（[一二三四五六七八九十\d]+）)\s*")
_GENERIC = {
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


@cache
def aliases() -> dict[str, Any]:
    return tomllib.loads((DATA / "aliases.toml").read_text(encoding="utf-8"))


@cache
def _t2s() -> Any:
    from opencc import OpenCC

    return OpenCC("t2s")


def normalise(text: str) -> str:
    """Full-width → half-width, traditional → simplified, lower case, no spaces or quotes."""
    text = unicodedata.normalize("NFKC", text)
    text = _t2s().convert(text)
    text = re.sub(r"[\s“”\"'‘’「」《》<>]", "", text.lower())
    return text


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
    years: list[int] = field(default_factory=list)
    followup: str = ""  # "other-item" | "pair" | "convert" | "child" | "" …
    whole_index: int | None = None  # for shares: which mention is the whole

    def to_dict(self) -> dict[str, Any]:
        return {
            "op": self.op,
            "mentions": [m.surface for m in self.mentions],
            "column": self.column,
            "unit": self.unit,
            "order": self.order,
            "followup": self.followup,
        }


class Lexicon:
    """Surface words → targets, for one document."""

    def __init__(self, doc: Document):
        spec = aliases()
        self.surfaces: dict[str, list[Target]] = {}
        self.row_names: set[str] = set()
        for table in doc.tables:
            for row in table.rows:
                key = row_key(row.name)
                if key and key not in ("合计", "收入总计", "支出总计"):
                    self.row_names.add(key)
                    self._add(key, Target("row", key))
            if len(table.columns) > 3 and table.key == "three_public":
                for col in table.columns[1:]:
                    self._add(
                        normalise(col), Target("concept", normalise(col), ((table.key, "^合计$", col),))
                    )
        for fact in doc.text_facts:
            label = normalise(fact.row_name)
            if len(label) >= 3:
                self._add(label, Target("text", label))
        for surface, cells in spec["concepts"].items():
            parsed = tuple(tuple(part.strip() for part in c.split("|")) for c in cells)
            self._add(normalise(surface), Target("concept", normalise(surface), parsed))  # type: ignore[arg-type]
        for surface, name in spec["rows"].items():
            key = row_key(name)
            if key in self.surfaces:
                for target in self.surfaces[key]:
                    self._add(normalise(surface), target)
        self.ordered = sorted(self.surfaces, key=len, reverse=True)
        self.by_first: dict[str, list[str]] = {}
        for surface in self.ordered:
            self.by_first.setdefault(surface[0], []).append(surface)
        self.partial_names = self.row_names | {normalise(f.row_name) for f in doc.text_facts}
        self.units = {normalise(doc.unit_name)} if doc.unit_name else set()
        self.full_text = normalise("".join(line for line in doc.lines if line))

    def _add(self, surface: str, target: Target) -> None:
        bucket = self.surfaces.setdefault(surface, [])
        if target not in bucket:
            bucket.append(target)

    def find(self, text: str) -> list[Mention]:
        """Leftmost-longest matches; then one-typo and partial matches in what is left."""
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
            if hit is None:
                i += 1
                continue
            found.append(Mention(hit, self.surfaces[hit], i, i + len(hit)))
            for j in range(i, i + len(hit)):
                taken[j] = True
            i += len(hit)
        found += self._fuzzy(text, taken)
        return sorted(found, key=lambda m: m.start)

    @staticmethod
    def _plausible(text: str, surface: str, start: int) -> bool:
        # bare 收入 / 支出 name the whole budget only when nothing item-like stands right before them
        if surface in ("收入", "支出") and start > 0:
            return bool(re.search(r"(总|年|的|位|算|门|室|本|请问|问|是|看)$", text[:start]))
        return True

    def _fuzzy(self, text: str, taken: list[bool]) -> list[Mention]:
        out: list[Mention] = []
        for surface in self.ordered:
            n = len(surface)
            if n < 3 or surface in _GENERIC:
                continue
            for start in range(0, len(text) - n + 1):
                if any(taken[start : start + n]):
                    continue
                window = text[start : start + n]
                diff = sum(1 for a, b in zip(window, surface, strict=True) if a != b)
                if diff == 1 and n >= 4 or (diff == 1 and n == 3 and window[:2] == surface[:2]):
                    out.append(Mention(surface, self.surfaces[surface], start, start + n, fuzzy=True))
                    for i in range(start, start + n):
                        taken[i] = True
                    break
        if out:
            return out
        return self._partial(text, taken)

    def _partial(self, text: str, taken: list[bool]) -> list[Mention]:
        """A distinctive part of a row name (≥4 characters, not generic words) stands for the row."""
        free = "".join(ch if not t else "\0" for ch, t in zip(text, taken, strict=True))
        best: tuple[int, str, int] | None = None
        for name in self.partial_names:
            for size in range(min(len(name), len(free)), 3, -1):
                if best and size <= best[0]:
                    break
                hit = next(
                    (
                        free.find(name[i : i + size])
                        for i in range(len(name) - size + 1)
                        if name[i : i + size] not in _GENERIC and free.find(name[i : i + size]) >= 0
                    ),
                    -1,
                )
                if hit >= 0:
                    best = (size, name, hit)
                    break
        if best is None:
            return []
        size, name, hit = best
        targets = self.surfaces.get(name) or [Target("text", name)]
        return [Mention(name, targets, hit, hit + size, fuzzy=True)]


# Operations, read from the wording (first match wins, in this order).
_OPS: list[tuple[str, str]] = [
    ("balance", r"(收支|收入和支出|收入与支出).{0,4}(平衡|相等|一致|持平)"),
    (
        "prior",
        r"(比|较|相比|对比|与)(去年|上年|上一年|20\d\d年?).{0,8}(增|减|多|少|变化|持平|涨|降)|"
        r"(增加|减少|增长|下降|变化|持平)(了)?(多少|还是|吗|情况)|同比|较上年|比上年",
    ),
    ("share", r"占.{0,24}(比例|比重|百分|多少|几成|%|份额|占比)|占比|比例|比重|百分之|百分比|%"),
    ("multiple", r"几倍|多少倍|倍数|是.{1,20}的几"),
    (
        "difference",
        r"相差|差额|差多少|差距|多多少|少多少|多出|少了多少|高多少|低多少|多几|相比.{0,4}多|比.{1,20}(多|少)",
    ),
    ("sum", r"一共|总共|合计|加起来|加在一起|之和|总和|共计|加上|\+|合起来|总计是多少|两项.{0,4}和"),
    (
        "rank",
        r"最多|最少|最大|最小|最高|最低|排名|排序|前[一二三四五六七八九十\d]+|第一|哪[一个项类款]+.{0,6}(多|少|大|小|高|低)",
    ),
    (
        "breakdown",
        r"包括|包含|由哪些|哪些部分|构成|组成|明细|细分|分项|有哪些|分别|结构|具体.{0,4}(项|内容)|下设|下属科目",
    ),
    ("per_month", r"每月|每个月|平均每月|月均"),
    ("count", r"几个|多少个|几辆|多少辆|几台|多少台|几项|多少项|数量|几家"),
]
_TEXT = (
    r"什么是|是什么|指什么|指的是|含义|定义|意思|解释|概念|职能|职责|负责|做什么|干什么|干嘛|任务|"
    r"主要用于|用于什么|用途|用在|原因|为什么|为何|机构设置|内设机构|设置了|内设|如何|怎么|怎样|哪些方面|作用"
)
_FIGURE = r"多少|金额|数额|预算数|预算额|几|钱|万元|元|数字|规模|安排了|比例|占比|合计|总额"
_REFUSE: list[tuple[str, str]] = [
    ("决算", "文件是预算，不含决算或实际执行数"),
    ("执行数|执行情况|实际支出|实际花|实际使用|花了多少", "文件是预算，不含实际执行数"),
    ("地址|电话|联系方式|邮编|网址|邮箱|在哪里办公|在哪办公|怎么去|位置在", "文件不含联系方式或地址"),
    (
        "笑话|天气|股票|基金净值|彩票号码|写诗|写一首|作诗|写代码|编程|写一篇|写篇|小说|讲个故事|唱歌|翻译成",
        "这超出了预算文件的范围",
    ),
    (
        "局长|主任是谁|领导是谁|负责人是谁|叫什么名字|姓名|谁是|人员名单|几个人|多少人|编制人数|员工人数|在职人数",
        "文件不含人员信息",
    ),
    ("^(你好|您好|hi|hello|在吗|谢谢|再见)[!！。.?？]*$", "你好！我可以回答本预算文件中的问题"),
    ("你是谁|你叫什么|你能做什么", "我是预算问答，只回答已收录预算文件中的问题"),
]
_ORG = re.compile(
    r"([\u4e00-\u9fff]{2,14}?(局|委员会|委|厅|办公室|中心|研究院|学院|学校|医院|公司|政府|街道|法院|检察院))"
)
_LEVELS = {"类": 1, "款": 2, "项": 3}
_CN_NUM = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def translate_english(text: str) -> str:
    """English terms → the Chinese words the lexicon knows (longest first)."""
    lowered = text.lower()
    if not re.search(r"[a-z]{3,}", lowered):
        return text
    for phrase, zh in sorted(aliases()["english"].items(), key=lambda kv: len(kv[0]), reverse=True):
        lowered = lowered.replace(phrase, f" {zh} ")
    return lowered


def detect_op(q: str) -> str:
    for op, pattern in _OPS:
        if re.search(pattern, q):
            return op
    return "lookup"


def understand(
    question: str, lexicon: Lexicon, doc: Document, text_mentions: set[str] | None = None
) -> Frame:
    """One question → a frame; conversation context is applied later by the engine."""
    q = normalise(translate_english(question))
    frame = Frame(q)
    frame.years = [int(y) for y in re.findall(r"(20\d\d)", q)]
    for pattern, reason in _REFUSE:
        if re.search(pattern, q):
            frame.refuse = reason
            break
    frame.mentions = lexicon.find(_mask_years(q))
    frame.op = detect_op(q)
    frame.wants_text = bool(re.search(_TEXT, q))
    frame.wants_figure = bool(re.search(_FIGURE, q))
    if re.search(r"亿元", q):
        frame.unit = "亿元"
    elif re.search(r"万元|万块|以万为单位|换算成万|折合万", q):
        frame.unit = "万元"
    _columns(frame)
    _ranking(frame, q)
    _hints(frame, q)
    _followup(frame, q)
    if not frame.refuse:
        frame.refuse = _out_of_scope(frame, q, lexicon, doc)
    return frame


def _mask_years(q: str) -> str:
    # "2024年" must not be read as part of a name; keep positions stable
    return re.sub(r"20\d\d年度?", lambda m: "\0" * len(m.group()), q)


def _columns(frame: Frame) -> None:
    """A column word next to a row item picks that column (卫生健康支出中人员经费)."""
    cols = aliases()["columns"]
    rows = [m for m in frame.mentions if any(t.kind == "row" for t in m.targets)]
    if not rows:
        return
    for m in list(frame.mentions):
        name = cols.get(m.surface)
        if name and m not in rows and frame.op in ("lookup", "rank", "breakdown", "sum", "difference"):
            frame.column = name
            frame.mentions.remove(m)
            return


def _ranking(frame: Frame, q: str) -> None:
    if re.search(r"最少|最小|最低|倒数", q):
        frame.order = "min"
    elif re.search(r"最多|最大|最高|排名|排序|前[一二三四五六七八九十\d]+|第一|哪", q):
        frame.order = "max"
    if m := re.search(r"前([一二三四五六七八九十两\d]+)", q):
        n = m.group(1)
        frame.top = int(n) if n.isdigit() else _CN_NUM.get(n, 3)
    if m := re.search(r"(哪一?|每一?|各|按)([类款项])", q):
        frame.level = _LEVELS[m.group(2)]
    elif m := re.search(r"(类|款|项)级", q):
        frame.level = _LEVELS[m.group(1)]


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
    if re.search(r"两者|二者|这两|两项|它们|他们|两个|前两|上述", q):
        frame.followup = "pair"
    elif re.search(r"^(那|那么|那个|还有|再看|再问)|呢[?？]?$", q) and frame.mentions:
        frame.followup = "other-item"
    elif re.search(r"^其中|其中.{0,10}呢", q):
        frame.followup = "child"
    elif not frame.mentions and re.search(r"换算|折合|万元|亿元|多少元", q) and len(q) < 16:
        frame.followup = "convert"
    elif not frame.mentions or re.search(r"^(占|是)", q):
        frame.followup = "reuse"


def _out_of_scope(frame: Frame, q: str, lexicon: Lexicon, doc: Document) -> str:
    full = lexicon.full_text
    for m in _ORG.finditer(q):
        org = m.group(1)
        org = re.sub(r"^(这个|那个|请问|本|该|贵)", "", org)
        if len(org) >= 4 and org not in full and not any(org in u for u in lexicon.units):
            return f"文件只涉及{doc.unit_name}，不含「{org}」的预算"
    other_years = [y for y in frame.years if y not in (doc.year, doc.year - 1)]
    if other_years:
        return f"文件是{doc.year}年预算，不含{other_years[0]}年的数字"
    return ""
