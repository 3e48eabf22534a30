"""The SQLite write gate (app.storage.sqlite.gate) on its own: how long a writer waits for a
place in its process's queue."""

import threading
import time

import pytest

from app.domain.errors import StoreUnavailable
from app.storage.sqlite.gate import WriteGate


class PatientGate(WriteGate):
    """A place may be awaited far longer than a writer's own time, and no queue looks stuck:
    only the writer's deadline can end its wait for a place early."""

    PLACE_WAIT_S = 5.0
    STUCK_S = 60.0


def test_a_writer_waits_for_a_place_no_longer_than_its_own_deadline(tmp_path):
    gate = PatientGate(tmp_path / "db.sqlite3.lock", timeout=3.0, places=1)
    holding, release = threading.Event(), threading.Event()

    def hold_the_only_place():
        with gate.hold():
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=hold_the_only_place)
    holder.start()
    try:
        assert holding.wait(10)
        started = time.monotonic()
        with pytest.raises(StoreUnavailable) as refused, gate.hold(timeout=0.1):
            pass
        assert time.monotonic() - started < 0.8             # not PLACE_WAIT_S, nor a second
        assert str(refused.value.__cause__) == ("1 writers of this process already wait for "
                                                "the store")
    finally:
        release.set()
        holder.join()
    with gate.hold(timeout=0.1) as deadline:                # control: a free place is taken
        assert deadline > time.monotonic()
