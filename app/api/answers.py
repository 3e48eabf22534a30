"""Marshmallow schemas of every answer body: each dumps its answer and describes it.

A view names its answer's schema with @response (app.api.declared), which dumps what the view
returns and puts the same schema in the OpenAPI description, so the description cannot drift
from what is sent. Fields are declared in the order the frontend reads them (app.json keeps
it). The error schemas describe what app.api.errors answers.
"""

from marshmallow import INCLUDE, Schema, fields, missing, pre_dump, validate
from marshmallow.utils import get_value

from app.api.schemas import TIME_PATTERN
from app.domain.hospitals import WEEKDAYS
from app.domain.model import BOOKED, CANCELLED

SLOT_STATES = ["available", "full", "closed", "past", "started"]


class OnlyWhenSet(fields.String):
    """A string left out of the answer when it has no value (a slot that is not closed)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(value, attr, obj, **kwargs) if value else missing


class Itself(fields.Nested):
    """A nested object read from the dumped value itself (a hospital's `schedule`)."""

    def get_value(self, obj, attr, accessor=None, default=missing):
        return obj


class WeekdayName(fields.String):
    def _serialize(self, value, attr, obj, **kwargs):
        return WEEKDAYS[value]


class CountOf(fields.Integer):
    """How many items the dumped value's list `items` holds (a bulk cancel's appointments)."""

    def __init__(self, items: str, **kwargs):
        super().__init__(**kwargs)
        self.items = items

    def get_value(self, obj, attr, accessor=None, default=missing):
        return len(get_value(obj, self.items))


class TimesOverCapacity(fields.List):
    """The times of the dumped value's `slots` holding more bookings than their capacity."""

    def __init__(self, **kwargs):
        super().__init__(fields.String(), **kwargs)

    def get_value(self, obj, attr, accessor=None, default=missing):
        return [s.time for s in obj.slots if s.current_bookings > s.max_capacity]


class Success(Schema):
    success = fields.Boolean(required=True, dump_default=True)


class Error(Schema):
    """Every error: `{error, ...}` with fields that depend on the error."""

    class Meta:
        unknown = INCLUDE

    error = fields.String(required=True, metadata={"example": "Slot is fully booked"})


class ValidationError(Schema):
    error = fields.String(required=True, validate=validate.Equal("Validation failed"))
    details = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                          required=True, metadata={"example": {"date": ["Date is in the past."]}})


class SlotFullError(Schema):
    """The 409 of docs/design/slot-booking-concurrency.md for a full slot."""

    error = fields.String(required=True, validate=validate.Equal("Slot is fully booked"))
    current_bookings = fields.Integer(required=True, metadata={"example": 15})
    max_capacity = fields.Integer(required=True, metadata={"example": 15})


class PatientLimitError(Schema):
    """A patient's booking past the hospital's cap on upcoming appointments per phone."""

    error = fields.String(required=True,
                          validate=validate.Equal("Patient booking limit reached"))
    limit = fields.Integer(required=True, metadata={"example": 2})
    active = fields.Integer(required=True, metadata={"example": 2})


class TooManyRequests(Schema):
    """A client address past its rate limit."""

    error = fields.String(required=True, validate=validate.Equal("Too many requests"))
    retry_after = fields.Integer(required=True, metadata={"example": 42})


class Schedule(Schema):
    closed_weekdays = fields.List(WeekdayName(), required=True)
    opens = fields.Time(format="%H:%M", required=True, metadata={"example": "09:00"})
    closes = fields.Time(format="%H:%M", required=True, metadata={"example": "17:00"})
    slot_minutes = fields.Integer(required=True)
    timezone = fields.String(attribute="timezone.key", required=True,
                             metadata={"example": "Asia/Dhaka"})
    horizon_days = fields.Integer(required=True)
    closed_dates = fields.List(fields.Nested(lambda: ClosedDate()), required=True, metadata={
        "description": "Fixed closed dates (holidays) from the configuration."})


