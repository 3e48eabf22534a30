"""Rate limits per client address (Flask-Limiter): booking writes, and more generously reads.

The address is request.remote_addr: the peer, or behind the front door's trusted proxy the
client it names (ProxyFix with the configured hop count), never a header anyone else can send.
Counters live where every worker process of the server sees them (MongoDB on the MongoDB
engine, a SQLite file beside the SQLite store: app.storage.rate_counters, handed over by
create_app()), so N workers never mean N x the limit. The
admin key is exempt. A refusal is 429 {error: 'Too many requests', retry_after} with
Retry-After; every limited answer carries RateLimit-Limit/-Remaining/-Reset (seconds).
"""

import math
import time
from typing import Protocol

from flask import Blueprint, Flask, Response, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter

from app.api.body import bearer_token
from app.config import Settings
from app.wiring import booking_service

EXTENSION = "rate_limiter"
BOOKING_METHODS = ["POST", "PATCH"]


class Counters(Protocol):
    """Where the counters live (app.storage.rate_counters.RateCounters): a `limits` URI."""

    uri: str
    options: dict


def install_rate_limits(app: Flask, settings: Settings, counters: Counters,
                        booking: list[Blueprint], reads: list[Blueprint]) -> None:
    """Limit `booking` blueprints' writes and `reads` blueprints' GETs, per client address."""
    app.config.update(RATELIMIT_ENABLED=settings.ratelimit_enabled,
                      RATELIMIT_BOOKING=settings.ratelimit_booking,
                      RATELIMIT_READ=settings.ratelimit_read, RATELIMIT_STORAGE_URI=counters.uri,
                      RATELIMIT_STORAGE_OPTIONS=counters.options,
                      RATELIMIT_SWALLOW_ERRORS=True)    # a counter store failure never blocks
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


class WorkerReadLimit:
    """The read limit for answers kept ahead of Flask (app.api.day_answers), which the limiter
    never sees: counted per client address in this worker's memory by `limits` (fixed windows,
    as the limiter counts), so a kept answer still costs microseconds, not a trip to the shared
    counters. A client whose connections land on N workers may get up to N x the limit."""

    SCOPE = "kept-read"

    def __init__(self, limits: str):
        self._items = parse_many(limits)
        self._windows = FixedWindowRateLimiter(MemoryStorage())

    def retry_after(self, address: str) -> int | None:
        """None when `address` is within every limit (this answer counted); else the seconds
        until the breached window ends."""
        refused = [item for item in self._items
                   if not self._windows.hit(item, self.SCOPE, address)]
        if not refused:
            return None
        reset = max(self._windows.get_window_stats(item, self.SCOPE, address).reset_time
                    for item in refused)
        return max(1, math.ceil(reset - time.time()))


def worker_read_limit(settings: Settings) -> WorkerReadLimit | None:
    return WorkerReadLimit(settings.ratelimit_read) if settings.ratelimit_enabled else None
