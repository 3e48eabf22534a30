"""The patient page on a phone (360 x 640): how far a patient scrolls from load to the first time
button and to "Book" (figures printed in the run's summary)."""

from datetime import date

import pytest

from tests.support.browser import record
from tests.support.browser_pages import BookingPage, expect
from tests.support.load import open_day

PHONE = {"width": 360, "height": 640}


def page_y(locator) -> float:
    """The bottom edge of `locator` in page pixels (from the top of the page, not the screen)."""
    return locator.evaluate("e => e.getBoundingClientRect().bottom + window.scrollY")


def first_open_day(page):
    """The first day a patient can tap: in the short list if the page has one, else the calendar."""
    quick = page.locator("label.quick-day:not(.closed)")
    return quick.first if quick.count() else page.locator("label.day:not(.closed)").first


@pytest.mark.parametrize("language", ["en", "bn"])
def test_on_a_phone_the_first_screen_holds_the_hospital_the_days_and_a_time(
        new_page, server, language):
    page = new_page(**PHONE)
    page.goto(server.url + "/")
    expect(page.locator("#hospital option").first).to_be_attached()
    if language == "bn":
        page.click("button[data-lang='bn']")
    expect(first_open_day(page)).to_be_visible()
    page.wait_for_function("document.querySelector('label.slot') "   # times, or "choose a day"
                           "|| document.getElementById('slot-note').textContent")
    slots = page.locator("label.slot:not(.full):not(.closed):not(.past):not(.started)")
    taps = 0
    if not slots.count():
        first_open_day(page).click()
        taps += 1
    to_day, to_time, to_book = (page_y(first_open_day(page)), page_y(slots.first),
                                page_y(page.locator("#submit")))
    record(f"360 x 640 patient page ({language}): first open day {to_day:.0f} px, taps to see "
           f"times {taps}, first time button {to_time:.0f} px "
           f"({to_time / PHONE['height']:.1f} screens), Book {to_book:.0f} px "
           f"({to_book / PHONE['height']:.1f} screens), page {page_y(page.locator('body')):.0f} px")
    assert to_time <= PHONE["height"], f"the first time button is {to_time:.0f} px down"
    assert taps == 0, "times shown only after choosing a day"


def test_on_a_phone_the_full_calendar_is_one_tap_away(new_page, server):
    page = new_page(**PHONE)
    page.goto(server.url + "/?hospital=moon")
    expect(page.locator("#calendar")).to_be_hidden()
    later = open_day(40)
    page.click("#all-days")
    expect(page.locator("#all-days")).to_have_attribute("aria-expanded", "true")
    BookingPage(page, server.url).choose_day(later)
    expect(page.locator("#slots input[name='book-time']").first).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth") - PHONE["width"]
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"


def test_a_day_from_the_short_list_shows_its_times(new_page, server, api):
    page = new_page(**PHONE)
    page.goto(server.url + "/?hospital=gomoti")
    second = page.locator("label.quick-day:not(.closed)").nth(1)
    day = second.get_attribute("data-date")
    second.click()
    expect(second.locator("input")).to_be_checked()
    booking = BookingPage(page, server.url)
    booking.choose_time("16:00")
    booking.fill(name="Short List", phone="01811 000908")
    booking.submit()
    expect(booking.confirmation).to_be_visible()
    [stored] = api.slot_list("gomoti", date.fromisoformat(day), "16:00")
    assert stored["patient_name"] == "Short List"


def test_in_bangla_times_have_bangla_numerals_and_day_parts_and_hospitals_bangla_names(
        page, server):
    day = open_day(38)
    booking = BookingPage(page, server.url).open("al-sefa")
    page.click("button[data-lang='bn']")
    expect(page.locator("#hospital option[value='al-sefa']")).to_have_text("আল-শেফা হাসপাতাল")
    booking.choose_day(day)
    expect(booking.slot("09:00").locator(".slot-time")).to_have_text("সকাল ৯:০০")
    expect(booking.slot("14:00").locator(".slot-time")).to_have_text("দুপুর ২:০০")
    expect(page.locator("#slots")).not_to_contain_text("AM")
    expect(page.locator("#slots")).not_to_contain_text("PM")
    booking.choose_time("14:00")
    booking.fill(name="রহিমা", phone="01912 000909")
    booking.submit()
    expect(page.locator("#confirm-where")).to_have_text("আল-শেফা হাসপাতাল")
    expect(page.locator("#confirm-when")).to_contain_text("দুপুর ২:০০")
