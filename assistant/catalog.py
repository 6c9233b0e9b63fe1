"""The catalogue: which documents the index holds, keyed by unit, year and kind, and the names people use
for each unit.

A unit has one identity (its full name) and many names: the full name, the name without 上海市 / district
prefixes, bracketed alternatives, conventional contractions (信访办, 万里街道) and names written as a
shortening of the full name (医保中心, 刑科院, 建管委). Units of different levels with the same short name
(上海市财政局, 普陀区财政局) stay distinct: a name that fits both is reported as ambiguous, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from assistant import datafiles
from assistant.records import unit_identity
from assistant.understand import normalise

_BRACKETS = re.compile(r"[(（]([^()（）]*)[)）]")
_KIND_MARK_RE = re.compile(r"[(（]本级[)）]")
_NOT_A_START = set("区市县省镇的和与及、或跟同比在是")


def rules() -> dict[str, Any]:
    """Name rules (assistant/data/units.toml)."""
    return datafiles.load("units.toml")


@dataclass(frozen=True)
class DocKey:
    """What a document is about: one unit, one year, one kind (部门预算 / 单位预算)."""

    unit: str
    year: int
    kind: str

    def label(self) -> str:
        return f"{self.unit}{self.year}年{self.kind}"


@dataclass(frozen=True)
class Member:
    """A budget unit printed as a row of a department budget's tables of units: the department's own part
    (本级) or a subordinate unit (杭州市气象服务中心). Its figures are that row's cells, never the department's."""

    name: str  # as printed: 杭州市气象服务中心（杭州市预警信息发布中心）, 无锡市信访局（本级）
    document: str
    own: bool = False  # the department's own part (本级)

    @property
    def label(self) -> str:
        """How answers name it: the printed row, the department's own part marked 本级 (杭州市气象局（本级）)."""
        return f"{unit_identity(self.name)}（本级）" if self.own else self.name


def unit_roles(rows: list[tuple[str, int]], department: str) -> dict[int, Member] | None:
    """The budget units of one table, from its rows' (name, level): None when the table has no row under
    the department's own name (not a table of units). A row under the department's name is its total when
    the first named row below it is a unit (the name again, a row marked （本级）, a name like an
    organisation) or the name is printed again further down, else its own part (本级), as is a row marked
    （本级）; every other row named like an organisation is a subordinate unit. Units listed by name alone
    (level 0) stand at the first level. A row under a unit's own part or a subordinate unit is that unit's
    item (a class, a project), never a unit; totals (合计) and unnamed rows are no unit."""
    own = normalise(unit_identity(department))
    names = [normalise(unit_identity(name)) for name, _ in rows]
    levels = [_unit_level(name, level) for name, level in rows]
    if not any(n == own and level > 0 for n, level in zip(names, levels, strict=True)):
        return None
    roles: dict[int, Member] = {}
    totals: set[int] = set()
    for i, (name, _) in enumerate(rows):
        level = levels[i]
        if level <= 0 or not name:
            continue
        parent = next((j for j in range(i - 1, -1, -1) if levels[j] < level), None)
        if parent is not None and levels[parent] > 0 and parent not in totals:
            continue  # an item of the unit above it
        if names[i] == own:
            if _heads_units(rows, levels, i, own) or own in names[i + 1 :]:
                totals.add(i)
            else:
                roles[i] = Member(name, "", own=True)
        elif _KIND_MARK_RE.search(name):
            roles[i] = Member(name, "", own=True)
        elif _organisation(name):
            roles[i] = Member(name, "")
    return roles


def _unit_level(name: str, level: int) -> int:
    """A row's level in a table of units: a row printed without one (units listed by name only) is at the
    first level unless it is the total."""
    return level if level > 0 or re.fullmatch(r"合计|总计|", name.strip()) else 1


def _heads_units(rows: list[tuple[str, int]], levels: list[int], i: int, own: str) -> bool:
    """Whether the first named row below row i (one level or more under it) is a unit."""
    below = next((j for j in range(i + 1, len(rows)) if rows[j][0] or levels[j] <= levels[i]), None)
    if below is None or levels[below] <= levels[i]:
        return False
    name = rows[below][0]
    return normalise(unit_identity(name)) == own or bool(_KIND_MARK_RE.search(name)) or _organisation(name)


def _organisation(name: str) -> bool:
    """A row named like a unit: ends on a unit's last word (中心, 局, 所 …) once brackets are taken off."""
    bare = _BRACKETS.sub("", normalise(name))
    return len(bare) >= 4 and any(bare.endswith(w) for w in rules()["suffixes"]["words"])


