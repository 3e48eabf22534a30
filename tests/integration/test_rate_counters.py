"""The SQLite rate-limit counters (app.storage.rate_counters) as Flask-Limiter uses them: fixed
windows shared by every process through one file, ended windows purged."""

import sqlite3
import time
from contextlib import closing

import pytest

from app.config import Settings
from app.domain.errors import ConfigError
from app.storage import rate_counters
from app.storage.rate_counters import (
    PURGE_EVERY,
    SqliteCounterStorage,
    check_counters,
)
from app.storage.rate_counters import rate_counters as counters_of
from harness.server import free_port
from tests.support.processes import assert_one_connection_per_thread_and_process, in_a_child


@pytest.fixture
def clock(monkeypatch):
    """The storage's clock (time.time), moved by the test."""
    now = [1_000_000.0]
    monkeypatch.setattr(rate_counters.time, "time", lambda: now[0])
    return now


def storage(tmp_path, **options) -> SqliteCounterStorage:
    return SqliteCounterStorage(f"sqlite://{tmp_path}/var/limits/counters.sqlite3", **options)


def rows(tmp_path) -> list[tuple]:
    with closing(sqlite3.connect(tmp_path / "var" / "limits" / "counters.sqlite3")) as conn:
        return conn.execute("SELECT key, count FROM counters ORDER BY key").fetchall()


def test_a_window_counts_up_then_starts_again_once_it_has_ended(tmp_path, clock):
    counters = storage(tmp_path)
    assert [counters.incr("ip", 60) for _ in range(3)] == [1, 2, 3]
    assert counters.incr("ip", 60, amount=2) == 5
    assert (counters.get("ip"), counters.get_expiry("ip")) == (5, clock[0] + 60)
    assert (counters.get("other"), counters.get_expiry("other")) == (0, clock[0])
    clock[0] += 60                        # the window has ended: nothing counted any more
    assert (counters.get("ip"), counters.get_expiry("ip")) == (0, clock[0])
    assert counters.incr("ip", 60) == 1
    assert counters.get_expiry("ip") == clock[0] + 60


def test_every_process_and_connection_shares_the_counts_of_one_file(tmp_path):
    first, second = storage(tmp_path), storage(tmp_path)
    first.incr("ip", 60)
    second.incr("ip", 60)
    assert (first.get("ip"), second.get("ip")) == (2, 2)
    assert in_a_child(lambda: first.incr("ip", 60) == 3)       # a forked worker
    assert second.get("ip") == 3


def test_each_thread_keeps_one_connection_and_a_forked_process_opens_its_own(tmp_path):
    assert_one_connection_per_thread_and_process(storage(tmp_path)._connection)


def test_clear_and_reset(tmp_path):
    counters = storage(tmp_path)
    for key in ("a", "b", "b"):
        counters.incr(key, 60)
    counters.clear("b")
    assert (counters.get("a"), counters.get("b")) == (1, 0)
    assert counters.reset() == 1
    assert rows(tmp_path) == []


def test_ended_windows_are_deleted_every_thousand_increments(tmp_path, clock):
    counters = storage(tmp_path)
    counters.incr("gone", 1)
    clock[0] += 2                        # "gone" has ended
    for _ in range(PURGE_EVERY - 2):
        counters.incr("ip", 60)
    assert rows(tmp_path) == [("gone", 1), ("ip", PURGE_EVERY - 2)]
    counters.incr("ip", 60)              # the thousandth
    assert rows(tmp_path) == [("ip", PURGE_EVERY - 1)]


def test_a_counter_file_locked_elsewhere_fails_within_the_timeout(tmp_path):
    """Flask-Limiter swallows the error (the request passes) once this timeout is spent."""
    counters = storage(tmp_path, timeout=0.3)
    with closing(sqlite3.connect(tmp_path / "var" / "limits" / "counters.sqlite3",
                                 isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        with pytest.raises(sqlite3.OperationalError):
            counters.incr("ip", 60)
        assert time.monotonic() - started < 3       # sqlite3's own default waits 5 s


def test_check_says_whether_the_file_answers(tmp_path):
    counters = storage(tmp_path)
    assert counters.check() is True
    counters._connection().close()       # e.g. a connection lost under it
    assert counters.check() is False



def test_a_chosen_counter_store_that_cannot_be_opened_is_refused_saying_why(tmp_path):
    (tmp_path / "file").write_text("not a directory")
    uri = f"sqlite://{tmp_path}/file/limits/counters.sqlite3"
    with pytest.raises(ConfigError) as refused:
        check_counters(counters_of(Settings(ratelimit_storage_uri=uri)))
    assert str(refused.value) == (f"RATELIMIT_STORAGE_URI {uri} cannot be used: [Errno 20] "
                                  f"Not a directory: '{tmp_path}/file/limits'")


def test_a_chosen_counter_store_that_does_not_answer_is_refused_without_credentials():
    uri = f"mongodb://u:s3cret@127.0.0.1:{free_port()}/?serverSelectionTimeoutMS=200"
    with pytest.raises(ConfigError) as refused:
        check_counters(counters_of(Settings(ratelimit_storage_uri=uri)))
    assert str(refused.value) == (
        f"RATELIMIT_STORAGE_URI {uri.replace('u:s3cret@', '')} does not answer")
