"""The staff day board in headless Chromium against the real server."""

from datetime import datetime

from tests.support.admin_key import ADMIN_KEY
from tests.support.browser import screenshots
from tests.support.browser_pages import StaffBoard, bengali, expect
from tests.support.load import DHAKA, open_day

WARNING_RED = "rgb(179, 38, 30)"


def test_a_wrong_key_is_refused_and_the_right_one_kept_for_the_tab_only(page, server):
    board = StaffBoard(page, server.url)
    board.sign_in("not-the-admin-key")
    expect(page.locator("#admin-key-error")).to_contain_text("refused")
    expect(page.locator("#board-page")).to_be_hidden()
    board.sign_in(ADMIN_KEY)
    expect(page.locator("#board-page")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('adminKey')") == ADMIN_KEY
    assert page.evaluate("localStorage.getItem('adminKey')") is None
    page.reload()
    expect(page.locator("#board-page")).to_be_visible()   # same tab: still signed in
    page.click("#signout")
    expect(page.locator("#signin")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('adminKey')") is None


def test_the_board_shows_a_legacy_19_in_15_slot_as_over_capacity_and_checks_a_patient_in(
        page, server, store, api):
    day = open_day(10)
    store.write_legacy("gomoti", "Gomoti Hospital", day, "12:00", 19)
    api.book("gomoti", day, "10:00", 700, patient_name="Karim Mia")
    board = StaffBoard(page, server.url)
    board.sign_in(ADMIN_KEY)
    board.show("gomoti", day)

    over = board.row("12:00")
    expect(over).to_have_class("bar-row over")
    expect(over).to_contain_text("19 / 15")
    expect(over).to_contain_text("4 over capacity")
    expect(over).to_have_attribute("aria-label", "12:00: 19 of 15 booked, 4 over capacity")
    fill = over.locator(".bar-fill")
    assert fill.evaluate("e => getComputedStyle(e).backgroundColor") == WARNING_RED
    assert fill.evaluate("e => e.style.width") == "100%"   # capped: the count says the rest
    expect(board.row("10:00")).to_contain_text("1 / 15")
    expect(page.locator("#day-summary")).to_have_text("20 booked of 240 seats")

    board.row("10:00").click()
    karim = board.person("Karim Mia")
    expect(karim).to_contain_text("Booked")
    expect(karim.locator("button[data-action='no_show']")).to_have_count(0)   # not started
    karim.locator("button[data-action='checked_in']").click()
    expect(karim).to_contain_text("Checked in")
    expect(page.locator("#staff-message")).to_have_text("Karim Mia: Checked in.")
    [stored] = api.slot_list("gomoti", day, "10:00")
    assert stored["status"] == "checked_in"
    expect(board.row("10:00")).to_contain_text("1 / 15")   # a checked-in patient holds the seat
    expect(karim.locator("button[data-action='completed']")).to_be_visible()
    screenshots(page, "staff-board")
    karim.locator("button[data-action='completed']").click()
    expect(karim).to_contain_text("Completed")
    expect(karim.locator("button")).to_have_count(0)   # final


def test_staff_cancel_a_booking_and_the_board_follows_live(page, server, api):
    day = open_day(11)
    api.book("moon", day, "09:30", 800, patient_name="Salma Khatun")
    board = StaffBoard(page, server.url)
    board.sign_in(ADMIN_KEY)
    board.show("moon", day)
    expect(board.row("09:30")).to_contain_text("1 / 20")
    board.row("09:30").click()
    expect(page.locator("#slot-title")).to_be_focused()
    page.once("dialog", lambda dialog: dialog.accept())
    board.person("Salma Khatun").locator("button[data-action='cancelled']").click()
    expect(board.person("Salma Khatun")).to_contain_text("Cancelled")
    expect(page.locator("#staff-message")).to_have_text("Salma Khatun: Cancelled.")
    expect(board.row("09:30")).to_contain_text("0 / 20")
    assert api.booked("moon", day, "09:30") == 0

    api.book("moon", day, "09:30", 801, patient_name="Late Arrival")   # from anywhere else
    expect(board.row("09:30")).to_contain_text("1 / 20", timeout=2000)
    expect(board.person("Late Arrival")).to_be_visible(timeout=2000)


def test_the_day_is_written_day_month_year_in_the_boards_language(page, server, api):
    """Chromium here runs in en-US: a native date field would show 12/05/2026."""
    board = StaffBoard(page, server.url)
    board.sign_in(ADMIN_KEY)
    expect(page.locator("#board-page")).to_be_visible()
    today = datetime.now(DHAKA).date()
    expect(page.locator("#date")).to_have_value(f"{today:%d/%m/%Y}")
    page.click("button[data-lang='bn']")
    expect(page.locator("#date")).to_have_value(
        bengali(f"{today:%d/%m/%Y}"))
    day = open_day(12)
    api.book("moon", day, "11:30", 910, patient_name="Bangla Digits")
    page.select_option("#hospital", "moon")
    page.fill("#date", bengali(f"{day:%d/%m/%Y}"))
    page.press("#date", "Enter")
    expect(board.row("11:30")).to_contain_text("১ / ২০")
    expect(page.locator("#date-hint")).to_contain_text(bengali(str(day.year)))
