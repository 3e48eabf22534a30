"""The appointment routes of docs/design/slot-booking-concurrency.md, plus the lifecycle."""

from flask import Blueprint, request, url_for

from app.api import answers
from app.api.auth import admin_only
from app.api.body import bearer_token, idempotency_key, json_body
from app.api.declared import (
    ADMIN_DOWN,
    INVALID,
    NO_HOSPITAL,
    NO_KEY,
    OWNER_OR_STAFF,
    RATE_LIMITED,
    STAFF,
    STORE_DOWN,
    TOO_LARGE,
    WRONG_TYPE,
    answer,
    any_of,
    body,
    operation,
    other_responses,
    path_parameter,
    query,
    response,
)
from app.api.schemas import (
    TIME_PATTERN,
    AppointmentChangeSchema,
    AppointmentSearchSchema,
    BookingSchema,
    SlotPathSchema,
    load,
)
from app.domain.model import CANCELLED
from app.service.commands import (
    AppointmentFilter,
    BookSlot,
    CancelAppointment,
    ChangeStatus,
    Reschedule,
)
from app.service.results import Booked
from app.wiring import booking_service

# Built once: a schema per request cost ~40 µs of each booking (make bench).
BOOKING, SLOT_PATH = BookingSchema(), SlotPathSchema()
SEARCH, CHANGE = AppointmentSearchSchema(), AppointmentChangeSchema()

APPOINTMENT_ID = path_parameter("appointment_id", "The appointment's id.")
HOSPITAL = path_parameter("hospital", "Hospital id (`gomoti`) or display name.", example="gomoti")
IDEMPOTENCY_KEY = {
    "in": "header", "name": "Idempotency-Key", "required": False,
    "description": "16-255 characters (a random UUID): a retry with the same key and body "
                   "replays the first answer instead of booking twice. Empty means no key.",
    "schema": any_of({"type": "string", "pattern": "^[ \t]*$"},
                     {"type": "string", "minLength": 16, "maxLength": 255})}
BOOKING_EXAMPLE = {"hospital": "gomoti", "date": "2026-12-01", "appointment_time": "10:00",
                   "patient_name": "Rahim Uddin", "patient_phone": "+8801712345678"}
SLOT_FULL = {"error": "Slot is fully booked", "current_bookings": 15, "max_capacity": 15}
NOT_FOUND = answer(
    404, "No such appointment, or the token is not its own (the same body either way); `help` "
    "and each hospital's `contacts` say where a patient who lost the token turns.",
    not_found={"error": "Appointment not found", "help": "Lost the access token of your "
               "booking? The hospital's staff can find your appointment: contact the "
               "hospital you booked with.", "contacts": [{
                   "hospital_id": "gomoti", "name": "Gomoti Hospital",
                   "contact": "Ask at the front desk.",
                   "contact_bn": "অভ্যর্থনা ডেস্কে জিজ্ঞেস করুন।"}]})
FOLLOW_UPS = {name: {"operationId": operation_id, "parameters": {
    "appointment_id": "$response.body#/appointment/id"}}
    for name, operation_id in [("GetAppointment", "appointments.get_appointment"),
                               ("ChangeAppointment", "appointments.change_appointment")]}

bp = Blueprint("appointments", __name__, url_prefix="/api/appointments")


@bp.post("")
@operation(tags=["appointments"], parameters=[IDEMPOTENCY_KEY],
           requestBody=body(BookingSchema, booking=BOOKING_EXAMPLE))
@other_responses(
    answer(400, "Invalid input, or the hospital is closed that day; nothing was written.",
           any_of(answers.ValidationError, answers.Error),
           closed={"error": "Hospital closed on Fridays"},
           validation_failed={"error": "Validation failed", "details": {
               "patient_phone": ["Missing data for required field."]}}),
    NO_HOSPITAL,
    answer(409, "The slot is full (the body of docs/design/slot-booking-concurrency.md), the "
           "patient already holds it, or the patient (one phone) holds the hospital's limit "
           "of upcoming bookings.",
           any_of(answers.SlotFullError, answers.PatientLimitError, answers.Error),
           full=SLOT_FULL, duplicate={"error": "Patient already booked for this slot"},
           patient_limit={"error": "Patient booking limit reached", "limit": 2, "active": 2}),
    TOO_LARGE, WRONG_TYPE, RATE_LIMITED,
    answer(422, "The Idempotency-Key was used with another body."), STORE_DOWN)
