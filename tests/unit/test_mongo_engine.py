"""Pure parts of the Mongo engine: server checks, ids, error mapping, one client per process."""

import os
import threading
import time
from datetime import date

import pytest
from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from app.domain.errors import DuplicateBooking, IdempotencyKeyInFlight, ReferenceTaken
from app.storage.mongo import MongoRepository, client, documents


@pytest.mark.parametrize("hello, standalone", [
    ({"isWritablePrimary": True}, True),
    ({"isWritablePrimary": True, "setName": "rs0"}, False),
    ({"isWritablePrimary": False, "secondary": True, "setName": "rs0"}, False),
    ({"isWritablePrimary": True, "msg": "isdbgrid"}, False),        # mongos: transactions work
])
def test_only_a_standalone_server_is_refused(hello, standalone):
    assert client.is_standalone(hello) is standalone


def test_standalone_message_says_what_to_do():
    assert "replica set" in client.STANDALONE_MESSAGE
    assert "scripts/init-replica-set.sh" in client.STANDALONE_MESSAGE


def test_slot_document_id_is_per_hospital_day_and_time():
    assert documents.slot_document_id("Gomoti Hospital", date(2026, 11, 26), "10:00") == \
        "Gomoti Hospital|2026-11-26|10:00"


def test_legacy_objectid_strings_are_looked_up_both_ways():
    oid = ObjectId()
    assert documents.id_candidates(str(oid)) == [str(oid), oid]
    assert documents.id_candidates("4f1c0c8e0b6b4a1e9d2f3a4b5c6d7e8f") == [
        "4f1c0c8e0b6b4a1e9d2f3a4b5c6d7e8f"]


@pytest.mark.parametrize("message, error", [
    ("E11000 duplicate key error collection: hospital_booking.idempotency_keys index: _id_",
     IdempotencyKeyInFlight),
    ("E11000 duplicate key error collection: hospital_booking.appointments index: "
     "one_patient_per_slot_counted", DuplicateBooking),
    ("E11000 duplicate key error collection: hospital_booking.appointments index: "
     "unique_reference dup key: { reference: \"K7QM3XD2\" }", ReferenceTaken),
])
def test_duplicate_keys_map_to_the_domain_error(message, error):
    assert isinstance(documents.duplicate_error(DuplicateKeyError(message, 11000)), error)


class FakeClient:
    def __init__(self):
        self.pid = os.getpid()

    def __getitem__(self, name):
        return (self.pid, name)


def counting_factory():
    made = []

    def factory():
        time.sleep(0.01)        # a real MongoClient starts threads: other threads run meanwhile
        made.append(FakeClient())
        return made[-1]
    return factory, made


def test_threads_arriving_together_share_one_client():
    factory, made = counting_factory()
    repo = MongoRepository(factory, "hospital_booking", hospital_names={})
    barrier = threading.Barrier(8)
    seen = []

    def use():
        barrier.wait()
        seen.append(repo.db)

    threads = [threading.Thread(target=use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 1
    assert set(seen) == {(os.getpid(), "hospital_booking")}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_a_forked_worker_makes_its_own_client():
    factory, made = counting_factory()
    repo = MongoRepository(factory, "hospital_booking", hospital_names={})
    assert repo.db == (os.getpid(), "hospital_booking")
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:                                     # the gunicorn worker after fork
        ok = repo.db == (os.getpid(), "hospital_booking") and len(made) == 2
        os.write(write_end, b"1" if ok else b"0")
        os._exit(0)
    os.close(write_end)
    answer = os.read(read_end, 1)
    os.waitpid(child, 0)
    os.close(read_end)
    assert answer == b"1"
    assert len(made) == 1 and repo.db == (os.getpid(), "hospital_booking")
