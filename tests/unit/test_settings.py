"""Environment values: a value that does not parse stops start-up with one line naming it."""

import re
import secrets

import pytest

from app.config import ROOT, Settings
from app.config.environment import OTHERS, READ_ELSEWHERE, variables_of
from app.domain.errors import ConfigError
from app.storage.rate_counters import check_counters, rate_counters
from harness.server import free_port

MAKE_A_KEY = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
VARIED_KEY = "metrics-key-for-tests-0123456789"


def refusal(env: dict) -> str:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env(env)
    assert "\n" not in str(raised.value)
    return str(raised.value)


@pytest.mark.parametrize("name, value", [
    ("STORE_TIMEOUT_S", "abc"), ("STORE_TIMEOUT_S", "0"), ("STORE_TIMEOUT_S", "-1"),
    ("STORE_TIMEOUT_S", "nan"), ("STORE_TIMEOUT_S", "inf"), ("METRICS_DAYS", "1.5"),
])
def test_a_value_that_does_not_parse_names_the_variable_and_the_value(name, value):
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({name: value})
    assert str(raised.value) == (
        f"environment variable {name} must be a positive "
        f"{'number' if name == 'STORE_TIMEOUT_S' else 'integer'}, got {value!r}")


def test_unset_or_empty_values_keep_their_defaults():
    assert Settings.from_env({"STORE_TIMEOUT_S": ""}).store_timeout_s == 5.0
    assert Settings.from_env({"STORE_TIMEOUT_S": "2.5"}).store_timeout_s == 2.5


