"""Liveness and readiness probes, for load balancers, compose and Docker healthchecks."""

from flask import Blueprint

from app.api import answers
from app.api.declared import RETRY_AFTER, answer, operation, other_responses, response
from app.version import VERSION
from app.wiring import booking_service

bp = Blueprint("health", __name__, url_prefix="/api")


@bp.get("/health")
@operation(tags=["operations"])
@response(answers.Health, 200, "Liveness only: this process answers, whatever the store's "
          "state (readiness: /api/ready); with the service's version.")
def health():
    """Liveness only: 200 while this process answers requests, whatever the store's state
    (restart the process when it does not answer; whether a booking can be stored is
    /api/ready's question). Carries the service's version."""
    return {"status": "ok", "version": VERSION}


@bp.get("/ready")
@operation(tags=["operations"])
@other_responses(answer(
    503, "The store cannot take a booking now (SQLite: file deleted or replaced, or a "
    "rolled-back write that reaches the disk fails or waits past 1 s: a full disk, a file this "
    "process may not write; MongoDB: no primary within 1 s).", answers.NotReady,
    headers=RETRY_AFTER, deleted={"error": "Booking store not ready",
                                  "reason": "the database file var/booking.sqlite3 was deleted"}))
@response(answers.Ready, 200, "Readiness: the store can take a booking now.")
def ready():
    """Readiness: 200 when a booking could be stored now (the engine's probe writes and rolls
    back), else 503 {error, reason}."""
    booking_service().ready()
    return {"status": "ready"}
