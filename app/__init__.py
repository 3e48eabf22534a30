"""Application factory: wiring only."""

import logging

from flask import Flask
from flask_cors import CORS

from app.api import register_api
from app.api.day_answers import DayAnswers
from app.api.rate_limits import worker_read_limit
from app.cli import register_cli
from app.config import Settings
from app.config.hospitals import load_hospitals
from app.edge import install_edge
from app.service import utc_now
from app.storage import open_repository
from app.storage.rate_counters import rate_counters
from app.telemetry.booking import ObservedBookingService
from app.telemetry.logs import configure_logging
from app.telemetry.request_log import register_request_telemetry
from app.web import register_pages
from app.wiring import install_service

EXPOSED_HEADERS = ["Location", "Retry-After", "Idempotent-Replayed", "X-Request-ID", "ETag",
                   "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"]
PREFLIGHT_CACHE_S = 600
ALLOWED_HEADERS = ["Content-Type", "Authorization", "Idempotency-Key", "X-Request-ID",
                   "If-None-Match"]


def create_app(settings: Settings | None = None, repository=None, now=utc_now) -> Flask:
    """Build the app from `settings` (default: the environment); tests may pass a store/clock."""
    settings = settings or Settings.from_env()
    _configure_logging(settings.log_level, settings.log_format)
    hospitals = load_hospitals(settings.hospitals_config)
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=settings.max_body_bytes,
                      METRICS_KEY=settings.metrics_key, METRICS_DAYS=settings.metrics_days)
    app.json.sort_keys = False
    install_service(app, ObservedBookingService(
        hospitals, repository or open_repository(settings, hospitals), settings.admin_api_key,
        now))
    register_request_telemetry(app)
    register_api(app, settings, rate_counters(settings))
    if settings.day_answer_fresh_s > 0:
        app.wsgi_app = DayAnswers(app.wsgi_app, settings.day_answer_fresh_s,
                                  read_limit=worker_read_limit(settings))
    register_pages(app)
    _allow_cross_origin(app, settings)
    register_cli(app)
    install_edge(app, settings.trusted_proxy_hops, settings.forwarded_allow_ips,
                 settings.allowed_host_list())
    return app


def _allow_cross_origin(app: Flask, settings: Settings) -> None:
    """Preflights advertise the methods the API's routes accept and are cached by browsers."""
    CORS(app, resources={r"/api/*": {"origins": settings.cors_origin_list()}},
         methods=_api_methods(app), max_age=PREFLIGHT_CACHE_S,
         expose_headers=EXPOSED_HEADERS, allow_headers=ALLOWED_HEADERS)


def _api_methods(app: Flask) -> list[str]:
    methods = {m for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")
               for m in rule.methods}
    return sorted(methods - {"HEAD", "OPTIONS"})


def _configure_logging(level: str, style: str) -> None:
    configure_logging(level, style)
    # pymongo's DEBUG command log quotes documents, i.e. patient data.
    logging.getLogger("pymongo").setLevel(max(logging.INFO, logging.getLevelName(level)))
