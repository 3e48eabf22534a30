"""Application factory: wiring only."""

import logging

from flask import Flask
from flask_cors import CORS

from app.api import register_api
from app.cli import register_cli
from app.config import Settings
from app.config.hospitals import load_hospitals
from app.service import BookingService, utc_now
from app.storage import open_repository
from app.wiring import install_service

EXPOSED_HEADERS = ["Location", "Retry-After", "Idempotent-Replayed"]
ALLOWED_HEADERS = ["Content-Type", "Authorization", "Idempotency-Key"]


def create_app(settings: Settings | None = None, repository=None, now=utc_now) -> Flask:
    """Build the app from `settings` (default: the environment); tests may pass a store/clock."""
    settings = settings or Settings.from_env()
    _configure_logging(settings.log_level)
    hospitals = load_hospitals(settings.hospitals_config)
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=settings.max_body_bytes)
    app.json.sort_keys = False
    install_service(app, BookingService(
        hospitals, repository or open_repository(settings, hospitals), settings.admin_api_key,
        now))
    CORS(app, resources={r"/api/*": {"origins": settings.cors_origin_list()}},
         expose_headers=EXPOSED_HEADERS, allow_headers=ALLOWED_HEADERS)
    register_api(app)
    register_cli(app)
    return app


def _configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # pymongo's DEBUG command log quotes documents, i.e. patient data.
    logging.getLogger("pymongo").setLevel(max(logging.INFO, logging.getLevelName(level)))
