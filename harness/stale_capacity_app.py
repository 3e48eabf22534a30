"""The control for the capacity-override storm: the real app, except that a booking takes
the capacity it read BEFORE its transaction (as a per-process cache or an early read would)
instead of the one in force when it commits. Lowering the capacity during a storm must then
let bookings that read the old capacity commit over the new one.
"""

import time
from dataclasses import replace

from app.domain import slot as aggregate
from app.telemetry.booking import ObservedBookingService
from harness.controls import app_with

# Inside the transaction, ignore the slot record's override: the early read decides.
aggregate.capacity_in_force = lambda configured, rules: configured
# How long a read stays in use before the write (a cache would keep it for its whole life).
STALE_FOR_S = 0.02


class EarlyReadService(ObservedBookingService):
    def _store_booking(self, slot, appointment, token_hash, entry, cap):
        rules = self.repository.slot_rules(slot.hospital_id, slot.date).get(slot.key)
        if rules is not None and rules.capacity is not None:
            slot = replace(slot, capacity=rules.capacity)
        time.sleep(STALE_FOR_S)
        return super()._store_booking(slot, appointment, token_hash, entry, cap)


def create_app():
    return app_with(EarlyReadService)