class ClosedDate(Schema):
    date = fields.Date(required=True)
    reason = fields.String(required=True, metadata={"example": "Victory Day"})

    @pre_dump
    def from_pair(self, closed, **kwargs):
        """The configuration holds each closed date as (date, reason)."""
        day, reason = closed
        return {"date": day, "reason": reason}


class Hospital(Schema):
    id = fields.String(required=True, metadata={"example": "gomoti"})
    name = fields.String(required=True, metadata={"example": "Gomoti Hospital"})
    name_bn = fields.String(required=True, allow_none=True, metadata={
        "example": "গোমতী হাসপাতাল",
        "description": "The name in Bangla, as the pages write it; null when not configured."})
    max_per_slot = fields.Integer(required=True, metadata={"example": 15})
    phone_region = fields.String(required=True, metadata={
        "example": "BD", "description": "Where a national phone spelling (01712 345678) is "
        "read: ISO 3166 region code. Patients anywhere may give +country code."})
    schedule = Itself(Schedule, required=True)


class HospitalList(Schema):
    hospitals = fields.List(fields.Nested(Hospital), required=True)


class Seats(Schema):
    """The availability fields (docs/design/slot-booking-concurrency.md) of one slot."""

    max_capacity = fields.Integer(required=True)
    current_bookings = fields.Integer(required=True)
    available_slots = fields.Integer(required=True)
    is_available = fields.Boolean(required=True)
    status = fields.String(required=True, validate=validate.OneOf(SLOT_STATES))
    closed_reason = OnlyWhenSet(metadata={"description": "Only on a closed slot: why."})


# Which slot comes before its seats in each answer: a schema's fields from its later base
# class come first (Seats is named first below).
class AtTime(Schema):
    time = fields.String(required=True, validate=validate.Regexp(TIME_PATTERN))


class OnDayAtTime(Schema):
    date = fields.Date(required=True)
    time = fields.String(required=True, validate=validate.Regexp(TIME_PATTERN))


class OfHospitalOnDayAtTime(Schema):
    hospital_id = fields.String(required=True)
    date = fields.Date(required=True)
    time = fields.String(required=True, validate=validate.Regexp(TIME_PATTERN))


class SlotAvailability(Seats, OfHospitalOnDayAtTime):
    pass


class DaySlot(Seats, AtTime):
    pass


class DayAvailability(Schema):
    hospital_id = fields.String(required=True)
    date = fields.Date(required=True)
    is_open = fields.Boolean(required=True)
    closed_reason = OnlyWhenSet(metadata={
        "description": "Only on a closed day: the answer a booking would get.",
        "example": "Hospital closed on 2026-12-16: Victory Day"})
    slots = fields.List(fields.Nested(DaySlot), required=True)


class Appointment(Schema):
    id = fields.String(required=True)
    hospital_id = fields.String(required=True, allow_none=True)
    hospital = fields.String(required=True)
    date = fields.Date(required=True)
    appointment_time = fields.String(required=True)
    status = fields.String(required=True, metadata={"example": BOOKED,
                                                    "description": f"{BOOKED!r}, {CANCELLED!r} "
                                                    "or a visit status"})
    patient_name = fields.String(required=True)
    patient_phone = fields.String(required=True)
    patient_email = fields.String(required=True, allow_none=True)
    doctor = fields.String(required=True, allow_none=True)
    notes = fields.String(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)
    serial = fields.Integer(required=True, allow_none=True, metadata={
        "example": 7, "description": "The order the doctor calls the slot's patients in, from "
        "1, never reused in the slot (a cancelled serial stays a gap); null for appointments "
        "written before serials until `assign-serials` numbers them."})
    reference = fields.String(required=True, allow_none=True, metadata={
        "example": "K7QM3XD2", "description": "8 characters of Crockford base32 to read out "
        "(shown grouped, K7QM-3XD2); staff find it with ?reference=. Null for the old app's."})


class Booked(Success):
    appointment = fields.Nested(Appointment, required=True)
    access_token = fields.String(required=True, metadata={
        "description": "Shown once: the patient's key to read, cancel or reschedule."})


