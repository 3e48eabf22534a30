"""Rate limits per client address, through the Flask app: booking writes and reads counted
apart, the admin key exempt, 429 with its reason and when to come back."""

from dataclasses import replace

import pytest

from app import create_app
from app.config import Settings
from app.storage.rate_counters import rate_counters
from tests.support.admin_key import ADMIN
from tests.support.bookings import GOOD
from tests.support.clock import FIXED_NOW

SLOT = "/api/appointments/availability/gomoti/2026-11-26/10:00"


@pytest.fixture
def limited(settings, repository):
    tight = replace(settings, ratelimit_enabled=True, ratelimit_booking="3/minute",
                    ratelimit_read="5/minute")
    return create_app(tight, repository, now=lambda: FIXED_NOW).test_client()


def book(client, n, headers=None, address="203.0.113.7"):
    return client.post("/api/appointments", headers=headers,
                       json={**GOOD, "patient_phone": f"+88017{n:08d}"},
                       environ_base={"REMOTE_ADDR": address})


def test_the_fourth_booking_in_a_minute_is_429_with_the_reason_and_the_wait(limited):
    assert [book(limited, n).status_code for n in range(3)] == [201, 201, 201]
    refused = book(limited, 3)
    assert refused.status_code == 429
    assert refused.json["error"] == "Too many requests"
    assert 1 <= refused.json["retry_after"] <= 61
    assert refused.headers["Retry-After"] == str(refused.json["retry_after"])
    assert (refused.headers["RateLimit-Limit"], refused.headers["RateLimit-Remaining"]) == (
        "3", "0")
    assert 0 < int(refused.headers["RateLimit-Reset"]) <= 61


def test_every_limited_answer_tells_what_is_left(limited):
    answer = book(limited, 0)
    assert (answer.headers["RateLimit-Limit"], answer.headers["RateLimit-Remaining"]) == (
        "3", "2")
    assert "Retry-After" not in answer.headers


def test_refusals_count_too_so_a_bot_cannot_probe_for_free(limited):
    for _ in range(3):
        assert book(limited, 0).status_code in (201, 409)
    assert book(limited, 1).status_code == 429


def test_each_client_address_has_its_own_counter(limited):
    for n in range(3):
        book(limited, n)
    assert book(limited, 3).status_code == 429
    assert book(limited, 4, address="198.51.100.9").status_code == 201


def test_reads_have_their_own_more_generous_counter(limited):
    for n in range(3):
        book(limited, n)
    reads = [limited.get(SLOT, environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code
             for _ in range(6)]
    assert reads == [200] * 5 + [429]


def test_the_admin_key_is_exempt(limited):
    answers = [book(limited, n, headers=ADMIN).status_code for n in range(5)]
    assert answers == [201] * 5


def test_a_wrong_bearer_is_not_exempt(limited):
    for n in range(3):
        book(limited, n, headers={"Authorization": "Bearer not-the-admin-key-0123456789abcd"})
    assert book(limited, 3).status_code == 429


def test_health_and_pages_are_never_limited(limited):
    for n in range(3):
        book(limited, n)
    assert all(limited.get("/api/health").status_code == 200 for _ in range(10))


def test_false_turns_every_limit_off(settings, repository):
    off = replace(settings, ratelimit_enabled=False, ratelimit_booking="1/minute")
    client = create_app(off, repository, now=lambda: FIXED_NOW).test_client()
    assert [book(client, n).status_code for n in range(3)] == [201] * 3


def test_configuration_uses_flask_limiters_names():
    env = {"RATELIMIT_ENABLED": "false", "RATELIMIT_BOOKING": "5/minute;50/day",
           "RATELIMIT_READ": "100/minute"}
    settings = Settings.from_env(env=env)
    assert (settings.ratelimit_enabled, settings.ratelimit_booking,
            settings.ratelimit_read) == (False, "5/minute;50/day", "100/minute")
    assert Settings.from_env(env={}).ratelimit_enabled is True


def test_counters_live_in_the_engines_shared_store(tmp_path):
    sqlite = rate_counters(Settings(sqlite_path=tmp_path / "b.sqlite3"))
    assert sqlite.uri == f"sqlite://{tmp_path}/b.sqlite3.limits"
    mongo = rate_counters(Settings(mongodb_uri="mongodb://db:27017/?replicaSet=rs0",
                                   mongodb_db="booking"))
    assert mongo.uri == "mongodb://db:27017/?replicaSet=rs0"
    assert mongo.options["database_name"] == "booking"
