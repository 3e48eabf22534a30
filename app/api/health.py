"""Liveness and readiness probes, for load balancers, compose and Docker healthchecks."""

from flask import Blueprint

from app.api import answers
from app.api.declared import RETRY_AFTER, answer, operation, other_responses, response
from app.wiring import booking_service

bp = Blueprint("health", __name__, url_prefix="/api")


@bp.get("/health")
@operation(tags=["operations"])
@response(answers.Health, 200, "Liveness: this process answers.")
def health():
    """Liveness: 200 while this process answers requests (restart it when it does not)."""
    return {"status": "ok"}


@bp.get("/ready")
@operation(tags=["operations"])
@other_responses(answer(
    503, "The store cannot take a booking now (SQLite: file deleted or replaced, read-only, "
    "write lock not free within 1 s; MongoDB: no primary within 1 s).", answers.NotReady,
    headers=RETRY_AFTER, deleted={"error": "Booking store not ready",
                                  "reason": "the database file var/booking.sqlite3 was deleted"}))
@response(answers.Ready, 200, "Readiness: the store can take a booking now.")
def ready():
    """Readiness: 200 when the store can take a booking now, else 503 {error, reason}."""
    booking_service().ready()
    return {"status": "ready"}
