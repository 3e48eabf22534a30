"""The document's original booking route, for controls and the benchmark baseline only.

`router.post('/')` inserted every request without a capacity check: a storm against this
server must overbook, which proves the concurrency tests can fail.
"""

from app import create_app as create_real_app
from app.config import Settings
from app.config.hospitals import load_hospitals
from app.storage import open_repository
from app.telemetry.booking import ObservedBookingService
from app.wiring import install_service


class UncheckedBookingService(ObservedBookingService):
    """Nor did the route read the slot first: no refusal of a slot already full."""

    def _refuse_when_shown_full(self, slot):
        pass

    def _store_booking(self, slot, appointment, token_hash, entry, cap):
        """An insert in a transaction of its own: no slot write, no rule."""
        self.repository.run(lambda uow: uow.add_appointment(appointment, token_hash))
        return appointment


def create_app():
    settings = Settings.from_env()
    hospitals = load_hospitals(settings.hospitals_config)
    repository = open_repository(settings, hospitals)
    app = create_real_app(settings, repository)
    install_service(app, UncheckedBookingService(hospitals, repository,
                                                 settings.admin_api_key))
    return app
