"""Serials and references through the API and the admin commands, on every engine: a seat's
serial from its slot's record (1, 2, 3 ... never reused), the reference staff find it by, and
`assign-serials` numbering what was written before serials."""

from datetime import date, timedelta

import pytest

from app.domain.model import SlotKey
from app.domain.references import ALPHABET, grouped
from tests.support.admin_key import ADMIN
from tests.support.bookings import GOOD, post

pytestmark = pytest.mark.every_engine

DAY = date.fromisoformat(GOOD["date"])


def booked(client, n: int, time: str = GOOD["appointment_time"]) -> dict:
    answer = post(client, {**GOOD, "appointment_time": time,
                           "patient_phone": f"+88017{n:08d}"})
    assert answer.status_code == 201, answer.json
    return answer.json["appointment"] | {"token": answer.json["access_token"]}


def cancel(client, appointment: dict) -> None:
    answer = client.patch(f"/api/appointments/{appointment['id']}", json={"status": "cancelled"},
                          headers={"Authorization": f"Bearer {appointment['token']}"})
    assert answer.status_code == 200, answer.json


def listed(client, **query) -> list[dict]:
    answer = client.get("/api/appointments", headers=ADMIN, query_string={
        "hospital": "gomoti", "date": DAY.isoformat(), **query})
    assert answer.status_code == 200, answer.json
    return answer.json["items"]


def test_serials_count_from_one_and_a_cancelled_one_stays_a_gap(client):
    first, second, third = (booked(client, n) for n in range(3))
    assert [a["serial"] for a in (first, second, third)] == [1, 2, 3]
    cancel(client, second)
    assert booked(client, 3)["serial"] == 4             # a later patient is called later
    assert [(a["serial"], a["status"]) for a in listed(client)] == [
        (1, "booked"), (2, "cancelled"), (3, "booked"), (4, "booked")]


def test_a_move_takes_the_next_serial_of_the_slot_it_moves_into(client):
    booked(client, 0, "11:00")
    mover = booked(client, 1)
    answer = client.patch(f"/api/appointments/{mover['id']}", headers=ADMIN, json={
        "date": DAY.isoformat(), "appointment_time": "11:00"})
    assert answer.status_code == 200, answer.json
    assert answer.json["appointment"]["serial"] == 2


def test_staff_find_an_appointment_by_its_reference_typed_as_read(client):
    made = booked(client, 0)
    booked(client, 1)
    reference = made["reference"]
    assert len(reference) == 8 and set(reference) <= set(ALPHABET)
    typed = grouped(reference).lower().replace("1", "l").replace("0", "o")   # as heard
    found = client.get("/api/appointments", headers=ADMIN, query_string={"reference": typed})
    assert found.status_code == 200, found.json
    assert [a["id"] for a in found.json["items"]] == [made["id"]]


@pytest.mark.parametrize("query, field", [({"reference": "K7QM-3XD"}, "reference"),
                                          ({"reference": "K7QM-3XDU"}, "reference"),
                                          ({"date": "2026-11-26"}, "_schema")])
def test_a_search_without_a_day_or_a_good_reference_is_refused(client, query, field):
    answer = client.get("/api/appointments", headers=ADMIN, query_string=query)
    assert answer.status_code == 400
    assert field in answer.json["details"]


def test_earlier_bookings_without_serials_are_called_before_a_later_one(client, store):
    """Appointments written before serials (or by the old app) booked earlier: the next
    booking of their slot numbers them first, in booking order, and takes the next serial."""
    store.write_legacy("gomoti", "Gomoti Hospital", DAY, "10:00", 2)
    later = booked(client, 7)
    assert later["serial"] == 3
    assert [(a["serial"], a["id"] == later["id"]) for a in listed(client)] == [
        (1, False), (2, False), (3, True)]


def test_assign_serials_numbers_the_unnumbered_in_booking_order_once(app, client, store):
    other_day = DAY + timedelta(days=1)
    store.write_legacy("gomoti", "Gomoti Hospital", other_day, "11:00", 3)
    store.write_legacy("gomoti", "Gomoti Hospital", other_day, "11:00", 1, status="cancelled")
    before = seated(listed(client, date=other_day.isoformat()))    # unnumbered: booking order
    run = app.test_cli_runner()
    assert "3 appointment(s) numbered in 1 slot(s)" in run.invoke(args=["assign-serials"]).output
    assert "0 appointment(s) numbered in 0 slot(s)" in run.invoke(args=["assign-serials"]).output
    after = listed(client, date=other_day.isoformat())                # by serial
    assert seated(after) == before
    assert [a["serial"] for a in after if a["status"] != "cancelled"] == [1, 2, 3]
    assert [a["serial"] for a in after if a["status"] == "cancelled"] == [None]


def seated(rows: list[dict]) -> list[str]:
    return [a["id"] for a in rows if a["status"] != "cancelled"]


def test_assign_serials_audits_what_it_numbered_once_per_slot(app, store, repository):
    store.write_legacy("gomoti", "Gomoti Hospital", DAY, "10:00", 2)
    run = app.test_cli_runner()
    for _ in range(2):                                  # the second run numbers nothing
        run.invoke(args=["assign-serials"])
    entries = repository.audit_trail(slot=SlotKey("gomoti", DAY, "10:00"))
    assert [(e.action, e.after) for e in entries] == [("serials", {"numbered": 2})]


def test_assign_serials_leaves_cancelled_appointments_without_a_serial(app, store):
    store.write_legacy("gomoti", "Gomoti Hospital", DAY, "10:00", 1, status="cancelled")
    run = app.test_cli_runner().invoke(args=["assign-serials"])
    assert "0 appointment(s) numbered in 0 slot(s)" in run.output
