"""The controls' common part: the real app from the environment, with one booking service
replaced by a control's (an unguarded insert, a stale read, a count outside the transaction)."""

from app import create_app as create_real_app
from app.config import Settings
from app.config.hospitals import load_hospitals
from app.storage import open_repository
from app.wiring import install_service


def app_with(service_class):
    """The app `make run` serves, its booking service a `service_class` (a BookingService)."""
    settings = Settings.from_env()
    hospitals = load_hospitals(settings.hospitals_config)
    repository = open_repository(settings, hospitals)
    app = create_real_app(settings, repository)
    install_service(app, service_class(hospitals, repository, settings.admin_api_key))
    return app
