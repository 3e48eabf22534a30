"""A hospital day's offer: every slot with its count, started slots offering nothing."""

from datetime import UTC, date, datetime

from app.config.hospitals import load_hospitals
from app.domain.capacity import DayAvailability, SlotAvailability
from app.domain.operations import SlotRules
from app.domain.schedule import day_offer
from tests.support.hospitals import SHIPPED

GOMOTI = load_hospitals(SHIPPED).get("gomoti")
THURSDAY, FRIDAY = date(2026, 11, 26), date(2026, 11, 27)
# 2026-11-26 04:00 UTC is 10:00 in Dhaka: the slots up to 10:00 have begun.
NOW = datetime(2026, 11, 26, 4, 0, tzinfo=UTC)


def test_closed_day_is_named_and_offers_no_slot():
    assert day_offer(GOMOTI, FRIDAY, {}, {}, NOW) == DayAvailability(
        "gomoti", FRIDAY, is_open=False, closed_reason="Hospital closed on Fridays")


def test_open_day_lists_every_slot_with_its_count_and_zero_where_none():
    offer = day_offer(GOMOTI, THURSDAY, {"11:00": 4}, {}, NOW)
    assert (offer.hospital_id, offer.date, offer.is_open) == ("gomoti", THURSDAY, True)
    assert tuple(s.time for s in offer.slots) == tuple(GOMOTI.slot_times())
    by_time = {s.time: s for s in offer.slots}
    assert by_time["11:00"] == SlotAvailability("gomoti", THURSDAY, "11:00", 15, 4)
    assert by_time["16:30"] == SlotAvailability("gomoti", THURSDAY, "16:30", 15, 0)


def test_slots_that_have_begun_keep_their_count_but_offer_nothing():
    by_time = {s.time: s for s in day_offer(GOMOTI, THURSDAY, {"09:30": 2}, {}, NOW).slots}
    assert by_time["09:30"] == SlotAvailability("gomoti", THURSDAY, "09:30", 15, 2,
                                                unbookable="started")
    assert (by_time["09:30"].available_slots, by_time["10:30"].unbookable) == (0, None)


def test_a_day_closed_in_every_slot_is_closed_with_its_first_slots_reason():
    rules = {t: SlotRules(closed="Flood" if t == "09:00" else "Strike")
             for t in GOMOTI.slot_times()}
    assert day_offer(GOMOTI, THURSDAY, {}, rules, NOW) == DayAvailability(
        "gomoti", THURSDAY, is_open=False, closed_reason="Hospital closed on 2026-11-26: Flood")