@dataclass(frozen=True)
class Entry:
    """One indexed document."""

    id: str
    key: DocKey
    printed: str = ""  # the unit's name as the document prints it (深圳市财政局（本级）)

    @property
    def own_part(self) -> bool:
        """The document is the department's own part alone (printed 本级)."""
        return bool(_KIND_MARK_RE.search(self.printed))


@dataclass
class Unit:
    """A unit's identity and the names it goes by."""

    name: str  # the full name, as printed (without a kind mark such as （本级）)
    names: set[str] = field(default_factory=set)  # normalised
    district: str = ""  # 普陀区 for district units; "" for city units
    documents: list[Entry] = field(default_factory=list)

    @property
    def years(self) -> list[int]:
        return sorted({e.key.year for e in self.documents})


@dataclass(frozen=True)
class UnitMention:
    """A span of a question that names a unit (or could name several)."""

    surface: str
    start: int
    end: int
    units: tuple[str, ...]  # full names; more than one when the name is ambiguous


@dataclass(frozen=True)
class MemberMention:
    """A span of a question that names a budget unit printed inside department budgets."""

    surface: str
    start: int
    end: int
    members: tuple[Member, ...]  # more than one when the name fits rows of several documents


@lru_cache(maxsize=1 << 14)
def strip_prefixes(name: str) -> str:
    """The name without the prefixes the unit-name rules list (上海市, 普陀区 …); remembered per name."""
    for pattern in rules()["prefixes"]:
        name = re.sub(pattern, "", name)
    return name


def name_variants(full: str) -> set[str]:
    """Every name derived by rule: full, without brackets, each bracketed alternative, without prefixes,
    with contracted suffixes."""
    full = normalise(full)
    bases = {full, _BRACKETS.sub("", full)} | {m.group(1) for m in _BRACKETS.finditer(full)}
    out: set[str] = set()
    for base in bases:
        core = base
        forms = {base}
        for _ in range(3):  # 上海市 → 普陀区 → 人民政府
            core = strip_prefixes(core)
            forms.add(core)
        district = re.match(r"^(?:上海市)?([\u4e00-\u9fff]{2}区)", base)
        if district:
            forms.add(district.group(1) + strip_prefixes(strip_prefixes(strip_prefixes(base))))
        for form in list(forms):
            for suffix, short in rules()["contractions"].items():
                if form.endswith(suffix) and len(form) - len(suffix) >= 2:
                    forms.add(form[: -len(suffix)] + short)
        out |= {f for f in forms if len(f) >= 2 and f not in rules()["contractions"]}
    return out


