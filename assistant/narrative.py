"""Facts the narrative states: 政府采购预算91.96万元, 编报绩效目标的项目共2个, 比2023年预算增加11万元 …

Each figure with a unit becomes a `Fact` marked as coming from the text, labelled by the words before it in
its clause, with the sentence kept as the quote. A change against the prior year (比2023年预算增加11万元,
与2023年预算持平) is kept as a fact about the item just named.
"""

from __future__ import annotations

import re
from decimal import Decimal

from assistant.records import Fact

_FIGURE = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*(万元|亿元|元|个|辆|台（套）|台\(套\)|台|套|家|人)")
# the prior year by number (比2023年) or by word (比上年, 与上年相比, 较上一年度); the word means the year before
_PRIOR = r"(20\d\d年|上一?年)度?"
_CHANGE = re.compile(rf"(?:比|较|与){_PRIOR}(?:预算执行数|预算数?|数)?(?:相比)?(增加|减少|增长|下降)")
_FLAT = re.compile(rf"[与比]{_PRIOR}(?:预算执行数|预算数?|数)?(?:持平|一致|相同)")
_LEAD = re.compile(
    r"^(其中|包括)?[:：]?\s*(\d+[.．、]|（[一二三四五六七八九十\d]+）|[一二三四五六七八九十]+、)?\s*"
    r"(截至20\d\d年\d+月\d+日)?(20\d\d年度?)?[，,]?"
)
_TRAIL = re.compile(r"(共有|共计|共|合计|为|是|达到?)$")


def _clean_label(label: str, unit_name: str) -> str:
    label = _LEAD.sub("", label.strip())
    if unit_name:
        label = label.replace(unit_name, "")
        label = re.sub(r"^\s*20\d\d\s*年度?", "", label)  # 苏州市审计局 2026 年度…: the year after the name
    label = re.sub(r"^(本单位|本部门|单位|部门)", "", label)
    label = label.replace("“", "").replace("”", "").replace("科目", "")
    label = re.sub(r"^(共有|共)", "", label)
    return _TRAIL.sub("", label).strip("，,：: ")


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[。；;])", text) if s.strip()]


def section_facts(
    doc_id: str, unit_name: str, year: int, section: str, body: list[tuple[int, str]]
) -> list[Fact]:
    """The figures stated in one narrative section's logical lines ((0-based line, text) pairs)."""
    facts: list[Fact] = []
    for start, text in body:
        for sentence in _sentences(text):
            facts += _sentence_facts(doc_id, unit_name, year, section, start + 1, sentence.strip())
    return facts


_COUNTERS = ("个", "辆", "台（套）", "台", "套", "家", "人")


def _counted_noun(rest: str) -> str:
    """The noun right after a count (5 家「预算单位」的…), if any."""
    m = re.match(r"\s*([\u4e00-\u9fff]{2,8}?)(?=的|$|[，。；、,（(])", rest)
    return m.group(1) if m else ""


def _sentence_facts(
    doc_id: str, unit_name: str, year: int, section: str, line: int, sentence: str
) -> list[Fact]:
    facts: list[Fact] = []

    def add(label: str, column: str, value: Decimal, unit: str) -> None:
        facts.append(_fact(doc_id, unit_name, year, section, label, column, value, unit, line, sentence))

    subject = ""
    for clause in re.split(r"[，、：:]|,(?!\d{3})", sentence.rstrip("。；;")):
        if (flat := _FLAT.search(re.sub(r"\s", "", clause))) and subject:
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
            change = _CHANGE.search(re.sub(r"\s", "", raw_label))
            if change and subject:
                sign = Decimal(-1) if change.group(2) in ("减少", "下降") else Decimal(1)
                add(subject, f"比{_prior_year(change.group(1), year)}年预算增减", sign * value, unit)
                continue
            label = _clean_label(raw_label, unit_name)
            if unit in _COUNTERS:  # 下属5家预算单位: what is counted often follows the figure
                label = re.split(r"包括|以及|及|和", label)[-1] + _counted_noun(clause[m.end() :])
            if not label or re.fullmatch(r"[\d\s.,]*", label):
                continue
            subject = label
            add(label, "", value, unit)
    return facts


def _prior_year(named: str, year: int) -> str:
    """The year a change is stated against: 2023年 → 2023; 上年 / 上一年 → the budget's year before."""
    return named[:4] if named[:1].isdigit() else str(year - 1)


def _fact(doc_id, unit_name, year, section, label, column, value, unit, line, quote) -> Fact:  # noqa: ANN001
    return Fact(doc_id, unit_name, year, section, "", label, 0, column, value, unit, line, "text", quote)
