"""The benchmark's side of the store: hospitals configs, bulk seeding, the invariant checker.

Everything here reads or writes the SQLite file directly with the stdlib sqlite3 module, never
through the app, so the checker is an independent witness of what the server committed.
"""

import os
import random
import sqlite3
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

DHAKA = ZoneInfo("Asia/Dhaka")
FRIDAY = 4
TIMES = [f"{h:02d}:{m:02d}" for h in range(9, 17) for m in (0, 30)]  # 09:00 .. 16:30
HORIZON_DAYS = 400

DEFAULTS = f"""[defaults]
closed_weekdays = ["Friday"]
opens = "09:00"
closes = "17:00"
slot_minutes = 30
timezone = "Asia/Dhaka"
horizon_days = {HORIZON_DAYS}
"""

# The shipped hospitals (same capacities, so the read baseline answers the same three
# hospitals plus one) and an uncapped one for the throughput runs.
BENCH_HOSPITALS = {"gomoti": ("Gomoti Hospital", 15), "moon": ("Moon Hospital", 20),
                   "al-sefa": ("Al-Sefa Hospital", 25), "bench": ("Bench Hospital", 10**9)}
# The availability runs: eight hospitals of 25 seats a slot, holding history and future.
AVAILABILITY_HOSPITALS = {f"h{i}": (f"Hospital {i}", 25) for i in range(8)}


def write_config(path: Path, hospitals: dict[str, tuple[str, int]]) -> Path:
    entries = "".join(f'\n[[hospital]]\nid = "{hid}"\nname = "{name}"\nmax_per_slot = {cap}\n'
                      for hid, (name, cap) in hospitals.items())
    path.write_text(DEFAULTS + entries, encoding="utf-8")
    return path


def today() -> date:
    return datetime.now(DHAKA).date()


def open_days(first_offset: int, last_offset: int) -> list[date]:
    """Days (from today in Dhaka) on which the hospitals are open: Fridays are closed."""
    start = today()
    days = (start + timedelta(days=n) for n in range(first_offset, last_offset + 1))
    return [d for d in days if d.weekday() != FRIDAY]


# -- bulk seeding --------------------------------------------------------------------------------

INSERT = ("INSERT INTO appointments (id, hospital_id, hospital, appointment_date, "
          "appointment_time, status, patient_name, patient_phone, token_hash, created_at) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


@dataclass
class Seeder:
    """Fills a store to a size with appointments spread over many hospital days.

    Slots are drawn uniformly from every open day of ~3 years of history and the booking
    horizon; a slot never holds more active appointments than its capacity; 5% are cancelled.
    """

    path: Path
    hospitals: dict[str, tuple[str, int]]
    rng: random.Random = field(default_factory=lambda: random.Random(6))
    rows: int = 0
    filled: Counter = field(default_factory=Counter)

    def __post_init__(self):
        self.ids = list(self.hospitals)
        self.days = [d.isoformat() for d in open_days(-1100, HORIZON_DAYS)]

    def fill_to(self, total: int) -> float:
        """Insert until the store holds `total` rows; returns the seconds it took."""
        started = time.monotonic()
        conn = sqlite3.connect(self.path, isolation_level=None)
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-1000000")
        conn.execute("BEGIN")
        while self.rows < total:
            batch = [self._row(self.rows + n) for n in range(min(50_000, total - self.rows))]
            conn.executemany(INSERT, batch)
            self.rows += len(batch)
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        return time.monotonic() - started

    def _row(self, n: int) -> tuple:
        while True:
            hid = self.ids[self.rng.randrange(len(self.ids))]
            key = (hid, self.days[self.rng.randrange(len(self.days))],
                   TIMES[self.rng.randrange(len(TIMES))])
            if self.filled[key] < self.hospitals[hid][1]:
                break
        status = "cancelled" if self.rng.random() < 0.05 else "booked"
        if status == "booked":
            self.filled[key] += 1
        return (uuid.UUID(int=self.rng.getrandbits(128), version=4).hex, hid,
                self.hospitals[hid][0], key[1], key[2], status, f"Seed {n}",
                f"+88019{n:09d}", os.urandom(32).hex(), datetime.now(UTC).isoformat())


# -- the invariant checker -----------------------------------------------------------------------

ACTIVE_PER_SLOT = ("SELECT hospital_id, appointment_date, appointment_time, count(*) "
                   "FROM appointments WHERE status <> 'cancelled' AND hospital_id IN ({}) "
                   "GROUP BY hospital_id, appointment_date, appointment_time")


class Checker(threading.Thread):
    """Polls the store read-only while a run goes on: no slot may hold more than capacity."""

    def __init__(self, path: Path, capacities: dict[str, int], every_s: float = 0.02):
        super().__init__(daemon=True)
        self._path, self._caps, self._every = path, capacities, every_s
        self._stop_event = threading.Event()
        self.polls = 0
        self.overbooked_polls = 0
        self.worst_excess = 0
        self.max_active = 0
        self.errors = 0

    def run(self):
        conn = sqlite3.connect(f"file:{self._path}?mode=ro", uri=True, timeout=5)
        sql = ACTIVE_PER_SLOT.format(", ".join("?" * len(self._caps)))
        while not self._stop_event.is_set():
            self.poll(conn, sql)
            self._stop_event.wait(self._every)
        self.poll(conn, sql)
        conn.close()

    def poll(self, conn, sql):
        try:
            rows = conn.execute(sql, tuple(self._caps)).fetchall()
        except sqlite3.Error:
            self.errors += 1
            return
        self.polls += 1
        excess = [n - self._caps[h] for h, _, _, n in rows if n > self._caps[h]]
        self.max_active = max([self.max_active, *(n for *_, n in rows)])
        if excess:
            self.overbooked_polls += 1
            self.worst_excess = max(self.worst_excess, max(excess))

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def read_sweep_logs(prefix: Path) -> tuple[list[str], list[str]]:
    """Appointment ids answered 201, and ids whose cancellation freed a seat (wrk's logs)."""
    booked, cancelled = [], []
    for log in prefix.parent.glob(prefix.name + ".*"):
        for line in log.read_text().splitlines():
            kind, _, ident = line.partition(" ")
            (booked if kind == "B" else cancelled).append(ident)
    return booked, cancelled


def reconcile(path: Path, hospital_id: str, day: date, capacity: int, booked: list[str],
              cancelled: list[str]) -> dict:
    """Compare what clients were told with what the store holds for the run's slots."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT id, status, appointment_time FROM appointments "
                            "WHERE hospital_id = ? AND appointment_date = ?",
                            (hospital_id, day.isoformat())).fetchall()
    status = {ident: st for ident, st, _ in rows}
    per_slot = Counter(t for _, st, t in rows if st != "cancelled")
    booked_set, cancelled_set = set(booked), set(cancelled)
    return {
        "store_rows": len(rows),
        "store_active": sum(per_slot.values()),
        "expected_active": len(booked) - len(cancelled),
        "answered_201_missing_from_store": len(booked_set - status.keys()),
        "stored_but_never_answered_201": len(status.keys() - booked_set),
        "duplicate_201_ids": len(booked) - len(booked_set),
        "cancelled_but_still_active": sum(status.get(i) != "cancelled" for i in cancelled_set),
        "final_overbooked_slots": sum(n > capacity for n in per_slot.values()),
        "final_max_active_in_a_slot": max(per_slot.values(), default=0),
    }
