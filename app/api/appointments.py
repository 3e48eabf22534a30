"""The document's appointment routes, plus the appointment lifecycle."""

from flask import Blueprint, request

from app.api import shape
from app.api.auth import admin_only
from app.api.body import bearer_token, idempotency_key, json_body
from app.api.schemas import (
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
from app.wiring import booking_service

# Built once: a schema per request cost ~40 µs of each booking (make bench).
BOOKING, SLOT_PATH = BookingSchema(), SlotPathSchema()
SEARCH, CHANGE = AppointmentSearchSchema(), AppointmentChangeSchema()

bp = Blueprint("appointments", __name__, url_prefix="/api/appointments")


@bp.post("")
def book():
    """Book one seat (POST /api/appointments of docs/design/slot-booking-concurrency.md)."""
    command = BookSlot(**load(BOOKING, json_body()), idempotency_key=idempotency_key(),
                       bearer=bearer_token())
    booked = booking_service().book(command)
    return shape.booked(booked), 201, shape.booked_headers(booked)


@bp.get("/availability/<hospital>/<date>/<time>")
def slot_availability(hospital: str, date: str, time: str):
    """What is left of one slot (the real-time availability route of
    docs/design/slot-booking-concurrency.md)."""
    slot = load(SLOT_PATH, {"date": date, "time": time})
    return shape.slot(booking_service().slot_availability(hospital, slot["date"], slot["time"]))


@bp.get("")
@admin_only
def search():
    """The admin list of a hospital day's appointments."""
    wanted = AppointmentFilter(**load(SEARCH, request.args.to_dict()))
    return shape.page(booking_service().search(wanted, bearer_token()))


@bp.get("/<appointment_id>")
def get_appointment(appointment_id: str):
    """One appointment, for its token holder or an admin."""
    return {"appointment": shape.appointment(
        booking_service().get(appointment_id, bearer_token()))}


@bp.patch("/<appointment_id>")
def change_appointment(appointment_id: str):
    """Cancel ({status: 'cancelled'}), record a visit ({status: 'checked_in' | 'completed' |
    'no_show'}, staff only) or reschedule ({date, appointment_time[, hospital]})."""
    change = load(CHANGE, json_body())
    if change.get("status") == CANCELLED:
        cancel = CancelAppointment(appointment_id, bearer_token())
        return shape.cancelled(booking_service().cancel(cancel))
    if "status" in change:
        visit = ChangeStatus(appointment_id, bearer_token(), change["status"])
        return shape.changed(booking_service().change_status(visit))
    move = Reschedule(appointment_id, bearer_token(), change["date"],
                      change["appointment_time"], change.get("hospital"))
    return shape.changed(booking_service().reschedule(move))
