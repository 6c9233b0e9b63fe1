"""One table row printed over several lines, put back on one line before the row is read.

A narrow name cell wraps its name, and the figures of the row, centred in their own cells, land on a line of
their own in the middle of the name (`杭州市气象` / `5,011.05 5,011.05 4,916.13 94.92` / `局`); a narrow figure
cell may even wrap a figure (`21,118.5` … `1`). From a PDF, the lines of one ruled row are known (the grid gives
each line its ruled row); there the row's figures are read from its ruled cells when the text broke them. From
plain text, the lines around a figure line are shared out the way centred text prints: a row has as many
name lines below its figures as above them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from itertools import combinations

from assistant.records import GridRow
from assistant.tables import parse_number, split_code, split_figures


def join_ruled(
    lines: list[str], data: list[int], grid: Mapping[int, GridRow]
) -> tuple[list[str], list[int], list[str]]:
    """Lines of one ruled row → one line (code, name, figures) at its first line with figures; the row's
    figures from its ruled cells when the text's do not match them. Returns lines, data and warnings."""
    out, keep, warnings = list(lines), [], []
    groups: list[list[int]] = []
    for i in data:
        row = grid.get(i)
        same = groups and row is not None and row.first >= 0 and _first(grid, groups[-1][-1]) == row.first
        if same:
            groups[-1].append(i)
        else:
            groups.append([i])
    for group in groups:
        if len(group) == 1:
            keep.append(group[0])
            continue
        carrier = _carrier(lines, group)
        text, note = _joined(lines, group, grid[carrier])
        out[carrier] = text
        keep.append(carrier)
        if note:
            warnings.append(f"第{carrier + 1}行{note}")
    return out, keep, warnings


def _carrier(lines: list[str], group: list[int]) -> int:
    """The line that stands for the row: its name beside its figures, else its first figures."""
    read = [(i, *split_figures(split_code(lines[i])[1])) for i in group]
    return next(
        (i for i, name, figures in read if name and figures),
        next((i for i, _, figures in read if figures), group[0]),
    )


def _first(grid: Mapping[int, GridRow], i: int) -> int | None:
    row = grid.get(i)
    return row.first if row is not None and row.first >= 0 else None


def _joined(lines: list[str], group: list[int], ruled: GridRow) -> tuple[str, str]:
    code, names, figures = "", [], []
    for i in group:
        found, rest = split_code(lines[i])
        code = code or found
        tokens = rest.split()
        names += [t for t in tokens if parse_number(t) is None]
        figures += [t for t in tokens if parse_number(t) is not None]
    cells = [v for v in (ruled.groups[-1] if ruled.groups else ()) if v is not None]
    note = ""
    if cells and [str(parse_number(t)) for t in figures] != [str(v) for v in cells]:
        figures = [str(v) for v in cells]
        note = "的数字在窄格中折行印出，按表格线内的数字读取"
    return " ".join(t for t in (code, "".join(names), " ".join(figures)) if t), note


def join_wrapped(
    lines: list[str], data: list[int], is_fragment: Callable[[str], bool]
) -> tuple[list[str], list[int]]:
    """Name fragments (lines without figures) joined to the figure line they belong to: those between two
    figure lines go to the upper row as many as it had above its figures, the rest to the lower row."""
    out, keep = list(lines), []
    pending: list[int] = []  # fragments since the last line that is not one
    last: int | None = None  # the last figure line, while it may still take fragments below it
    above: dict[int, list[int]] = {}
    below: dict[int, list[int]] = {}
    for i in data:
        if is_fragment(lines[i]):
            pending.append(i)
            continue
        if split_figures(lines[i])[1]:
            if last is not None:
                share = min(len(above.get(last, [])), len(pending))
                below[last], pending = pending[:share], pending[share:]
            above[i], last = pending, i
        else:
            if last is not None:
                below[last], pending = pending, []
            keep += pending
            last = None
        pending = []
        keep.append(i)
    if last is not None:
        below[last] = pending
    else:
        keep += pending
    for i in above:
        if above[i] or below.get(i):
            name, figures = split_figures(lines[i])
            parts = [lines[j] for j in above[i]] + [name] + [lines[j] for j in below.get(i, [])]
            out[i] = (
                "".join(p.replace(" ", "") for p in parts) + " " + " ".join(lines[i].split()[-len(figures) :])
            )
    return out, sorted(keep)


