"""Page objects: what a patient or a member of staff does on the pages, in test words."""

from datetime import date

import pytest

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed")
expect = sync_api.expect

BENGALI_DIGITS = str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")


def bengali(number: int | str) -> str:
    return str(number).translate(BENGALI_DIGITS)


def grouped(reference: str) -> str:
    """A reference as the pages show it: K7QM3XD2 -> K7QM-3XD2."""
    return f"{reference[:4]}-{reference[4:]}"


class BookingPage:
    def __init__(self, page, url: str):
        self.page = page
        self.url = url

    def open(self, hospital: str | None = None) -> "BookingPage":
        self.page.goto(self.url + "/" + (f"?hospital={hospital}" if hospital else ""))
        expect(self.page.locator("label.day").first).to_be_attached()
        return self

    def day(self, day: date):
        return self.page.locator(f'label.day[data-date="{day.isoformat()}"]')

    def choose_day(self, day: date) -> None:
        """From the calendar (on a phone, behind "All dates")."""
        if self.page.locator("#all-days").is_visible() and not self.day(day).is_visible():
            self.page.click("#all-days")
        self.day(day).click()
        expect(self.slot("09:00")).to_be_visible()

    def slot(self, time: str):
        return self.page.locator(f'label.slot[data-time="{time}"]')

    def seats(self, time: str) -> int:
        return int(self.slot(time).get_attribute("data-seats"))

    def wait_for_seats(self, time: str, seats: int, timeout_ms: float) -> None:
        self.page.wait_for_function(
            "([time, seats]) => document.querySelector(`label.slot[data-time='${time}']`)"
            "?.dataset.seats === String(seats)", arg=[time, seats], timeout=timeout_ms,
            polling=20)

    def choose_time(self, time: str) -> None:
        self.slot(time).click()
        expect(self.slot(time).locator("input")).to_be_checked()

    def fill(self, name="Rahima Begum", phone="01712 345678", email="", notes="") -> None:
        self.page.fill("#name", name)
        self.page.fill("#phone", phone)
        self.page.fill("#email", email)
        self.page.fill("#notes", notes)

    def ready_to_book(self, hospital: str, day: date, time: str, **details) -> None:
        """Open the page and get as far as the Book button."""
        self.open(hospital)
        self.choose_day(day)
        self.choose_time(time)
        self.fill(**details)

    def submit(self) -> None:
        self.page.click("#submit")

    @property
    def confirmation(self):
        return self.page.locator("#confirmation")

    @property
    def alert(self):
        return self.page.locator("#form-alert")


class StaffBoard:
    def __init__(self, page, url: str):
        self.page = page
        self.url = url

    def sign_in(self, key: str) -> None:
        self.page.goto(self.url + "/staff")
        self.page.fill("#admin-key", key)
        self.page.press("#admin-key", "Enter")

    def show(self, hospital: str, day: date) -> None:
        expect(self.page.locator("#board-page")).to_be_visible()
        self.page.select_option("#hospital", hospital)
        self.page.fill("#date", day.isoformat())
        expect(self.row("09:00")).to_be_visible()

    def row(self, time: str):
        return self.page.locator(f'.bar-row[data-time="{time}"]')

    def person(self, name: str):
        return self.page.locator("#people tr", has_text=name)

    @property
    def serials(self):
        """The first column of the chosen slot's appointments."""
        return self.page.locator("#people tr td.serial")

    def find(self, reference: str) -> None:
        """Search the appointment by reference, as typed at the counter."""
        self.page.fill("#find-reference", reference)
        self.page.press("#find-reference", "Enter")

    # -- closures, capacity, history -------------------------------------------------------

    def close(self, reason: str, start: str | None = None, end: str | None = None) -> None:
        """Close the day on screen, or start–end, through the closures form."""
        form = self.page.locator("#close-form")
        form.get_by_label("A time range" if start else "The whole day").check()
        if start:
            self.page.select_option("#close-start", start)
            self.page.select_option("#close-end", end)
        self.page.fill("#close-reason", reason)
        form.locator("button[type=submit]").click()

    def closure(self, reason: str):
        return self.page.locator("#closures li.closure", has_text=reason)

    @property
    def closures_message(self):
        return self.page.locator("#closures-message")

    def set_capacity(self, seats: int | str, whole_day: bool = False) -> None:
        self.page.check("#capacity-day" if whole_day else "#capacity-slot")
        self.page.fill("#capacity-seats", str(seats))
        self.page.locator("#capacity-form button[type=submit]").click()

    @property
    def capacity_message(self):
        return self.page.locator("#capacity-message")

    def history(self):
        return self.page.locator("#audit tr")
