"""The fact store: migrations, documents side by side, exact round trips, text facts."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from assistant.documents import read_document
from assistant.errors import IndexMissingError
from assistant.records import Cell, Document, Row, Table
from assistant.store import MIGRATIONS, Store, fact_rows, migrate, table_facts

from .conftest import OTHER, OTHER_ID, SEED_ID


def _version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


def _tables(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def other_doc():
    if not OTHER.exists():
        pytest.skip("shared Shanghai corpus not present")
    return read_document(OTHER)


def test_fresh_store_is_at_the_latest_version(tmp_path: Path) -> None:
    db = tmp_path / "facts.sqlite"
    Store.open(db, create=True).close()
    assert _version(db) == len(MIGRATIONS) == 5
    assert {"documents", "tables", "rows", "facts", "sections", "audits", "meta"} <= _tables(db)


def test_reopening_is_idempotent(tmp_path: Path, seed_doc) -> None:
    db = tmp_path / "facts.sqlite"
    store = Store.open(db, create=True)
    store.add_document(seed_doc, "abc")
    store.set_meta("fingerprint", "x")
    store.close()
    for _ in range(2):
        store = Store.open(db)
        assert migrate(store.conn) == len(MIGRATIONS)
        assert [d["id"] for d in store.documents()] == [SEED_ID]
        assert store.meta("fingerprint") == "x"
        store.close()
    assert _version(db) == len(MIGRATIONS)


def test_a_version_1_database_is_migrated(tmp_path: Path) -> None:
    db = tmp_path / "facts.sqlite"
    conn = sqlite3.connect(db)
    conn.executescript(MIGRATIONS[0])
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    assert "meta" not in _tables(db)
    store = Store.open(db)
    assert store.meta("missing", "default") == "default"
    store.set_meta("k", "v")
    assert store.meta("k") == "v"
    store.close()
    assert _version(db) == len(MIGRATIONS) == 5
    assert "meta" in _tables(db)
    columns = {r[1] for r in sqlite3.connect(db).execute("PRAGMA table_info(facts)")}
    assert {"page", "ocr"} <= columns


def test_opening_a_missing_store_without_create_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match="budget-qa index"):
        Store.open(tmp_path / "nope" / "facts.sqlite")
    assert not (tmp_path / "nope").exists()


def _count(store: Store, table: str) -> int:
    return store.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608 - fixed names


def test_adding_a_document_twice_replaces_it(tmp_path: Path, seed_doc) -> None:
    store = Store.open(tmp_path / "facts.sqlite", create=True)
    store.add_document(seed_doc, "first", {"exit_code": 0})
    counts = {t: _count(store, t) for t in ("documents", "tables", "rows", "facts", "sections", "audits")}
    store.add_document(seed_doc, "second", {"exit_code": 1})
    assert {t: _count(store, t) for t in counts} == counts
    assert counts["documents"] == 1 and counts["tables"] == 9
    assert [d["sha256"] for d in store.documents()] == ["second"]
    assert store.audit(SEED_ID) == {"exit_code": 1}
    expected_facts = sum(len(t.cells) for t in seed_doc.tables) + len(seed_doc.text_facts)
    assert counts["facts"] == expected_facts


def test_documents_side_by_side(tmp_path: Path, seed_doc, other_doc) -> None:
    store = Store.open(tmp_path / "facts.sqlite", create=True)
    store.add_document(seed_doc, "a")
    store.add_document(other_doc, "b")
    assert [(d["id"], d["unit_name"], d["year"]) for d in store.documents()] == [
        (OTHER_ID, "上海市审计局", 2026),
        (SEED_ID, "上海市促进中小企业发展协调办公室", 2024),
    ]
    seed_facts = store.facts(SEED_ID)
    other_facts = store.facts(OTHER_ID)
    assert {f.document for f in seed_facts} == {SEED_ID}
    assert {f.document for f in other_facts} == {OTHER_ID}
    assert len(store.facts()) == len(seed_facts) + len(other_facts)
    # replacing one leaves the other alone
    store.add_document(seed_doc, "c")
    assert len(store.facts(OTHER_ID)) == len(other_facts)
    assert store.facts(SEED_ID) == seed_facts


def test_tables_round_trip_exactly(tmp_path: Path, seed_doc) -> None:
    store = Store.open(tmp_path / "facts.sqlite", create=True)
    store.add_document(seed_doc, "x")
    stored = store.tables(SEED_ID)
    assert [t.key for t in stored] == [t.key for t in seed_doc.tables]
    for original, back in zip(seed_doc.tables, stored, strict=True):
        assert (back.title, back.name, back.unit, back.columns, back.line) == (
            original.title,
            original.name,
            original.unit,
            original.columns,
            original.line,
        )
        assert back.rows == original.rows
        assert back.cells == original.cells
        assert [str(c.value) for c in back.cells] == [
            str(c.value) for c in original.cells
        ]  # 15.00 stays 15.00
        assert (back.warnings, back.unplaced) == (original.warnings, original.unplaced)
    loaded = store.load_document(SEED_ID)
    assert (loaded.unit_name, loaded.year, loaded.kind) == (
        "上海市促进中小企业发展协调办公室",
        2024,
        "单位预算",
    )
    assert loaded.text_facts == seed_doc.text_facts
    assert [s.name for s in loaded.sections] == [
        s.name for s in sorted(seed_doc.sections, key=lambda s: s.line)
    ]


def test_load_document_of_an_unknown_id(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "facts.sqlite", create=True)
    with pytest.raises(IndexMissingError, match="nope"):
        store.load_document("nope")


@pytest.mark.parametrize(
    ("row_name", "value", "unit"),
    [
        ("政府采购预算", "91.96", "万元"),
        ("政府采购货物预算", "6.96", "万元"),
        ("政府采购服务预算", "85.00", "万元"),
        ("车辆", "0", "辆"),
    ],
)
def test_text_facts_are_stored(tmp_path: Path, seed_doc, row_name: str, value: str, unit: str) -> None:
    store = Store.open(tmp_path / "facts.sqlite", create=True)
    store.add_document(seed_doc, "x")
    facts = [f for f in store.facts(SEED_ID, "text") if f.row_name == row_name and not f.column]
    assert facts, f"no text fact {row_name}"
    assert (str(facts[0].value), facts[0].unit, facts[0].source) == (value, unit, "text")
    assert facts[0].quote and facts[0].line > 0


def test_prior_year_change_is_a_text_fact(tmp_path: Path, seed_doc) -> None:
    store = Store.open(tmp_path / "facts.sqlite", create=True)
    store.add_document(seed_doc, "x")
    changes = [f for f in store.facts(SEED_ID, "text") if f.column.startswith("比") and "2023" in f.column]
    assert any(f.value == Decimal(11) and f.unit == "万元" and "财政拨款收入" in f.row_name for f in changes)


def test_table_facts_carry_cell_and_row(seed_doc) -> None:
    table = seed_doc.table("economic")
    facts = table_facts(seed_doc, table)
    office = [f for f in facts if f.row_name == "办公费" and f.column == "合计"]
    assert len(office) == 1
    f = office[0]
    assert (f.row_code, f.value, f.unit, f.table, f.source) == (
        "302 01",
        Decimal(300000),
        "元",
        "2024年预算单位一般公共预算基本支出部门预算经济分类预算表",
        "table",
    )
    assert f.line == table.rows[next(i for i, r in enumerate(table.rows) if r.name == "办公费")].line


def test_fact_rows_are_tables_then_text(seed_doc) -> None:
    rows = fact_rows(seed_doc)
    sources = [r["source"] for r in rows]
    assert sources == sorted(sources, key=lambda s: s != "table")
    three = [
        r for r in rows if r["table"].endswith("“三公”经费和机关运行经费预算表") and r["column"] == "合计"
    ]
    assert three and three[0]["value"] == "15.00" and three[0]["unit"] == "万元"


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 3],  # truncated
        lambda data: b"not a database at all" * 100,  # overwritten
        lambda data: data[:100] + bytes(len(data) - 100),  # zeroed after the header
    ],
)
def test_a_damaged_fact_store_is_one_line_naming_the_fix(tmp_path: Path, seed_doc, damage) -> None:
    db = tmp_path / "facts.sqlite"
    store = Store.open(db, create=True)
    store.add_document(seed_doc, "abc")
    store.close()
    db.write_bytes(damage(db.read_bytes()))
    with pytest.raises(IndexMissingError) as err:
        Store.open(db)
    assert "damaged" in str(err.value) and "budget-qa index --force" in str(err.value)
    assert "\n" not in str(err.value)


def test_a_rows_detail_round_trips(tmp_path: Path, seed_doc) -> None:
    from dataclasses import replace

    table = seed_doc.tables[0]
    original = list(table.rows)
    table.rows[1] = replace(table.rows[1], detail="50101 工资奖金津补贴")
    try:
        store = Store.open(tmp_path / "facts.sqlite", create=True)
        store.add_document(seed_doc, "x")
        assert store.tables(SEED_ID)[0].rows[1].detail == "50101 工资奖金津补贴"
        assert store.tables(SEED_ID)[0].rows[2].detail == ""
    finally:
        table.rows[:] = original


def _units_table(key: str, rows: list[tuple[str, str, int]]) -> Table:
    return Table(
        key,
        key,
        key,
        "万元",
        ["合计"],
        [Row(code, name, level, n + 1) for n, (code, name, level) in enumerate(rows)],
        [Cell(n, "合计", Decimal(n + 1)) for n in range(len(rows))],
    )


@pytest.mark.parametrize(
    ("rows", "listed"),
    [
        # units listed by name alone carry no level: still a table of units
        ([("", "合计", 0), ("", "某市某局", 0), ("", "某市某中心", 0)], ["合计", "某市某局", "某市某中心"]),
        ([("", "合计", 0), ("", "某市某局", 1), ("", "某市某中心", 1)], ["合计", "某市某局", "某市某中心"]),
        # no row under the department's own name, or the name only as a coded 类 row: not a table of units
        ([("", "合计", 0), ("", "某市某中心", 0)], []),
        ([("", "合计", 0), ("201 01", "某市某局", 2)], []),
    ],
)
def test_unit_table_rows(tmp_path: Path, rows: list, listed: list[str]) -> None:
    doc = Document("units", "", "某市某局", 2026, "部门预算", [], [_units_table("income_summary", rows)])
    store = Store.open(tmp_path / "facts.sqlite", create=True)
    store.add_document(doc, "x")
    assert [r["name"] for r in store.unit_table_rows()] == listed
