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
    check_slot_time(hospital, time)
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


def check_readable_day(hospital: Hospital, day: date, now_utc: datetime) -> None:
    """Availability can be read for any day up to the horizon: staff read past counts."""
    horizon = hospital.today(now_utc) + timedelta(days=hospital.horizon_days)
    if day > horizon:
        raise ValidationFailed(
            {"date": [f"Bookings open at most {hospital.horizon_days} days ahead."]})


def check_slot_time(hospital: Hospital, time: str, field: str = "appointment_time") -> None:
    if time not in hospital.slot_times():
        raise ValidationFailed({field: [_off_grid_message(hospital)]})


def why_unbookable(hospital: Hospital, day: date, time: str, now_utc: datetime) -> str | None:
    """`closed`, `past` or `started` for a slot that takes no booking now, else None."""
    if not hospital.is_open_on(day):
        return "closed"
    today = hospital.today(now_utc)
    if day < today:
        return "past"
    return "started" if slot_started(hospital, day, time, now_utc) else None


def slot_offer(hospital: Hospital, day: date, time: str, count: int,
               now_utc: datetime) -> SlotAvailability:
    """One slot with its true count and, when it takes no booking, why."""
    return SlotAvailability(hospital.id, day, time, hospital.max_per_slot, count,
                            why_unbookable(hospital, day, time, now_utc))


def day_offer(hospital: Hospital, day: date, counts: dict[str, int],
              now_utc: datetime) -> DayAvailability:
    """Every slot of a day with its count (`counts` per time); a closed day lists none."""
    if not hospital.is_open_on(day):
        return DayAvailability(hospital.id, day, is_open=False)
    slots = tuple(slot_offer(hospital, day, time, counts.get(time, 0), now_utc)
                  for time in hospital.slot_times())
    return DayAvailability(hospital.id, day, is_open=True, slots=slots)


def _off_grid_message(hospital: Hospital) -> str:
    times = hospital.slot_times()
    return (f"Must be a slot start between {times[0]} and {times[-1]} "
            f"every {hospital.slot_minutes} minutes.")
