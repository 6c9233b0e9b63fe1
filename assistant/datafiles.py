"""The data files under `assistant/data/` (layouts, aliases, wording, unit-name rules): read once each."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"


@cache
def load(name: str) -> dict[str, Any]:
    """A TOML data file by name (e.g. "scope.toml"), parsed once per process."""
    return tomllib.loads((DATA / name).read_text(encoding="utf-8"))
