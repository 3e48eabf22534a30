"""Liveness and readiness probes, for load balancers, compose and Docker healthchecks."""

from flask import Blueprint

from app.wiring import booking_service

bp = Blueprint("health", __name__, url_prefix="/api")


@bp.get("/health")
def health():
    """Liveness: 200 while this process answers requests (restart it when it does not)."""
    return {"status": "ok"}


@bp.get("/ready")
def ready():
    """Readiness: 200 when the store can take a booking now, else 503 {error, reason}."""
    booking_service().ready()
    return {"status": "ready"}
