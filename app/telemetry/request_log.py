"""One log line and one latency sample per request, tagged with an X-Request-ID."""

import logging
import time

from flask import Flask, Response, g, request

from app.telemetry.logs import request_id
from app.telemetry.metrics import BOOKINGS, REQUEST_SECONDS

log = logging.getLogger("app.request")

BOOK_ENDPOINT = "appointments.book"
# Booking requests refused before the service decides (bad JSON, schema, rate limit).
REFUSED_EARLY = {429: "rate_limited", 503: "store_unavailable"}


def register_request_telemetry(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_finish)


def _start() -> None:
    g.request_id, g.started = request_id(), time.perf_counter()


def _finish(response: Response) -> Response:
    seconds = time.perf_counter() - g.get("started", time.perf_counter())
    route = request.url_rule.rule if request.url_rule else "unmatched"
    REQUEST_SECONDS.labels(request.method, route, response.status_code).observe(seconds)
    if request.endpoint == BOOK_ENDPOINT and not g.get("booking_decided"):
        BOOKINGS.labels(REFUSED_EARLY.get(response.status_code, "rejected"), "-").inc()
    response.headers["X-Request-ID"] = g.get("request_id") or request_id()
    log.info("%s %s %s", request.method, route, response.status_code, extra={
        "method": request.method, "route": route, "status": response.status_code,
        "latency_ms": round(seconds * 1e3, 1)})
    return response
