"""The one place errors become HTTP: every error answers JSON shaped {error, ...}."""

import logging
import traceback
from urllib.parse import urlsplit

from flask import Flask, jsonify, request
from flask_limiter.errors import RateLimitExceeded
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from app.api.rate_limits import retry_after_s
from app.domain import errors
from app.telemetry.logs import store_failure_cause

log = logging.getLogger(__name__)

STATUS = {
    errors.ValidationFailed: 400,
    errors.HospitalClosed: 400,
    errors.NotAuthenticated: 401,
    errors.UnknownHospital: 404,
    errors.AppointmentNotFound: 404,
    errors.ClosureNotFound: 404,
    errors.SlotFull: 409,
    errors.DuplicateBooking: 409,
    errors.PatientLimitReached: 409,
    errors.AppointmentCancelled: 409,
    errors.IdempotencyKeyInFlight: 409,
    errors.InvalidTransition: 409,
    errors.AdminNotConfigured: 503,
    errors.IdempotencyKeyReused: 422,
    errors.StoreUnavailable: 503,
    errors.StoreNotReady: 503,
}
RETRY_AFTER_S = "1"


def error_response(status: int, message: str, **extra):
    response = jsonify({"error": message, **extra})
    response.status_code = status
    if status == 503:
        response.headers["Retry-After"] = RETRY_AFTER_S
    if status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


def handle_domain_error(exc: errors.BookingError):
    status = STATUS.get(type(exc), 400)
    if isinstance(exc, errors.StoreUnavailable):
        log.warning("store unavailable", extra=store_failure_cause(exc))
    return error_response(status, exc.message, **exc.extra)


def handle_http_error(exc: HTTPException):
    response = error_response(exc.code or 500, exc.description or exc.name)
    for name, value in exc.get_headers():   # e.g. the Allow header of a 405
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def handle_rate_limited(exc: RateLimitExceeded):
    wait = retry_after_s()
    response = error_response(429, "Too many requests", retry_after=wait)
    response.headers["Retry-After"] = str(wait)
    return response


def handle_unexpected(exc: Exception):
    # Type and stack only: the message of an unexpected error may quote patient data.
    stack = "".join(traceback.format_tb(exc.__traceback__))
    log.error("unexpected %s\n%s", type(exc).__name__, stack)
    return error_response(500, "Internal server error")


def answer_slash_redirect():
    """before_request: routing's slash redirects (`//api//hospitals`, `/api/docs`) answer JSON
    with a path on this server. Flask would answer them itself, in HTML, with an absolute
    Location built from whatever Host the client named."""
    redirect = request.routing_exception
    if not isinstance(redirect, RequestRedirect):
        return None
    location = path_of(redirect.new_url)
    response = error_response(redirect.code, "Moved: ask the location given", location=location)
    response.headers["Location"] = location
    return response


def path_of(url: str) -> str:
    """`url`'s path and query, with one leading slash (`//host` would name another server)."""
    parts = urlsplit(url)
    return "/" + parts.path.lstrip("/") + (f"?{parts.query}" if parts.query else "")


def register_error_handlers(app: Flask) -> None:
    app.before_request(answer_slash_redirect)
    app.register_error_handler(errors.BookingError, handle_domain_error)
    app.register_error_handler(RateLimitExceeded, handle_rate_limited)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
