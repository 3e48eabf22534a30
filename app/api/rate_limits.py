"""Rate limits per client address (Flask-Limiter): booking writes, and more generously reads.

The address is request.remote_addr: the peer, or behind the front door's trusted proxy the
client it names (ProxyFix with the configured hop count), never a header anyone else can send.
Counters live where every worker process of the server sees them (MongoDB on the MongoDB
engine, a SQLite file beside the SQLite store), so N workers never mean N x the limit. The
admin key is exempt. A refusal is 429 {error: 'Too many requests', retry_after} with
Retry-After; every limited answer carries RateLimit-Limit/-Remaining/-Reset (seconds).
"""

import math
import time
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

import app.storage.rate_counters  # noqa: F401  (registers the sqlite:// counter storage)
from app.api.body import bearer_token
from app.config import Settings
from app.wiring import booking_service

EXTENSION = "rate_limiter"
# A counter store that does not answer is skipped (requests pass) after this share of the store
# timeout, so an outage still answers 503 within STORE_TIMEOUT_S.
COUNTER_TIMEOUT_SHARE = 0.25
BOOKING_METHODS = ["POST", "PATCH"]


def install_rate_limits(app: Flask, settings: Settings, booking: list[Blueprint],
                        reads: list[Blueprint]) -> None:
    """Limit `booking` blueprints' writes and `reads` blueprints' GETs, per client address."""
    app.config.update(RATELIMIT_ENABLED=settings.ratelimit_enabled,
                      RATELIMIT_BOOKING=settings.ratelimit_booking,
                      RATELIMIT_READ=settings.ratelimit_read,
                      RATELIMIT_SWALLOW_ERRORS=True,    # a counter store failure never blocks
                      **_storage_config(settings))
    app.after_request(_limit_headers)     # registered first: runs after Flask-Limiter's own
    limiter = Limiter(get_remote_address, app=app)
    app.extensions[EXTENSION] = limiter
    writes = limiter.shared_limit(lambda: current_app.config["RATELIMIT_BOOKING"],
                                  scope="booking", methods=BOOKING_METHODS, exempt_when=_admin)
    looks = limiter.shared_limit(lambda: current_app.config["RATELIMIT_READ"], scope="read",
                                 methods=["GET"], exempt_when=_admin)
    for blueprint in booking:
        writes(blueprint)
    for blueprint in reads:
        looks(blueprint)


def _storage_config(settings: Settings) -> dict:
    """Flask-Limiter's own RATELIMIT_STORAGE_URI wins; else the engine's shared store."""
    if settings.ratelimit_storage_uri or not settings.ratelimit_enabled:
        return {"RATELIMIT_STORAGE_URI": settings.ratelimit_storage_uri or "memory://"}
    if settings.mongodb_uri:
        password = settings.mongodb_password()
        return {"RATELIMIT_STORAGE_URI": settings.mongodb_uri,
                "RATELIMIT_STORAGE_OPTIONS": {
                    "database_name": settings.mongodb_db, "tz_aware": True,
                    "serverSelectionTimeoutMS": int(
                        settings.store_timeout_s * COUNTER_TIMEOUT_SHARE * 1000),
                    **({"password": password} if password else {})}}
    counters = Path(settings.sqlite_path).resolve()
    return {"RATELIMIT_STORAGE_URI": f"sqlite://{counters.with_name(counters.name + '.limits')}",
            "RATELIMIT_STORAGE_OPTIONS": {"timeout": settings.store_timeout_s}}


def _admin() -> bool:
    return booking_service().is_admin(bearer_token())


def retry_after_s() -> int:
    """Seconds until the breached window ends (at least 1)."""
    limit = current_app.extensions[EXTENSION].current_limit
    return max(1, math.ceil(limit.reset_at - time.time())) if limit else 1


def _limit_headers(response: Response) -> Response:
    """The IETF RateLimit-* fields of the limit closest to being reached, reset in seconds."""
    limiter = current_app.extensions.get(EXTENSION)
    limit = limiter.current_limit if limiter and limiter.enabled else None
    if limit is not None:
        response.headers["RateLimit-Limit"] = str(limit.limit.amount)
        response.headers["RateLimit-Remaining"] = str(limit.remaining)
        response.headers["RateLimit-Reset"] = str(max(0, math.ceil(limit.reset_at - time.time())))
    return response
