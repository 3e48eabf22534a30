"""The document's original booking route, for controls and the benchmark baseline only.

`router.post('/')` inserted every request without a capacity check: a storm against this
server must overbook, which proves the concurrency tests can fail.
"""

from app import create_app as create_real_app
from app.config import Settings
from app.config.hospitals import load_hospitals
from app.storage.sqlite import SqliteRepository, _insert
from app.telemetry.booking import ObservedBookingService
from app.wiring import install_service


class UnguardedRepository(SqliteRepository):
    def book(self, slot, appointment, token_hash, idempotency=None, by=None, cap=None):
        with self._write() as conn:
            _insert(conn, appointment, token_hash)


class UncheckedBookingService(ObservedBookingService):
    """Nor did the route read the slot first: no refusal of a slot already full."""

    def _refuse_when_shown_full(self, slot):
        pass


def create_app():
    settings = Settings.from_env()
    hospitals, repository = load_hospitals(settings.hospitals_config), UnguardedRepository(
        settings.sqlite_path)
    app = create_real_app(settings, repository)
    install_service(app, UncheckedBookingService(hospitals, repository,
                                                 settings.admin_api_key))
    return app