class Catalog:
    """Units, their names and their documents; finds the units a question names."""

    def __init__(self, entries: list[Entry], unit_rows: list[dict[str, Any]] | None = None):
        self.entries: dict[str, Entry] = {}
        self.duplicates: dict[str, str] = {}  # a document with the key of one already held → that one
        held: dict[DocKey, str] = {}
        for e in sorted(entries, key=lambda e: e.id):
            if e.key in held:
                self.duplicates[e.id] = held[e.key]
            else:
                held[e.key] = e.id
                self.entries[e.id] = e
        self.units: dict[str, Unit] = {}
        for e in self.entries.values():
            unit = self.units.setdefault(e.key.unit, Unit(e.key.unit))
            unit.documents.append(e)
        self.by_name: dict[str, set[str]] = {}
        for unit in self.units.values():
            unit.names = name_variants(unit.name)
            m = re.match(r"^(?:上海市)?([\u4e00-\u9fff]{2}区)", normalise(unit.name))
            unit.district = m.group(1) if m else ""
            for n in unit.names:
                self.by_name.setdefault(n, set()).add(unit.name)
        for alias, full in rules()["aliases"].items():
            if full in self.units:
                self.by_name.setdefault(normalise(alias), set()).add(full)
        self._longest = max((len(n) for n in self.by_name), default=0)
        self._suffixes = sorted(rules()["suffixes"]["words"], key=len, reverse=True)
        self._cores = {u: normalise(_BRACKETS.sub("", u)) for u in self.units}
        self.members: dict[str, list[Member]] = _members(self.entries, unit_rows or [])
        self.by_member_name: dict[str, list[Member]] = {}
        for found in self.members.values():
            for member in found:
                for n in set() if member.own else name_variants(member.name) - set(self.by_name):
                    self.by_member_name.setdefault(n, []).append(member)

    @classmethod
    def from_rows(cls, rows: list[dict[str, Any]], unit_rows: list[dict[str, Any]] | None = None) -> Catalog:
        """From the fact store's document rows (id, unit_name, year, kind) and the rows of its tables of
        units (`Store.unit_table_rows`)."""
        return cls(
            [
                Entry(
                    r["id"], DocKey(unit_identity(r["unit_name"]), int(r["year"]), r["kind"]), r["unit_name"]
                )
                for r in rows
            ],
            unit_rows,
        )

    # questions → units
    def find(self, q: str) -> list[UnitMention]:
        """The units a (normalised) question names, left to right, longest name first, not overlapping."""
        taken = [False] * len(q)
        found = self._exact(q, taken) + self._shortened(q, taken)
        return sorted(found, key=lambda m: m.start)

    def _exact(self, q: str, taken: list[bool]) -> list[UnitMention]:
        found = []
        i = 0
        while i < len(q):
            for size in range(min(self._longest, len(q) - i), 1, -1):
                names = self.by_name.get(q[i : i + size])
                if names and not _inside_word(q, i, i + size):
                    found.append(UnitMention(q[i : i + size], i, i + size, tuple(sorted(names))))
                    taken[i : i + size] = [True] * size
                    i += size - 1
                    break
            i += 1
        return found

    def _shortened(self, q: str, taken: list[bool]) -> list[UnitMention]:
        """Names written as a shortening of the full name (医保中心, 刑科院): the question's characters appear
        in the name in order, start near its beginning and end on its last word."""
        found: list[UnitMention] = []
        for end in range(len(q), 0, -1):
            if taken[end - 1] or not any(q[:end].endswith(s) for s in self._suffixes):
                continue
            best = self._best_shortening(q, end, taken)
            if best:
                found.append(best)
                taken[best.start : best.end] = [True] * (best.end - best.start)
        return found

    def _best_shortening(self, q: str, end: int, taken: list[bool]) -> UnitMention | None:
        for start in range(max(0, end - 16), end - 2):
            if any(taken[start:end]) or not re.fullmatch(r"[\u4e00-\u9fff]+", q[start:end]):
                continue
            span = q[start:end]
            if _inside_word(q, start, end):
                return None  # the end of a longer name the catalogue does not hold (静安区建设和管理委员会)
            if span[0] in _NOT_A_START:
                continue
            scored = [(g, u) for u, core in self._cores.items() if (g := _gaps(span, core)) is not None]
            if not scored:
                continue
            least = min(g for g, _ in scored)
            units = tuple(sorted(u for g, u in scored if g == least))
            return UnitMention(span, start, end, units)
        return None

    # questions → budget units inside department budgets
    def find_members(self, q: str, documents: tuple[str, ...] = ()) -> list[MemberMention]:
        """The budget units a (normalised) question names by a full name (or a bracketed alternative), and
        within `documents` also by a shortening (气象服务中心), left to right, not overlapping."""
        found: list[MemberMention] = []
        taken = [False] * len(q)
        longest = max((len(n) for n in self.by_member_name), default=0)
        for size in range(min(longest, len(q)), 2, -1):
            for i in range(len(q) - size + 1):
                hit = self.by_member_name.get(q[i : i + size])
                if hit and not any(taken[i : i + size]):
                    found.append(MemberMention(q[i : i + size], i, i + size, tuple(hit)))
                    taken[i : i + size] = [True] * size
        pool = [m for d in documents for m in self.members.get(d, []) if not m.own]
        found += _member_shortenings(q, taken, pool, self._suffixes)
        return sorted(found, key=lambda m: m.start)

    def own_member(self, document: str) -> Member | None:
        """The department's own part (本级) among a document's budget units."""
        return next((m for m in self.members.get(document, []) if m.own), None)

    # units → documents
    def documents(
        self, unit: str | None = None, year: int | None = None, kind: str | None = None
    ) -> list[Entry]:
        pool = self.units[unit].documents if unit else list(self.entries.values())
        return [
            e for e in pool if (year is None or e.key.year == year) and (kind is None or e.key.kind == kind)
        ]

    def example(self) -> str:
        """A short name that stands for exactly one unit, for suggestions."""
        names = sorted(
            (
                n
                for n, units in self.by_name.items()
                if len(units) == 1 and len(n) >= 3 and len(self.units[next(iter(units))].documents) == 1
            ),
            key=len,
        )
        return names[0] if names else next(iter(self.units))

    def short_name(self, unit: str) -> str:
        """The shortest name that stands for this unit alone (for questions the assistant suggests)."""
        names = sorted((n for n, units in self.by_name.items() if units == {unit} and len(n) >= 3), key=len)
        return names[0] if names else unit

    def naming(self, entry: Entry) -> str:
        """How a question names this document: the unit, plus the year and kind when the unit has others."""
        unit = self.units[entry.key.unit]
        year = f"{entry.key.year}年" if len(unit.years) > 1 else ""
        kinds = {e.key.kind for e in unit.documents if e.key.year == entry.key.year}
        return self.short_name(unit.name) + year + (entry.key.kind if len(kinds) > 1 else "")

    def years(self) -> list[int]:
        return sorted({e.key.year for e in self.entries.values()})

    def districts(self) -> set[str]:
        return {u.district for u in self.units.values() if u.district}

    def _labels(self, document: str) -> list[str]:
        """The budget units a department budget prints rows for (its own part first), as answers name them."""
        return [m.label for m in sorted(self.members.get(document, []), key=lambda m: not m.own)]

    def listing(self) -> list[dict[str, Any]]:
        """Units with their years and kinds (and a department budget's budget units), for `budget-qa units`,
        the API, the MCP server and the app's coverage panel."""
        return [
            {
                "unit": u.name,
                "district": u.district,
                "documents": [
                    {"id": e.id, "year": e.key.year, "kind": e.key.kind, "budget_units": self._labels(e.id)}
                    for e in sorted(u.documents, key=lambda e: (e.key.year, e.key.kind))
                ],
                "names": sorted(u.names - {normalise(u.name)}, key=len),
            }
            for u in sorted(self.units.values(), key=lambda u: (u.district, u.name))
        ]


