"""Start-up: a broken config, store or address stops the server with one line and a non-zero exit.

Each refusal has its control: gunicorn with the same settings but without the start-up hook
(tests/support/unchecked_gunicorn.conf.py), which is how the server behaved before.
"""

import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pytest
import requests

from app.version import VERSION
from harness.server import (
    ROOT,
    free_port,
    launch_server,
    start_server,
    wait_ready,
)
from tests.support.hospitals import SHIPPED

pytestmark = pytest.mark.e2e

# The same settings without the start-up hook: the controls' server (what gunicorn did before).
UNCHECKED_CONFIG = "tests/support/unchecked_gunicorn.conf.py"
NOBODY = ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")


def exit_of(server, timeout: float = 40) -> tuple[int | None, str]:
    """The exit status (None: still running after `timeout`, then stopped) and the log."""
    try:
        code = server.process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        code = None
        server.stop()
    return code, server.log_path.read_text(errors="replace")


def error_lines(log: str) -> list[str]:
    """gunicorn's ERROR lines, in the default key=value format or gunicorn's own."""
    return [line for line in log.splitlines() if "level=ERROR" in line or "[ERROR]" in line]


def assert_refused_in_one_line(code: int, log: str, naming: str) -> None:
    errors = error_lines(log)
    assert code != 0
    assert "Traceback" not in log, log
    assert len(errors) == 1, log
    assert "start-up refused" in errors[0] and naming in errors[0], errors[0]


def assert_noisy(code: int | None, log: str) -> None:
    """The controls' shape: a non-zero exit or a crash loop, with many errors or tracebacks."""
    assert code != 0
    assert log.count("Traceback") >= 3 or len(error_lines(log)) >= 5, log


def broken_config(tmp_path: Path) -> Path:
    config = tmp_path / "hospitals.toml"
    config.write_text(SHIPPED.read_text().replace("max_per_slot = 20", "max_per_slot = -1"))
    return config


@pytest.mark.parametrize("config", ["config/gunicorn.conf.py", UNCHECKED_CONFIG])
def test_broken_hospitals_config_is_one_line_and_a_nonzero_exit(tmp_path, config):
    server = launch_server(tmp_path, config=config, HOSPITALS_CONFIG=broken_config(tmp_path))
    code, log = exit_of(server)
    if config == UNCHECKED_CONFIG:
        return assert_noisy(code, log)
    assert_refused_in_one_line(code, log, "hospital 'moon': max_per_slot must be a positive")


def test_a_hospital_value_that_does_not_parse_is_one_line_naming_file_hospital_key_and_value(
        tmp_path):
    config = tmp_path / "hospitals.toml"
    config.write_text(SHIPPED.read_text().replace('id = "moon"', 'id = "moon"\nopens = "9am"'))
    code, log = exit_of(launch_server(tmp_path, HOSPITALS_CONFIG=config))
    assert_refused_in_one_line(code, log, f"hospitals config {config}, hospital 'moon': opens "
                                          "must be a time of day HH:MM such as '09:00', "
                                          "got '9am'")


@pytest.mark.parametrize("config", ["config/gunicorn.conf.py", UNCHECKED_CONFIG])
def test_unopenable_store_is_one_line_and_a_nonzero_exit(tmp_path, config):
    store = tmp_path / "a-directory.sqlite3"
    store.mkdir()
    code, log = exit_of(launch_server(tmp_path, config=config, SQLITE_PATH=store))
    if config == UNCHECKED_CONFIG:
        return assert_noisy(code, log)
    assert_refused_in_one_line(code, log, f"store sqlite {store} cannot be written")


@pytest.mark.parametrize("config", ["config/gunicorn.conf.py", UNCHECKED_CONFIG])
def test_unreadable_mongodb_password_file_is_one_line_and_a_nonzero_exit(tmp_path, config):
    missing = tmp_path / "no-such-secret"
    server = launch_server(tmp_path, config=config, MONGODB_PASSWORD_FILE=missing,
                           MONGODB_URI=f"mongodb://app@127.0.0.1:{free_port()}/?replicaSet=rs0")
    code, log = exit_of(server, timeout=20)
    if config == UNCHECKED_CONFIG:
        return assert_noisy(code, log)
    assert_refused_in_one_line(code, log, f"cannot read MONGODB_PASSWORD_FILE {missing}")


def test_bad_setting_is_one_line_naming_it(tmp_path):
    code, log = exit_of(launch_server(tmp_path, STORE_TIMEOUT_S="five"))
    assert_refused_in_one_line(code, log,
                               "environment variable STORE_TIMEOUT_S must be a positive number")


