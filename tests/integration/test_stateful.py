"""Random book / cancel / reschedule sequences against a simple model of the slots.

The same machine runs on each storage engine (SQLite; MongoDB when a replica set is available).
"""

import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from app.config.hospitals import load_hospitals
from app.domain.errors import AppointmentCancelled, DuplicateBooking, SlotFull
from app.service import BookingService
from app.service.commands import BookSlot, CancelAppointment, Reschedule

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
DAY = date(2026, 11, 26)
TIMES = ["09:00", "09:30"]
PHONES = ["+8801700000001", "+8801700000002", "+8801700000003", "+8801700000004"]
CONFIG = """
[[hospital]]
id = "tiny"
name = "Tiny Clinic"
max_per_slot = 2
closed_weekdays = ["Friday"]
opens = "09:00"
closes = "10:00"
slot_minutes = 30
timezone = "Asia/Dhaka"
horizon_days = 30
"""


class SlotModel(RuleBasedStateMachine):
    """Subclasses give `tmp_dir()` and `make_repository()`; the model is engine-independent."""

    appointments = Bundle("appointments")

    def __init__(self):
        super().__init__()
        self.service = BookingService(self.hospitals(), self.make_repository(), "admin",
                                      lambda: NOW)
        self.model: dict[str, list] = {}     # id -> [time, phone, active]

    def hospitals(self):
        path = self.tmp_dir() / "tiny.toml"
        path.write_text(CONFIG)
        return load_hospitals(path)

    def active(self, time):
        return [a for a in self.model.values() if a[0] == time and a[2]]

    def expected_refusal(self, time, phone):
        if len(self.active(time)) >= 2:
            return SlotFull
        if any(a[1] == phone for a in self.active(time)):
            return DuplicateBooking
        return None

    @rule(target=appointments, time=st.sampled_from(TIMES), phone=st.sampled_from(PHONES))
    def book(self, time, phone):
        command = BookSlot(hospital="tiny", date=DAY, appointment_time=time, patient_name="P",
                           patient_phone=phone)
        refusal = self.expected_refusal(time, phone)
        try:
            appointment_id = self.service.book(command).appointment.id
        except (SlotFull, DuplicateBooking) as exc:
            assert type(exc) is refusal
            return None
        assert refusal is None
        self.model[appointment_id] = [time, phone, True]
        return appointment_id

    @precondition(lambda self: self.model)
    @rule(appointment_id=appointments)
    def cancel(self, appointment_id):
        if appointment_id is None:
            return
        freed = self.service.cancel(CancelAppointment(appointment_id, "admin")).seat_freed
        assert freed == self.model[appointment_id][2]
        self.model[appointment_id][2] = False

    @precondition(lambda self: self.model)
    @rule(appointment_id=appointments, time=st.sampled_from(TIMES))
    def reschedule(self, appointment_id, time):
        if appointment_id is None:
            return
        entry = self.model[appointment_id]
        expected = self.expected_reschedule(entry, time)
        try:
            self.service.reschedule(Reschedule(appointment_id, "admin", DAY, time))
        except (SlotFull, DuplicateBooking, AppointmentCancelled) as exc:
            assert type(exc) is expected
            return
        assert expected is None
        entry[0] = time

    def expected_reschedule(self, entry, time):
        if not entry[2]:
            return AppointmentCancelled
        return None if entry[0] == time else self.expected_refusal(time, entry[1])

    @invariant()
    def counts_match_the_model_and_never_exceed_capacity(self):
        counts = self.service.repository.day_counts("tiny", DAY)
        for time in TIMES:
            assert counts.get(time, 0) == len(self.active(time)) <= 2


def machine_on(engine):
    """The model machine on a fresh store of `engine` for every example."""

    class EngineSlotModel(SlotModel):
        def __init__(self):
            self._tmp = tempfile.TemporaryDirectory()
            self._store = engine.store(Path(self._tmp.name), label="stateful")
            super().__init__()

        def tmp_dir(self):
            return Path(self._tmp.name)

        def make_repository(self):
            return self._store.repository(5.0)

        def teardown(self):
            self.service.repository.close()
            self._store.drop()
            self._tmp.cleanup()

    return EngineSlotModel


@pytest.mark.every_engine
def test_random_sequences_match_the_model(engine):
    run_state_machine_as_test(
        machine_on(engine),
        settings=settings(max_examples=60, stateful_step_count=30, deadline=None))
