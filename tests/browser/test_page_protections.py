"""What protects the pages, asserted through the real server and Chromium: the
Content-Security-Policy every page carries (an inline script injected into a page does not
run; its control, the same page without the header, runs it), and the patient page reading a
phone in the hospital's own `phone_region` (a hospital configured in GB, where every shipped
one is in BD)."""

import pytest
import requests

from tests.support.browser import screenshots
from tests.support.browser_pages import BookingPage, expect
from tests.support.hospitals import (
    ABROAD,
    ABROAD_E164,
    ABROAD_LOCAL_PHONE,
    start_with_a_hospital_abroad,
)
from tests.support.load import open_day

PAGES = ("/", "/manage", "/staff")
INLINE = "<script>document.documentElement.dataset.inline = 'ran';</script>"


def policy(url: str) -> dict[str, str]:
    header = requests.get(url, timeout=10).headers.get("Content-Security-Policy", "")
    directives = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {name: value for name, value in directives}


@pytest.mark.parametrize("path", PAGES)
def test_every_page_allows_scripts_styles_and_requests_only_from_its_own_origin(server, path):
    found = policy(server.url + path)
    for directive in ("default-src", "script-src", "style-src", "connect-src"):
        assert found.get(directive) == "'self'", (directive, found)
    assert (found.get("base-uri"), found.get("frame-ancestors")) == ("'none'", "'none'")


def with_inline_script(keep_policy: bool):
    """A route handler serving the real page with an inline script injected into it."""
    def handle(route):
        real = route.fetch()
        headers = {k: v for k, v in real.headers.items() if k.lower() != "content-length"
                   and (keep_policy or k.lower() != "content-security-policy")}
        route.fulfill(status=real.status, headers=headers,
                      body=real.text().replace("</head>", INLINE + "</head>", 1))
    return handle


@pytest.mark.parametrize("keep_policy, expected", [(True, None), (False, "ran")])
def test_chromium_runs_no_inline_script_under_the_pages_policy(new_page, server, keep_policy,
                                                               expected):
    """keep_policy=False is the control: without the header the injected script runs."""
    page = new_page()
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security" in m.text
            else None)
    page.route(server.url + "/", with_inline_script(keep_policy))
    page.goto(server.url + "/")
    expect(page.locator("label.day").first).to_be_visible()    # the page's own scripts ran
    assert page.evaluate("document.documentElement.dataset.inline") == expected
    assert bool(violations) == keep_policy


@pytest.fixture(scope="module")
def abroad(tmp_path_factory):
    """The real server with the shipped hospitals and the Thames Clinic (phone_region GB)."""
    running = start_with_a_hospital_abroad(tmp_path_factory.mktemp("abroad"))
    yield running
    running.stop()


def test_the_page_reads_a_local_number_in_the_hospitals_own_region(new_page, abroad):
    page = new_page(width=360)
    booking = BookingPage(page, abroad.url)
    booking.ready_to_book(ABROAD, open_day(3), "10:00", name="Olivia Smith",
                          phone=ABROAD_LOCAL_PHONE)
    expect(page.locator("#phone-hint")).to_contain_text(
        "A United Kingdom number may be written as it is dialled")
    screenshots(page, "phone-region-abroad-en", full_page=True)
    page.click("button[data-lang='bn']")
    expect(page.locator("#phone-hint")).to_contain_text("যুক্তরাজ্য")
    screenshots(page, "phone-region-abroad-bn", full_page=True)
    booking.submit()
    expect(page.locator("#confirm-phone")).to_have_text(ABROAD_E164)


def test_a_hospital_in_bangladesh_keeps_its_local_example(new_page, abroad):
    page = new_page()
    BookingPage(page, abroad.url).open("gomoti")
    expect(page.locator("#phone-hint")).to_contain_text("Bangladesh")
    expect(page.locator("#phone-hint")).to_contain_text("01712 345678")
