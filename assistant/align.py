"""Which column does each printed figure belong to?

PDF extraction drops empty cells, so a row `1,181,680 1,181,680` under 合计 | 基本支出 | 项目支出 could be
合计+基本支出 or 合计+项目支出. The figures keep their left-to-right order, so each row has a few
candidate placements; the accounting identities decide between them:

- row identities (合计 = 基本支出 + 项目支出 …), checked per candidate;
- sums across rows (类 = Σ款, 款 = Σ项, 合计 row = Σ类; fixed anchors such as the income side of a
  two-sided table), per column.

The solver propagates the sums until nothing changes, then enumerates what is left. A figure is placed only
when every solution puts it in the same column; anything else is reported, never guessed.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import combinations, product
from math import comb

ZERO = Decimal(0)
Placement = tuple[int, ...]  # column index of each printed figure, increasing


@dataclass(frozen=True)
class Problem:
    numbers: list[tuple[Decimal, ...]]  # per row, the printed figures in order
    ncols: int
    identities: list[tuple[int, tuple[int, ...]]] = field(default_factory=list)  # column = Σ columns
    sums: list[tuple[int, tuple[int, ...]]] = field(default_factory=list)  # row = Σ rows, every column
    anchors: dict[tuple[int, int], Decimal] = field(default_factory=dict)  # (row, column) → known value
    floors: dict[tuple[int, int], Decimal] = field(default_factory=dict)  # (row, column) → least value
    # the unit the figures were rounded to (0.01 万元 from 元); 0 when they are exact. An identity or a sum
    # that no placement meets exactly may then be off by half a unit per figure in it
    rounding: Decimal = ZERO
    loose: frozenset[tuple[int, tuple[int, ...]]] = frozenset()  # sums that hold only within the rounding
    rounded: bool = False  # figures printed rounded: a row or sum off by its last digits is still used
    # per sum the differences its rounding allows (only sums that do not hold exactly, when `rounded`)
    margins: dict[tuple[int, tuple[int, ...]], tuple[Decimal, ...]] = field(default_factory=dict)
    # per sum, the columns it covers (all when absent); `partial`: a sum that fails in some columns still
    # places figures by the columns where it holds, and a row that breaks its own identities is placed by the
    # sums alone (the layout's choice; the audit reports both)
    sum_columns: list[tuple[int, ...] | None] = field(default_factory=list)
    partial: bool = False
    rates: frozenset[int] = frozenset()  # columns of rates (增减%): a row's rate is not the sum of its rows'


@dataclass
class Solution:
    placements: list[Placement | None]  # per row: the forced placement, or None when undetermined
    columns: list[list[int | None]]  # per row, per figure: forced column or None
    consistent: bool  # False when no placement satisfies every identity at once
    candidates: list[list[Placement]]  # what remained per row
    failed: list[tuple[int, tuple[int, ...]]] = field(
        default_factory=list
    )  # sums/anchors (row, ()) set aside


def vector(numbers: tuple[Decimal, ...], placement: Placement, ncols: int) -> tuple[Decimal, ...]:
    vec = [ZERO] * ncols
    for value, col in zip(numbers, placement, strict=True):
        vec[col] = value
    return tuple(vec)


def row_candidates(
    numbers: tuple[Decimal, ...],
    ncols: int,
    identities: list[tuple[int, tuple[int, ...]]],
    rounding: Decimal = ZERO,
) -> list[Placement]:
    """Order-preserving placements of a row's figures that satisfy every row identity (within `slack` of
    the rounding when it is given), in the order of `itertools.combinations`. Columns are filled left to right
    and an identity is checked as soon as its last column is decided, so wide tables (three blocks of nine
    columns) stay quick."""
    if len(numbers) > ncols:
        return []
    due: dict[int, list[tuple[int, tuple[int, ...]]]] = {}
    for target, parts in identities:
        due.setdefault(max((target, *parts)), []).append((target, parts))
    vec = [ZERO] * ncols
    out: list[Placement] = []
    chosen: list[int] = []

    def holds(col: int) -> bool:
        return all(
            abs(vec[t] - sum((vec[p] for p in parts), ZERO)) <= slack(rounding, len(parts))
            for t, parts in due.get(col, ())
        )

    def fill(figure: int, col: int) -> None:
        if figure == len(numbers):
            rest = range(col, ncols)
            if all(holds(c) for c in rest):
                out.append(tuple(chosen))
            return
        if len(numbers) - figure > ncols - col:
            return
        vec[col] = numbers[figure]
        chosen.append(col)
        if holds(col):
            fill(figure + 1, col + 1)
        chosen.pop()
        vec[col] = ZERO
        if holds(col):
            fill(figure, col + 1)

    fill(0, 0)
    return out


def slack(rounding: Decimal, parts: int) -> Decimal:
    """How far a total may be from the sum of its `parts` when every figure was rounded to `rounding`."""
    return rounding / 2 * (parts + 1)


def near_candidates(
    numbers: tuple[Decimal, ...], ncols: int, identities: list[tuple[int, tuple[int, ...]]]
) -> list[Placement]:
    """For a row no placement satisfies exactly: the placements that satisfy every identity within the
    rounding of the printed figures (a unit of their last digit per part: 6,420.41 + 9,538.54 printed under
    15,958.96), or every column in order when the row fills them all. The audit still reports the difference."""
    if len(numbers) == ncols:
        return [tuple(range(ncols))]
    quantum = _quantum(numbers)
    out = []
    for placement in combinations(range(ncols), len(numbers)):
        vec = vector(numbers, placement, ncols)
        if all(abs(vec[t] - sum((vec[p] for p in ps), ZERO)) <= quantum * len(ps) for t, ps in identities):
            out.append(placement)
    return out


def _quantum(numbers: tuple[Decimal, ...] | list[Decimal]) -> Decimal:
    """A unit of the last printed digit (0.01 for figures printed with two decimals)."""
    exponents = [n.as_tuple().exponent for n in numbers]
    return Decimal(1).scaleb(min((e for e in exponents if isinstance(e, int)), default=0))


def _slack(problem: Problem, group: tuple[int, tuple[int, ...]]) -> tuple[Decimal, ...]:
    """The differences a rounded sum may show: up to a unit of the last digit per row added."""
    figures = [v for r in (group[0], *group[1]) for v in problem.numbers[r]]
    quantum = _quantum(figures)
    return tuple(quantum * k for k in range(-len(group[1]), len(group[1]) + 1))


def _reachable(sets: list[set[Decimal]], cap: int) -> set[Decimal] | None:
    """Every sum of one value from each set (None beyond `cap` sums)."""
    sums = {ZERO}
    for values in sorted(sets, key=len):
        sums = {s + v for s in sums for v in values}
        if len(sums) > cap:
            return None
    return sums


def _hits(
    sets: list[set[Decimal]], wanted: set[Decimal], cap: int, tol: Decimal = ZERO
) -> set[Decimal] | None:
    """Which `wanted` totals some choice of one value per set adds up to (within `tol`); None when even half
    the sums are too many to list. Settled sets add a constant; the rest meet in the middle (two halves)."""
    offset = ZERO
    open_sets = []
    for values in sets:
        if len(values) == 1:
            offset += next(iter(values))
        else:
            open_sets.append(values)
    open_sets.sort(key=len)
    half = _balance(open_sets)
    left, right = _reachable(open_sets[:half], cap), _reachable(open_sets[half:], cap)
    if left is None or right is None:
        return None
    if len(left) > len(right):
        left, right = right, left
    if not tol:
        return {w for w in wanted if any(w - offset - a in right for a in left)}
    ordered = sorted(right)
    return {w for w in wanted if any(_near(ordered, w - offset - a, tol) for a in left)}


def _near(ordered: list[Decimal], value: Decimal, tol: Decimal) -> bool:
    at = bisect_left(ordered, value - tol)
    return at < len(ordered) and ordered[at] <= value + tol


def _balance(sets: list[set[Decimal]]) -> int:
    """Where to split sets so the two products of their sizes are about equal."""
    total = 1.0
    for values in sets:
        total *= len(values)
    product = 1.0
    for i, values in enumerate(sets):
        product *= len(values)
        if product * product >= total:
            return i + 1
    return len(sets)


class _Solver:
    def __init__(self, problem: Problem, domains: list[list[Placement]]):
        self.p = problem
        self.domains = domains
        self.vectors = {
            (r, pl): vector(problem.numbers[r], pl, problem.ncols)
            for r, dom in enumerate(domains)
            for pl in dom
        }

    def value(self, row: int, placement: Placement, col: int) -> Decimal:
        return self.vectors[(row, placement)][col]

    def apply_anchors(self) -> None:
        for (row, col), known in self.p.anchors.items():
            self.domains[row] = [pl for pl in self.domains[row] if self.value(row, pl, col) == known]

    def tol(self, parent: int, children: tuple[int, ...]) -> Decimal:
        """How far a sum may miss: the family's rounding (`loose`), or the printed digits' (`margins`)."""
        group = (parent, children)
        family = slack(self.p.rounding, len(children)) if group in self.p.loose else ZERO
        return max(family, *self.p.margins.get(group, (ZERO,)))

    def columns(self, n: int) -> list[int]:
        """The columns the n-th sum covers: its own (all when absent), never a column of rates."""
        cols = self.p.sum_columns[n] if n < len(self.p.sum_columns) else None
        return [c for c in (range(self.p.ncols) if cols is None else cols) if c not in self.p.rates]

    def propagate(self, cap: int = 20000) -> None:
        seen: dict[tuple[int, int], tuple[int, ...]] = {}
        changed = True
        while changed:
            changed = False
            for n, (parent, children) in enumerate(self.p.sums):
                sizes = tuple(len(self.domains[r]) for r in (parent, *children))
                for col in self.columns(n):
                    if seen.get((parent, col)) == sizes:
                        continue  # nothing it depends on has changed since it was last pruned
                    changed |= self._prune(parent, children, col, cap)
                    seen[(parent, col)] = tuple(len(self.domains[r]) for r in (parent, *children))

    def _prune(self, parent: int, children: tuple[int, ...], col: int, cap: int) -> bool:
        sets = [{self.value(c, pl, col) for pl in self.domains[c]} for c in children]
        totals = {self.value(parent, pl, col) for pl in self.domains[parent]}
        tol = self.tol(parent, children)
        reach = _hits(sets, totals, cap, tol)
        if reach is None:
            return self._prune_bounds(parent, children, col, sets, tol)
        changed = False
        keep = [pl for pl in self.domains[parent] if self.value(parent, pl, col) in reach]
        if len(keep) != len(self.domains[parent]):
            self.domains[parent], changed = keep, True
        targets = {self.value(parent, pl, col) for pl in self.domains[parent]}
        for i, child in enumerate(children):
            if len(self.domains[child]) < 2:
                continue
            rest = _hits(sets[:i] + sets[i + 1 :], {t - v for t in targets for v in sets[i]}, cap, tol)
            if rest is None:
                continue
            keep = [
                pl
                for pl in self.domains[child]
                if any(t - self.value(child, pl, col) in rest for t in targets)
            ]
            if len(keep) != len(self.domains[child]):
                self.domains[child], changed = keep, True
        return changed

    def _prune_bounds(
        self, parent: int, children: tuple[int, ...], col: int, sets: list[set[Decimal]], tol: Decimal = ZERO
    ) -> bool:
        """Interval reasoning when the subset sums are too many to list: Σmin ≤ parent ≤ Σmax."""
        lows, highs = [min(s) for s in sets], [max(s) for s in sets]
        low, high = sum(lows, ZERO) - tol, sum(highs, ZERO) + tol
        changed = False
        keep = [pl for pl in self.domains[parent] if low <= self.value(parent, pl, col) <= high]
        if len(keep) != len(self.domains[parent]):
            self.domains[parent], changed = keep, True
        if not keep:
            return changed
        targets = [self.value(parent, pl, col) for pl in keep]
        t_low, t_high = min(targets), max(targets)
        for i, child in enumerate(children):
            if len(self.domains[child]) < 2:
                continue
            lo, hi = t_low - (high - highs[i]), t_high - (low - lows[i])
            keep = [pl for pl in self.domains[child] if lo <= self.value(child, pl, col) <= hi]
            if len(keep) != len(self.domains[child]):
                self.domains[child], changed = keep, True
        return changed

    def holds(self, assignment: dict[int, Placement], n: int) -> bool:
        parent, children = self.p.sums[n]
        pv = self.vectors[(parent, assignment[parent])]
        cvs = [self.vectors[(c, assignment[c])] for c in children]
        tol = self.tol(parent, children)
        return all(abs(pv[col] - sum((cv[col] for cv in cvs), ZERO)) <= tol for col in self.columns(n))

    def enumerate(self, limit: int = 200000, max_solutions: int = 64) -> list[dict[int, Placement]] | None:
        """All complete assignments (None when the search is too large to finish)."""
        open_rows = [r for r, dom in enumerate(self.domains) if len(dom) > 1]
        fixed = {r: dom[0] for r, dom in enumerate(self.domains) if len(dom) == 1}
        relevant = [n for n, (p, ch) in enumerate(self.p.sums) if any(r in open_rows for r in (p, *ch))]
        if not open_rows:
            return [fixed] if all(self.holds(fixed, n) for n in relevant) else []
        total = 1
        for r in open_rows:
            total *= len(self.domains[r])
            if total > limit:
                return None
        solutions = []
        for choice in product(*(self.domains[r] for r in open_rows)):
            assignment = dict(fixed)
            assignment.update(zip(open_rows, choice, strict=True))
            if all(self.holds(assignment, n) for n in relevant):
                solutions.append(assignment)
                if len(solutions) >= max_solutions:
                    break
        return solutions


def _forced(numbers: tuple[Decimal, ...], options: list[Placement]) -> list[int | None]:
    if not options:
        return [None] * len(numbers)
    return [
        options[0][i] if all(o[i] == options[0][i] for o in options) else None for i in range(len(numbers))
    ]


def _settle(problem: Problem, domains: list[list[Placement]], skip: set[int]) -> list[list[Placement]] | None:
    """Domains after anchors, propagation and enumeration; None when the sums cannot all hold."""
    solver = _Solver(problem, [list(d) for d in domains])
    solver.apply_anchors()
    solver.propagate()
    if any(not d for r, d in enumerate(solver.domains) if r not in skip):
        return None
    solutions = solver.enumerate()
    if solutions == []:
        return None
    if solutions is not None:
        for r in range(len(solver.domains)):
            if r not in skip:
                solver.domains[r] = sorted({s[r] for s in solutions})
    return solver.domains


def _above_floors(problem: Problem, domains: list[list[Placement]]) -> list[list[Placement]]:
    """Drop placements that put less in a cell than its floor (a part of a larger total elsewhere); a row
    whose every placement breaks a floor keeps them all (the floor, not the row, is then in doubt)."""
    out = []
    for r, dom in enumerate(domains):
        floors = [(c, v) for (row, c), v in problem.floors.items() if row == r]
        kept = [
            pl for pl in dom if all(vector(problem.numbers[r], pl, problem.ncols)[c] >= v for c, v in floors)
        ]
        out.append(kept or dom)
    return out


def _every_cell(numbers: tuple[Decimal, ...], ncols: int) -> list[Placement]:
    """A row printing a figure in every cell (0.00 where empty) has one placement, the printed order, even
    when its own figures break an identity (the audit reports that)."""
    return [tuple(range(ncols))] if len(numbers) == ncols else []


def solve(problem: Problem) -> Solution:
    """Place every figure the identities force; leave the rest undetermined.

    A sum or anchor that cannot hold on its own (the source's own figures disagree) is set aside and
    reported in `Solution.failed`; the remaining identities still place what they force.
    """
    domains = [
        row_candidates(nums, problem.ncols, problem.identities)
        or row_candidates(nums, problem.ncols, problem.identities, problem.rounding)
        or (near_candidates(nums, problem.ncols, problem.identities) if problem.rounded else [])
        for nums in problem.numbers
    ]
    domains = _above_floors(problem, domains)
    consistent = all(domains)
    if problem.partial:
        domains = [d or _unchecked(problem.numbers[r], problem.ncols) for r, d in enumerate(domains)]
    broken = {r for r, d in enumerate(domains) if not d}  # kept out of the sums; placed when printed full
    domains = [d or _every_cell(problem.numbers[r], problem.ncols) for r, d in enumerate(domains)]
    groups = [
        (g, problem.sum_columns[n] if n < len(problem.sum_columns) else None)
        for n, g in enumerate(problem.sums)
        if g[0] not in broken and not broken.intersection(g[1])
    ]
    anchors = {k: v for k, v in problem.anchors.items() if k[0] not in broken}
    failed: list[tuple[int, tuple[int, ...]]] = []
    for key, value in list(anchors.items()):
        if not any(
            vector(problem.numbers[key[0]], pl, problem.ncols)[key[1]] == value for pl in domains[key[0]]
        ):
            del anchors[key]
            failed.append((key[0], ()))
    loose: set[tuple[int, tuple[int, ...]]] = set()
    margins: dict[tuple[int, tuple[int, ...]], tuple[Decimal, ...]] = {}
    for group, cols in list(groups):
        if _settle(_with_sums(problem, [(group, cols)], anchors), domains, broken) is not None:
            continue
        alone = _with_sums(problem, [(group, cols)], anchors, loose={group})
        if problem.rounding and _settle(alone, domains, broken) is not None:
            loose.add(group)  # holds once the family's rounding is allowed for
            continue
        near = {group: _slack(problem, group)} if problem.rounded else {}
        alone = _with_sums(problem, [(group, cols)], anchors, margins=near)
        if near and _settle(alone, domains, broken) is not None:
            margins.update(near)  # it holds up to the rounding of its figures: still used, still reported
            continue
        groups.remove((group, cols))
        failed.append(group)
        if problem.partial:  # keep the columns in which the sum still holds
            groups += [
                (group, (col,))
                for col in (cols or range(problem.ncols))
                if col not in problem.rates
                if _settle(_with_sums(problem, [(group, (col,))], anchors), domains, broken) is not None
            ]
    problem = _with_sums(problem, groups, anchors, loose, margins)
    settled = _settle(problem, domains, broken)
    if settled is None:  # the sums do not hold together; keep what each row's own identities force
        consistent = False
        settled = [list(d) for d in domains]
    consistent = consistent and not failed
    columns = [_forced(problem.numbers[r], settled[r]) for r in range(len(problem.numbers))]
    placements: list[Placement | None] = [dom[0] if len(dom) == 1 else None for dom in settled]
    return Solution(placements, columns, consistent, settled, failed)


def _with_sums(
    problem: Problem,
    groups: list[tuple[tuple[int, tuple[int, ...]], tuple[int, ...] | None]],
    anchors: dict[tuple[int, int], Decimal],
    loose: set[tuple[int, tuple[int, ...]]] | None = None,
    margins: dict[tuple[int, tuple[int, ...]], tuple[Decimal, ...]] | None = None,
) -> Problem:
    """The problem with these sums (each over its columns), the ones that hold only within a rounding named."""
    return Problem(
        problem.numbers,
        problem.ncols,
        problem.identities,
        [g for g, _ in groups],
        anchors,
        rounding=problem.rounding,
        loose=frozenset(loose or ()),
        rounded=problem.rounded,
        margins=dict(margins or {}),
        sum_columns=[c for _, c in groups],
        partial=problem.partial,
        rates=problem.rates,
    )


def _unchecked(numbers: tuple[Decimal, ...], ncols: int, limit: int = 5000) -> list[Placement]:
    """Every order-preserving placement of a row that breaks its own identities (none when too many)."""
    if len(numbers) > ncols or comb(ncols, len(numbers)) > limit:
        return []
    return row_candidates(numbers, ncols, [])
