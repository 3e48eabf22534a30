"""Which slots exist and which of them may be booked now (a started slot takes no bookings)."""

from datetime import date, datetime, timedelta

from app.domain.capacity import DayAvailability, SlotAvailability
from app.domain.errors import HospitalClosed, ValidationFailed
from app.domain.hospitals import WEEKDAYS, Hospital
from app.domain.model import Slot, SlotKey
from app.domain.operations import SlotRules

OPEN = SlotRules()


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
    """Closed weekdays keep the message of docs/design/slot-booking-concurrency.md; fixed closed
    dates give their reason."""
    if day.weekday() in hospital.closed_weekdays:
        raise HospitalClosed.weekday(WEEKDAYS[day.weekday()])
    if hospital.holiday(day):
        raise HospitalClosed.on(day, hospital.holiday(day))


def check_overridable_day(hospital: Hospital, day: date, now_utc: datetime) -> None:
    """Staff set capacity only where patients can book: an open day from today to the
    horizon (an override on a Friday or in 2099 would be stored and never used)."""
    check_bookable_day(hospital, day, now_utc)
    try:
        ensure_open(hospital, day)
    except HospitalClosed as closed:
        raise ValidationFailed({"date": [closed.message]}) from None


def ensure_slot_open(key: SlotKey, rules: SlotRules) -> None:
    """A run-time closure (read from the store) covering the slot refuses it."""
    if rules.closed:
        raise HospitalClosed.on(key.date, rules.closed)


def capacity_in_force(configured: int, rules: SlotRules) -> int:
    """An override written by staff wins over the hospital's configured capacity."""
    return configured if rules.capacity is None else rules.capacity


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


def why_unbookable(hospital: Hospital, day: date, time: str, now_utc: datetime,
                   rules: SlotRules = OPEN) -> str | None:
    """`closed`, `past` or `started` for a slot that takes no booking now, else None."""
    if not hospital.is_open_on(day) or rules.closed:
        return "closed"
    today = hospital.today(now_utc)
    if day < today:
        return "past"
    return "started" if slot_started(hospital, day, time, now_utc) else None


def slot_offer(hospital: Hospital, day: date, time: str, count: int, now_utc: datetime,
               rules: SlotRules = OPEN) -> SlotAvailability:
    """One slot with its true count, the capacity in force and, when it takes no booking,
    why (and a closure's reason)."""
    return SlotAvailability(hospital.id, day, time,
                            capacity_in_force(hospital.max_per_slot, rules), count,
                            why_unbookable(hospital, day, time, now_utc, rules), rules.closed)


def day_offer(hospital: Hospital, day: date, counts: dict[str, int],
              rules: dict[str, SlotRules], now_utc: datetime) -> DayAvailability:
    """Every slot of a day with its count and rules (per time). A closed day lists none and
    says why (the answer a booking would get), as does a day closed in every slot."""
    try:
        ensure_open(hospital, day)
    except HospitalClosed as closed:
        return DayAvailability(hospital.id, day, is_open=False, closed_reason=closed.message)
    slots = tuple(slot_offer(hospital, day, time, counts.get(time, 0), now_utc,
                             rules.get(time, OPEN)) for time in hospital.slot_times())
    if all(s.closed_reason for s in slots):
        return DayAvailability(hospital.id, day, is_open=False,
                               closed_reason=HospitalClosed.on(day, slots[0].closed_reason).message)
    return DayAvailability(hospital.id, day, is_open=True, slots=slots)


def _off_grid_message(hospital: Hospital) -> str:
    times = hospital.slot_times()
    return (f"Must be a slot start between {times[0]} and {times[-1]} "
            f"every {hospital.slot_minutes} minutes.")
