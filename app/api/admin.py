"""Staff routes under /api/admin: closures, capacity overrides, the audit trail. Every route
needs the admin key, checked once for the blueprint."""

from flask import Blueprint, request

from app.api import answers
from app.api.body import bearer_token, json_body
from app.api.declared import (
    ADMIN_DOWN,
    NO_KEY,
    STAFF,
    STAFF_READ_REFUSALS,
    STAFF_WRITE_REFUSALS,
    answer,
    body,
    operation,
    other_responses,
    path_parameter,
    query,
    response,
)
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
CLOSURE_ID = path_parameter("closure_id", "The closure's id.")
CLOSURE_REFUSALS = (NO_KEY, answer(404, "No such closure.",
                                   not_found={"error": "Closure not found"}), ADMIN_DOWN)

bp = Blueprint("admin", __name__, url_prefix="/api/admin")


@bp.before_request
def staff_only():
    booking_service().require_admin(bearer_token())


@bp.post("/closures")
@operation(tags=["staff"], security=STAFF, requestBody=body(ClosureSchema, afternoon={
    "hospital": "gomoti", "date": "2026-12-01", "start": "14:00", "end": "17:00",
    "reason": "Power cut"}))
@other_responses(*STAFF_WRITE_REFUSALS)
@response(answers.ClosureAdded, 201, "Closed at once for every worker; the bookings it holds "
          "are counted, none cancelled.")
def add_closure():
    """Close a day or a time range now; the answer counts the active bookings it holds."""
    return booking_service().add_closure(AddClosure(**load(CLOSURE, json_body())), ADMIN)


@bp.get("/closures")
@operation(tags=["staff"], security=STAFF, parameters=[query(HospitalDaySchema)])
@other_responses(*STAFF_READ_REFUSALS)
@response(answers.ClosureList, 200, "The hospital's closures by date.")
def list_closures():
    """A hospital's run-time closures (of one date, or all)."""
    wanted = load(HOSPITAL_DAY, request.args.to_dict())
    return {"closures": booking_service().closures(wanted["hospital"], wanted["date"])}


@bp.delete("/closures/<closure_id>")
@operation(tags=["staff"], security=STAFF, parameters=[CLOSURE_ID])
@other_responses(*CLOSURE_REFUSALS)
@response(answers.ClosureEnvelope, 200, "Removed; its slots reopen unless another closure "
          "covers them.")
def remove_closure(closure_id: str):
    """Reopen what a closure closed."""
    return {"closure": booking_service().remove_closure(closure_id, ADMIN)}


@bp.post("/closures/<closure_id>/cancel-bookings")
@operation(tags=["staff"], security=STAFF, parameters=[CLOSURE_ID])
@other_responses(*CLOSURE_REFUSALS)
@response(answers.BulkCancelled, 200, "The bookings awaiting their visit in the closure's "
          "slots are cancelled, its reason recorded.")
def cancel_closed(closure_id: str):
    """The explicit bulk cancel of the bookings a closure holds, its reason recorded."""
    return {"closure_id": closure_id,
            "appointments": booking_service().cancel_closed(closure_id, ADMIN)}


@bp.put("/capacity")
@operation(tags=["staff"], security=STAFF, requestBody=body(CapacitySchema, doctor_away={
    "hospital": "gomoti", "date": "2026-12-01", "capacity": 5}, one_slot={
    "hospital": "gomoti", "date": "2026-12-01", "time": "10:00", "capacity": 3}))
@other_responses(*STAFF_WRITE_REFUSALS)
@response(answers.CapacitySet, 200, "The slots with the capacity in force and their true "
          "counts; nothing is cancelled.")
def set_capacity():
    """Set (or, with null, clear) the capacity of one slot or of every slot of a date."""
    return booking_service().set_capacity(SetCapacity(**load(CAPACITY, json_body())), ADMIN)


@bp.get("/capacity")
@operation(tags=["staff"], security=STAFF, parameters=[query(HospitalDaySchema)])
@other_responses(*STAFF_READ_REFUSALS)
@response(answers.OverrideList, 200, "The capacity overrides.")
def list_capacity():
    """The capacity overrides of a hospital (one date, or all)."""
    wanted = load(HOSPITAL_DAY, request.args.to_dict())
    found = booking_service().capacity_overrides(wanted["hospital"], wanted["date"])
    return {"overrides": list(found.items())}


@bp.get("/audit")
@operation(tags=["staff"], security=STAFF, parameters=[query(AuditQuerySchema)])
@other_responses(*STAFF_READ_REFUSALS)
@response(answers.AuditTrail, 200, "The trail, oldest first.")
def audit_trail():
    """The audit trail of one appointment or one slot, oldest first."""
    asked = AuditQuery(**load(AUDIT, request.args.to_dict()))
    return {"entries": booking_service().audit_trail(asked)}
