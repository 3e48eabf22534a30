"""GET /api/health: for load balancers and compose healthchecks."""

from flask import Blueprint

from app.wiring import booking_service

bp = Blueprint("health", __name__, url_prefix="/api")


@bp.get("/health")
def health():
    """200 when the store answers now, else 503 with Retry-After (via the error handler)."""
    booking_service().health()
    return {"status": "ok"}