@pytest.mark.parametrize("name, value, expected", [
    ("RATELIMIT_ENABLED", "ture", "true or false"),
    ("RATELIMIT_BOOKING", "20/minit", "rate limits in `limits` notation"),
    ("RATELIMIT_BOOKING", "lots", "rate limits in `limits` notation"),
    ("LOG_LEVEL", "VERBOSE", "one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
    ("LOG_FORMAT", "jsn", "one of kv, json"),
    ("LOG_FORMAT", "xml", "one of kv, json"),
    ("WEB_CONCURRENCY", "0", "a positive integer"),   # gunicorn refuses -2 and "two" first
    ("GUNICORN_REUSE_PORT", "maybe", "true or false"),
])
def test_a_setting_that_does_not_parse_stops_start_up_in_one_line_naming_it_and_its_value(
        tmp_path, name, value, expected):
    code, log = exit_of(launch_server(tmp_path, **{name: value}))
    assert_refused_in_one_line(code, log, f"environment variable {name} must be {expected}")
    assert f"got {value!r}" in error_lines(log)[0]


@pytest.mark.parametrize("name", ["ADMIN_API_KEY", "METRICS_KEY"])
def test_a_key_of_one_repeated_character_stops_start_up_with_a_command_to_make_one(
        tmp_path, name):
    code, log = exit_of(launch_server(tmp_path, **{name: "k" * 40}))
    assert_refused_in_one_line(code, log, f"{name} has 1 distinct characters")
    assert "secrets.token_urlsafe(32)" in error_lines(log)[0] and "k" * 40 not in log


@pytest.mark.parametrize("config", ["config/gunicorn.conf.py", UNCHECKED_CONFIG])
def test_a_rate_limit_storage_that_cannot_count_is_one_line_and_a_nonzero_exit(tmp_path, config):
    closed = free_port()
    server = launch_server(tmp_path, config=config, RATELIMIT_ENABLED="true",
                           RATELIMIT_STORAGE_URI=f"redis://:s3cret@127.0.0.1:{closed}/0")
    code, log = exit_of(server, timeout=20)
    if config == UNCHECKED_CONFIG:
        return assert_noisy(code, log)      # each worker's Flask-Limiter fails to boot
    assert_refused_in_one_line(code, log, f"RATELIMIT_STORAGE_URI redis://127.0.0.1:{closed}/0")
    assert "s3cret" not in log


def test_a_misspelt_variable_is_reported_at_start_up_with_the_names_that_exist(tmp_path):
    server = start_server(tmp_path, ADMIN_APIKEY="never-read", RATELIMIT_ENABLE="false")
    server.stop()
    warnings = [line for line in server.log_path.read_text().splitlines()
                if "probable typo" in line]
    assert len(warnings) == 2, warnings
    assert "ADMIN_APIKEY" in warnings[0] and "did you mean ADMIN_API_KEY?" in warnings[0]
    assert "did you mean RATELIMIT_ENABLED?" in warnings[1]
    assert "RATELIMIT_BOOKING, RATELIMIT_ENABLED, RATELIMIT_READ" in warnings[1]
    assert "never-read" not in server.log_path.read_text()


@pytest.fixture
def read_only_store():
    """A store its server cannot write: files 0444 in a 0555 directory, server not root.

    As root (which ignores file modes) the server runs as `nobody` through setpriv, so the
    checkout must be readable by others; otherwise the test skips saying so.
    """
    prefix = ()
    if os.geteuid() == 0:
        prefix = NOBODY
        probe = subprocess.run([*prefix, sys.executable, "-c", "import app, gunicorn"],
                               cwd=ROOT, capture_output=True)
        if probe.returncode != 0:
            pytest.skip(f"cannot run the server as nobody here: {probe.stderr[-200:]!r}")
    workdir = Path(tempfile.mkdtemp(prefix="read-only-store-"))
    workdir.chmod(0o755)
    store = workdir / "store" / "booking.sqlite3"
    start_server(workdir, SQLITE_PATH=store).stop()        # a store with its tables
    for path in [*store.parent.iterdir(), store.parent]:
        path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH | (path.is_dir() and 0o111))
    (workdir / "server.log").unlink()
    yield workdir, store, prefix
    store.parent.chmod(0o755)
    shutil.rmtree(workdir)


@pytest.mark.parametrize("config", ["config/gunicorn.conf.py", UNCHECKED_CONFIG])
def test_read_only_store_is_one_line_and_a_nonzero_exit(read_only_store, config):
    workdir, store, prefix = read_only_store
    server = launch_server(workdir, config=config, command_prefix=prefix, SQLITE_PATH=store)
    code, log = exit_of(server)
    if config == UNCHECKED_CONFIG:
        return assert_noisy(code, log)
    assert_refused_in_one_line(code, log, f"store sqlite {store} cannot be written")


