"""Day availability answers conditional GETs: pages poll it cheaply with If-None-Match."""

from tests.integration.test_api_validation import GOOD, post

DAY_URL = "/api/hospitals/gomoti/availability?date=2026-11-26"


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
    ten = next(s for s in response.json["slots"] if s["time"] == "10:00")
    assert ten["current_bookings"] == 1


def test_a_cancellation_changes_the_etag_again(client):
    answer = post(client, GOOD).json
    etag = client.get(DAY_URL).headers["ETag"]
    client.patch(f"/api/appointments/{answer['appointment']['id']}", json={"status": "cancelled"},
                 headers={"Authorization": f"Bearer {answer['access_token']}"})
    assert client.get(DAY_URL, headers={"If-None-Match": etag}).status_code == 200


def test_each_day_has_its_own_etag(client):
    other = client.get("/api/hospitals/gomoti/availability?date=2026-11-28").headers["ETag"]
    assert client.get(DAY_URL, headers={"If-None-Match": other}).status_code == 200


def test_errors_are_never_304(client):
    assert client.get("/api/hospitals/gomoti/availability?date=2020-01-01",
                      headers={"If-None-Match": "*"}).status_code == 400


def test_cross_origin_pages_may_read_the_etag_and_send_if_none_match(client):
    preflight = client.options(DAY_URL, headers={
        "Origin": "https://frontend.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "If-None-Match"})
    assert "if-none-match" in preflight.headers["Access-Control-Allow-Headers"].lower()
    response = client.get(DAY_URL, headers={"Origin": "https://frontend.example"})
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
