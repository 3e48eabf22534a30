"""Staff routes under /api/admin: closures, capacity overrides, the audit trail. Every route
needs the admin key, checked once for the blueprint."""

from flask import Blueprint, request

from app.api import shape
from app.api.body import bearer_token, json_body
from app.api.schemas import (
    AuditQuerySchema,
    CapacitySchema,
    ClosureSchema,
    HospitalDaySchema,
    load,
)
from app.domain.operations import ADMIN
from app.service.commands import AddClosure, AuditQuery, SetCapacity
from app.wiring import booking_service

CLOSURE, CAPACITY = ClosureSchema(), CapacitySchema()
HOSPITAL_DAY, AUDIT = HospitalDaySchema(), AuditQuerySchema()

bp = Blueprint("admin", __name__, url_prefix="/api/admin")


@bp.before_request
def staff_only():
    booking_service().require_admin(bearer_token())


@bp.post("/closures")
def add_closure():
    """Close a day or a time range now; the answer counts the active bookings it holds."""
    added = booking_service().add_closure(AddClosure(**load(CLOSURE, json_body())), ADMIN)
    return shape.closure_added(added), 201


@bp.get("/closures")
def list_closures():
    """A hospital's run-time closures (of one date, or all)."""
    wanted = load(HOSPITAL_DAY, request.args.to_dict())
    return shape.closures(booking_service().closures(wanted["hospital"], wanted["date"]))


@bp.delete("/closures/<closure_id>")
def remove_closure(closure_id: str):
    """Reopen what a closure closed."""
    return {"closure": booking_service().remove_closure(closure_id, ADMIN).to_dict()}


@bp.post("/closures/<closure_id>/cancel-bookings")
def cancel_closed(closure_id: str):
    """The explicit bulk cancel of the bookings a closure holds, its reason recorded."""
    cancelled = booking_service().cancel_closed(closure_id, ADMIN)
    return shape.bulk_cancelled(closure_id, cancelled)


@bp.put("/capacity")
def set_capacity():
    """Set (or, with null, clear) the capacity of one slot or of every slot of a date."""
    changed = booking_service().set_capacity(SetCapacity(**load(CAPACITY, json_body())), ADMIN)
    return shape.capacity_set(changed)


@bp.get("/capacity")
def list_capacity():
    """The capacity overrides of a hospital (one date, or all)."""
    wanted = load(HOSPITAL_DAY, request.args.to_dict())
    return shape.overrides(booking_service().capacity_overrides(wanted["hospital"],
                                                                wanted["date"]))


@bp.get("/audit")
def audit_trail():
    """The audit trail of one appointment or one slot, oldest first."""
    query = AuditQuery(**load(AUDIT, request.args.to_dict()))
    return shape.audit(booking_service().audit_trail(query))
