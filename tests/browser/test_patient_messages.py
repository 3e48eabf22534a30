"""What the pages say back: the API's refusals in the page's language with what to do next,
success told apart from failure, and a manage link read afresh when another is opened."""

from tests.support.browser_pages import BookingPage, expect, grouped
from tests.support.error_texts import every_error_text
from tests.support.load import open_day


def manage_url(server, answer: dict) -> str:
    return f"{server.url}/manage#id={answer['appointment']['id']}&token={answer['access_token']}"


def test_the_patient_cap_says_how_many_are_held_and_what_to_do_in_both_languages(
        page, server, api):
    phone = "+8801990000901"
    for n, offset in enumerate((31, 32)):
        api.book("moon", open_day(offset), "09:00", 901 + n, patient_phone=phone)
    booking = BookingPage(page, server.url)
    booking.ready_to_book("moon", open_day(33), "09:00", phone="01990 000901")
    booking.submit()
    expect(booking.alert).to_contain_text(
        "You already hold 2 upcoming appointments at this hospital — cancel one to book another")
    page.click("button[data-lang='bn']")
    expect(booking.alert).to_contain_text(
        "এই হাসপাতালে আপনার আগেই ২টি আসন্ন অ্যাপয়েন্টমেন্ট আছে — আরেকটি বুক করতে একটি বাতিল করুন")
    expect(booking.alert).not_to_contain_text("limit reached")


def test_a_phone_number_the_server_refuses_is_explained_in_bangla(page, server, api):
    day = open_day(34)
    booking = BookingPage(page, server.url).open("al-sefa")
    page.click("button[data-lang='bn']")
    booking.choose_day(day)
    booking.choose_time("10:00")
    booking.fill(name="করিম", phone="01212 345678")   # digits enough, but no such number
    booking.submit()
    error = page.locator("#phone-error")
    expect(error).to_contain_text("এটি ডায়াল করা যায় এমন ফোন নম্বর নয়")
    expect(error).not_to_contain_text("Not a valid")
    assert api.slot_list("al-sefa", day, "10:00") == []


def test_a_lost_link_shows_the_help_and_the_hospital_contacts_in_both_languages(page, server):
    page.goto(f"{server.url}/manage#id=abc&token=wrong")
    expect(page.locator("#message-error")).to_contain_text("Appointment not found")
    expect(page.locator("#lost-help")).to_contain_text("Lost the link to your booking?")
    contacts = page.locator("#contacts li")
    expect(contacts).to_have_count(3)
    expect(contacts.first).to_contain_text("Gomoti Hospital")
    expect(contacts.first).to_contain_text("Ask at the front desk")
    page.click("button[data-lang='bn']")
    expect(page.locator("#message-error")).to_contain_text("অ্যাপয়েন্টমেন্টটি পাওয়া যায়নি")
    expect(page.locator("#lost-help")).to_contain_text("বুকিংয়ের লিংক হারিয়ে ফেলেছেন?")
    expect(contacts).to_have_count(3)
    expect(contacts.first).to_contain_text("গোমতী হাসপাতাল")
    expect(contacts.first).to_contain_text("অভ্যর্থনা ডেস্কে জিজ্ঞেস করুন")     # contact_bn


def box_style(page, selector: str) -> tuple[str, str]:
    """(border colour, icon) of a message box."""
    return page.evaluate(
        "(s) => { const e = document.querySelector(s); return [getComputedStyle(e)"
        ".borderLeftColor, getComputedStyle(e, '::before').content]; }", selector)


def test_success_on_the_manage_page_is_a_status_apart_from_errors(page, server, api):
    answer = api.book("gomoti", open_day(35), "11:00", 905)
    page.goto(manage_url(server, answer))
    expect(page.locator("#status")).to_have_text("Booked")
    page.click("#move-submit")   # no time chosen: an error
    error = page.locator("#message-error")
    expect(error).to_contain_text("Choose a time")
    expect(error).to_have_attribute("role", "alert")
    error_look = box_style(page, "#message-error")

    page.click("#cancel")
    page.click("#cancel-yes")
    done = page.locator("#message-ok")
    expect(done).to_contain_text("Your appointment is cancelled")
    expect(done).to_have_attribute("role", "status")
    expect(error).to_be_hidden()
    done_look = box_style(page, "#message-ok")
    assert done_look[0] != error_look[0], (done_look, error_look)
    assert done_look[1] != error_look[1] and "✓" in done_look[1], (done_look, error_look)


def test_a_second_manage_link_in_the_same_tab_shows_the_second_appointment(page, server, api):
    first = api.book("gomoti", open_day(36), "09:30", 906)
    second = api.book("al-sefa", open_day(37), "14:00", 907)
    page.goto(manage_url(server, first))
    expect(page.locator("#who")).to_have_text("Other Patient 906")
    page.evaluate("window.sameDocument = true")
    page.goto(manage_url(server, second))
    expect(page.locator("#who")).to_have_text("Other Patient 907")
    expect(page.locator("#ref")).to_have_text(grouped(second["appointment"]["reference"]))
    expect(page.locator("#when")).to_contain_text("14:00")
    assert page.evaluate("window.sameDocument === true")   # only the fragment changed


def test_the_page_reads_every_error_text_the_api_can_answer_in_both_languages(page, server):
    """The page's own matcher (js/messages.js), not only the unit test's, finds an entry for
    each collected text, with a value where the server fills one in."""
    texts = sorted(text.replace("{}", "7") for text in every_error_text())
    page.goto(server.url + "/manage")
    unread = page.evaluate("""async (texts) => {
        const messages = await import("/assets/js/messages.js");
        const i18n = await import("/assets/js/i18n.js");
        const unread = [];
        for (const language of ["en", "bn"]) {
          document.querySelector(`button[data-lang='${language}']`).click();
          for (const text of texts) {
            const fallback = i18n.t("err.other", {reason: text});
            if (messages.explain(text) === fallback) unread.push([language, text]);
          }
        }
        return unread;
    }""", texts)
    assert unread == []
    assert len(texts) > 60
