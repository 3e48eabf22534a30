"""The Mongo engine's slot census (check-store) on documents, against mongomock.

The old app's documents and ours are counted together per slot (display name, UTC-midnight
date, time); only ours (they carry hospital_id) must be accounted for by a slot document,
since the old app never wrote any. The census on a real replica set is the contract suite's.
"""

from datetime import UTC, date, datetime

import mongomock
import pytest

from app.domain.model import SlotCensus, SlotKey
from app.storage.base import BackupUnsupported
from app.storage.mongo import MongoRepository
from app.storage.mongo.documents import (
    CENSUS,
    SAME_PATIENT,
    appointment_document,
    slot_document_id,
)
from tests.support.mongo_documents import legacy, ours
from tests.support.mongo_wire import (
    RECV_S,
    Wire,
    cursor,
    replica_set_hello,
    repository_on,
    start_mock,
)

DAY = date(2026, 11, 26)
KEY = SlotKey("gomoti", DAY, "10:00")


@pytest.fixture
def db():
    return mongomock.MongoClient(tz_aware=True).hospital_booking


@pytest.fixture
def repo(db):
    return MongoRepository(lambda: db.client, "hospital_booking", timeout=1.0,
                           hospital_names={"gomoti": "Gomoti Hospital", "moon": "Moon Hospital"})


def slot_document(db, version: int, time: str = "10:00") -> None:
    db.slots.insert_one({"_id": slot_document_id("Gomoti Hospital", DAY, time),
                         "version": version})


def test_old_and_new_documents_of_a_slot_are_counted_together(db, repo):
    db.appointments.insert_many([legacy(patient_phone="01710000001"),
                                 legacy(status="confirmed", patient_phone="01710000002"),
                                 legacy(status="cancelled")])
    db.appointments.insert_one(appointment_document(ours(phone="+8801700000001"), "h"))
    slot_document(db, version=1)
    assert repo.slot_census() == [SlotCensus(KEY, "Gomoti Hospital", 3)]


def test_our_documents_the_slot_document_does_not_account_for_are_unrecorded(db, repo):
    for n in range(3):
        db.appointments.insert_one(appointment_document(ours(phone=f"+88017000000{n}"), "h"))
    slot_document(db, version=1)
    assert repo.slot_census()[0].unrecorded == 2


def test_the_old_apps_documents_need_no_slot_document(db, repo):
    db.appointments.insert_many([legacy(patient_phone=f"0171000000{n}") for n in range(19)])
    [census] = repo.slot_census()
    assert (census.counted, census.unrecorded) == (19, 0)


def test_one_phone_twice_in_a_slot_is_listed_by_id_without_the_phone(db, repo):
    twice = [legacy(), legacy()]
    db.appointments.insert_many([*twice, legacy(time="11:00")])
    [census, other] = repo.slot_census()
    assert census.same_patient == (tuple(sorted(str(d["_id"]) for d in twice)),)
    assert "01712345678" not in repr(census)
    assert other.same_patient == ()


def test_a_hospital_name_the_configuration_does_not_know_has_no_id(db, repo):
    db.appointments.insert_one(legacy(hospital="Closed Clinic"))
    [census] = repo.slot_census()
    assert (census.key.hospital_id, census.hospital_name) == ("", "Closed Clinic")


def test_mongo_backups_point_to_the_scripts(repo, tmp_path):
    with pytest.raises(BackupUnsupported, match="scripts/backup-mongo.sh"):
        repo.backup_to(tmp_path / "b")
    with pytest.raises(BackupUnsupported, match="scripts/restore-mongo.sh"):
        repo.restore_from(tmp_path / "b", tmp_path / "p")


def test_dates_are_the_old_apps_utc_midnight(db, repo):
    db.appointments.insert_one(legacy(day=datetime(2026, 11, 26, tzinfo=UTC)))
    assert repo.slot_census()[0].key.date == DAY


def test_a_slot_of_only_the_old_apps_documents_has_its_hospitals_id(db, repo):
    db.appointments.insert_one(legacy())
    assert [c.key for c in repo.slot_census()] == [KEY]


def test_our_documents_of_a_hospital_no_longer_configured_keep_their_id(db, repo):
    clinic = ours(hospital=("old-clinic", "Old Clinic"))
    db.appointments.insert_one(appointment_document(clinic, "h"))
    [census] = repo.slot_census()
    assert (census.key.hospital_id, census.hospital_name) == ("old-clinic", "Old Clinic")


def test_our_documents_without_any_slot_document_are_all_unrecorded(db, repo):
    for n in range(2):
        db.appointments.insert_one(appointment_document(ours(phone=f"+88017000000{n}"), "h"))
    assert repo.slot_census()[0].unrecorded == 2


def test_on_the_wire_the_census_may_spill_to_disk_and_outlasts_a_bookings_bound():
    """A whole-store census is slow on a big store: its own bound (minutes, not the 1 s a
    booking gets), aggregations allowed to use disk, and only the slots' versions read."""
    server = start_mock(replica_set_hello)
    repo = repository_on(server, timeout=1.0)
    wire = Wire(server)
    try:
        census = wire.call(repo.slot_census)
        for pipeline in (CENSUS, SAME_PATIENT):
            aggregate = wire.next("aggregate", "appointments")
            assert (aggregate["pipeline"], aggregate["allowDiskUse"]) == (pipeline, True)
            assert aggregate["maxTimeMS"] > 60_000
            aggregate.ok(**cursor())
        versions = wire.next("find", "slots")
        assert (versions["filter"], versions["projection"]) == ({}, {"version": 1})
        versions.ok(**cursor())
        assert census.result(timeout=RECV_S) == []
    finally:
        assert wire.close() == []
        repo.close()
        server.stop()
