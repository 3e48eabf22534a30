"""How a database's schema is compared with the app's (app.storage.sqlite.schema_check): each
kind of difference a hostile or broken backup could carry is named, and only what a later release
added may be missing from an older store."""

import sqlite3
from contextlib import closing

import pytest

from app.storage.sqlite import SCHEMA, STORE_SCHEMA
from app.storage.sqlite.schema_check import Schema, StoreSchemaMismatch, describe

PHONE = "patient_phone TEXT NOT NULL, patient_email"
STATUS = "status TEXT NOT NULL DEFAULT 'booked'"
CLOSURES = "CREATE TABLE IF NOT EXISTS closures"
SLOTS_END = ") WITHOUT ROWID;\n" + CLOSURES


def difference(script: str, *statements: str, older_ok: bool = False) -> str | None:
    with closing(sqlite3.connect(":memory:")) as conn:
        conn.executescript(script)
        for statement in statements:
            conn.execute(statement)
        return STORE_SCHEMA.first_difference(describe(conn), older_ok)


def test_the_apps_own_schema_has_no_difference():
    assert difference(SCHEMA) is None


@pytest.mark.parametrize("script, statements, named", [
    (SCHEMA.replace(STATUS, STATUS + " CHECK (status <> 'booked')"), (),
     "table appointments's definition has 'booked' ( ) < > check status compared with"),
    (SCHEMA.replace(PHONE, "patient_phone TEXT NOT NULL COLLATE NOCASE, patient_email"), (),
     "table appointments's definition has collate nocase"),
    (SCHEMA.replace(STATUS, "status INTEGER NOT NULL DEFAULT 'booked'"), (),
     "table appointments: column status INTEGER NOT NULL DEFAULT 'booked' where the app has "
     "status TEXT NOT NULL DEFAULT 'booked'"),
    (SCHEMA.replace(STATUS, "status TEXT NOT NULL DEFAULT 'cancelled'"), (),
     "column status TEXT NOT NULL DEFAULT 'cancelled' where the app has"),
    (SCHEMA.replace("WHERE status <> 'cancelled'", "WHERE status = 'none'"), (),
     "index appointments_one_per_patient is defined as"),
    (SCHEMA.replace(SLOTS_END, ");\n" + CLOSURES, 1), (),
     "table slots's definition lacks rowid without compared with the app's"),
    (SCHEMA.replace(SLOTS_END, ", CHECK (version >= 0));\n" + CLOSURES, 1), (),
     "table slots's definition has ( ) , 0 = > check version and lacks rowid without compared "
     "with the app's"),
    (SCHEMA.replace("patient_email TEXT,", "patient_email,"), (),
     "table appointments: column patient_email (no type) where the app has patient_email TEXT"),
    (SCHEMA.replace('id TEXT PRIMARY KEY, hospital_id TEXT NOT NULL, date',
                    'id TEXT, hospital_id TEXT NOT NULL, date'), (),
     "table closures: column id TEXT where the app has id TEXT PRIMARY KEY"),
    (SCHEMA.replace("doctor TEXT,", "doctor TEXT GENERATED ALWAYS AS (notes) VIRTUAL,"), (),
     "table appointments: column doctor TEXT HIDDEN where the app has doctor TEXT"),
    (SCHEMA, ("CREATE VIRTUAL TABLE notes USING fts5(body)",),
     "table notes is not part of the app's schema"),
    (SCHEMA, ("CREATE TRIGGER eat AFTER INSERT ON appointments "
              "BEGIN DELETE FROM appointments WHERE id = NEW.id; END",),
     "trigger eat is not part of the app's schema"),
    (SCHEMA, ("CREATE VIEW seats AS SELECT id FROM appointments",),
     "view seats is not part of the app's schema"),
    (SCHEMA, ("PRAGMA writable_schema = ON",            # a name only a hand edit can give
              "INSERT INTO sqlite_master VALUES ('trigger', 'sqlite_eat', 'appointments', 0, "
              "'CREATE TRIGGER sqlite_eat AFTER INSERT ON appointments BEGIN DELETE FROM "
              "appointments WHERE id = NEW.id; END')"),
     "trigger sqlite_eat is not part of the app's schema"),
    (SCHEMA, ("DROP INDEX appointments_by_slot",), "index appointments_by_slot is missing"),
    (SCHEMA, ("ALTER TABLE slots DROP COLUMN closed",), "table slots has no column closed"),
    (SCHEMA, ("ALTER TABLE slots ADD COLUMN note TEXT",),
     "table slots has a column note the app does not make"),
])
def test_each_difference_is_named(script, statements, named):
    found = difference(script, *statements)
    assert found is not None and named in found, found


def test_an_older_store_may_lack_what_later_releases_added_and_nothing_else():
    older = ("DROP TABLE patients", "DROP INDEX appointments_by_patient",
             "ALTER TABLE slots DROP COLUMN closed", "ALTER TABLE slots DROP COLUMN capacity")
    assert difference(SCHEMA, *older, older_ok=True) is None
    assert difference(SCHEMA, *older) == "table slots has no column capacity"
    assert difference(SCHEMA, older[0]) == "table patients is missing"
    # Only ADDED_COLUMNS may be missing: a column of the first release may not.
    assert difference(SCHEMA, "ALTER TABLE appointments DROP COLUMN doctor", older_ok=True) == (
        "table appointments has no column doctor")


