"""HTTP layer: blueprints mirroring the routes of docs/design/slot-booking-concurrency.md.

A view loads input with a schema (schemas.py), builds a typed command (app.service.commands),
calls booking_service() (app.wiring) and returns what it answers, which the schema its
@response names (answers.py, declared.py) dumps and documents; errors are raised,
never caught, and become HTTP in errors.py only.
"""

from flask import Flask

from app.api.admin import bp as admin_bp
from app.api.appointments import bp as appointments_bp
from app.api.docs import bp as docs_bp
from app.api.docs import page as docs_page_bp
from app.api.errors import register_error_handlers
from app.api.health import bp as health_bp
from app.api.hospitals import bp as hospitals_bp
from app.api.metrics import bp as metrics_bp
from app.api.rate_limits import Counters, install_rate_limits
from app.config import Settings


def register_api(app: Flask, settings: Settings, counters: Counters) -> None:
    """The API's blueprints, its rate limits counted in `counters`, and its one error map."""
    app.register_blueprint(hospitals_bp)
    app.register_blueprint(appointments_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(metrics_bp)
    app.register_blueprint(docs_bp)
    app.register_blueprint(docs_page_bp)
    app.register_blueprint(admin_bp)
    install_rate_limits(app, settings, counters, booking=[appointments_bp],
                        reads=[hospitals_bp, appointments_bp])
    register_error_handlers(app)
