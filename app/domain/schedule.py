"""Which slots exist and which of them may be booked now (a started slot takes no bookings)."""

from datetime import date, datetime, timedelta

from app.domain.capacity import DayAvailability, SlotAvailability
from app.domain.errors import HospitalClosed, ValidationFailed
from app.domain.hospitals import WEEKDAYS, Hospital
from app.domain.model import Slot


def bookable_slot(hospital: Hospital, day: date, time: str, now_utc: datetime) -> Slot:
    """The slot at `day` `time`, or the reason it cannot be booked now."""
    check_bookable_day(hospital, day, now_utc)
    ensure_open(hospital, day)
    if time not in hospital.slot_times():
        raise ValidationFailed({"appointment_time": [_off_grid_message(hospital)]})
    if slot_started(hospital, day, time, now_utc):
        raise ValidationFailed({"appointment_time": ["This slot has already started."]})
    return Slot(hospital.id, hospital.name, day, time, hospital.max_per_slot)


def check_bookable_day(hospital: Hospital, day: date, now_utc: datetime) -> None:
    """Dates run from today (hospital time) to `horizon_days` ahead."""
    today = hospital.today(now_utc)
    if day < today:
        raise ValidationFailed({"date": ["Date is in the past."]})
    if day > today + timedelta(days=hospital.horizon_days):
        raise ValidationFailed(
            {"date": [f"Bookings open at most {hospital.horizon_days} days ahead."]})


def ensure_open(hospital: Hospital, day: date) -> None:
    if not hospital.is_open_on(day):
        raise HospitalClosed(WEEKDAYS[day.weekday()])


def slot_started(hospital: Hospital, day: date, time: str, now_utc: datetime) -> bool:
    local_now = now_utc.astimezone(hospital.timezone)
    return day == local_now.date() and time <= local_now.strftime("%H:%M")


def has_started(hospital: Hospital, day: date, time: str, now_utc: datetime) -> bool:
    """Whether the slot's start is now or past (any day: a no-show is recorded afterwards)."""
    local_now = now_utc.astimezone(hospital.timezone)
    return (day, time) <= (local_now.date(), local_now.strftime("%H:%M"))


def day_offer(hospital: Hospital, day: date, counts: dict[str, int],
              now_utc: datetime) -> DayAvailability:
    """Every slot of a bookable day with its count (`counts` per time); started ones offer none."""
    if not hospital.is_open_on(day):
        return DayAvailability(hospital.id, day, is_open=False)
    slots = tuple(SlotAvailability(hospital.id, day, time, hospital.max_per_slot,
                                   counts.get(time, 0), slot_started(hospital, day, time, now_utc))
                  for time in hospital.slot_times())
    return DayAvailability(hospital.id, day, is_open=True, slots=slots)


def _off_grid_message(hospital: Hospital) -> str:
    times = hospital.slot_times()
    return (f"Must be a slot start between {times[0]} and {times[-1]} "
            f"every {hospital.slot_minutes} minutes.")
