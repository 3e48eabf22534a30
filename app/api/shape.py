"""Every JSON body the API answers with, shaped from the service's domain values."""

from flask import url_for

from app.domain.capacity import DayAvailability, SlotAvailability
from app.domain.hospitals import WEEKDAYS, Hospital
from app.domain.model import Appointment, SlotKey
from app.domain.operations import AuditEntry, Closure
from app.service.results import AppointmentPage, Booked, Cancelled, CapacitySet, ClosureAdded


def appointment(a: Appointment) -> dict:
    return a.to_dict()


def booked(b: Booked) -> dict:
    return {"success": True, "appointment": b.appointment.to_dict(),
            "access_token": b.access_token}


def booked_headers(b: Booked) -> dict:
    headers = {"Location": url_for("appointments.get_appointment",
                                   appointment_id=b.appointment.id)}
    if b.replayed:
        headers["Idempotent-Replayed"] = "true"
    return headers


def cancelled(c: Cancelled) -> dict:
    return {"success": True, "appointment": c.appointment.to_dict(), "seat_freed": c.seat_freed}


def changed(a: Appointment) -> dict:
    return {"success": True, "appointment": a.to_dict()}


def page(p: AppointmentPage) -> dict:
    return {"items": [a.to_dict() for a in p.items], "total": p.total, "limit": p.limit,
            "offset": p.offset}


def seats(s: SlotAvailability) -> dict:
    """The document's availability fields for one slot (and why it is closed, when it is)."""
    fields = {"max_capacity": s.max_capacity, "current_bookings": s.current_bookings,
              "available_slots": s.available_slots, "is_available": s.is_available,
              "status": s.status}
    if s.closed_reason:
        fields["closed_reason"] = s.closed_reason
    return fields


def slot(s: SlotAvailability) -> dict:
    return {"hospital_id": s.hospital_id, "date": s.date.isoformat(), "time": s.time,
            **seats(s)}


def day(d: DayAvailability) -> dict:
    closed = {} if d.is_open else {"closed_reason": d.closed_reason}
    return {"hospital_id": d.hospital_id, "date": d.date.isoformat(), "is_open": d.is_open,
            **closed, "slots": [{"time": s.time, **seats(s)} for s in d.slots]}


def closure_added(c: ClosureAdded) -> dict:
    return {"closure": c.closure.to_dict(), "active_bookings": c.active_bookings}


def closures(found: list[Closure]) -> dict:
    return {"closures": [c.to_dict() for c in found]}


def bulk_cancelled(closure_id: str, cancelled: list[Appointment]) -> dict:
    return {"closure_id": closure_id, "cancelled": len(cancelled),
            "appointment_ids": [a.id for a in cancelled]}


def capacity_set(c: CapacitySet) -> dict:
    """Every changed slot with its true count; `over_capacity` lists those above it."""
    return {"capacity": c.capacity,
            "slots": [{"date": s.date.isoformat(), "time": s.time, **seats(s)} for s in c.slots],
            "over_capacity": [s.time for s in c.slots if s.current_bookings > s.max_capacity]}


def overrides(found: dict[SlotKey, int]) -> dict:
    return {"overrides": [{"hospital_id": k.hospital_id, "date": k.date.isoformat(),
                           "time": k.time, "capacity": n} for k, n in found.items()]}


def audit(entries: list[AuditEntry]) -> dict:
    return {"entries": [e.to_dict() for e in entries]}


def hospital(h: Hospital) -> dict:
    return {
        "id": h.id,
        "name": h.name,
        "max_per_slot": h.max_per_slot,
        "phone_region": h.phone_region,
        "schedule": {
            "closed_weekdays": [WEEKDAYS[d] for d in h.closed_weekdays],
            "opens": h.opens.strftime("%H:%M"),
            "closes": h.closes.strftime("%H:%M"),
            "slot_minutes": h.slot_minutes,
            "timezone": h.timezone.key,
            "horizon_days": h.horizon_days,
            "closed_dates": [{"date": day.isoformat(), "reason": reason}
                             for day, reason in h.closed_dates],
        },
    }