class AppointmentEnvelope(Schema):
    appointment = fields.Nested(Appointment, required=True)


class Changed(Success):
    """Dumps a cancel's result (with `seat_freed`) or {"appointment": ...} for other changes."""

    appointment = fields.Nested(Appointment, required=True)
    seat_freed = fields.Boolean(metadata={"description": "Only when cancelling: false when the "
                                          "appointment was already cancelled."})


class AppointmentPage(Schema):
    items = fields.List(fields.Nested(Appointment), required=True)
    total = fields.Integer(required=True)
    limit = fields.Integer(required=True)
    offset = fields.Integer(required=True)


class Health(Schema):
    status = fields.String(required=True, validate=validate.Equal("ok"))
    version = fields.String(required=True, metadata={
        "description": "The service's version (the installed package's).", "example": "0.1.0"})


class Ready(Schema):
    status = fields.String(required=True, validate=validate.Equal("ready"))


class NotReady(Error):
    """Why the store cannot take a booking now (for operators; no patient data)."""

    reason = fields.String(required=True, metadata={
        "example": "the database file var/booking.sqlite3 was deleted"})


class StoredClosure(Schema):
    id = fields.String(required=True)
    hospital_id = fields.String(required=True, metadata={"example": "gomoti"})
    date = fields.Date(required=True)
    start = fields.String(required=True, allow_none=True, metadata={
        "description": "null: the whole day", "example": "14:00"})
    end = fields.String(required=True, allow_none=True, metadata={"example": "17:00"})
    reason = fields.String(required=True, metadata={"example": "Power cut"})


class ClosureAdded(Schema):
    closure = fields.Nested(StoredClosure, required=True)
    active_bookings = fields.Integer(required=True, metadata={
        "description": "Bookings the closed slots hold; none is cancelled."})


class ClosureEnvelope(Schema):
    closure = fields.Nested(StoredClosure, required=True)


class ClosureList(Schema):
    closures = fields.List(fields.Nested(StoredClosure), required=True)


class BulkCancelled(Schema):
    """Dumps {"closure_id": ..., "appointments": [the cancelled appointments]}."""

    closure_id = fields.String(required=True)
    cancelled = CountOf("appointments", required=True)
    appointment_ids = fields.Pluck(Appointment, "id", many=True, attribute="appointments",
                                   required=True)


class CapacitySlot(Seats, OnDayAtTime):
    pass


class CapacitySet(Schema):
    capacity = fields.Integer(required=True, allow_none=True, metadata={
        "description": "null: back to the hospital's configured capacity"})
    slots = fields.List(fields.Nested(CapacitySlot), required=True)
    over_capacity = TimesOverCapacity(required=True, metadata={
        "description": "Times of the slots holding more bookings than the new capacity."})


class Override(Schema):
    hospital_id = fields.String(required=True)
    date = fields.Date(required=True)
    time = fields.String(required=True, validate=validate.Regexp(TIME_PATTERN))
    capacity = fields.Integer(required=True)

    @pre_dump
    def from_pair(self, override, **kwargs):
        """The store lists each override as (slot key, capacity)."""
        key, capacity = override
        return {"hospital_id": key.hospital_id, "date": key.date, "time": key.time,
                "capacity": capacity}


class OverrideList(Schema):
    overrides = fields.List(fields.Nested(Override), required=True)


class AuditEntry(Schema):
    at = fields.DateTime(required=True)
    actor = fields.String(required=True, validate=validate.OneOf(["patient", "admin", "cli"]))
    action = fields.String(required=True, metadata={"example": "book"})
    hospital_id = fields.String(attribute="slot.hospital_id", required=True)
    date = fields.Date(attribute="slot.date", required=True)
    time = fields.String(attribute="slot.time", required=True)
    appointment_id = fields.String(required=True, allow_none=True)
    before = fields.Dict(required=True)
    after = fields.Dict(required=True)


class AuditTrail(Schema):
    entries = fields.List(fields.Nested(AuditEntry), required=True)
