"""The control for the capacity-override storm: the real app, except that a booking takes
the capacity it read BEFORE its transaction (as a per-process cache or an early read would)
instead of the one in force when it commits. Lowering the capacity during a storm must then
let bookings that read the old capacity commit over the new one.
"""

import time
from dataclasses import replace

from app import create_app as create_real_app
from app.config import Settings
from app.storage import sqlite
from app.storage.sqlite import SqliteRepository

# Inside the transaction, ignore the slot row's override: the early read decides.
sqlite.capacity_in_force = lambda configured, rules: configured
# How long a read stays in use before the write (a cache would keep it for its whole life).
STALE_FOR_S = 0.02


class EarlyReadRepository(SqliteRepository):
    def book(self, slot, appointment, token_hash, idempotency=None, by=None, cap=None):
        rules = self.slot_rules(slot.hospital_id, slot.date).get(slot.key)
        if rules is not None and rules.capacity is not None:
            slot = replace(slot, capacity=rules.capacity)
        time.sleep(STALE_FOR_S)
        return super().book(slot, appointment, token_hash, idempotency, by, cap)


def create_app():
    settings = Settings.from_env()
    return create_real_app(settings, EarlyReadRepository(settings.sqlite_path))
