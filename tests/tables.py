"""Small hand-made tables for the tests of the question path (the parsed ones come from documents)."""

from __future__ import annotations

from decimal import Decimal

from assistant.records import Cell, Row, Table


def small_table(key: str, columns: list[str], rows: list[tuple[str, int, str | list[str]]]) -> Table:
    """A table in 万元 titled by its key; rows: (name, level, one figure per column, or the first column's)."""
    figures = [[v] if isinstance(v, str) else v for _, _, v in rows]
    return Table(
        key,
        key,
        key,
        "万元",
        columns,
        [Row("", name, level, n + 1) for n, (name, level, _) in enumerate(rows)],
        [Cell(n, c, Decimal(v)) for n, vs in enumerate(figures) for c, v in zip(columns, vs, strict=False)],
    )
