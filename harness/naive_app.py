"""The document's original booking route, for controls and the benchmark baseline only.

`router.post('/')` inserted every request without a capacity check: a storm against this
server must overbook, which proves the concurrency tests can fail.
"""

from app.telemetry.booking import ObservedBookingService
from harness.controls import app_with


class UncheckedBookingService(ObservedBookingService):
    """Nor did the route read the slot first: no refusal of a slot already full."""

    def _refuse_when_shown_full(self, slot):
        pass

    def _store_booking(self, slot, appointment, token_hash, entry, cap):
        """An insert in a transaction of its own: no slot write, no rule."""
        self.repository.run(lambda uow: uow.add_appointment(appointment, token_hash))
        return appointment


def create_app():
    return app_with(UncheckedBookingService)
