"""The staff board's closures, capacity and slot history in headless Chromium against the real
server; every change the page reports is checked through the API too."""

from datetime import UTC, datetime, timedelta

import requests

from tests.support.admin_key import ADMIN_KEY
from tests.support.browser import screenshots
from tests.support.browser_pages import BookingPage, StaffBoard, expect
from tests.support.load import DHAKA, open_day

STAFF = {"Authorization": f"Bearer {ADMIN_KEY}"}


def slot(url, hospital, day, time) -> dict:
    answer = requests.get(f"{url}/api/appointments/availability/{hospital}/{day}/{time}",
                          timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def closures(url, hospital, day) -> list[dict]:
    answer = requests.get(f"{url}/api/admin/closures", headers=STAFF, timeout=10,
                          params={"hospital": hospital, "date": day.isoformat()})
    assert answer.status_code == 200, answer.text
    return answer.json()["closures"]


def trail(url, hospital, day, time) -> list[dict]:
    answer = requests.get(f"{url}/api/admin/audit", headers=STAFF, timeout=10,
                          params={"hospital": hospital, "date": day.isoformat(), "time": time})
    assert answer.status_code == 200, answer.text
    return answer.json()["entries"]


def statuses(api, hospital, day, time) -> list[str]:
    return sorted(a["status"] for a in api.slot_list(hospital, day, time))


def signed_in(page, server, hospital, day) -> StaffBoard:
    board = StaffBoard(page, server.url)
    board.sign_in(ADMIN_KEY)
    board.show(hospital, day)
    return board


def frozen_booking_page(page, server, hospital, day, time) -> BookingPage:
    """A patient's page ready to book whose polling then stops (its clock paused): the page
    has not yet heard of what staff do next."""
    start = datetime.now(UTC)
    page.clock.install(time=start)
    patient = BookingPage(page, server.url)
    patient.ready_to_book(hospital, day, time, name="Nasrin Akter", phone="01712 000111")
    page.clock.pause_at(datetime.now(UTC) + timedelta(seconds=1))
    return patient


def test_closing_an_afternoon_counts_its_bookings_refuses_patients_and_reopens(
        new_page, server, api):
    day = open_day(20)
    for n, time in enumerate(["14:00", "14:00", "15:30", "10:00"]):
        api.book("gomoti", day, time, 900 + n)
    patient = frozen_booking_page(new_page(), server, "gomoti", day, "14:30")
    page = new_page()
    board = signed_in(page, server, "gomoti", day)
    expect(page.locator("#closures-empty")).to_be_visible()

    board.close("Power cut", start="14:00", end="17:00")
    expect(board.closures_message).to_contain_text("3 bookings still held")
    expect(board.closures_message).to_contain_text("Closing cancels nothing")
    [closure] = closures(server.url, "gomoti", day)
    assert (closure["start"], closure["end"], closure["reason"]) == ("14:00", "17:00", "Power cut")
    assert statuses(api, "gomoti", day, "14:00") == ["booked", "booked"]   # nothing cancelled
    row = board.closure("Power cut")
    expect(row).to_contain_text("3 bookings still held")
    expect(row.locator("[data-action='cancel-bookings']")).to_have_text("Cancel these 3 bookings…")
    expect(board.row("14:00")).to_have_class("bar-row closed")
    expect(board.row("14:00")).to_contain_text("Closed: Power cut")
    expect(board.row("16:30")).to_have_class("bar-row closed")
    expect(board.row("13:30")).to_have_class("bar-row open")
    assert slot(server.url, "gomoti", day, "14:30")["status"] == "closed"
    board.row("14:00").click()
    expect(board.history().filter(has_text="Closed: Power cut")).to_have_count(1)
    screenshots(page, "staff-closures", full_page=True)

    patient.submit()   # the form was open before the closure
    expect(patient.alert).to_contain_text("closed")
    expect(patient.alert).to_contain_text("Power cut")
    patient.page.clock.resume()
    expect(patient.slot("14:30")).to_have_attribute("data-status", "closed")
    expect(patient.slot("14:30").locator("input")).to_be_disabled()
    expect(patient.slot("13:30")).to_have_attribute("data-status", "available")
    assert api.booked("gomoti", day, "14:30") == 0

    row.locator("[data-action='reopen']").click()
    expect(board.closures_message).to_contain_text("Reopened")
    expect(board.closure("Power cut")).to_have_count(0)
    assert closures(server.url, "gomoti", day) == []
    expect(board.row("14:00")).to_have_class("bar-row open")
    assert slot(server.url, "gomoti", day, "14:30")["status"] == "available"
    expect(patient.slot("14:30")).to_have_attribute("data-status", "available")
    api.book("gomoti", day, "14:30", 910)   # 201 again
    actions = [e["action"] for e in trail(server.url, "gomoti", day, "14:30")]
    assert actions == ["close", "reopen", "book"]


def test_the_bulk_cancel_waits_for_an_explicit_yes(page, server, api):
    day = open_day(21)
    for n in range(2):
        api.book("moon", day, "11:00", 920 + n)
    board = signed_in(page, server, "moon", day)
    board.close("Doctor called away", start="11:00", end="12:00")
    expect(board.closures_message).to_contain_text("2 bookings still held")
    cancel = board.closure("Doctor called away").locator("[data-action='cancel-bookings']")

    cancel.click()
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Cancel the 2 bookings still held")
    expect(page.locator("#confirm-no")).to_be_focused()   # the safe answer is the default
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(board.closures_message).to_have_text("Nothing was cancelled.")
    expect(cancel).to_be_focused()
    assert statuses(api, "moon", day, "11:00") == ["booked", "booked"]

    cancel.click()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert statuses(api, "moon", day, "11:00") == ["booked", "booked"]

    cancel.click()
    page.click("#confirm-yes")
    expect(board.closures_message).to_have_text("Cancelled 2 bookings.")
    assert statuses(api, "moon", day, "11:00") == ["cancelled", "cancelled"]
    expect(board.closure("Doctor called away")).to_contain_text("0 bookings still held")
    expect(cancel).to_have_count(0)
    expect(board.row("11:00")).to_contain_text("0 / 20")

    board.row("11:00").click()
    history = board.history()
    expect(history.filter(has_text="Cancelled by a closure: Doctor called away")).to_have_count(2)
    expect(history.filter(has_text="Closed: Doctor called away")).to_have_count(1)
    expect(history.first).to_contain_text("Staff")
    entries = trail(server.url, "moon", day, "11:00")
    assert [e["action"] for e in entries] == ["book", "book", "close", "bulk_cancel",
                                              "bulk_cancel"]
    assert {e["actor"] for e in entries} == {"patient", "admin"}
    shown = page.locator("#audit-table").inner_text()
    assert "+88019" not in shown and "Other Patient" not in shown   # roles, never patients


def test_raising_a_full_slot_lets_a_patient_book_and_lowering_it_warns(new_page, server, api):
    day = open_day(22)
    for n in range(15):
        api.book("gomoti", day, "10:00", 930 + n)
    refused = requests.post(server.url + "/api/appointments", timeout=10, json={
        "hospital": "gomoti", "date": day.isoformat(), "appointment_time": "10:00",
        "patient_name": "Too Late", "patient_phone": "+8801900000999"})
    assert refused.status_code == 409   # control: the slot is full
    page = new_page()
    board = signed_in(page, server, "gomoti", day)
    expect(page.locator("#capacity-slot")).to_be_disabled()   # no slot chosen yet
    board.row("10:00").click()
    expect(page.locator("#capacity-slot")).to_be_checked()
    expect(page.locator("#capacity-hint")).to_contain_text("10:00 has 15 now")

    board.set_capacity(16)
    expect(board.capacity_message).to_have_text("10:00 now has 16 seats.")
    assert slot(server.url, "gomoti", day, "10:00")["max_capacity"] == 16
    assert slot(server.url, "gomoti", day, "10:30")["max_capacity"] == 15
    expect(board.row("10:00")).to_contain_text("15 / 16")

    patient = BookingPage(new_page(), server.url)
    patient.ready_to_book("gomoti", day, "10:00", name="Shirin Sultana", phone="01712 000222")
    patient.submit()
    expect(patient.confirmation).to_be_visible()
    assert api.booked("gomoti", day, "10:00") == 16

    board.set_capacity(10)
    message = board.capacity_message
    expect(message).to_contain_text("Over capacity: 10:00 holds 16 for 10 seats")
    expect(message).to_have_class("outcome warning")
    assert (slot(server.url, "gomoti", day, "10:00")["max_capacity"], api.booked(
        "gomoti", day, "10:00")) == (10, 16)   # lowered, nobody cancelled
    expect(board.row("10:00")).to_have_class("bar-row over")
    expect(board.row("10:00")).to_contain_text("6 over capacity")
    screenshots(page, "staff-capacity")

    page.click("#capacity-clear")
    expect(message).to_contain_text("10:00 is back to the usual 15 seats.")
    expect(message).to_contain_text("10:00 holds 16 for 15 seats")
    assert slot(server.url, "gomoti", day, "10:00")["max_capacity"] == 15

    board.set_capacity(5, whole_day=True)
    expect(message).to_contain_text("Every slot of the day now has 5 seats.")
    expect(message).to_contain_text("10:00 holds 16 for 5 seats")
    assert slot(server.url, "gomoti", day, "16:30")["max_capacity"] == 5
    expect(board.history().filter(has_text="Seats: usual → 5")).to_have_count(1)
    expect(board.history().filter(has_text="Seats: 10 → usual")).to_have_count(1)
    expect(board.history().filter(has_text="Seats: 16 → 10")).to_have_count(1)


def test_refusals_are_told_in_words_in_both_languages(page, server, api):
    yesterday = datetime.now(DHAKA).date() - timedelta(days=1)
    board = StaffBoard(page, server.url)
    board.sign_in(ADMIN_KEY)
    expect(page.locator("#board-page")).to_be_visible()
    page.select_option("#hospital", "moon")
    page.fill("#date", yesterday.isoformat())
    board.close("")   # the page asks for a reason itself
    expect(board.closures_message).to_have_text(
        "Nothing was changed. Please check: Reason: this is needed.")
    expect(page.locator("#close-reason")).to_be_focused()
    expect(page.locator("#close-reason")).to_have_attribute("aria-invalid", "true")
    board.close("Too late")   # the server refuses a past day: 400 with its field
    expect(board.closures_message).to_have_text(
        "Nothing was changed. Please check: Day: this day has already passed.")
    assert closures(server.url, "moon", yesterday) == []

    day = open_day(23)
    board.show("moon", day)
    board.close("Water outage")
    expect(board.closure("Water outage")).to_be_visible()
    expect(page.locator("#day-summary")).to_contain_text("closed on this day")
    expect(page.locator("#day-summary")).to_contain_text("Water outage")
    expect(board.row("09:00")).to_have_count(0)
    [gone] = closures(server.url, "moon", day)
    requests.delete(f"{server.url}/api/admin/closures/{gone['id']}", headers=STAFF, timeout=10)
    board.closure("Water outage").locator("[data-action='reopen']").click()   # another desk won
    expect(board.closures_message).to_contain_text("That closure no longer exists")
    expect(board.closure("Water outage")).to_have_count(0)

    # A store that cannot answer (simulated here; the real 503 is proven in tests/e2e).
    page.route("**/api/admin/capacity", lambda route: route.fulfill(
        status=503, headers={"Retry-After": "7", "Content-Type": "application/json"},
        body='{"error": "Booking store temporarily unavailable, please retry"}'))
    board.set_capacity(3, whole_day=True)
    expect(board.capacity_message).to_have_text(
        "The booking store is not answering right now. Nothing was changed; "
        "try again in 7 seconds.")
    page.click(".lang button[data-lang='bn']")
    board.set_capacity(3, whole_day=True)
    expect(board.capacity_message).to_contain_text("৭ সেকেন্ড পরে আবার চেষ্টা করুন")
    expect(page.locator("#capacity-title")).to_have_text("ধারণক্ষমতা")
    board.set_capacity("2.5", whole_day=True)
    expect(board.capacity_message).to_contain_text("আসনের একটি পূর্ণ সংখ্যা")
    assert slot(server.url, "moon", day, "09:00")["max_capacity"] == 20
