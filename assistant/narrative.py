"""Facts the narrative states: 政府采购预算91.96万元, 编报绩效目标的项目共2个, 比2023年预算增加11万元 …

Each figure with a unit becomes a `Fact` marked as coming from the text, labelled by the words before it in
its clause, with the sentence kept as the quote. A change against the prior year (比2023年预算增加11万元,
与2023年预算持平) is kept as a fact about the item just named.
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal

from assistant.records import Fact

_FIGURE = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*(万元|亿元|元|个|辆|台（套）|台\(套\)|台|套|家|人)")
# the prior year by number (比2023年) or by word (比上年, 与上年相比, 较上一年度); the word means the year before
_PRIOR = r"(20\d\d年|上一?年|去年)度?"
# the item may be named again before the verb (比2025年财政拨款“三公”经费预算增加), or the year's first budget
# (not an outturn, 比上年执行数增加, nor a loose 与上年基本持平)
_AGAIN = r"(?:预算执行数|(?:(?!执行|决算|基本)[\u4e00-\u9fff“”\"]){0,14}?)"
# 和 only where 相比 follows the year (和2025年相比预算减少), not where it joins two items
_WITH = r"(?:比|较|与|和(?=(?:20\d\d年|上一?年)度?相比))"
_FALL = ("减少", "下降", "减低", "降低")
_CHANGE = re.compile(rf"{_WITH}{_PRIOR}{_AGAIN}(?:相比)?(增加|增长|{'|'.join(_FALL)})")
_FLAT = re.compile(rf"{_WITH}{_PRIOR}{_AGAIN}(?:相比)?(?:持平|一致|相同|无增减|没有变化|无变化)")
# words that only say "the budget" (2026年预算安排5.00万元): the item is the heading printed just before
_GENERIC = re.compile(r"(本年|当年)?(预算)?(安排|预算数?|支出|数)?")
_LEAD = re.compile(
    r"^(其中|包括)?[:：]?\s*(\d+[.．、]|（[一二三四五六七八九十\d]+）|[一二三四五六七八九十]+、)?\s*"
    r"(截至20\d\d年\d+月\d+日)?(20\d\d年度?)?[，,]?"
)
_TRAIL = re.compile(r"(共有|共计|共|合计|为|是|达到?)$")


def _clean_label(label: str, unit_name: str) -> str:
    label = re.sub(
        r"(?<=[\u4e00-\u9fff]) +(?=[\u4e00-\u9fff\d])|(?<=\d) +(?=[\u4e00-\u9fff])", "", label.strip()
    )
    if label[:1] in "（(" and not re.search(r"[）)]", label):
        label = label[1:]  # （公务用车购置费0万元: a list opened in brackets
    label = _LEAD.sub("", label)
    if unit_name:
        label = label.replace(unit_name, "")
        label = re.sub(r"^\s*20\d\d\s*年度?", "", label)  # 苏州市审计局 2026 年度…: the year after the name
    label = re.sub(r"^(本单位|本部门|单位|部门)", "", label)
    label = label.replace("“", "").replace("”", "").replace("科目", "")
    label = re.sub(r"[（(][类款项][）)]", "", label)  # 住房保障（类）支出 is the 住房保障支出 of the tables
    label = re.sub(r"^(共有|共)", "", label)
    return _TRAIL.sub("", label).strip("，,：: ")


def _sentences(text: str) -> list[str]:
    """Sentences end at 。；; outside brackets: a list inside （…；…） stays in the sentence that opens it,
    so the quote of 公务用车购置及运行维护费0万元（公务用车购置费0万元；公务用车运行维护费0万元） names both parts."""
    out, start, depth = [], 0, 0
    for i, ch in enumerate(text):
        depth += (ch in "（(") - (ch in "）)" and depth > 0)
        if ch in "。；;" and (depth == 0 or ch == "。"):
            out.append(text[start : i + 1])
            start, depth = i + 1, 0
    out.append(text[start:])
    return [s for s in out if s.strip()]


def section_facts(
    doc_id: str, unit_name: str, year: int, section: str, body: list[tuple[int, str]]
) -> list[Fact]:
    """The figures stated in one narrative section's logical lines ((0-based line, text) pairs)."""
    facts: list[Fact] = []
    heading = ""
    found: list[Fact] = []  # the last sentence's facts: a reason printed after them joins their quote
    for start, text in _continued(body):
        for sentence in _sentences(text):
            if _continues_reason(sentence.strip(), found):
                facts[-len(found) :] = found = _with_reason(found, sentence.strip())
                if not _FIGURE.search(sentence):
                    continue  # 一是…；二是…: the next points of the reason join it too
            carried = found[0].row_name if found and not found[0].column else ""
            found = _sentence_facts(
                doc_id, unit_name, year, section, start + 1, sentence.strip(), heading, carried
            )
            if not found and not _FIGURE.search(sentence):
                heading = _heading(sentence, unit_name)
            facts += found
    return facts


