"""Which slots may be booked now: past, horizon, closed days, grid, started slots."""

from datetime import UTC, date, datetime

import pytest

from app.config.hospitals import load_hospitals
from app.domain.errors import HospitalClosed, ValidationFailed
from app.domain.schedule import bookable_slot, check_overridable_day, has_started
from tests.support.hospitals import SHIPPED

GOMOTI = load_hospitals(SHIPPED).get("gomoti")
# 2026-11-25 12:00 UTC is 18:00 in Dhaka (UTC+6), a Wednesday.
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_open_day_on_grid_is_a_slot_with_the_hospitals_capacity():
    slot = bookable_slot(GOMOTI, date(2026, 11, 26), "16:30", NOW)
    assert (slot.hospital_id, slot.hospital_name, slot.time, slot.capacity) == (
        "gomoti", "Gomoti Hospital", "16:30", 15)


def test_friday_is_closed_with_the_documents_message():
    with pytest.raises(HospitalClosed, match="^Hospital closed on Fridays$"):
        bookable_slot(GOMOTI, date(2026, 11, 27), "10:00", NOW)


@pytest.mark.parametrize("day, field", [
    (date(2026, 11, 24), "date"),       # yesterday
    (date(2027, 1, 25), "date"),        # 61 days ahead
])
def test_dates_outside_today_to_horizon_are_refused(day, field):
    with pytest.raises(ValidationFailed) as caught:
        bookable_slot(GOMOTI, day, "10:00", NOW)
    assert field in caught.value.extra["details"]


def test_a_capacity_override_on_a_closed_day_is_refused_on_its_date_saying_why():
    check_overridable_day(GOMOTI, date(2026, 11, 26), NOW)      # control: an open Thursday
    with pytest.raises(ValidationFailed) as friday:
        check_overridable_day(GOMOTI, date(2026, 11, 27), NOW)
    assert friday.value.extra["details"] == {"date": ["Hospital closed on Fridays"]}


def test_horizon_day_itself_is_bookable():
    assert bookable_slot(GOMOTI, date(2027, 1, 24), "10:00", NOW).date == date(2027, 1, 24)


@pytest.mark.parametrize("time", ["08:30", "17:00", "10:15", "16:59"])
def test_times_off_the_grid_or_outside_hours_are_refused(time):
    with pytest.raises(ValidationFailed) as caught:
        bookable_slot(GOMOTI, date(2026, 11, 26), time, NOW)
    assert "appointment_time" in caught.value.extra["details"]


def test_today_in_dhaka_is_tomorrow_in_utc_late_evening():
    late_utc = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)   # 02:00 on the 26th in Dhaka
    with pytest.raises(ValidationFailed):
        bookable_slot(GOMOTI, date(2026, 11, 25), "16:30", late_utc)
    assert bookable_slot(GOMOTI, date(2026, 11, 26), "09:00", late_utc)


def test_slot_that_already_started_today_is_refused():
    morning = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)    # 10:00 in Dhaka
    with pytest.raises(ValidationFailed):
        bookable_slot(GOMOTI, date(2026, 11, 25), "10:00", morning)
    assert bookable_slot(GOMOTI, date(2026, 11, 25), "10:30", morning)


@pytest.mark.parametrize("day, time, started", [
    (date(2026, 11, 25), "10:00", True),      # its start is now: a no-show may be recorded
    (date(2026, 11, 25), "09:30", True),
    (date(2026, 11, 25), "10:30", False),     # later today
    (date(2026, 11, 24), "16:30", True),      # any earlier day, whatever the time
    (date(2026, 11, 26), "09:00", False),
])
def test_a_slot_has_started_from_its_start_time_on(day, time, started):
    morning = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)    # 10:00 in Dhaka
    assert has_started(GOMOTI, day, time, morning) is started