def _members(entries: dict[str, Entry], rows: list[dict[str, Any]]) -> dict[str, list[Member]]:
    """Each document's budget units, from the rows of its tables of units (first table first)."""
    tables: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows:
        if r["document"] in entries:
            tables.setdefault((r["document"], r["table_key"]), []).append(r)
    out: dict[str, list[Member]] = {}
    for (doc, _), table in tables.items():
        roles = unit_roles(
            [(r["name"], r["level"]) for r in table], entries[doc].printed or entries[doc].key.unit
        )
        held = out.setdefault(doc, [])
        for member in (roles or {}).values():
            if all(m.name != member.name and not (m.own and member.own) for m in held):
                held.append(Member(member.name, doc, member.own))
    return {d: m for d, m in out.items() if m}


def _member_cores(member: Member) -> str:
    """A budget unit's name as shortenings are read in it: no brackets, no leading city (杭州市)."""
    core = normalise(_BRACKETS.sub("", member.name))
    bare = re.sub(r"^[\u4e00-\u9fff]{2,3}[市省]", "", core)
    return bare if len(bare) >= 4 else core


def _member_shortenings(
    q: str, taken: list[bool], pool: list[Member], suffixes: list[str]
) -> list[MemberMention]:
    """Spans ending on a unit's last word that shorten a budget unit's name (气象服务中心, 来访接待中心)."""
    found: list[MemberMention] = []
    cores = [(m, _member_cores(m)) for m in pool]
    for end in range(len(q), 0, -1):
        if not cores or taken[end - 1] or not any(q[:end].endswith(s) for s in suffixes):
            continue
        for start in range(max(0, end - 16), end - 2):
            span = q[start:end]
            if (
                any(taken[start:end])
                or not re.fullmatch(r"[\u4e00-\u9fff]+", span)
                or span[0] in _NOT_A_START
            ):
                continue
            scored = [(g, m) for m, core in cores if (g := _gaps(span, core)) is not None]
            if scored:
                least = min(g for g, _ in scored)
                found.append(MemberMention(span, start, end, tuple(m for g, m in scored if g == least)))
                taken[start:end] = [True] * (end - start)
                break
    return found


def _inside_word(q: str, start: int, end: int) -> bool:
    """A name glued to more name characters (财政局 inside 浦东新区财政局) is part of another name."""
    before = q[start - 1] if start else ""
    return (
        bool(before)
        and before in "区市县省镇"
        and start >= 2
        and bool(re.match(r"[\u4e00-\u9fff]", q[start - 2]))
    )


def _gaps(span: str, core: str) -> int | None:
    """Characters of `core` skipped when reading `span` in it, or None when `span` is not a shortening:
    every character in order, the first within the first five characters of the name without prefixes,
    the last within the name's last three."""
    base = strip_prefixes(strip_prefixes(strip_prefixes(core)))
    offset = len(core) - len(base)
    first = core.find(span[0], 0)
    if first < 0 or first - offset > 4 and first > 4:
        return None
    pos, skipped, prev, positions = first + 1, 0, first, [first]
    for ch in span[1:]:
        nxt = core.find(ch, pos)
        if nxt < 0:
            return None
        skipped += nxt - prev - 1
        prev, pos = nxt, nxt + 1
        positions.append(nxt)
    if prev < len(core) - 3:
        return None
    tail = max((len(w) for w in _tails() if core.endswith(w)), default=0)
    if sum(1 for p in positions if p < len(core) - tail) < 2:
        return None  # 办公室 alone is every office's last word, not a name
    return skipped + (len(core) - 1 - prev)


@cache
def _tails() -> tuple[str, ...]:
    return (
        tuple(rules()["suffixes"]["words"])
        + tuple(rules()["contractions"])
        + tuple(rules()["suffixes"]["tails"])
    )
