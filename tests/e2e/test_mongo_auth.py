"""The API on a real authenticated replica set, logged in as the least-privilege app user.

Runs where scripts/init-replica-set.sh made the users on a real set (the GitHub workflow):
MONGODB_APP_TEST_URI is the app user's URI without password, MONGODB_APP_PASSWORD_FILE its
password. Skipped with the reason elsewhere (no MongoDB server can run on our machines).
"""

import os
import uuid
from pathlib import Path

import pytest
import requests
from pymongo import MongoClient
from pymongo.errors import OperationFailure

from app.storage.mongo import without_credentials
from harness.server import start_server
from tests.support.load import booking, open_day

APP_URI = os.environ.get("MONGODB_APP_TEST_URI")
PASSWORD_FILE = os.environ.get("MONGODB_APP_PASSWORD_FILE")
APP_DB = os.environ.get("MONGODB_APP_TEST_DB", "hospital_booking")

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not (APP_URI and PASSWORD_FILE), reason=(
        "no authenticated replica set: set MONGODB_APP_TEST_URI (app user, no password) and "
        "MONGODB_APP_PASSWORD_FILE, as .github/workflows/ci.yml does")),
]


def app_client() -> MongoClient:
    password = Path(PASSWORD_FILE).read_text().rstrip("\n")
    return MongoClient(APP_URI, password=password, serverSelectionTimeoutMS=10_000)


def test_the_api_books_as_the_app_user_in_production_mode(tmp_path):
    server = start_server(tmp_path, MONGODB_URI=APP_URI, MONGODB_DB=APP_DB,
                          MONGODB_PASSWORD_FILE=PASSWORD_FILE, MONGODB_REQUIRE_AUTH="1")
    try:
        body = booking("gomoti", open_day(3), "11:00", int(uuid.uuid4().int % 10**6))
        answer = requests.post(server.url + "/api/appointments", json=body, timeout=30)
    finally:
        server.stop()
    assert answer.status_code == 201, answer.text


def test_a_client_without_credentials_cannot_write():
    anonymous = MongoClient(without_credentials(APP_URI), serverSelectionTimeoutMS=10_000)
    with anonymous, pytest.raises(OperationFailure) as refused:
        anonymous[APP_DB].slots.insert_one({"_id": "anonymous"})
    assert refused.value.code == 13


@pytest.mark.parametrize("attempt", [
    lambda c: c[APP_DB].command("dropDatabase"),
    lambda c: c["admin"].command("usersInfo", 1),
    lambda c: c["another_db"].things.insert_one({"x": 1}),
    lambda c: c[APP_DB].command("createUser", "intruder", pwd="intruder-password", roles=[]),
    lambda c: c["admin"].command("replSetGetConfig"),
], ids=["drop-database", "read-users", "other-database", "create-user", "cluster-config"])
def test_the_app_user_can_do_nothing_beyond_its_collections(attempt):
    with app_client() as client, pytest.raises(OperationFailure) as refused:
        attempt(client)
    assert refused.value.code == 13


def test_a_wrong_password_stops_start_up(tmp_path):
    wrong = tmp_path / "wrong"
    wrong.write_text("not-the-password-at-all")
    with pytest.raises(RuntimeError) as caught:
        start_server(tmp_path, MONGODB_URI=APP_URI, MONGODB_DB=APP_DB,
                     MONGODB_PASSWORD_FILE=str(wrong), MONGODB_REQUIRE_AUTH="1")
    assert "MongoDB rejected the credentials" in str(caught.value)
