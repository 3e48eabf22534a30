"""The control for the serial storms: the real app (capacity, duplicates, the slot's record),
except that a booking's serial is the slot's count read BEFORE its transaction, plus one, as an
app without a counter in the slot's record would number. Concurrent bookers then read the same
count: serials repeat, and the store's one-serial-per-slot index refuses the repeats (503).
"""

import threading
import time
from dataclasses import replace

from app import create_app as create_real_app
from app.config import Settings
from app.config.hospitals import load_hospitals
from app.service import writes
from app.storage import open_repository
from app.telemetry.booking import ObservedBookingService
from app.wiring import install_service

# How long the count stays in use before the write.
COUNTED_FOR_S = 0.02
# The serial this thread's request counted (one request per thread at a time).
COUNTED = threading.local()
# Inside the transaction, the serial counted before it replaces the slot record's.
writes._after_the_unnumbered = lambda uow, key, seated: replace(seated, serial=COUNTED.serial)


class CountedSerialService(ObservedBookingService):
    def _store_booking(self, slot, appointment, token_hash, entry, cap):
        COUNTED.serial = self.repository.slot_count(slot.key) + 1
        time.sleep(COUNTED_FOR_S)
        return super()._store_booking(slot, appointment, token_hash, entry, cap)


def create_app():
    settings = Settings.from_env()
    hospitals = load_hospitals(settings.hospitals_config)
    repository = open_repository(settings, hospitals)
    app = create_real_app(settings, repository)
    install_service(app, CountedSerialService(hospitals, repository, settings.admin_api_key))
    return app
