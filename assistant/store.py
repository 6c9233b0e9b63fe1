"""The fact store: SQLite, one file, several documents side by side.

The schema is created and changed only through the numbered `MIGRATIONS` below (tracked in
`PRAGMA user_version`). A document is written in one transaction: its tables (with rows, so a table can be
shown again as a grid), every placed cell as a fact, the facts stated in the text, its narrative sections
and its audit report.
"""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

from assistant.errors import IndexMissingError
from assistant.records import Cell, Document, Fact, Row, Section, Table, format_decimal

MIGRATIONS: list[str] = [
    # 1: documents, tables, rows, facts, sections, audits
    """
    CREATE TABLE documents (
        id TEXT PRIMARY KEY, path TEXT NOT NULL, unit_name TEXT NOT NULL, year INTEGER NOT NULL,
        kind TEXT NOT NULL, sha256 TEXT NOT NULL, indexed_at TEXT NOT NULL DEFAULT (datetime('now'))
    );
    CREATE TABLE tables (
        document TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE, key TEXT NOT NULL,
        name TEXT NOT NULL, title TEXT NOT NULL, unit TEXT NOT NULL, columns TEXT NOT NULL,
        line INTEGER NOT NULL, warnings TEXT NOT NULL, unplaced TEXT NOT NULL, position INTEGER NOT NULL,
        PRIMARY KEY (document, key)
    );
    CREATE TABLE rows (
        document TEXT NOT NULL, table_key TEXT NOT NULL, idx INTEGER NOT NULL, code TEXT NOT NULL,
        name TEXT NOT NULL, level INTEGER NOT NULL, line INTEGER NOT NULL, side TEXT NOT NULL,
        numbers TEXT NOT NULL,
        PRIMARY KEY (document, table_key, idx),
        FOREIGN KEY (document, table_key) REFERENCES tables(document, key) ON DELETE CASCADE
    );
    CREATE TABLE facts (
        id INTEGER PRIMARY KEY, document TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        unit_name TEXT NOT NULL, year INTEGER NOT NULL, table_key TEXT NOT NULL, table_name TEXT NOT NULL,
        row_idx INTEGER NOT NULL, row_code TEXT NOT NULL, row_name TEXT NOT NULL, row_level INTEGER NOT NULL,
        column_name TEXT NOT NULL, value TEXT NOT NULL, unit TEXT NOT NULL, line INTEGER NOT NULL,
        source TEXT NOT NULL, quote TEXT NOT NULL
    );
    CREATE INDEX facts_by_document ON facts (document, table_key);
    CREATE TABLE sections (
        document TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE, name TEXT NOT NULL,
        title TEXT NOT NULL, text TEXT NOT NULL, line INTEGER NOT NULL
    );
    CREATE TABLE audits (
        document TEXT PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE, exit_code INTEGER NOT NULL,
        report TEXT NOT NULL
    );
    """,
    # 2: key/value settings of the index (embedding model, build time)
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # 3: the PDF page of every row and fact (0 when read from text), pages read by OCR
    """
    ALTER TABLE rows ADD COLUMN page INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE rows ADD COLUMN ocr INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE facts ADD COLUMN page INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE facts ADD COLUMN ocr INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE sections ADD COLUMN page INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE documents ADD COLUMN pages INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE documents ADD COLUMN ocr_pages TEXT NOT NULL DEFAULT '[]';
    """,
    # 4: the layout family each table follows
    """
    ALTER TABLE tables ADD COLUMN family TEXT NOT NULL DEFAULT 'shanghai';
    """,
    # 5: what a row prints beside its name (a second classification code and name)
    """
    ALTER TABLE rows ADD COLUMN detail TEXT NOT NULL DEFAULT '';
    """,
]


