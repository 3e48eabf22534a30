"""Cheap refusals: a booking whose slot a read already shows full is answered 409 without the
write lock or a transaction, so a rush on a full slot never queues behind real bookings."""

import sqlite3
from datetime import date

import pytest

from tests.support.bookings import GOOD, post

FULL_TIME = "11:00"


@pytest.fixture
def full_slot(client, store):
    store.write_legacy("gomoti", "Gomoti Hospital", date(2026, 11, 26), FULL_TIME, 15)
    return {**GOOD, "appointment_time": FULL_TIME}


@pytest.fixture
def write_lock_held(repository, store):
    """Another connection holds SQLite's write lock (as a long writer would)."""
    conn = sqlite3.connect(store.path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    yield
    conn.execute("ROLLBACK")
    conn.close()


def test_a_full_slot_is_refused_while_the_write_lock_is_held_elsewhere(client, full_slot,
                                                                        write_lock_held):
    refused = post(client, full_slot)
    assert (refused.status_code, refused.json) == (409, {
        "error": "Slot is fully booked", "current_bookings": 15, "max_capacity": 15})


def test_control_a_possibly_free_slot_needs_the_write_lock(client, full_slot, write_lock_held):
    assert post(client, GOOD).status_code == 503     # waited for the lock, then gave up
