"""The question-log benchmark runs end to end (a small log; the figures themselves are not asserted)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.logbench import run

pytestmark = pytest.mark.slow


def test_the_benchmark_measures_every_view_through_the_server(seed_index: Path) -> None:
    report = run(rows=240, db=None, rounds=1, index_dir=seed_index)
    assert (report["rows"], report["database"]) == (240, "a SQLite file")
    figures = report["figures"]
    assert list(figures) == [
        "open the log (config + first page)",
        "filtered query (办公费, table)",
        "broad filter (route table)",
        "page 500",
        "CSV export, every row",
    ]
    assert all(f["seconds"] > 0 and f["bytes"] > 0 for f in figures.values())
    assert (
        figures["CSV export, every row"]["bytes"] > 5 * figures["broad filter (route table)"]["bytes"]
    )  # all 240 vs 50