# a sentence that only gives the reason for the change stated just before it (主要是本年较上年增加两人)
# (预算收支减少主要原因说明：一是…), or a further point of it (二是…)
_REASON = re.compile(
    r"^((这|其)?主要(原因)?(是|为|由于|系)|[^，。；]{0,10}?主要原因(说明)?(是|为)?[:：]|[二三四五六七八九十]是)"
)


def _continues_reason(sentence: str, found: list[Fact]) -> bool:
    """Whether a sentence gives (or goes on giving) the reason for the change stated just before it: 主要是…,
    二是…, or the next numbered point of a reason listed from 1 (主要原因说明：1.…；2.新增…), not the next
    numbered item of the text (4.…增长的主要原因是：…；5.机关事业单位…)."""
    changes = [f.quote for f in found if f.column]
    if not changes:
        return False
    point = re.match(r"(\d+)\s*[.．、]", sentence)
    return bool(_REASON.match(sentence) or (point and any(_listed_reason(q, int(point[1])) for q in changes)))


def _listed_reason(quote: str, n: int) -> bool:
    """Whether a quote opens a reason numbered from 1 and its last point is n − 1."""
    opened = re.search(r"原因[^。]*?[:：]\s*1\s*[.．、]", quote)
    points = re.findall(r"(?:^|[：:；;。]\s*)(\d+)\s*[.．、]", quote[opened.start() :]) if opened else []
    return bool(points) and int(points[-1]) == n - 1


def _with_reason(found: list[Fact], reason: str) -> list[Fact]:
    """The change facts of a sentence quoted with the reason the next sentence gives."""
    return [replace(f, quote=f.quote + reason) if f.column else f for f in found]


