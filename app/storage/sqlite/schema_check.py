"""The SQLite store's schema as the app makes it, and how another database differs from it.

The reference is built from the app's own SCHEMA in memory, so it can never drift from what
`prepare()` creates. A database is compared object by object through sqlite_master and SQLite's
pragmas: every table (its columns by `pragma table_xinfo`: name, type, NOT NULL, default,
primary key, in order; and the words of its definition, so a CHECK, COLLATE, REFERENCES or
WITHOUT ROWID the app does not write shows), every index (its definition, partial WHERE
included), and no trigger, view or other object of any kind.

An older store may lack what later releases added: a whole table or index (SCHEMA's
`IF NOT EXISTS` creates it) or a column of ADDED_COLUMNS (ALTER TABLE adds it). `upgrade()`
accepts exactly those gaps, fills them, then requires the whole schema; anything else (a column
of another name, type or constraint, another index definition, a trigger, a view) is refused
with one line naming the first difference, before anything is written.
"""

import re
import sqlite3
from collections import Counter
from contextlib import closing
from dataclasses import dataclass

from app.domain.errors import ConfigError

# Quoted strings and identifiers, words, or any other single character; comments dropped.
TOKEN = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]|\w+|[^\s\w]""")
COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)
# SQLite's own objects: the indexes behind PRIMARY KEY/UNIQUE (no SQL of their own) and its
# bookkeeping tables. Not every name starting `sqlite_`: a file edited with writable_schema
# can carry a trigger named `sqlite_eat`, which SQLite loads and runs.
INTERNAL_TABLES = ("sqlite_sequence", "sqlite_stat1", "sqlite_stat2", "sqlite_stat3",
                   "sqlite_stat4")
OBJECTS = ("SELECT type, name, tbl_name, sql FROM sqlite_master "
           "WHERE NOT (type = 'index' AND sql IS NULL AND name LIKE 'sqlite_autoindex_%') "
           f"AND NOT (type = 'table' AND name IN {INTERNAL_TABLES}) ORDER BY type, name")


class StoreSchemaMismatch(ConfigError):
    """The database at the store's path is not laid out as this app's store (the message
    names the first difference); nothing was written to it."""

    def __init__(self, where: str, difference: str):
        super().__init__(f"{where} does not have the app's schema: {difference}")
        self.difference = difference


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    not_null: bool
    default: str | None
    primary_key: int
    hidden: int

    def __str__(self) -> str:
        parts = [self.name, self.type or "(no type)"]
        if self.not_null:
            parts.append("NOT NULL")
        if self.default is not None:
            parts.append(f"DEFAULT {self.default}")
        if self.primary_key:
            parts.append("PRIMARY KEY")
        if self.hidden:
            parts.append("HIDDEN")
        return " ".join(parts)


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    words: Counter


@dataclass(frozen=True)
class SchemaObject:
    kind: str
    name: str
    table: str
    definition: tuple[str, ...]
    shape: Table | None = None      # tables only


def describe(conn: sqlite3.Connection) -> dict[str, SchemaObject]:
    """Every object of the database's schema, SQLite's own left out."""
    found = {}
    for kind, name, table, sql in conn.execute(OBJECTS).fetchall():
        words = tuple(_tokens(sql or ""))
        shape = _table(conn, name, words) if kind == "table" else None
        found[name] = SchemaObject(kind, name, table, words, shape)
    return found


def _tokens(sql: str) -> list[str]:
    """The definition's words, lower-cased outside string literals, identifiers unquoted."""
    tokens = []
    for token in TOKEN.findall(COMMENT.sub(" ", sql)):
        if token[0] in "\"`[":
            token = token[1:-1]
        tokens.append(token if token.startswith("'") else token.lower())
    return tokens


def _table(conn: sqlite3.Connection, name: str, words: tuple[str, ...]) -> Table:
    quoted = name.replace('"', '""')
    try:
        rows = conn.execute(f'PRAGMA table_xinfo("{quoted}")').fetchall()
    except sqlite3.Error:               # e.g. a virtual table whose module is missing
        rows = []
    columns = tuple(Column(r[1], r[2].upper(), bool(r[3]), r[4], r[5], r[6]) for r in rows)
    return Table(columns, Counter(words))


