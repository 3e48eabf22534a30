"""Serials and spoken references on the pages: the patient's confirmation and manage page, the
staff board's slot list in serial order, and the board's search by reference."""

from tests.support.admin_key import ADMIN_KEY
from tests.support.browser import screenshots
from tests.support.browser_pages import BookingPage, StaffBoard, bengali, expect, grouped
from tests.support.load import open_day


def font_px(locator) -> float:
    return float(locator.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))


def manage_url(server, answer: dict) -> str:
    return f"{server.url}/manage#id={answer['appointment']['id']}&token={answer['access_token']}"


def test_the_confirmation_shows_the_serial_large_and_the_reference_grouped_in_both_languages(
        page, server, api):
    day = open_day(41)
    for n in range(2):
        api.book("moon", day, "10:30", 1100 + n)   # serials 1 and 2 go to others
    booking = BookingPage(page, server.url)
    booking.ready_to_book("moon", day, "10:30", name="Serial Three", phone="+8801700001103")
    booking.submit()

    expect(booking.confirmation).to_be_visible()
    [stored] = [a for a in api.slot_list("moon", day, "10:30")
                if a["patient_name"] == "Serial Three"]
    assert stored["serial"] == 3 and len(stored["reference"]) == 8
    serial = page.locator("#confirm-serial")
    expect(serial).to_have_text("Your serial: 3")
    assert font_px(serial.locator(".serial-number")) >= 2 * font_px(page.locator("body"))
    expect(page.locator("#confirm-ref")).to_have_text(grouped(stored["reference"]))
    expect(page.locator("#confirm-ref-hint")).to_contain_text(
        "at the hospital's counter or on the phone")

    page.click("button[data-lang='bn']")
    expect(serial).to_have_text("আপনার সিরিয়াল: ৩")
    expect(page.locator("#confirm-ref")).to_have_text(grouped(stored["reference"]))
    expect(page.locator("#confirm-ref-hint")).to_contain_text("কাউন্টারে বা ফোনে")


def test_the_manage_page_shows_the_serial_and_reference_and_the_new_serial_after_a_move(
        page, server, api):
    day = open_day(41)
    answer = api.book("gomoti", day, "09:00", 1110)
    api.book("gomoti", day, "09:30", 1111)           # the move's target slot has serial 1 taken
    reference = grouped(answer["appointment"]["reference"])
    page.goto(manage_url(server, answer))
    expect(page.locator("#serial")).to_have_text("Your serial: 1")
    expect(page.locator("#ref")).to_have_text(reference)
    expect(page.locator("#ref-hint")).to_contain_text("on the phone")

    grid = BookingPage(page, server.url)   # the manage page moves on the same slot grid
    grid.day(day).click()
    grid.choose_time("09:30")
    page.click("#move-submit")
    expect(page.locator("#message-ok")).to_contain_text("Done")
    expect(page.locator("#serial")).to_have_text("Your serial: 2")   # the next of 09:30
    expect(page.locator("#ref")).to_have_text(reference)             # a move keeps it
    page.click("button[data-lang='bn']")
    expect(page.locator("#serial")).to_have_text("আপনার সিরিয়াল: ২")


def test_the_board_lists_a_slot_in_serial_order_with_a_dash_where_there_is_no_serial(
        page, server, store, api):
    day = open_day(42)
    answers = [api.book("gomoti", day, "11:30", 1120 + n, patient_name=f"Serial Patient {n + 1}")
               for n in range(3)]
    api.cancel(answers[1])
    store.write_legacy("gomoti", "Gomoti Hospital", day, "11:30", 1)   # the old app's: no serial
    board = StaffBoard(page, server.url)
    board.sign_in(ADMIN_KEY)
    board.show("gomoti", day)
    board.row("11:30").click()

    # As the API lists them: those without a serial (written before serials) first.
    expect(board.serials).to_have_text(["—", "1", "2", "3"])
    expect(page.locator("#people tr[data-status='booked'] td.serial")).to_have_text(
        ["—", "1", "3"])                                   # 2 was cancelled: a gap, not reused
    expect(board.person("Serial Patient 2")).to_contain_text("Cancelled")
    for answer in answers:
        expect(board.person(answer["appointment"]["patient_name"])).to_contain_text(
            grouped(answer["appointment"]["reference"]))
    expect(page.locator("#people-table thead th").first).to_have_text("Serial")
    page.click("button[data-lang='bn']")
    expect(board.serials).to_have_text(["—", "১", "২", "৩"])
    expect(page.locator("#people-table thead th").first).to_have_text("সিরিয়াল")


def test_a_reference_typed_as_a_person_reads_it_finds_the_appointment_and_its_slot(
        page, server, api):
    day = open_day(43)
    api.book("al-sefa", day, "14:30", 1130)
    answer = api.book("al-sefa", day, "14:30", 1131, patient_name="Found By Reference")
    reference = answer["appointment"]["reference"]
    typed = grouped(reference).lower().replace("1", "l").replace("0", "o")
    board = StaffBoard(page, server.url)
    board.sign_in(ADMIN_KEY)
    expect(page.locator("#board-page")).to_be_visible()
    board.find(typed)

    found = page.locator("#find-result")
    expect(found).to_be_visible()
    expect(page.locator("#found-serial")).to_have_text("2")
    expect(page.locator("#found-ref")).to_have_text(grouped(reference))
    expect(page.locator("#found-who")).to_have_text("Found By Reference")
    expect(page.locator("#found-where")).to_have_text("Al-Sefa Hospital")
    expect(page.locator("#found-when")).to_contain_text("14:30")
    expect(page.locator("#found-status")).to_have_text("Booked")
    screenshots(page, "staff-find")

    page.click("button[data-lang='bn']")   # a Bangla keyboard types Bangla digits
    board.find(bengali(grouped(reference)))
    expect(page.locator("#find-message")).to_be_empty()
    expect(found).to_be_visible()
    expect(page.locator("#found-ref")).to_have_text(grouped(reference))
    expect(page.locator("#found-serial")).to_have_text("২")
    page.click("button[data-lang='en']")

    page.click("#find-show")   # the board moves to its hospital, day and slot
    expect(page.locator("#hospital")).to_have_value("al-sefa")
    expect(board.row("14:30")).to_have_attribute("aria-pressed", "true")
    expect(board.person("Found By Reference")).to_contain_text("2")


def test_a_search_by_reference_says_why_it_found_nothing_in_both_languages(page, server):
    board = StaffBoard(page, server.url)
    board.sign_in(ADMIN_KEY)
    expect(page.locator("#board-page")).to_be_visible()
    message = page.locator("#find-message")

    board.find("K7QM-3XD")   # seven characters: the API refuses it
    expect(message).to_contain_text("That is not a reference. A reference has 8 letters")
    expect(page.locator("#find-reference")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#find-result")).to_be_hidden()
    page.click("button[data-lang='bn']")
    expect(message).to_contain_text("এটি রেফারেন্স নয়")

    board.find("zzzz-zzzz")
    expect(message).to_contain_text("ZZZZ-ZZZZ")
    expect(message).to_contain_text("ZZZZ-ZZZZ রেফারেন্সের কোনো অ্যাপয়েন্টমেন্ট নেই")
    page.click("button[data-lang='en']")
    expect(message).to_contain_text("No appointment has the reference ZZZZ-ZZZZ")
    expect(page.locator("#find-reference")).not_to_have_attribute("aria-invalid", "true")