@pytest.mark.parametrize("name, value, expected", [
    ("RATELIMIT_ENABLED", "ture", "must be true or false"),
    ("MONGODB_REQUIRE_AUTH", "yes please", "must be true or false"),
    ("GUNICORN_REUSE_PORT", "2", "must be true or false"),
    ("RATELIMIT_BOOKING", "20/minit", "must be rate limits in `limits` notation"),
    ("RATELIMIT_BOOKING", "lots", "must be rate limits in `limits` notation"),
    ("RATELIMIT_READ", "600/minute,", "must be rate limits in `limits` notation"),
    ("LOG_LEVEL", "VERBOSE", "must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
    ("LOG_FORMAT", "jsn", "must be one of kv, json"),
    ("LOG_FORMAT", "xml", "must be one of kv, json"),
    ("PORT", "80000", "must be a TCP port from 1 to 65535"),
    ("WEB_CONCURRENCY", "0", "must be a positive integer"),
])
def test_a_setting_that_does_not_parse_is_refused_naming_variable_value_and_what_is_expected(
        name, value, expected):
    message = refusal({name: value})
    assert message.startswith(f"environment variable {name} {expected}")
    assert message.endswith(f", got {value!r}")


def test_booleans_read_as_people_write_them():
    for word, meaning in [("true", True), ("1", True), ("yes", True), ("on", True),
                          ("false", False), ("0", False), ("no", False), ("off", False)]:
        assert Settings.from_env({"RATELIMIT_ENABLED": word}).ratelimit_enabled is meaning


def test_log_level_and_format_read_in_any_case():
    settings = Settings.from_env({"LOG_LEVEL": "debug", "LOG_FORMAT": "JSON"})
    assert (settings.log_level, settings.log_format) == ("DEBUG", "json")


def test_every_bad_variable_is_named_in_one_line():
    line = refusal({"RATELIMIT_ENABLED": "ture", "LOG_FORMAT": "xml", "PORT": "http"})
    assert sorted(re.findall(r"environment variable (\w+)", line)) == [
        "LOG_FORMAT", "PORT", "RATELIMIT_ENABLED"]


@pytest.mark.parametrize("name", ["ADMIN_API_KEY", "METRICS_KEY"])
def test_a_bearer_key_shorter_than_32_characters_stops_start_up_in_one_line(name):
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({name: "k" * 31})
    assert str(raised.value) == (
        f"{name} is 31 characters; it must have at least 32. Make one with: "
        "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'")


@pytest.mark.parametrize("name", ["ADMIN_API_KEY", "METRICS_KEY"])
@pytest.mark.parametrize("key", ["k" * 32, "ab" * 20, "0123456789abcde" * 3])
def test_a_long_key_of_few_distinct_characters_stops_start_up_with_a_command_to_make_one(
        name, key):
    message = refusal({name: key})
    assert message == (f"{name} has {len(set(key))} distinct characters; it must have at "
                       f"least 16. Make one with: {MAKE_A_KEY}")
    assert key not in message


def test_keys_made_by_the_command_given_always_start():
    for _ in range(500):
        key = secrets.token_urlsafe(32)
        assert Settings.from_env({"ADMIN_API_KEY": key}).admin_api_key == key


def test_a_metrics_key_of_32_varied_characters_or_none_starts():
    assert Settings.from_env({"METRICS_KEY": VARIED_KEY}).metrics_key == VARIED_KEY
    assert Settings.from_env({"METRICS_KEY": ""}).metrics_key is None


@pytest.mark.parametrize("typo, guess", [
    ("ADMIN_APIKEY", "ADMIN_API_KEY"), ("RATELIMIT_ENABLE", "RATELIMIT_ENABLED"),
    ("SQLITE_PAHT", "SQLITE_PATH"), ("LOG_LEVLE", "LOG_LEVEL"),
])
def test_a_misspelt_name_beginning_like_ours_is_reported_with_the_names_that_exist(typo, guess):
    [line] = Settings.probable_typos({typo: "x", "PATH": "/bin", "MONGO_URI": "x"})
    prefix = typo.split("_")[0] + "_"
    assert line.startswith(f"environment variable {typo} is not read by this server "
                           f"(probable typo): did you mean {guess}? the {prefix} variables "
                           "that exist: ")
    assert guess in line.rpartition(": ")[2]


def test_names_that_are_ours_or_not_like_ours_are_not_reported():
    ours = {name: "x" for name in variables_of(Settings)}
    others = {name: "x" for name in OTHERS}
    assert Settings.probable_typos({**ours, **others, "PATH": "/bin", "MONGO_URI": "x"}) == []


def test_the_configuration_table_lists_every_variable_read_and_no_other():
    table = (ROOT / "docs/configuration.md").read_text().partition("## Environment variables")[2]
    rows = [line.split("|")[1] for line in table.partition("\n## ")[0].splitlines()
            if line.startswith("| `")]
    listed = {name for cell in rows for name in re.findall(r"`([A-Z0-9_]+)`", cell)}
    set_by_the_master = {"SQLITE_STORE_ID"}
    assert listed == {*variables_of(Settings), *READ_ELSEWHERE} - set_by_the_master


def test_a_rate_limit_storage_of_an_unknown_kind_is_refused_naming_the_variable():
    with pytest.raises(ConfigError) as raised:
        rate_counters(Settings(ratelimit_storage_uri="foo://user:pw@127.0.0.1:1"))
    assert str(raised.value).startswith(
        "environment variable RATELIMIT_STORAGE_URI must be a `limits` storage URI (")
    assert str(raised.value).endswith("got 'foo://127.0.0.1:1'")


def test_a_rate_limit_storage_that_cannot_count_is_refused_once_in_one_line_without_password():
    uri = f"redis://:s3cret@127.0.0.1:{free_port()}"
    with pytest.raises(ConfigError) as raised:   # redis missing, or nothing listening
        check_counters(rate_counters(Settings(ratelimit_storage_uri=uri)))
    message = str(raised.value)
    assert message.startswith(f"RATELIMIT_STORAGE_URI {uri.replace(':s3cret@', '')} ")
    assert ("cannot be used" in message or "does not answer" in message) and "\n" not in message
    assert "s3cret" not in message


def test_memory_counters_are_checked_and_used():
    check_counters(rate_counters(Settings(ratelimit_storage_uri="memory://")))


def test_counters_on_mongodb_give_up_within_a_quarter_of_the_store_timeout(tmp_path):
    secret = tmp_path / "password"
    secret.write_text("pw\n")
    counters = rate_counters(Settings(mongodb_uri="mongodb://u@db/?replicaSet=rs0",
                                      mongodb_db="booking", store_timeout_s=2.0,
                                      mongodb_password_file=secret))
    assert (counters.uri, counters.chosen) == ("mongodb://u@db/?replicaSet=rs0", False)
    assert counters.options == {"database_name": "booking", "tz_aware": True,
                                "serverSelectionTimeoutMS": 500, "password": "pw"}


def test_counters_beside_the_sqlite_store_wait_as_long_as_the_store(tmp_path):
    counters = rate_counters(Settings(sqlite_path=tmp_path / "b.sqlite3", store_timeout_s=3.0))
    assert (counters.options, counters.chosen) == ({"timeout": 3.0}, False)
    check_counters(counters)         # the engine's own: never connected by the start-up check
    assert not (tmp_path / "b.sqlite3.limits").exists()


@pytest.mark.parametrize("uri", ["async+memory://", "memory", "sqlite:/x"])
def test_a_rate_limit_storage_flask_limiter_cannot_use_is_refused(uri):
    with pytest.raises(ConfigError, match="RATELIMIT_STORAGE_URI must be a `limits` storage"):
        rate_counters(Settings(ratelimit_storage_uri=uri))


def test_limits_off_count_in_memory_and_a_chosen_store_is_marked_for_the_start_up_check():
    assert rate_counters(Settings(ratelimit_enabled=False)) == rate_counters(
        Settings(ratelimit_storage_uri="memory://"))
    assert rate_counters(Settings(ratelimit_storage_uri="memory://")).chosen is True


def test_a_refused_rate_limit_storage_lists_every_scheme_flask_limiter_can_use():
    with pytest.raises(ConfigError) as raised:
        rate_counters(Settings(ratelimit_storage_uri="foo://127.0.0.1:1"))
    listed = str(raised.value).partition("URI (")[2].partition("), got")[0].split(", ")
    assert {"memory", "mongodb", "redis", "sqlite"} <= set(listed)
    assert listed == sorted(listed)
    assert not [scheme for scheme in listed if scheme.startswith("async+")]


@pytest.mark.parametrize("uri, shown", [
    ("foo://user:p@ss@db:1/0", "foo://db:1/0"),                     # an @ in the password
    ("foo://user:pw@db:1/0?owner=a@b", "foo://db:1/0?owner=a@b"),   # an @ after the hosts
    ("foo://user:pw@db:1/?next=http://x", "foo://db:1/?next=http://x"),     # a second ://
])
def test_a_refused_rate_limit_storage_is_named_without_its_credentials(uri, shown):
    with pytest.raises(ConfigError) as raised:
        rate_counters(Settings(ratelimit_storage_uri=uri))
    assert str(raised.value).endswith(f"got {shown!r}")


def test_counters_on_mongodb_send_no_password_when_none_is_set():
    counters = rate_counters(Settings(mongodb_uri="mongodb://db/?replicaSet=rs0",
                                      mongodb_db="booking", store_timeout_s=8.0))
    assert counters.options == {"database_name": "booking", "tz_aware": True,
                                "serverSelectionTimeoutMS": 2000}