@pytest.mark.parametrize("config", ["config/gunicorn.conf.py", UNCHECKED_CONFIG])
def test_port_held_by_another_program_is_one_line_and_a_nonzero_exit(tmp_path, config):
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        code, log = exit_of(launch_server(tmp_path, config=config, PORT=port), timeout=8)
    if config == UNCHECKED_CONFIG:
        return assert_noisy(code, log)      # each worker retries 5 times, exits, is respawned
    assert_refused_in_one_line(code, log, f"cannot listen on http://127.0.0.1:{port}")


def capacities_seen(url: str, requests_made: int = 60) -> Counter:
    """moon's capacity as answered over fresh connections (each may reach another server)."""
    seen = Counter()
    for _ in range(requests_made):
        hospitals = requests.get(url + "/api/hospitals", timeout=10,
                                 headers={"Connection": "close"}).json()["hospitals"]
        seen.update(h["max_per_slot"] for h in hospitals if h["id"] == "moon")
    return seen


def capacities_seen_while_second_boots(url: str, within: float = 30) -> Counter:
    seen, deadline = Counter(), time.monotonic() + within
    while len(seen) < 2 and time.monotonic() < deadline:
        seen += capacities_seen(url, 10)
    return seen


@pytest.mark.parametrize("config", ["config/gunicorn.conf.py", UNCHECKED_CONFIG])
def test_second_server_on_the_same_port_refuses_and_the_first_keeps_every_request(
        tmp_path, config):
    (tmp_path / "first").mkdir()
    (tmp_path / "second").mkdir()
    first, other = start_server(tmp_path / "first", config=config), tmp_path / "second"
    moon_7 = other / "hospitals.toml"
    moon_7.write_text(SHIPPED.read_text().replace("max_per_slot = 20", "max_per_slot = 7"))
    port = first.url.rpartition(":")[2]
    second = launch_server(other, config=config, PORT=port, HOSPITALS_CONFIG=moon_7)
    try:
        if config == UNCHECKED_CONFIG:          # control: it starts and takes a share
            assert set(capacities_seen_while_second_boots(first.url)) == {20, 7}
            return
        code, log = exit_of(second)
        assert_refused_in_one_line(code, log, f"cannot listen on http://127.0.0.1:{port}")
        assert capacities_seen(first.url) == Counter({20: 60})
    finally:
        second.stop()
        first.stop()


def test_start_up_log_names_address_store_and_hospitals(tmp_path):
    server = start_server(tmp_path, LOG_LEVEL="INFO")
    server.stop()
    summary = [line for line in server.log_path.read_text().splitlines() if "serving " in line]
    assert len(summary) == 1
    assert (f"serving {server.url} (3 workers x 4 threads); store: sqlite {server.sqlite_path}; "
            "hospitals: gomoti (15/slot), moon (20/slot), al-sefa (25/slot)") in summary[0]


def test_start_up_log_names_the_version_and_the_address_gunicorn_listens_at(tmp_path):
    """With a socket per worker (reuse_port) gunicorn's master holds none and logged
    `Listening at:  (pid)`; the summary line carried no version."""
    server = start_server(tmp_path, LOG_LEVEL="INFO")
    server.stop()
    log = server.log_path.read_text()
    assert f"hospital-slot-booking {VERSION} serving {server.url} (" in log
    listening = [line for line in log.splitlines() if "Listening at:" in line]
    assert len(listening) == 1 and f"Listening at: {server.url} (" in listening[0], listening


def test_start_up_log_never_shows_mongodb_credentials(tmp_path):
    closed = free_port()
    uri = f"mongodb://booking:s3cret-pw@127.0.0.1:{closed}/?replicaSet=rs0&authSource=admin"
    server = launch_server(tmp_path, LOG_LEVEL="INFO", MONGODB_URI=uri, STORE_TIMEOUT_S="0.5")
    wait_ready(server)
    server.stop()
    log = server.log_path.read_text()
    assert f"store: mongodb mongodb://127.0.0.1:{closed} replicaSet=rs0 database " in log
    assert "s3cret-pw" not in log and "booking:" not in log


PLAIN_CONFIG = "import os\nbind = '127.0.0.1:' + os.environ['PORT']\n"


@pytest.mark.parametrize("config_text, socket_made", [
    (None, False),                          # our config: control socket disabled
    (PLAIN_CONFIG, True),                   # control: gunicorn's default opens one
])
def test_gunicorn_control_socket_is_off(tmp_path, config_text, socket_made):
    config = "config/gunicorn.conf.py"
    if config_text:
        config = str(tmp_path / "plain.conf.py")
        Path(config).write_text(config_text)
    home = tmp_path / "home"
    home.mkdir()
    server = launch_server(tmp_path, config=config, HOME=home, XDG_RUNTIME_DIR="")
    try:
        wait_ready(server)
        time.sleep(1)              # gunicorn opens it once the first workers are up
        assert (home / ".gunicorn" / "gunicorn.ctl").exists() is socket_made
    finally:
        server.stop()
