"""Hospitals and their schedules, as finished values (app.config.hospitals reads the file)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from functools import lru_cache
from zoneinfo import ZoneInfo

from app.domain.errors import UnknownHospital

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Hospital:
    id: str
    name: str
    max_per_slot: int
    closed_weekdays: tuple[int, ...]
    opens: clock_time
    closes: clock_time
    slot_minutes: int
    timezone: ZoneInfo
    horizon_days: int
    contact: str = ""
    contact_bn: str = ""          #: the same in Bangla, for the pages in Bangla
    #: Fixed closed dates (holidays) from the config, each with its reason.
    closed_dates: tuple[tuple[date, str], ...] = ()
    #: Where a patient's national phone spelling ("01811111111") is read (ISO 3166 code).
    phone_region: str = "BD"
    #: Upcoming, not-cancelled appointments one phone may hold here (0: no cap).
    max_active_per_patient: int = 2
    #: The name as the pages write it in Bangla (None: the pages write `name`).
    name_bn: str | None = None

    def slot_times(self) -> tuple[str, ...]:
        """Start times ("HH:MM") of every slot of an open day."""
        return _slot_grid(self.opens, self.closes, self.slot_minutes)

    def is_open_on(self, day: date) -> bool:
        return day.weekday() not in self.closed_weekdays and self.holiday(day) is None

    def holiday(self, day: date) -> str | None:
        """The reason `day` is a fixed closed date, or None."""
        return next((reason for closed, reason in self.closed_dates if closed == day), None)

    def today(self, now_utc: datetime) -> date:
        return now_utc.astimezone(self.timezone).date()


@lru_cache(maxsize=64)
def _slot_grid(opens: clock_time, closes: clock_time, slot_minutes: int) -> tuple[str, ...]:
    # Cached: every booking checks its time against the grid (30 µs -> 3 µs, make bench).
    start = datetime.combine(date.min, opens)
    end = datetime.combine(date.min, closes)
    step = timedelta(minutes=slot_minutes)
    times = []
    while start + step <= end:
        times.append(start.strftime("%H:%M"))
        start += step
    return tuple(times)


class Hospitals:
    """The configured hospitals, found by id or by display name (the old frontend sends names)."""

    def __init__(self, hospitals: list[Hospital]):
        self._all = list(hospitals)
        self._by_ref = {h.id.casefold(): h for h in hospitals}
        self._by_ref.update({h.name.casefold(): h for h in hospitals})

    def all(self) -> list[Hospital]:
        return list(self._all)

    def display_names(self) -> dict[str, str]:
        """Display name per id: what the old app's documents carry instead of an id."""
        return {h.id: h.name for h in self._all}

    def get(self, ref: str) -> Hospital:
        hospital = self._by_ref.get(ref.strip().casefold())
        if hospital is None:
            raise UnknownHospital(ref, [{"id": h.id, "name": h.name} for h in self._all])
        return hospital

    def contacts(self) -> list[dict]:
        """Where a patient who lost an access token turns, per hospital."""
        return [{"hospital_id": h.id, "name": h.name, "contact": h.contact,
                 "contact_bn": h.contact_bn} for h in self._all]
