"""Production start-up checks of the Mongo engine, against a scripted primary (mockupdb).

With MONGODB_REQUIRE_AUTH=1 the API refuses a server that takes a write from a client
without credentials; wrong credentials stop start-up with one line instead of a 503 loop.
Both are shown in-process and through the real server (gunicorn). A real authenticated
replica set runs in the GitHub workflow.
"""

import time

import pytest
from mockupdb import MockupDB

from app import create_app
from app.config import Settings
from app.domain.errors import ConfigError
from app.storage.mongo import MongoRepository
from app.storage.mongo.client import (
    CREDENTIALS_MESSAGE,
    OPEN_SERVER_MESSAGE,
    without_credentials,
)
from harness.server import start_server
from tests.support.mongo_wire import NAMES, by_name, replica_set_hello, start_mock

DB = "hospital_booking"
UNAUTHORIZED = {"ok": 0, "code": 13, "codeName": "Unauthorized",
                "errmsg": "command delete requires authentication"}
AUTH_FAILED = {"ok": 0, "code": 18, "codeName": "AuthenticationFailed",
               "errmsg": "Authentication failed."}


@pytest.fixture
def primary():
    server = start_mock(replica_set_hello)
    yield server
    server.stop()


def probe_answers(server, reply) -> list[dict]:
    seen: list[dict] = []
    server.autoresponds(by_name("delete", reply, log=seen))
    return seen


def test_a_server_open_to_anonymous_writes_is_refused_in_production_mode(primary):
    seen = probe_answers(primary, {"ok": 1, "n": 0})
    with pytest.raises(ConfigError) as refused:
        MongoRepository.connect(primary.uri, DB, timeout=2.0, hospital_names=NAMES,
                                          require_auth=True)
    assert str(refused.value) == OPEN_SERVER_MESSAGE
    [probe] = seen
    assert (probe["delete"], probe["$db"]) == ("slots", DB)
    assert probe["deletes"] == [{"q": {"_id": "unauthenticated-write-probe"}, "limit": 1}]


def test_a_server_that_refuses_anonymous_writes_is_served(primary):
    seen = probe_answers(primary, UNAUTHORIZED)
    repository = MongoRepository.connect(primary.uri, DB, timeout=2.0, hospital_names=NAMES,
                                          require_auth=True)
    repository.close()
    assert len(seen) == 1


def test_without_production_mode_no_probe_is_sent(primary):
    seen = probe_answers(primary, {"ok": 1, "n": 0})
    MongoRepository.connect(primary.uri, DB, timeout=2.0, hospital_names=NAMES).close()
    assert seen == []


def test_the_probe_client_carries_no_credentials_but_keeps_hosts_and_tls():
    uri = ("mongodb://booking_app:s3cret@mongo1:27017,mongo2:27017/hospital_booking?"
           "replicaSet=rs0&authSource=hospital_booking&tls=true&tlsCAFile=/tls/ca.pem")
    assert without_credentials(uri) == ("mongodb://mongo1:27017,mongo2:27017/hospital_booking?"
                                        "replicaSet=rs0&tls=true&tlsCAFile=/tls/ca.pem")


def auth_failing_primary() -> tuple[MockupDB, list[dict]]:
    server = MockupDB(request_timeout=5)
    server.run()
    server.autoresponds("ismaster", replica_set_hello(server))
    server.autoresponds(by_name("endSessions"))
    attempts: list[dict] = []
    server.autoresponds(by_name("saslStart", AUTH_FAILED, log=attempts))
    return server, attempts


def with_user(uri: str) -> str:
    return uri.replace("mongodb://", "mongodb://booking_app@")


def test_a_wrong_password_stops_start_up_at_once_with_one_line(tmp_path):
    server, attempts = auth_failing_primary()
    password_file = tmp_path / "password"
    password_file.write_text("not-the-password\n")
    settings = Settings.from_env(env={"MONGODB_URI": with_user(server.uri),
                                      "MONGODB_PASSWORD_FILE": str(password_file),
                                      "STORE_TIMEOUT_S": "5"})
    started = time.monotonic()
    try:
        with pytest.raises(ConfigError) as refused:
            create_app(settings)
    finally:
        server.stop()
    assert time.monotonic() - started < 2.5       # no waiting out the 5 s store timeout
    assert str(refused.value) == CREDENTIALS_MESSAGE
    assert 1 <= len(attempts) <= 2                # the driver does not loop on a refusal


def test_an_unreadable_password_file_is_a_config_error(tmp_path):
    settings = Settings.from_env(env={"MONGODB_URI": "mongodb://u@127.0.0.1:1/?replicaSet=rs0",
                                      "MONGODB_PASSWORD_FILE": str(tmp_path / "absent")})
    with pytest.raises(ConfigError, match="cannot read MONGODB_PASSWORD_FILE .*absent"):
        create_app(settings)


# -- through the real server ------------------------------------------------------------------

def start_refused(tmp_path, **env) -> str:
    started = time.monotonic()
    with pytest.raises(RuntimeError) as caught:
        start_server(tmp_path, workers=2, STORE_TIMEOUT_S="5", **env)
    assert time.monotonic() - started < 20    # gunicorn stops: "Worker failed to boot"
    return str(caught.value)


@pytest.mark.e2e
def test_gunicorn_refuses_to_serve_an_open_server_in_production_mode(tmp_path, primary):
    probe_answers(primary, {"ok": 1, "n": 0})
    log = start_refused(tmp_path, MONGODB_URI=primary.uri, MONGODB_REQUIRE_AUTH="1")
    assert OPEN_SERVER_MESSAGE in log
    assert "Worker failed to boot" in log


@pytest.mark.e2e
def test_gunicorn_stops_on_a_wrong_password_instead_of_serving_503s(tmp_path):
    server, _ = auth_failing_primary()
    (tmp_path / "password").write_text("not-the-password")
    try:
        log = start_refused(tmp_path, MONGODB_URI=with_user(server.uri),
                            MONGODB_PASSWORD_FILE=str(tmp_path / "password"))
    finally:
        server.stop()
    assert CREDENTIALS_MESSAGE in log
    assert "not-the-password" not in log
