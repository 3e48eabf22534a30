"""Headless Chromium (Debian's package) driven by Playwright against the real gunicorn server.

`make test` installs Chromium when it runs as root; without a Chromium (or without Playwright)
every browser test is skipped with the reason. Screenshots go to $SCREENSHOT_DIR (default
var/screenshots; `make screenshots` refreshes the committed ones in docs/screenshots).
"""

import os
import shutil

import pytest
import requests

from harness.server import start_server
from tests.support.admin_key import ADMIN_KEY
from tests.support.browser import MEASUREMENTS
from tests.support.engines import SqliteStore

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def chromium_path() -> str | None:
    wanted = os.environ.get("CHROMIUM")
    return wanted or shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_terminal_summary(terminalreporter):
    if MEASUREMENTS:
        terminalreporter.section("browser measurements")
        for line in MEASUREMENTS:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        pytest.skip("no Chromium: install Debian's `chromium` (make test does, as root)")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright not installed (pip install -e '.[test]')")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The real app under gunicorn (3 workers) with an admin key, for every browser test."""
    running = start_server(tmp_path_factory.mktemp("browser"), workers=3,
                           ADMIN_API_KEY=ADMIN_KEY)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def store(server):
    return SqliteStore(server.sqlite_path)


@pytest.fixture
def new_page(browser):
    """Pages in fresh browser contexts (own storage), each failing the test on a script error."""
    contexts, errors = [], []

    def make(width=1280, height=800, **options):
        context = browser.new_context(viewport={"width": width, "height": height}, **options)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.set_default_timeout(10_000)
        return page

    yield make
    for context in contexts:
        context.close()
    assert errors == [], f"script errors in the page: {errors}"


@pytest.fixture
def page(new_page):
    return new_page()


class Api:
    """The public API, as another client (or the staff) would use it during a test."""

    def __init__(self, url: str):
        self.url = url

    def book(self, hospital, day, time, n, **extra) -> dict:
        body = {"hospital": hospital, "date": day.isoformat(), "appointment_time": time,
                "patient_name": f"Other Patient {n}", "patient_phone": f"+88019{n:08d}",
                **extra}
        response = requests.post(self.url + "/api/appointments", json=body, timeout=10)
        assert response.status_code == 201, response.text
        return response.json()

    def cancel(self, answer: dict) -> None:
        response = requests.patch(
            f"{self.url}/api/appointments/{answer['appointment']['id']}",
            json={"status": "cancelled"}, timeout=10,
            headers={"Authorization": f"Bearer {answer['access_token']}"})
        assert response.status_code == 200, response.text

    def booked(self, hospital, day, time) -> int:
        url = f"{self.url}/api/appointments/availability/{hospital}/{day.isoformat()}/{time}"
        return requests.get(url, timeout=10).json()["current_bookings"]

    def slot_list(self, hospital, day, time) -> list[dict]:
        response = requests.get(
            self.url + "/api/appointments", timeout=10,
            params={"hospital": hospital, "date": day.isoformat(), "time": time},
            headers={"Authorization": f"Bearer {ADMIN_KEY}"})
        assert response.status_code == 200, response.text
        return response.json()["items"]


@pytest.fixture(scope="session")
def api(server):
    return Api(server.url)