def test_a_store_from_before_serials_is_upgraded_with_its_bookings(tmp_path):
    """Its new indexes name the new columns: the columns come first (a store of the release
    before once stopped start-up with "no such column: serial")."""
    with closing(sqlite3.connect(tmp_path / "older.sqlite3", isolation_level=None)) as conn:
        conn.executescript(SCHEMA)
        conn.execute("DROP INDEX appointments_one_per_serial")
        conn.execute("DROP INDEX appointments_by_reference")
        for table, column in (("appointments", "serial"), ("appointments", "reference"),
                              ("slots", "serials")):
            conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        conn.execute("INSERT INTO slots (hospital_id, date, time, version) "
                     "VALUES ('gomoti', '2026-11-26', '10:00', 3)")
        STORE_SCHEMA.upgrade(conn, "the store")
        assert STORE_SCHEMA.first_difference(describe(conn), older_ok=False) is None
        assert conn.execute("SELECT version, serials FROM slots").fetchall() == [(3, 0)]


def test_upgrade_fills_an_older_store_and_refuses_another_before_writing(tmp_path):
    with closing(sqlite3.connect(tmp_path / "older.sqlite3", isolation_level=None)) as conn:
        conn.executescript(SCHEMA)
        for added_later in ("serials", "closed"):      # a release before both
            conn.execute(f"ALTER TABLE slots DROP COLUMN {added_later}")
        conn.execute("DROP TABLE idempotency_keys")
        STORE_SCHEMA.upgrade(conn, "the store")
        assert STORE_SCHEMA.first_difference(describe(conn), older_ok=False) is None
    with closing(sqlite3.connect(tmp_path / "other.sqlite3", isolation_level=None)) as conn:
        conn.execute("CREATE TABLE appointments (id TEXT PRIMARY KEY, date TEXT)")
        with pytest.raises(StoreSchemaMismatch, match="^the store does not have the app's "
                           "schema: table appointments has no column hospital_id$") as refused:
            STORE_SCHEMA.upgrade(conn, "the store")
        assert refused.value.difference == "table appointments has no column hospital_id"
        names = [row[0] for row in conn.execute("SELECT name FROM sqlite_master")]
    assert names == ["appointments", "sqlite_autoindex_appointments_1"]     # nothing written


def test_a_schema_is_what_its_script_makes_plus_the_columns_added_later(tmp_path, monkeypatch):
    """Schema is built from any script, not only the app's: its reference (in memory: no file
    appears anywhere), its upgrade and the columns an older database may lack all come from the
    script and ADDED_COLUMNS given."""
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    schema = Schema("CREATE TABLE IF NOT EXISTS t (a TEXT NOT NULL, b INTEGER);\n"
                    "CREATE INDEX IF NOT EXISTS t_by_b ON t (b);", {"t": ("b INTEGER",)})
    assert sorted(schema.objects) == ["t", "t_by_b"]
    assert list((tmp_path / "cwd").iterdir()) == []
    with closing(sqlite3.connect(tmp_path / "older.sqlite3", isolation_level=None)) as conn:
        conn.execute("CREATE TABLE t (a TEXT NOT NULL)")
        conn.execute("INSERT INTO t VALUES ('kept')")
        schema.upgrade(conn, "the older database")
        assert schema.first_difference(describe(conn), older_ok=False) is None
        assert conn.execute("SELECT a, b FROM t").fetchall() == [("kept", None)]
    with closing(sqlite3.connect(":memory:")) as conn:       # the app's store is another
        conn.executescript(SCHEMA)
        assert schema.first_difference(describe(conn), older_ok=True) == (
            "index appointments_by_patient is not part of the app's schema")


def test_an_added_column_sqlite_cannot_put_in_its_place_stops_the_upgrade_naming_the_database():
    """ALTER TABLE appends: a column added later but written before others in the script
    leaves the columns in another order than a new store's, refused after the upgrade."""
    schema = Schema("CREATE TABLE IF NOT EXISTS t (a TEXT NOT NULL, b INTEGER, c TEXT);",
                    {"t": ("b INTEGER",)})
    with closing(sqlite3.connect(":memory:")) as conn:
        conn.execute("CREATE TABLE t (a TEXT NOT NULL, c TEXT)")
        with pytest.raises(StoreSchemaMismatch) as refused:
            schema.upgrade(conn, "the older database")
    assert str(refused.value) == ("the older database does not have the app's schema: "
                                  "table t: columns in another order")


def test_a_table_missing_from_an_older_database_does_not_stop_the_columns_of_the_next():
    schema = Schema("CREATE TABLE IF NOT EXISTS later (x TEXT, y TEXT);\n"
                    "CREATE TABLE IF NOT EXISTS t (a TEXT NOT NULL, b INTEGER);",
                    {"later": ("y TEXT",), "t": ("b INTEGER",)})
    with closing(sqlite3.connect(":memory:")) as conn:
        conn.execute("CREATE TABLE t (a TEXT NOT NULL)")       # before `later` and `b`
        schema.upgrade(conn, "the older database")
        assert schema.first_difference(describe(conn), older_ok=False) is None
