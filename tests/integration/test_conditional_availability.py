"""Day availability answers conditional GETs, and pollers are answered from a short-lived copy.

The route's own ETag/304 is tested with the copy off (DAY_ANSWER_FRESH_S=0); the copy
(app.api.day_answers) is tested on its own clock.
"""

from dataclasses import replace

import pytest

from app import create_app
from app.api.day_answers import DayAnswers
from tests.support.bookings import GOOD, post
from tests.support.clock import FIXED_NOW

DAY_URL = "/api/hospitals/gomoti/availability?date=2026-11-26"
FRESH_S = 0.25


@pytest.fixture
def app(settings, repository):
    return create_app(replace(settings, day_answer_fresh_s=0), repository, now=lambda: FIXED_NOW)


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def polled(app, clock):
    """The app with its day answers kept FRESH_S on a clock the test moves."""
    app.wsgi_app = DayAnswers(app.wsgi_app, FRESH_S, clock)
    return app.test_client()


def ten_oclock(response) -> int:
    return next(s for s in response.json["slots"] if s["time"] == "10:00")["current_bookings"]


def test_day_availability_carries_an_etag_and_asks_caches_to_revalidate(client):
    response = client.get(DAY_URL)
    assert response.status_code == 200
    assert response.headers["ETag"].startswith('"')
    assert response.headers["Cache-Control"] == "no-cache"


def test_unchanged_day_answers_304_without_a_body(client):
    etag = client.get(DAY_URL).headers["ETag"]
    response = client.get(DAY_URL, headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["ETag"] == etag


def test_a_booking_changes_the_etag_and_the_next_poll_gets_the_new_count(client):
    etag = client.get(DAY_URL).headers["ETag"]
    assert post(client, GOOD).status_code == 201
    response = client.get(DAY_URL, headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.headers["ETag"] != etag
    assert ten_oclock(response) == 1


def test_a_cancellation_changes_the_etag_again(client):
    answer = post(client, GOOD).json
    etag = client.get(DAY_URL).headers["ETag"]
    client.patch(f"/api/appointments/{answer['appointment']['id']}", json={"status": "cancelled"},
                 headers={"Authorization": f"Bearer {answer['access_token']}"})
    assert client.get(DAY_URL, headers={"If-None-Match": etag}).status_code == 200


def test_each_day_has_its_own_etag(client):
    other = client.get("/api/hospitals/gomoti/availability?date=2026-11-28").headers["ETag"]
    assert client.get(DAY_URL, headers={"If-None-Match": other}).status_code == 200


def test_errors_are_never_304(client, polled):
    for asker in (client, polled):
        assert asker.get("/api/hospitals/gomoti/availability?date=2027-06-01",   # beyond horizon
                         headers={"If-None-Match": "*"}).status_code == 400


def test_cross_origin_pages_may_read_the_etag_and_send_if_none_match(client):
    preflight = client.options(DAY_URL, headers={
        "Origin": "https://frontend.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "If-None-Match"})
    assert "if-none-match" in preflight.headers["Access-Control-Allow-Headers"].lower()
    response = client.get(DAY_URL, headers={"Origin": "https://frontend.example"})
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]


def test_a_kept_answer_is_304_for_its_holder_and_the_full_200_for_others(polled):
    first = polled.get(DAY_URL)
    etag = first.headers["ETag"]
    again = polled.get(DAY_URL, headers={"If-None-Match": etag, "X-Request-ID": "poll-7"})
    assert (again.status_code, again.data, again.headers["ETag"]) == (304, b"", etag)
    assert again.headers["X-Request-ID"] == "poll-7"
    other = polled.get(DAY_URL, headers={"If-None-Match": '"something-else"'})
    assert (other.status_code, other.json, other.headers["ETag"]) == (200, first.json, etag)
    assert other.headers["Content-Length"] == str(len(first.data))
    assert other.headers["X-Request-ID"] != first.headers["X-Request-ID"]


def test_a_booking_shows_once_the_kept_answer_is_older_than_fresh_s(polled, clock):
    etag = polled.get(DAY_URL).headers["ETag"]
    assert post(polled, GOOD).status_code == 201
    clock.now += FRESH_S * 0.9
    assert polled.get(DAY_URL, headers={"If-None-Match": etag}).status_code == 304
    clock.now += FRESH_S * 0.2
    fresh = polled.get(DAY_URL, headers={"If-None-Match": etag})
    assert (fresh.status_code, ten_oclock(fresh)) == (200, 1)


def test_each_origin_gets_its_own_cors_headers(settings, repository, clock):
    app = create_app(replace(settings, day_answer_fresh_s=0,
                             cors_origins="https://a.example,https://b.example"),
                     repository, now=lambda: FIXED_NOW)
    app.wsgi_app = DayAnswers(app.wsgi_app, FRESH_S, clock)
    polled = app.test_client()
    for origin in ("https://a.example", "https://b.example", "https://a.example"):
        answer = polled.get(DAY_URL, headers={"Origin": origin})
        assert answer.headers["Access-Control-Allow-Origin"] == origin


def test_other_routes_and_methods_go_straight_to_the_app(polled):
    assert post(polled, GOOD).status_code == 201
    assert polled.get("/api/hospitals").status_code == 200
    assert polled.post(DAY_URL).status_code == 405


def test_expired_answers_are_dropped_once_many_are_kept(polled, clock):
    wrapper = polled.application.wsgi_app
    for n in range(300):
        polled.get(f"{DAY_URL}&n={n}")
        clock.now += FRESH_S
    assert len(wrapper.kept) < 260
