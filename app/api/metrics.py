"""GET /metrics: Prometheus text format, for the operator's METRICS_KEY only (404 without one)."""

import hmac

from flask import Blueprint, Response, current_app
from werkzeug.exceptions import NotFound

from app.api.body import bearer_token
from app.domain.errors import NotAuthenticated
from app.service import utc_now
from app.telemetry.booking import seats_left
from app.telemetry.metrics import SeatsLeftCollector, exposition
from app.wiring import booking_service

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def metrics():
    """Every worker's samples, and seats left per hospital and day read from the store."""
    _require_metrics_key(current_app.config["METRICS_KEY"])
    service, days = booking_service(), current_app.config["METRICS_DAYS"]
    body, content_type = exposition(
        SeatsLeftCollector(lambda: seats_left(service, days, utc_now())))
    return Response(body, content_type=content_type)


def _require_metrics_key(key: str | None) -> None:
    if not key:
        raise NotFound()   # not public by default: the route does not exist without a key
    if not hmac.compare_digest((bearer_token() or "").encode(), key.encode()):
        raise NotAuthenticated()