class Store:
    """Read and write documents and their facts."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.conn.execute("PRAGMA foreign_keys = ON")
        migrate(self.conn)

    @classmethod
    def open(cls, path: str | Path, create: bool = False) -> Store:
        p = Path(path)
        if not create and not p.exists():
            raise IndexMissingError(f"{p}: no fact store here; build it with `budget-qa index`")
        p.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(p, check_same_thread=False)
        try:
            store = cls(conn)
            store.conn.execute("SELECT count(*) FROM documents").fetchone()
        except sqlite3.DatabaseError:  # truncated, overwritten or not a database at all
            conn.close()
            raise IndexMissingError(
                f"{p}: the fact store is damaged; rebuild the index with `budget-qa index --force`"
            ) from None
        return store

    def close(self) -> None:
        self.conn.close()

    # writing
    def add_document(self, doc: Document, sha256: str, audit: dict[str, Any] | None = None) -> None:
        with self.conn:
            self.conn.execute("DELETE FROM documents WHERE id = ?", (doc.id,))
            self.conn.execute(
                "INSERT INTO documents (id, path, unit_name, year, kind, sha256, pages, ocr_pages)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    doc.id,
                    doc.path,
                    doc.unit_name,
                    doc.year,
                    doc.kind,
                    sha256,
                    max(doc.pages, default=0),
                    json.dumps(doc.ocr_pages),
                ),
            )
            for pos, table in enumerate(doc.tables):
                self._add_table(doc, table, pos)
            self.conn.executemany(
                "INSERT INTO sections (document, name, title, text, line, page) VALUES (?, ?, ?, ?, ?, ?)",
                [(doc.id, s.name, s.title, s.text, s.line, doc.page(s.line)) for s in doc.sections],
            )
            self._add_facts(doc.text_facts, -1)
            if audit is not None:
                self.conn.execute(
                    "INSERT INTO audits (document, exit_code, report) VALUES (?, ?, ?)",
                    (doc.id, int(audit.get("exit_code", 0)), json.dumps(audit, ensure_ascii=False)),
                )

    def _add_table(self, doc: Document, table: Table, pos: int) -> None:
        self.conn.execute(
            "INSERT INTO tables (document, key, name, title, unit, columns, line, warnings, unplaced, position,"
            " family) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                doc.id,
                table.key,
                table.name,
                table.title,
                table.unit,
                json.dumps(table.columns, ensure_ascii=False),
                table.line,
                json.dumps(table.warnings, ensure_ascii=False),
                json.dumps(table.unplaced, ensure_ascii=False),
                pos,
                table.family,
            ),
        )
        self.conn.executemany(
            "INSERT INTO rows (document, table_key, idx, code, name, level, line, side, numbers, page, ocr,"
            " detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    doc.id,
                    table.key,
                    i,
                    r.code,
                    r.name,
                    r.level,
                    r.line,
                    r.side,
                    json.dumps([format_decimal(n) for n in r.numbers]),
                    r.page,
                    int(r.ocr),
                    r.detail,
                )
                for i, r in enumerate(table.rows)
            ],
        )
        self._add_facts(table_facts(doc, table), 0, table.key, [c.row for c in table.cells])

    def _add_facts(
        self, facts: list[Fact], _: int, table_key: str = "", rows: list[int] | None = None
    ) -> None:
        self.conn.executemany(
            "INSERT INTO facts (document, unit_name, year, table_key, table_name, row_idx, row_code, row_name,"
            " row_level, column_name, value, unit, line, source, quote, page, ocr)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    f.document,
                    f.unit_name,
                    f.year,
                    table_key or f.table,
                    f.table,
                    rows[i] if rows else -1,
                    f.row_code,
                    f.row_name,
                    f.row_level,
                    f.column,
                    format_decimal(f.value),
                    f.unit,
                    f.line,
                    f.source,
                    f.quote,
                    f.page,
                    int(f.ocr),
                )
                for i, f in enumerate(facts)
            ],
        )

    def set_meta(self, key: str, value: str) -> None:
        with self.conn:
            self.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # reading
    def meta(self, key: str, default: str = "") -> str:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def documents(self) -> list[dict[str, Any]]:
        cur = self.conn.execute(
            "SELECT id, path, unit_name, year, kind, sha256, indexed_at FROM documents ORDER BY id"
        )
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]

    def document(self, document: str) -> dict[str, Any] | None:
        cur = self.conn.execute(
            "SELECT id, path, unit_name, year, kind, sha256, indexed_at, pages, ocr_pages FROM documents"
            " WHERE id = ?",
            (document,),
        )
        row = cur.fetchone()
        if not row:
            return None
        info = dict(zip([d[0] for d in cur.description], row, strict=True))
        info["ocr_pages"] = json.loads(info["ocr_pages"])
        return info

    def unit_table_rows(self) -> list[dict[str, Any]]:
        """The rows of every table that prints a row under its document's own unit name (收入总表, “三公”
        table …: one row per budget unit; units listed by name alone carry no level), in table order; the
        catalogue reads the budget units from them."""
        tables = self.conn.execute(
            "SELECT DISTINCT d.document, d.table_key FROM rows d JOIN documents doc ON doc.id = d.document"
            " WHERE d.side = '' AND (d.level > 0 OR d.code = '') AND d.code NOT LIKE '% %' AND d.name LIKE"
            " replace(replace(doc.unit_name, '（本级）', ''), '(本级)', '') || '%'"
        ).fetchall()
        out: list[dict[str, Any]] = []
        for document, key in tables:
            cur = self.conn.execute(
                "SELECT document, table_key, idx, code, name, level FROM rows"
                " WHERE document = ? AND table_key = ? AND side = '' ORDER BY idx",
                (document, key),
            )
            cols = [d[0] for d in cur.description]
            out += [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
        return out

    def first_document(self) -> str:
        """The document indexed first (the first path given to `budget-qa index`): the default to answer from."""
        row = self.conn.execute("SELECT id FROM documents ORDER BY rowid LIMIT 1").fetchone()
        return row[0] if row else ""

    def facts(self, document: str | None = None, source: str | None = None) -> list[Fact]:
        sql = (
            "SELECT document, unit_name, year, table_name, row_code, row_name, row_level, column_name, value,"
            " unit, line, source, quote, page, ocr FROM facts WHERE 1=1"
        )
        args: list[Any] = []
        if document:
            sql += " AND document = ?"
            args.append(document)
        if source:
            sql += " AND source = ?"
            args.append(source)
        return [
            Fact(*r[:8], Decimal(r[8]), *r[9:14], bool(r[14]))
            for r in self.conn.execute(sql + " ORDER BY id", args)
        ]

    def tables(self, document: str) -> list[Table]:
        out = []
        for key, name, title, unit, columns, line, warnings, unplaced, family in self.conn.execute(
            "SELECT key, name, title, unit, columns, line, warnings, unplaced, family FROM tables WHERE document = ?"
            " ORDER BY position",
            (document,),
        ):
            rows = [
                Row(
                    code,
                    rname,
                    level,
                    rline,
                    side,
                    tuple(Decimal(n) for n in json.loads(numbers)),
                    page,
                    bool(ocr),
                    detail,
                )
                for code, rname, level, rline, side, numbers, page, ocr, detail in self.conn.execute(
                    "SELECT code, name, level, line, side, numbers, page, ocr, detail FROM rows"
                    " WHERE document = ? AND table_key = ? ORDER BY idx",
                    (document, key),
                )
            ]
            cells = [
                Cell(idx, col, Decimal(value))
                for idx, col, value in self.conn.execute(
                    "SELECT row_idx, column_name, value FROM facts WHERE document = ? AND table_key = ?"
                    " AND source = 'table' ORDER BY id",
                    (document, key),
                )
            ]
            out.append(
                Table(
                    key,
                    title,
                    name,
                    unit,
                    json.loads(columns),
                    rows,
                    cells,
                    line,
                    json.loads(warnings),
                    json.loads(unplaced),
                    family,
                )
            )
        return out

    def sections(self, document: str) -> list[Section]:
        return [
            Section(*r)
            for r in self.conn.execute(
                "SELECT name, title, text, line FROM sections WHERE document = ? ORDER BY line", (document,)
            )
        ]

    def audit(self, document: str) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT report FROM audits WHERE document = ?", (document,)).fetchone()
        return json.loads(row[0]) if row else None

    def load_document(self, document: str) -> Document:
        """A stored document, rebuilt as a `Document` (tables, sections and text facts)."""
        info = self.document(document)
        if info is None:
            raise IndexMissingError(f"no document {document!r} in the index")
        return Document(
            info["id"],
            info["path"],
            info["unit_name"],
            info["year"],
            info["kind"],
            self.sections(document),
            self.tables(document),
            self.facts(document, "text"),
            ocr_pages=info["ocr_pages"],
        )


def table_facts(doc: Document, table: Table) -> list[Fact]:
    """Every placed cell of a table as a `Fact` (pure)."""
    return [
        Fact(
            doc.id,
            doc.unit_name,
            doc.year,
            table.name,
            table.rows[c.row].code,
            table.rows[c.row].name,
            table.rows[c.row].level,
            c.column,
            c.value,
            table.unit,
            table.rows[c.row].line,
            page=table.rows[c.row].page,
            ocr=table.rows[c.row].ocr,
        )
        for c in table.cells
    ]


def fact_rows(doc: Document) -> list[dict[str, Any]]:
    """A document's facts, tables first then the text, as the JSON lines of `budget-qa facts`."""
    facts = [f for t in doc.tables for f in table_facts(doc, t)] + doc.text_facts
    return [f.to_dict() for f in facts]


def migrate(conn: sqlite3.Connection) -> int:
    """Apply the migrations the database has not seen yet; returns the schema version."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        with conn:
            conn.executescript(script)
            conn.execute(f"PRAGMA user_version = {number}")
    return len(MIGRATIONS)