def join_broken_figures(
    lines: list[str], data: list[int], ncols: int, fits: Callable[[tuple[Decimal, ...]], bool]
) -> tuple[list[str], list[int], list[str]]:
    """Plain text of a table whose narrow figure cells wrap every figure too wide for them (`1682.7` /
    `总计： 997.20 211.00 474.56 …` / `6`): the heads above and the tails below are joined (1682.76), and
    the joined figures go among the row's own where the row's identities (`fits`, every cell printed) allow
    exactly one reading; wrapped figures that are all 0.00 are read as the empty cells they stand for. A row
    that allows no reading, or several with figures, is left as printed. Returns lines, data, notes."""
    out, drop, notes = list(lines), set(), []
    for n in range(1, len(data) - 1):
        above, at, below = data[n - 1], data[n], data[n + 1]
        if above in drop or not (at - above == 1 == below - at):
            continue
        joined = _joined_heads(lines[above], lines[below])
        code, rest = split_code(lines[at])
        name, own = split_figures(rest)
        if joined is None or not own or len(joined) + len(own) != ncols:
            continue
        rows = {row for row in _interleavings(joined, tuple(own)) if fits(row)}
        if len(rows) == 1:
            figures = " ".join(str(v) for v in rows.pop())
            out[at] = " ".join(part for part in (code, name, figures) if part)
            notes.append(f"第{at + 1}行的数字在窄格中折行印出（上下两行），已按行内恒等式拼回")
        elif rows and not any(joined):
            notes.append(f"第{at + 1}行折行印出的数字均为0，按空格读")  # zeros read the same as empty cells
        else:
            continue
        drop.update((above, below))
    return out, [i for i in data if i not in drop], notes


def _joined_heads(head: str, tail: str) -> tuple[Decimal, ...] | None:
    """`1682.7 0.0` over `6 0` → (1682.76, 0.00): a line of figure heads and a line of their last digits."""
    heads, tails = head.split(), tail.split()
    if not heads or len(heads) != len(tails) or not all(t.isdigit() and len(t) <= 2 for t in tails):
        return None
    values = [parse_number(h + t) for h, t in zip(heads, tails, strict=True)]
    if any(parse_number(h) is None or "." not in h for h in heads) or any(v is None for v in values):
        return None
    return tuple(v for v in values if v is not None)


def _interleavings(first: tuple[Decimal, ...], second: tuple[Decimal, ...]) -> set[tuple[Decimal, ...]]:
    """Every merge of two sequences keeping each one's order."""
    size = len(first) + len(second)
    out = set()
    for slots in combinations(range(size), len(first)):
        a, b = iter(first), iter(second)
        out.add(tuple(next(a) if k in slots else next(b) for k in range(size)))
    return out


def join_centred_labels(lines: list[str], data: list[int]) -> tuple[list[str], list[int], list[str]]:
    """Plain text of a two- or three-sided table whose narrow label cells wrap their labels around the
    figures, centred: `一、财政 一、一般公共服务` / `13,649.07 10,528.33 一、基本支出 7,666.68` / `拨款 支出`.
    A line opening with k figures between a line of k label heads and a line of k label tails (no figures on
    either) is one line of k labels, each with its figure. Returns lines, data and notes."""
    out, drop, notes = list(lines), set(), []
    for n in range(1, len(data) - 1):
        above, at, below = data[n - 1], data[n], data[n + 1]
        if above in drop or not (at - above == 1 == below - at):
            continue
        tokens = lines[at].split()
        figures = next((k for k, t in enumerate(tokens) if parse_number(t) is None), len(tokens))
        heads, tails = lines[above].split(), lines[below].split()
        if not figures or not len(heads) == len(tails) == figures:
            continue
        if any(parse_number(t) is not None for t in heads + tails):
            continue
        labels = [h + t for h, t in zip(heads, tails, strict=True)]
        out[at] = " ".join(
            [f"{label} {v}" for label, v in zip(labels, tokens, strict=False)] + tokens[figures:]
        )
        drop.update((above, below))
        notes.append(f"第{at + 1}行的项目名称在数字上下折行印出，已拼回：{'、'.join(labels)}")
    return out, [i for i in data if i not in drop], notes


def drop_vertical_text(lines: list[str], data: list[int]) -> tuple[list[str], list[int]]:
    """Columns printed one character a line beside a wrapped name (a 项目类型 or 单位 cell written down:
    `长` / `春` / `2026信 市` / `访专项 30.00 …`), which plain text interleaves with the name's own lines: a
    line of one character and no figures is left out, and a single character after a name fragment dropped."""
    out, keep = list(lines), []
    for i in data:
        name, figures = split_figures(lines[i])
        tokens = lines[i].split()
        if not figures and len(tokens) == 1 and len(tokens[0]) == 1:
            continue
        if not figures and len(tokens) == 2 and len(tokens[1]) == 1 and len(tokens[0]) > 1:
            out[i] = tokens[0]
        keep.append(i)
    return out, keep
