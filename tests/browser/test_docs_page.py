"""The docs page renders in a real browser (Debian's Chromium) from the app alone: every
request to any host but the server is blocked and recorded, and none is made."""

import shutil
from urllib.parse import urlparse

import pytest
import requests

from harness.server import start_server

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
QUIET = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = "var/screenshots"


@pytest.fixture(scope="module")
def chromium():
    if CHROMIUM is None:
        pytest.skip("no Chromium here: `apt-get install chromium` (make test does it as root)")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=QUIET)
        yield browser
        browser.close()


def test_docs_page_renders_every_operation_with_no_network(chromium, tmp_path):
    server = start_server(tmp_path, workers=2)
    blocked = []
    try:
        context = chromium.new_context(viewport={"width": 1280, "height": 900})
        context.route("**/*", lambda route: _only_the_server(route, blocked))
        page = context.new_page()
        page.goto(server.url + "/api/docs/")
        page.wait_for_selector(".opblock-summary", timeout=20_000)
        operations = page.locator(".opblock-summary").count()
        title = page.locator(".information-container .title").inner_text()
        page.screenshot(path=f"{SCREENSHOTS}/docs-page.png", full_page=False)
        context.close()
        spec = requests.get(server.url + "/api/openapi.json", timeout=10).json()
    finally:
        server.stop()
    assert blocked == []
    assert "Hospital slot-booking API" in title
    assert operations == sum(len(methods) for methods in spec["paths"].values())


def _only_the_server(route, blocked: list) -> None:
    if urlparse(route.request.url).hostname == "127.0.0.1":
        route.continue_()
    else:
        blocked.append(route.request.url)
        route.abort()
