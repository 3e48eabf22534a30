"""The read limit covers day availability answered from a worker's memory (issue 27, #13): a
client polling one day as fast as it can is refused past RATELIMIT_READ, as it is when every
poll goes through the app, and staff with the admin key are not."""

import pytest
import requests

from harness.server import start_server
from tests.support.load import open_day

pytestmark = pytest.mark.e2e

READ_LIMIT = 40
POLLS = 150
ADMIN_KEY = "cached-read-admin-key-0123456789abcdefgh"
# Polls that miss the worker's copy (at most one per DAY_ANSWER_FRESH_S) go through the app,
# whose limiter counts them in the shared counters: a few more than the limit may be served.
MISSES_ALLOWED = 10
# The harness's readiness probes (GET /api/hospitals) come from the same address and count.
PROBES = 5


@pytest.fixture(scope="module", params=["kept for 5 s", "every poll through the app"])
def limited_server(request, tmp_path_factory):
    fresh_s = "5" if request.param == "kept for 5 s" else "0"
    running = start_server(tmp_path_factory.mktemp("cached-read"), workers=3,
                           RATELIMIT_ENABLED="true", RATELIMIT_READ=f"{READ_LIMIT}/minute",
                           DAY_ANSWER_FRESH_S=fresh_s, ADMIN_API_KEY=ADMIN_KEY)
    yield running
    running.stop()


def poll_one_day(url: str, polls: int, headers=None) -> list[requests.Response]:
    """One client, one keep-alive connection (so one worker), polling one day."""
    day_url = f"{url}/api/hospitals/moon/availability?date={open_day(3)}"
    with requests.Session() as client:
        return [client.get(day_url, headers=headers, timeout=10) for _ in range(polls)]


def test_one_address_polling_a_day_is_refused_past_the_read_limit(limited_server):
    statuses = [answer.status_code for answer in poll_one_day(limited_server.url, POLLS)]
    served = sum(status in (200, 304) for status in statuses)
    assert READ_LIMIT - PROBES <= served <= READ_LIMIT + MISSES_ALLOWED, statuses
    assert statuses.count(429) == POLLS - served


def test_a_refused_poll_says_when_to_come_back_in_the_limiters_shape(limited_server):
    refused = [a for a in poll_one_day(limited_server.url, READ_LIMIT + MISSES_ALLOWED + 5)
               if a.status_code == 429][-1]
    assert refused.headers["Content-Type"].startswith("application/json")
    assert refused.json() == {"error": "Too many requests",
                              "retry_after": int(refused.headers["Retry-After"])}
    # Whole seconds rounded up past the window's reset: a one-minute window says at most 61.
    assert 0 < refused.json()["retry_after"] <= 61


def test_staff_with_the_admin_key_keep_their_board_past_the_limit(limited_server):
    poll_one_day(limited_server.url, READ_LIMIT + MISSES_ALLOWED + 5)      # the limit reached
    staff = {"Authorization": f"Bearer {ADMIN_KEY}"}
    assert {a.status_code for a in poll_one_day(limited_server.url, 30, staff)} <= {200, 304}
