"""Layout families as data: one TOML file per family under `assistant/data/layouts/`, detected from a document.

A family file names its tables (titles and their variants), each table's columns, sides, identities and
hierarchy, the narrative headings, and the cross-table equations that hold in that format. A file may
`extends` another family and then states only what differs (its `[[tables]]` replace the base's tables of the
same key; other tables of the base are kept unless `drop` lists them). A new family is a new file.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

FOLDER = Path(__file__).parent / "data" / "layouts"
DEFAULT = "shanghai"


@cache
def _raw(name: str) -> dict[str, Any]:
    path = FOLDER / f"{name}.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))


def names() -> list[str]:
    """Every family, the default first."""
    found = sorted(p.stem for p in FOLDER.glob("*.toml"))
    return [DEFAULT] + [n for n in found if n != DEFAULT]


@cache
def family(name: str = DEFAULT) -> dict[str, Any]:
    """A family's layout, with what it inherits from the family it `extends`."""
    raw = _raw(name)
    base_name = raw.get("family", {}).get("extends")
    if not base_name:
        return raw
    return _merge(family(base_name), raw)


def _merge(base: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    settings = own.get("family", {})
    dropped = set(settings.get("drop", []))
    merged = {k: v for k, v in base.items() if k != "family"}
    for key in _SPECS:
        if key in merged:
            merged[key] = [s for s in merged[key] if not _mentions(s, dropped)]
    for key, value in own.items():
        if key == "tables":
            keys = {t["key"] for t in value}
            kept = [t for t in base.get("tables", []) if t["key"] not in keys and t["key"] not in dropped]
            merged["tables"] = list(value) + kept
        elif key in _SPECS and settings.get("replace_" + key):
            merged[key] = value
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge_dict(merged[key], value)
        elif isinstance(value, list) and key in merged and key != "sections":
            merged[key] = list(value) + [v for v in merged[key] if v not in value]
        else:
            merged[key] = value
    for key in _SPECS:
        if settings.get("replace_" + key) and key not in own:
            merged[key] = []
    return merged


_SPECS = ("links", "anchors", "text_links", "class_rules", "bounds")


def _merge_dict(base: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    """One level down: a list extends the base's list (header words), anything else replaces."""
    out = dict(base)
    for key, value in own.items():
        if isinstance(value, list) and isinstance(base.get(key), list) and key != "left_names":
            out[key] = list(value) + [v for v in base[key] if v not in value]
        else:
            out[key] = value
    return out


def _mentions(spec: dict[str, Any], dropped: set[str]) -> bool:
    tables = {spec.get("table"), spec.get("target"), spec.get("source_table")}
    tables |= {p[0] for p in spec.get("parts", [])} | {w[0] for w in spec.get("when", [])}
    return bool(tables & dropped)


def detect(lines: list[str]) -> str:
    """The family most of whose marks the document shows (each mark counted once); the default when none."""
    best, score = DEFAULT, 0
    short = [line for line in lines if len(line) <= 80]
    for name in names():
        marks = [re.compile(p) for p in family(name).get("family", {}).get("detect", [])]
        hits = sum(1 for m in marks if any(m.search(line) for line in short))
        if hits > score:
            best, score = name, hits
    return best


def template(name: str, key: str) -> dict[str, Any] | None:
    """A table template of a family by key."""
    return next((t for t in family(name)["tables"] if t["key"] == key), None)


TABLE_NUMBER = re.compile(r"^(公开\s?\d+\s?表[:：]|预算\d{2}表)\s*")


def plain_title(text: str) -> str:
    """A title without spaces, quotation marks and a leading table number (`公开 09 表：`, `预算01表`), so that a title
    the PDF broke around its quotation marks still matches."""
    return re.sub(r"[\s“”\"]", "", TABLE_NUMBER.sub("", text))


def title_matches(pattern: str, title: str) -> bool:
    """A template's title pattern against a printed title, as printed or plain."""
    return bool(re.search(pattern, title) or re.search(plain_title(pattern), plain_title(title)))