class Schema:
    """The app's schema (its SQL script and the columns added after the first release)."""

    def __init__(self, script: str, added_columns: dict[str, tuple[str, ...]]):
        self.script = script
        self.added_columns = added_columns
        with closing(sqlite3.connect(":memory:")) as reference:
            reference.executescript(script)
            self.objects = describe(reference)

    def upgrade(self, conn: sqlite3.Connection, where: str) -> None:
        """Bring a store of this or an older release to this schema (creating what a later
        release added), or raise StoreSchemaMismatch before writing anything."""
        self.ensure(conn, where, older_ok=True)
        self._add_missing_columns(conn)     # first: the script's indexes may use them
        conn.executescript(self.script)
        self.ensure(conn, where)

    def ensure(self, conn: sqlite3.Connection, where: str, older_ok: bool = False) -> None:
        difference = self.first_difference(describe(conn), older_ok)
        if difference:
            raise StoreSchemaMismatch(where, difference)

    def first_difference(self, objects: dict[str, SchemaObject], older_ok: bool) -> str | None:
        for name, found in objects.items():
            expected = self.objects.get(name)
            if expected is None:
                return f"{found.kind} {name} is not part of the app's schema"
            difference = self._object_difference(expected, found, older_ok)
            if difference:
                return difference
        missing = [o for name, o in self.objects.items() if name not in objects]
        if missing and not older_ok:
            return f"{missing[0].kind} {missing[0].name} is missing"
        return None

    def _object_difference(self, expected: SchemaObject, found: SchemaObject,
                           older_ok: bool) -> str | None:
        if (found.kind, found.table) != (expected.kind, expected.table):
            return (f"{found.name} is a {found.kind} on {found.table} where the app has a "
                    f"{expected.kind} on {expected.table}")
        if expected.kind == "table":
            return self._table_difference(expected.name, expected.shape, found.shape, older_ok)
        if found.definition != expected.definition:
            return f"{expected.kind} {expected.name} is defined as `{' '.join(found.definition)}`"
        return None

    def _table_difference(self, name: str, expected: Table, found: Table,
                          older_ok: bool) -> str | None:
        wanted = self._columns_expected(name, expected, found, older_ok)
        columns = _columns_difference(name, wanted, found.columns)
        if columns:
            return columns
        words = _words_difference(self._words_expected(name, expected, wanted), found.words)
        return f"table {name}'s definition {words}" if words else None

    def _columns_expected(self, name: str, expected: Table, found: Table,
                          older_ok: bool) -> tuple[Column, ...]:
        """The app's columns; from an older store, those before ADDED_COLUMNS it lacks."""
        if not older_ok:
            return expected.columns
        added = {c.split()[0] for c in self.added_columns.get(name, ())}
        present = {c.name for c in found.columns}
        return tuple(c for c in expected.columns if c.name in present or c.name not in added)

    def _words_expected(self, name: str, expected: Table, wanted: tuple[Column, ...]
                        ) -> Counter:
        words = Counter(expected.words)
        kept = {c.name for c in wanted}
        for column in self.added_columns.get(name, ()):
            if column.split()[0] not in kept:
                words -= Counter(_tokens(column) + [","])
        return words

    def _add_missing_columns(self, conn: sqlite3.Connection) -> None:
        for table, columns in self.added_columns.items():
            present = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
            if not present:
                continue        # a missing table: the script makes it whole
            for column in columns:
                if column.split()[0] not in present:
                    conn.execute(f"ALTER TABLE {table} ADD COLUMN {column}")


def _columns_difference(table: str, expected: tuple[Column, ...],
                        found: tuple[Column, ...]) -> str | None:
    by_name = {c.name: c for c in found}
    for column in expected:
        if column.name not in by_name:
            return f"table {table} has no column {column.name}"
    for column in found:
        if column.name not in {c.name for c in expected}:
            return f"table {table} has a column {column.name} the app does not make"
    for want, have in zip(expected, found, strict=True):
        if want != have:
            return (f"table {table}: column {have} where the app has {want}"
                    if want.name == have.name else f"table {table}: columns in another order")
    return None


def _words_difference(expected: Counter, found: Counter) -> str | None:
    extra, lacking = found - expected, expected - found
    if not (extra or lacking):
        return None
    parts = [f"has {' '.join(sorted(extra.elements()))}"] * bool(extra) + [
        f"lacks {' '.join(sorted(lacking.elements()))}"] * bool(lacking)
    return " and ".join(parts) + " compared with the app's"
