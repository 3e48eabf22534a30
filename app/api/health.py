"""Liveness and readiness probes, for load balancers, compose and Docker healthchecks."""

from flask import Blueprint

from app.wiring import booking_service

bp = Blueprint("health", __name__, url_prefix="/api")


@bp.get("/health")
def health():
    """Liveness only: 200 while this process answers requests, whatever the store's state
    (restart the process when it does not answer; whether a booking can be stored is
    /api/ready's question)."""
    return {"status": "ok"}


@bp.get("/ready")
def ready():
    """Readiness: 200 when a booking could be stored now (the engine's probe writes and rolls
    back), else 503 {error, reason}."""
    booking_service().ready()
    return {"status": "ready"}