@response(answers.Booked, 201, "Booked; `access_token` is shown only here.", headers={
    "Location": {"schema": {"type": "string"}},
    "Idempotent-Replayed": {"description": "`true` on a replayed answer.",
                            "schema": {"type": "string"}}}, links=FOLLOW_UPS)
def book():
    """Book one seat (POST /api/appointments of docs/design/slot-booking-concurrency.md)."""
    command = BookSlot(**load(BOOKING, json_body()), idempotency_key=idempotency_key(),
                       bearer=bearer_token())
    booked = booking_service().book(command)
    return booked, _booked_headers(booked)


def _booked_headers(booked: Booked) -> dict:
    headers = {"Location": url_for("appointments.get_appointment",
                                   appointment_id=booked.appointment.id)}
    if booked.replayed:
        headers["Idempotent-Replayed"] = "true"
    return headers


@bp.get("/availability/<hospital>/<date>/<time>")
@operation(tags=["availability"], parameters=[
    HOSPITAL, path_parameter("date", "YYYY-MM-DD", format="date"),
    path_parameter("time", "HH:MM on the hospital's slot grid", pattern=TIME_PATTERN)])
@other_responses(RATE_LIMITED, answer(
    400, "Not a slot of the schedule (off the grid, beyond the horizon, not a date).",
    answers.ValidationError), NO_HOSPITAL, STORE_DOWN)
@response(answers.SlotAvailability, 200,
          "The slot (the body of docs/design/slot-booking-concurrency.md).")
def slot_availability(hospital: str, date: str, time: str):
    """What is left of one slot (the real-time availability route of
    docs/design/slot-booking-concurrency.md)."""
    slot = load(SLOT_PATH, {"date": date, "time": time})
    return booking_service().slot_availability(hospital, slot["date"], slot["time"])


@bp.get("")
@admin_only
@operation(tags=["staff"], security=STAFF, parameters=[query(AppointmentSearchSchema)])
@other_responses(RATE_LIMITED, INVALID, NO_KEY, NO_HOSPITAL, ADMIN_DOWN)
@response(answers.AppointmentPage, 200, "One page of the day's appointments.")
def search():
    """The admin list of a hospital day's appointments (by time, then serial), or the one
    appointment with a reference."""
    wanted = AppointmentFilter(**load(SEARCH, request.args.to_dict()))
    return booking_service().search(wanted, bearer_token())


@bp.get("/<appointment_id>")
@operation(tags=["appointments"], security=OWNER_OR_STAFF, parameters=[APPOINTMENT_ID])
@other_responses(RATE_LIMITED, NOT_FOUND, STORE_DOWN)
@response(answers.AppointmentEnvelope, 200, "The appointment.")
def get_appointment(appointment_id: str):
    """One appointment, for its token holder or an admin."""
    return {"appointment": booking_service().get(appointment_id, bearer_token())}


@bp.patch("/<appointment_id>")
@operation(tags=["appointments"], security=OWNER_OR_STAFF, parameters=[APPOINTMENT_ID],
           requestBody=body(AppointmentChangeSchema, cancel={"status": "cancelled"},
                            reschedule={"date": "2026-12-02", "appointment_time": "11:30"},
                            check_in={"status": "checked_in"}))
@other_responses(
    RATE_LIMITED, INVALID, answer(401, "A visit status needs the admin key."), NOT_FOUND,
    answer(409, "The target slot is full (the body of "
           "docs/design/slot-booking-concurrency.md), the patient already holds it, the "
           "appointment is cancelled, or the visit rules refuse the status "
           "(`current_status`).", any_of(answers.SlotFullError, answers.Error),
           full=SLOT_FULL, transition={"error": "Cannot change status from cancelled to "
                                       "checked_in", "current_status": "cancelled"}),
    TOO_LARGE, WRONG_TYPE, ADMIN_DOWN)
@response(answers.Changed, 200, "Cancelled (`seat_freed`), moved, or its visit recorded.")
def change_appointment(appointment_id: str):
    """Cancel ({status: 'cancelled'}), record a visit ({status: 'checked_in' | 'completed' |
    'no_show'}, staff only) or reschedule ({date, appointment_time[, hospital]})."""
    change = load(CHANGE, json_body())
    if change.get("status") == CANCELLED:
        return booking_service().cancel(CancelAppointment(appointment_id, bearer_token()))
    if "status" in change:
        visit = ChangeStatus(appointment_id, bearer_token(), change["status"])
        return {"appointment": booking_service().change_status(visit)}
    move = Reschedule(appointment_id, bearer_token(), change["date"],
                      change["appointment_time"], change.get("hospital"))
    return {"appointment": booking_service().reschedule(move)}
