"""What the SQLite slot-row write does, shown by behaviour rather than by reading the table.

As shipped, BEGIN IMMEDIATE behind the write gate already serializes every SQLite writer, and
the slot row is written so both engines run the Mongo design's sequence. The row is what makes
that sequence safe on its own: here the engine's own transaction body runs in a DEFERRED
transaction with no gate, where nothing but the order of its statements serializes writers.
Four bookers race for the last seat, each pausing between its count and its insert. With the
slot row written first, they queue on that write and the losers are told the truth (409 slot
full). Without it (the control), all four count the same snapshot and the losers' inserts fail
to upgrade it (SQLITE_BUSY): 503 for patients who should have heard "full".
"""

import sqlite3
import time
import uuid
from contextlib import nullcontext
from datetime import UTC, date, datetime

import pytest

from app.domain import slot as aggregate
from app.domain.errors import SlotFull, StoreUnavailable
from app.domain.model import Appointment, Slot
from app.domain.operations import SlotRules
from app.service import writes
from app.storage.sqlite import SqliteRepository, SqliteStore
from tests.support.load import run_together

LAST_SEAT = Slot("gomoti", "Gomoti Hospital", date(2026, 11, 26), "10:00", capacity=1)
RACERS = 4
PAUSE_S = 0.2      # long enough for every racer to have counted before the first inserts


class DeferredConnection:
    """A connection whose BEGIN IMMEDIATE runs as a plain (deferred) BEGIN."""

    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn

    def execute(self, sql, *args):
        return self._conn.execute("BEGIN" if sql == "BEGIN IMMEDIATE" else sql, *args)

    def __getattr__(self, name):
        return getattr(self._conn, name)


class NoGate:
    def hold(self):
        return nullcontext(time.monotonic() + 10)   # the deadline a gate yields


@pytest.fixture
def deferred(tmp_path, monkeypatch):
    """The repository with deferred transactions, no write gate, and a pause after the count."""
    repo = SqliteRepository(tmp_path / "db.sqlite3", busy_timeout=10)
    monkeypatch.setattr(repo, "_gate", NoGate())
    connection = repo._connection
    monkeypatch.setattr(repo, "_connection", lambda: DeferredConnection(connection()))
    check = aggregate.ensure_seat_free

    def counted_then_pause(current, capacity):
        check(current, capacity)
        time.sleep(PAUSE_S)

    monkeypatch.setattr(aggregate, "ensure_seat_free", counted_then_pause)
    yield repo
    repo.close()


def race_for_the_last_seat(repo) -> list[str]:
    def book(n):
        return writes.book(repo, LAST_SEAT, Appointment(
            uuid.uuid4().hex, "gomoti", "Gomoti Hospital", LAST_SEAT.date, "10:00", "booked",
            f"P{n}", f"+88017{n:08d}", None, None, None, datetime.now(UTC)), "h")

    return sorted(type(result).__name__ for result in run_together(book, RACERS))


def test_with_the_slot_row_written_first_racers_queue_and_losers_hear_full(deferred):
    assert race_for_the_last_seat(deferred) == ["Appointment"] + [SlotFull.__name__] * (
        RACERS - 1)
    assert deferred.slot_count(LAST_SEAT.key) == 1


def test_control_without_the_slot_row_losers_get_503_instead_of_full(deferred, monkeypatch):
    # No slot write: no capacity override or closure either (none is set here).
    monkeypatch.setattr(SqliteStore, "claim_slot", lambda uow, key, seats: (SlotRules(), 1))
    outcome = race_for_the_last_seat(deferred)
    assert outcome == ["Appointment"] + [StoreUnavailable.__name__] * (RACERS - 1)
    assert deferred.slot_count(LAST_SEAT.key) == 1
