"""Environment values: a value that does not parse stops start-up with one line naming it."""

import pytest

from app.config import Settings
from app.domain.errors import ConfigError


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


@pytest.mark.parametrize("name", ["ADMIN_API_KEY", "METRICS_KEY"])
def test_a_bearer_key_shorter_than_32_characters_stops_start_up_in_one_line(name):
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({name: "k" * 31})
    assert str(raised.value) == (
        f"{name} is 31 characters; it must have at least 32. Make one with: "
        "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'")


def test_a_metrics_key_of_32_characters_or_none_starts():
    assert Settings.from_env({"METRICS_KEY": "k" * 32}).metrics_key == "k" * 32
    assert Settings.from_env({"METRICS_KEY": ""}).metrics_key is None