def _continued(body: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Lines ending in a colon continue on the next one (下降的主要原因是：/ 市级单位统一调整…), so the
    sentence that states a change keeps its reason."""
    out: list[tuple[int, str]] = []
    for start, text in body:
        if out and re.search(r"(原因|主要)[是为]?[:：]\s*$", out[-1][1]):
            out[-1] = (out[-1][0], out[-1][1].rstrip() + text.strip())
        else:
            out.append((start, text))
    return out


def _heading(sentence: str, unit_name: str) -> str:
    """A short sentence without figures that names an item ((二)公务接待费, 2.公务接待费。), else ""."""
    label = _clean_label(sentence.strip().rstrip("。；;"), unit_name)
    return label if 2 <= len(label) <= 16 and re.search(r"费|经费|支出|收入", label) else ""


_COUNTERS = ("个", "辆", "台（套）", "台", "套", "家", "人")


def _counted_noun(rest: str) -> str:
    """The noun right after a count (5 家「预算单位」的…), if any."""
    m = re.match(r"\s*([\u4e00-\u9fff]{2,8}?)(?=的|$|[，。；、,（(])", rest)
    return m.group(1) if m else ""


def _sentence_facts(
    doc_id: str,
    unit_name: str,
    year: int,
    section: str,
    line: int,
    sentence: str,
    heading: str = "",
    carried: str = "",
) -> list[Fact]:
    """The facts of one sentence; `carried` is the item the sentence before stated a figure for, which a
    sentence opening with a change (与上年相比增加2627.95万元) is about."""
    facts: list[Fact] = []

    def add(label: str, column: str, value: Decimal, unit: str) -> None:
        facts.append(_fact(doc_id, unit_name, year, section, label, column, value, unit, line, sentence))

    subject = ""
    for clause in re.split(r"[，、：:；;]|,(?!\d{3})", sentence.rstrip("。；;")):
        squeezed_clause = re.sub(r"\s", "", clause)
        if flat := _FLAT.search(squeezed_clause):
            subject = _flat_subject(squeezed_clause[: flat.start()], unit_name) or subject
        if flat and subject:
            add(subject, f"比{_prior_year(flat.group(1), year)}年预算增减", Decimal(0), "万元")
            continue
        label_start = 0
        for m in _FIGURE.finditer(clause):
            after = clause[m.end() : m.end() + 4]
            if after.startswith(("（含）", "(含)", "以上", "以下")):
                continue  # a threshold (单价100万元以上), not a figure
            raw_label = clause[label_start : m.start()]
            label_start = m.end()
            value = Decimal(m.group(1).replace(",", ""))
            unit = m.group(2).replace("(套)", "（套）")
            squeezed = re.sub(r"\s", "", raw_label)
            change = _CHANGE.search(squeezed)
            named = _clean_label(squeezed[: change.start()], unit_name) if change else ""
            if change and named and not _GENERIC.fullmatch(named):
                subject = named  # 2026年“三公”经费预算较2025年减少1.75万元: the item named in the clause
            elif change and not subject and named == "预算":
                subject = named  # 2026年预算比2025年预算增加50.32万元: the budget as a whole
            elif change and not subject and not named and not facts and carried:
                subject = carried  # …支出7344.46万元，主要用于…。与上年相比增加2627.95万元
            if change and subject:
                sign = Decimal(-1) if change.group(2) in _FALL else Decimal(1)
                add(subject, f"比{_prior_year(change.group(1), year)}年预算增减", sign * value, unit)
                continue
            if _other_year(squeezed, year):
                continue  # 2025年预算数为9.23万元: last year's figure, not this year's under its name
            label = _clean_label(raw_label, unit_name)
            if unit in _COUNTERS:  # 下属5家预算单位: what is counted often follows the figure
                label = re.split(r"包括|以及|及|和|下设|下辖|设有", label)[-1] + _counted_noun(
                    clause[m.end() :]
                )
            if heading and label and _GENERIC.fullmatch(label):
                label = heading  # （二）公务接待费 / 2026年预算安排5.00万元
            if not label or re.fullmatch(r"[\d\s.,]*", label):
                continue
            subject = label
            add(label, "", value, unit)
    return facts


def _flat_subject(before: str, unit_name: str) -> str:
    """The item a flat clause names before its verb (2025年“三公”经费预算与2024年持平 → 三公经费预算), or ""
    when the words only say "the budget" or hold a figure (then the item is the one named before)."""
    named = _clean_label(before, unit_name)
    return "" if not named or _GENERIC.fullmatch(named) or _FIGURE.search(before) else named


def excerpt(quote: str, value: Decimal, unit: str) -> str:
    """The clause of a sentence that states one figure (…培训费3.98万元…), so that a sentence listing many
    figures does not crowd an answer citing one of them; the whole sentence when it states only that one."""
    clauses = re.split(r"(?<=[，；;。])|(?<=,)(?!\d{3})", quote)
    hits = [c for c in clauses if any(_states(m, value, unit) for m in _FIGURE.finditer(c))]
    if len(_FIGURE.findall(quote)) <= 1 or len(hits) != 1:
        return quote
    at = quote.index(hits[0])
    part = hits[0].rstrip("，,；;。").strip()
    return ("…" if at else "") + part + ("…" if at + len(hits[0]) < len(quote.rstrip("。")) else "")


def _states(m: re.Match[str], value: Decimal, unit: str) -> bool:
    return m.group(2) == unit and Decimal(m.group(1).replace(",", "")) == value


def _other_year(label: str, year: int) -> bool:
    """Whether a figure's words open with a year other than the budget's own (2025年预算数为)."""
    m = re.match(r"(?:其中|包括)?[:：]?(20\d\d)年", label)
    return bool(m) and int(m.group(1)) != year


def _prior_year(named: str, year: int) -> str:
    """The year a change is stated against: 2023年 → 2023; 上年 / 上一年 → the budget's year before."""
    return named[:4] if named[:1].isdigit() else str(year - 1)


def _fact(doc_id, unit_name, year, section, label, column, value, unit, line, quote) -> Fact:  # noqa: ANN001
    return Fact(doc_id, unit_name, year, section, "", label, 0, column, value, unit, line, "text", quote)
