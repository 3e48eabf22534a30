"""Control for the per-patient cap storm: the cap checked without the patient's row write.

Without that write nothing serializes one phone's bookings of different slots: each booking
sees the patient's count as it stood when it looked (a read before its write, as a MongoDB
snapshot transaction sees it), so a storm by one phone must get past the cap. On SQLite the
write itself takes microseconds, so the window between that read and the write is widened past
the spread of the storm's arrivals on a loaded machine (a replica set's snapshot read and commit
are round trips apart).
"""

import time

from app.domain.capacity import ensure_below_cap
from app.storage.sqlite import COUNTED
from app.telemetry.booking import ObservedBookingService
from harness.controls import app_with

RACE_WINDOW_S = 0.5


class UnserializedCapService(ObservedBookingService):
    def _store_booking(self, slot, appointment, token_hash, entry, cap):
        if cap is not None:
            ensure_below_cap(self._upcoming(appointment, cap), cap.limit)
            time.sleep(RACE_WINDOW_S)
        return super()._store_booking(slot, appointment, token_hash, entry, None)

    def _upcoming(self, a, cap) -> int:
        today = cap.today.isoformat()
        return self.repository._read(
            f"SELECT count(*) FROM appointments WHERE hospital_id = ? AND patient_phone = ? "
            f"AND {COUNTED} AND (appointment_date > ? OR (appointment_date = ? AND "
            "appointment_time > ?))", (a.hospital_id, a.patient_phone, today, today,
                                       cap.now))[0][0]


def create_app():
    return app_with(UnserializedCapService)
