"""Scope: the documents a question is about, from its own words and the conversation.

    choose(question, last, catalogue, default) -> Scope | Clarify | Refusal

Named units (full or short names), years (2025年, 去年 relative to the conversation's document), and kind
(部门预算 / 单位预算) pick documents. A unit the index does not hold is refused naming what was asked; a name
that fits several units or documents gets a clarifying answer listing them; nothing named falls back to the
conversation's documents, then the configured default, then a clarifying answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from assistant import datafiles
from assistant.catalog import Catalog, Entry, Member, MemberMention, UnitMention, rules
from assistant.understand import mask_item_words

_SUFFIX_END = re.compile(
    r"(局|委员会|委|厅|办公室|办|中心|院|所|学校|大学|公司|人民政府|街道办事处|街道|区|县|镇|队|馆|站)$"
)


def wording() -> dict[str, Any]:
    """Scope wording (assistant/data/scope.toml)."""
    return datafiles.load("scope.toml")


@dataclass(frozen=True)
class Scope:
    """The documents a question is about, and the question with their names taken out."""

    documents: tuple[str, ...]
    question: str  # normalised, unit names removed
    named: bool = False  # the question named a unit or a year itself
    corpus: bool = False  # every document (filtered by year / kind / district): rank, count, aggregate
    series: bool = False  # one unit over several years
    switch: bool = False  # only a unit or a year changed: 那审计局呢？ / 2025年呢？
    units: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    catalog_question: bool = False  # about the catalogue itself: 有多少个单位？
    members: tuple[Member, ...] = ()  # budget units inside the one document: their rows, not the department's
    department: bool = False  # the department itself was named beside its budget units
    member_listing: bool = False  # which budget units the department's budget has


@dataclass(frozen=True)
class Clarify:
    reason: str
    candidates: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()  # when the candidates are documents of one unit
    question: str = ""  # the question with unit names taken out


@dataclass(frozen=True)
class Refusal:
    reason: str


@dataclass(frozen=True)
class Last:
    """What the conversation had in scope at its last answered turn."""

    documents: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    year: int | None = None


@dataclass
class _Ask:
    q: str
    mentions: list[UnitMention]
    years: list[int]
    optional: set[int]  # years a question compares with (比2023年, 去年): used only when indexed
    kinds: set[str]  # 部门预算 / 单位预算, as named
    district: str | None
    exclude: bool  # 不算普陀区: the district is left out
    city: bool  # 市级单位 only
    words: dict[str, Any] = field(default_factory=dict)
    members: list[MemberMention] = field(default_factory=list)  # budget units inside department budgets
    own: bool = False  # 本级 named where no 单位预算 is held: the department's own part of its budget


def choose(
    q: str, last: Last, catalog: Catalog, default: str | None, mentioned: Callable[[str], bool] | None = None
) -> Scope | Clarify | Refusal:
    """The scope of one normalised question. `mentioned(name)` tells whether the documents the
    conversation is about mention an organisation (重点企业服务办公室 is an office inside the seed's unit)."""
    ask = _read(q, last, catalog)
    rest = _without(ask)
    listing = _member_listing(ask, last, catalog, rest)
    if listing is not None:
        return listing
    if re.search(ask.words["catalog"], rest) and not re.search(ask.words["budget_term"], rest):
        held = [
            e.id
            for e in catalog.entries.values()
            if (not ask.years or e.key.year in ask.years)
            and _in_district(catalog.units[e.key.unit].district, ask)
            and _kind_ok(e, ask)
        ]
        return Scope(
            tuple(held),
            rest,
            corpus=True,
            catalog_question=True,
            units=_units_of(ask),
            years=tuple(ask.years),
        )
    unknown = _unknown_unit(ask, catalog, mentioned or (lambda _: False))
    if unknown:
        return _member_hint(unknown, catalog) or Refusal(
            f"未收录「{unknown}」的预算（已收录{len(catalog.units)}个单位，可问“收录了哪些单位”）"
        )
    units = _units(ask, last, catalog)
    if isinstance(units, Clarify | Refusal):
        return units
    if ask.members:
        return _in_department(ask, units, last, catalog, rest)
    scope = (
        _documents(ask, units, last, catalog, rest) if units else _unnamed(ask, last, catalog, default, rest)
    )
    return _own_part(scope, ask, catalog) if ask.own else scope


def _read(q: str, last: Last, catalog: Catalog) -> _Ask:
    words = wording()
    years, optional = _years(q, last)
    kinds = {k for w, k in rules()["kinds"].items() if w in q}
    masked = re.sub(r"20\d\d(年度?|-|—|至|到|、|和|与)|[(（]20\d\d[)）]", lambda m: "\0" * len(m.group()), q)
    mentions = catalog.find(masked)
    members: list[MemberMention] = []
    if catalog.members:
        for m in mentions:
            masked = masked[: m.start] + "\0" * (m.end - m.start) + masked[m.end :]
        named = [e.id for m in mentions for u in m.units for e in catalog.documents(u)]
        members = catalog.find_members(masked, tuple(named) + last.documents)
    own = "本级" in q and _own_asked(mentions, years, last, catalog)
    if own:
        kinds -= {rules()["kinds"]["本级"]}
    district = next((d for d in sorted(catalog.districts()) if d in q), None)
    if mentions and district and all(m.surface != district for m in mentions):
        district = None if any(district in m.surface for m in mentions) else district
    exclude = bool(district) and bool(re.search(words["exclude_district"], q))
    city = bool(re.search(words["city_level"], q))
    return _Ask(q, mentions, years, optional, kinds, district, exclude, city, words, members, own)


def _years(q: str, last: Last) -> tuple[list[int], set[int]]:
    years = [
        int(y) for y in re.findall(r"(20\d\d)(?=年|-|—|至|到|、|和|与)|[(（](20\d\d)[)）]", q) for y in y if y
    ]
    optional = {int(y) for y in re.findall(r"(?:比|较|相比|对比|比起)(20\d\d)年", q)}
    span = re.search(r"(20\d\d)年?(?:-|—|至|到)(20\d\d)", q)
    if span:
        a, b = int(span.group(1)), int(span.group(2))
        years = [y for y in years if not a <= y <= b] + list(range(a, b + 1)) if a < b <= a + 20 else years
    base = years[0] if len(years) == 1 else last.year  # 2025年比上年: the year before 2025
    if base:
        plain = mask_item_words(q)  # 上年结转 is money carried over, not the year before
        relative = [
            base + d for w, d in wording()["relative_years"].items() if w in plain and base + d != base
        ]
        for year in relative:
            if year not in years:
                years.append(year)
                optional.add(year)
        if relative and base not in years and re.search(wording()["change"], q):
            years.append(base)  # 上一年呢？两年相差多少？ — both years
    return list(dict.fromkeys(years)), optional


def _without(ask: _Ask) -> str:
    """The question without the unit names it uses."""
    q = ask.q
    for m in sorted([*ask.mentions, *ask.members], key=lambda m: m.start, reverse=True):
        q = q[: m.start] + q[m.end :]
    if ask.own:
        q = re.sub(ask.words["own_part"], "", q)
    if ask.district and not ask.mentions:
        q = q.replace(ask.district, "")
    for word in sorted(rules()["kinds"], key=len, reverse=True):
        q = q.replace(word, "")  # 单位预算 names a document, not an item
    return q


def _unknown_unit(ask: _Ask, catalog: Catalog, mentioned: Callable[[str], bool]) -> str:
    """An organisation the question names that the catalogue does not hold (浦东新区财政局)."""
    q = ask.q
    for m in [*ask.mentions, *ask.members]:
        q = q[: m.start] + "\0" * (m.end - m.start) + q[m.end :]
    q = re.sub(r"20\d\d年度?", lambda m: "\0" * len(m.group()), q)
    for m in re.finditer(ask.words["organisation"], q):
        if re.search(ask.words["counted"], m.group(1)):
            continue
        for org in _names_in(m.group(1), ask.words["not_a_name"], ask.words["joins"]):
            known = org in catalog.by_name or org in catalog.districts() or org == ask.district
            generic = len(org) - len(m.group(2)) < 2  # 办公室 / 这个中心: no name before the last word
            if generic or known or len(org) < 3 or re.search(ask.words["budget_term"], org):
                continue
            if not mentioned(org):
                return org
    return ""


def _names_in(phrase: str, not_a_name: str, joins: str) -> list[str]:
    """The organisation names in a phrase: what follows the last word that cannot be part of a name
    (培育…是这个办公室 → 办公室), split where names are joined (教育局和卫健委) only when every piece is a name
    of its own (not 静安区建设和管理委员会)."""
    pieces = [p for p in re.split(not_a_name, phrase) if p]
    if not pieces:
        return []
    last = pieces[-1]
    parts = [p for p in re.split(joins, last) if p]
    if len(parts) > 1 and all(_SUFFIX_END.search(p) for p in parts):
        return parts
    return [last]


def _units(ask: _Ask, last: Last, catalog: Catalog) -> list[str] | Clarify | Refusal:
    units: list[str] = []
    for m in ask.mentions:
        options = [u for u in m.units if _has(catalog, u, ask)] or list(m.units)
        if len(options) > 1:  # 市财政局 / 普陀区的财政局: the level said before the name
            level = ask.district if ask.district else "" if ask.q[: m.start].endswith("市") else None
            options = (
                [u for u in options if catalog.units[u].district == level] or options
                if level is not None
                else options
            )
        if len(options) > 1:
            kept = [u for u in options if u in last.units]
            if len(kept) == 1:
                options = kept
        if len(options) > 1:
            names = tuple(options)
            return Clarify(f"「{m.surface}」可能指{len(names)}个单位，请说明是哪一个", names)
        if options[0] not in units:
            units.append(options[0])
    return units


def _has(catalog: Catalog, unit: str, ask: _Ask) -> bool:
    return any(_kind_ok(e, ask) for y in (ask.years or [None]) for e in catalog.documents(unit, y))


def _unnamed(ask: _Ask, last: Last, catalog: Catalog, default: str | None, rest: str) -> Scope | Clarify:
    ranking = not last.documents and not default and bool(re.search(ask.words["ranking"], rest))
    if re.search(ask.words["corpus"], rest) or ranking or ask.district or ask.city:
        docs = [
            e
            for e in catalog.documents()
            if _kind_ok(e, ask)
            and (not ask.years or e.key.year in ask.years)
            and _in_district(catalog.units[e.key.unit].district, ask)
        ]
        return Scope(
            tuple(e.id for e in docs), rest, named=bool(ask.years), corpus=True, years=tuple(ask.years)
        )
    if last.units and (ask.years or ask.kinds):
        return _documents(ask, list(last.units), last, catalog, rest, named=True, lenient=True)
    if last.documents:
        return Scope(last.documents, rest, units=last.units, years=tuple(ask.years))
    if default and default in catalog.entries:
        unit = catalog.entries[default].key.unit
        if ask.years or ask.kinds:
            scope = _documents(
                ask, [unit], Last((default,), (unit,)), catalog, rest, named=True, lenient=True
            )
            return _year_only(ask, catalog, rest, scope) if isinstance(scope, Refusal) else scope
        return Scope((default,), rest, units=(unit,), years=tuple(ask.years))
    if len(catalog.units) == 1:
        unit = next(iter(catalog.units))
        return _documents(ask, [unit], last, catalog, rest, named=bool(ask.years))
    return Clarify(
        f"已收录{len(catalog.units)}个单位的预算，请说明想问哪个单位（例如“{catalog.example()}的项目支出是多少？”）",
        tuple(sorted(catalog.units))[:8],
    )


def _year_only(ask: _Ask, catalog: Catalog, rest: str, refusal: Refusal) -> Scope | Clarify | Refusal:
    """A year named without a unit, which the default unit lacks: the one document of that year, if one."""
    held = [e for e in catalog.documents() if _kind_ok(e, ask) and e.key.year in ask.years]
    if not held:
        return refusal
    if len(held) == 1:
        return Scope((held[0].id,), rest, named=True, units=(held[0].key.unit,), years=tuple(ask.years))
    return Clarify(
        f"已收录{len(held)}份{'、'.join(f'{y}年' for y in ask.years)}的预算，请说明想问哪个单位",
        tuple(sorted({e.key.unit for e in held}))[:8],
    )


def _documents(
    ask: _Ask,
    units: list[str],
    last: Last,
    catalog: Catalog,
    rest: str,
    named: bool = True,
    lenient: bool = False,
) -> Scope | Clarify | Refusal:
    """The documents of the units in scope; `lenient`: the units come from the conversation, so a kind the
    unit does not have is a loose word (2024年部门预算 of a 单位预算), not a request for another document."""
    chosen: list[Entry] = []
    series = len(units) == 1 and (len(ask.years) >= 2 or bool(re.search(ask.words["series"], rest)))
    both_kinds = len(ask.kinds) > 1  # 部门预算和单位预算: both documents of the department
    for unit in units:
        entries = _entries_of(ask, unit, catalog, lenient=lenient or len(units) > 1)
        if isinstance(entries, Refusal):
            return entries
        if series and re.search(ask.words["series"], rest):
            entries = [e for e in catalog.documents(unit) if _kind_ok(e, ask)]  # 这三年: every year held
        if len(entries) > 1 and not series and not both_kinds:
            entries = _one(entries, last, ask, unit)
            if isinstance(entries, Clarify):
                return entries
        chosen += entries
    if series:
        chosen.sort(key=lambda e: e.key.year)
    series = series and len({e.key.year for e in chosen}) > 1
    bare = re.sub(r"20\d\d年度?|" + "|".join(wording()["relative_years"]), "", rest)
    for word in rules()["kinds"]:
        bare = bare.replace(word, "")
    switch = bool(re.fullmatch(ask.words["switch"], bare))
    return Scope(
        tuple(e.id for e in chosen),
        rest,
        named=named,
        series=series,
        switch=switch,
        units=tuple(units),
        years=tuple(ask.years),
    )


def _entries_of(ask: _Ask, unit: str, catalog: Catalog, lenient: bool = False) -> list[Entry] | Refusal:
    """The unit's documents of the years and kinds asked (a kind named for another unit of the question is
    not this one's)."""
    entries = [e for e in catalog.documents(unit) if _kind_ok(e, ask)]
    if not entries and lenient:
        entries = catalog.documents(unit)
    if not entries:
        kinds = "、".join(sorted({e.key.kind for e in catalog.documents(unit)}))
        return Refusal(f"未收录{unit}的{'、'.join(sorted(ask.kinds))}（已收录：{kinds}）")
    if ask.years:
        wanted = [y for y in ask.years if y not in ask.optional or any(e.key.year == y for e in entries)]
        if not wanted:
            return entries
        held = [e for e in entries if e.key.year in wanted]
        missing = [y for y in wanted if all(e.key.year != y for e in entries)]
        if not held and len(missing) == 1:  # 2023年财政拨款收入 of a 2024 budget: its text compares
            held = [e for e in entries if e.key.year == missing[0] + 1]
            missing = [] if held else missing
        if not held or missing and len(wanted) == 1:
            have = "、".join(f"{y}年" for y in sorted({e.key.year for e in entries}))
            return Refusal(f"未收录{unit}{missing[0]}年的预算（已收录：{have}）")
        entries = held
    return entries


def _one(entries: list[Entry], last: Last, ask: _Ask, unit: str) -> list[Entry] | Clarify:
    kept = [e for e in entries if e.id in last.documents]
    if len(kept) == 1:
        return kept
    kinds = {e.key.kind for e in entries}
    if len(kinds) > 1:
        names = tuple(f"{e.key.year}年{e.key.kind}" for e in entries)
        return Clarify(
            f"{unit}有{len(entries)}份预算（{'、'.join(names)}），请说明问的是哪一份",
            names,
            tuple(e.id for e in entries),
            _without(ask),
        )
    names = tuple(f"{e.key.year}年" for e in sorted(entries, key=lambda e: e.key.year))
    return Clarify(f"已收录{unit}{'、'.join(names)}的预算，请说明问的是哪一年", names)


def _units_of(ask: _Ask) -> tuple[str, ...]:
    return tuple(u for m in ask.mentions for u in m.units)


def _in_district(district: str, ask: _Ask) -> bool:
    if ask.city and district:
        return False
    if not ask.district:
        return True
    return (district != ask.district) if ask.exclude else (district == ask.district)


def _kind_ok(entry: Entry, ask: _Ask) -> bool:
    return not ask.kinds or entry.key.kind in ask.kinds


def _own_asked(mentions: list[UnitMention], years: list[int], last: Last, catalog: Catalog) -> bool:
    """本级 names the department's own part where the unit has no 单位预算 but a budget that is its own part
    alone (printed 本级) or that lists its own part as a row; elsewhere 本级 still asks for a 单位预算."""
    units = [u for m in mentions for u in m.units] or list(last.units)
    kind = rules()["kinds"]["本级"]
    for unit in units:
        if unit not in catalog.units:
            continue
        docs = [e for e in catalog.documents(unit) if not years or e.key.year in years]
        if docs and all(e.key.kind != kind for e in docs):
            return any(e.own_part or catalog.own_member(e.id) for e in docs)
    return False


def _own_part(scope: Scope | Clarify | Refusal, ask: _Ask, catalog: Catalog) -> Scope | Clarify | Refusal:
    """A scope of one department budget narrowed to its own part: the 本级 row (with every subordinate unit's
    row when those are asked too: 局本级和两个下属单位各是多少), or the whole budget when the budget is its own
    part alone."""
    if not isinstance(scope, Scope) or len(scope.documents) != 1:
        return scope
    entry = catalog.entries[scope.documents[0]]
    if entry.own_part:
        return scope
    own = catalog.own_member(entry.id)
    if own is None:
        return Refusal(f"{entry.key.label()}没有单列{entry.key.unit}本级的数字")
    others = [m for m in catalog.members[entry.id] if not m.own]
    every = bool(others) and bool(re.search(ask.words["every_member"], ask.q))
    return replace(scope, members=(own, *others) if every else (own,))


def _in_department(
    ask: _Ask, units: list[str], last: Last, catalog: Catalog, rest: str
) -> Scope | Clarify | Refusal:
    """Budget units named inside a department budget: that budget, narrowed to their rows."""
    wanted = [e.id for u in units for e in catalog.documents(u)] or list(last.documents)
    chosen: list[Member] = []
    for mention in ask.members:
        options = [m for m in mention.members if not wanted or m.document in wanted] or list(mention.members)
        if ask.years:
            options = [m for m in options if catalog.entries[m.document].key.year in ask.years] or options
        if len({m.document for m in options}) > 1:
            labels = tuple(catalog.entries[m.document].key.label() for m in options)
            return Clarify(f"「{mention.surface}」见于{len(labels)}份预算，请说明是哪一份", labels)
        chosen += [m for m in options if m not in chosen]
    documents = {m.document for m in chosen}
    department = catalog.entries[chosen[0].document].key.unit
    if len(documents) > 1 or any(u != department for u in units):
        names = "、".join(m.label for m in chosen)
        return Refusal(f"「{names}」是{department}部门预算中的单位，只能在该部门预算之内回答")
    entry = catalog.entries[chosen[0].document]
    if ask.years and entry.key.year not in ask.years:
        years = "、".join(f"{y}年" for y in ask.years)
        return Refusal(
            f"未收录{entry.key.unit}{years}的部门预算（「{chosen[0].label}」见于{entry.key.label()}）"
        )
    if ask.own and (own := catalog.own_member(entry.id)) is not None:
        chosen.insert(0, own)
    return Scope(
        (entry.id,),
        rest,
        named=True,
        units=(department,),
        years=tuple(ask.years),
        members=tuple(chosen),
        department=bool(units),
    )


def _member_listing(ask: _Ask, last: Last, catalog: Catalog, rest: str) -> Scope | None:
    """包括哪些预算单位 / 下属单位有几个 about one department budget (its tables of units or its 机构设置
    passage answer; the engine answers as for any question when neither does)."""
    if not re.search(ask.words["member_listing"], rest):
        return None
    units = [u for m in ask.mentions for u in m.units] or list(last.units)
    docs = [
        e
        for u in units
        if u in catalog.units
        for e in catalog.documents(u)
        if (not ask.years or e.key.year in ask.years) and _kind_ok(e, ask)
    ]
    if len(docs) != 1:
        return None
    return Scope((docs[0].id,), rest, named=True, units=(docs[0].key.unit,), member_listing=True)


def _member_hint(name: str, catalog: Catalog) -> Clarify | None:
    """A name that shortens budget units of department budgets (气象服务中心 with no department named): which
    ones they are, never one picked."""
    found = catalog.find_members(name, tuple(catalog.members)) if catalog.members else []
    if len(found) != 1 or found[0].surface != name:
        return None
    labels = tuple(f"{catalog.entries[m.document].key.label()}中的「{m.label}」" for m in found[0].members)
    return Clarify(f"「{name}」是部门预算中列出的单位，请连同所属部门一起问（例如写出全称）", labels)
