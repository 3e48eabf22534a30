"""Only the front door names the client: `make run` believes no X-Forwarded-For, `make run-public`
puts nginx on the port and gunicorn on a Unix socket only nginx reaches, both started and
stopped by the one command. The booking limit (5/minute here) shows whose address counts."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from harness.server import start_server
from tests.support.load import booking, open_day
from tests.support.make_targets import launch_make, wait_serving
from tests.support.nginx import nginx_binary

pytestmark = pytest.mark.e2e

LIMIT = 5
LIMITED = {"RATELIMIT_ENABLED": "true", "RATELIMIT_BOOKING": f"{LIMIT}/minute"}
# The old single-host setting (before run-public): believe one proxy on loopback.
SINGLE_HOST_TRUST = {"TRUSTED_PROXY_HOPS": "1", "FORWARDED_ALLOW_IPS": "127.0.0.1"}
NOBODY = ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")
needs_nginx = pytest.mark.skipif(
    nginx_binary() is None,
    reason="nginx is not installed (make test installs Debian's nginx when run as root)")


def spoofing_bookings(url: str, count: int, first_patient: int, source: str = "127.0.0.1"):
    """`count` bookings from `source`, each naming another client in X-Forwarded-For."""
    session, day = requests.Session(), open_day(5)
    session.mount("http://", _SourceAdapter(source))
    return [session.post(url + "/api/appointments", timeout=10,
                         json=booking("al-sefa", day, f"{9 + n % 8:02d}:00", first_patient + n),
                         headers={"X-Forwarded-For": f"203.0.113.{n + 1}"}).status_code
            for n in range(count)]


class _SourceAdapter(requests.adapters.HTTPAdapter):
    def __init__(self, source: str):
        self._source = source
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self._source, 0)
        super().init_poolmanager(*args, **kwargs)


@pytest.fixture
def started(tmp_path):
    servers = []

    def start(target: str, **env):
        servers.append(wait_serving(launch_make(target, tmp_path, **env)))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def test_make_run_believes_no_forwarded_for(started):
    server = started("run", **LIMITED, **SINGLE_HOST_TRUST)
    statuses = spoofing_bookings(server.url, 2 * LIMIT, 1000)
    assert statuses.count(201) == LIMIT and statuses.count(429) == LIMIT, statuses
    assert "no front door" in server.log() and "no X-Forwarded-For believed" in server.log()


def test_gunicorn_on_tcp_trusting_loopback_lets_a_local_process_name_any_client_control(
        tmp_path):
    """Control: what `make run` did with the old single-host setting (issue 27, 6)."""
    server = start_server(tmp_path, workers=3, **LIMITED, **SINGLE_HOST_TRUST)
    try:
        statuses = spoofing_bookings(server.url, 2 * LIMIT, 2000)
    finally:
        server.stop()
    assert statuses.count(201) == 2 * LIMIT


@needs_nginx
def test_run_public_counts_the_address_nginx_saw(started):
    server = started("run-public", **LIMITED)
    statuses = spoofing_bookings(server.url, 2 * LIMIT, 3000)
    other_client = spoofing_bookings(server.url, 1, 4000, source="127.0.0.2")
    assert statuses.count(201) == LIMIT and statuses.count(429) == LIMIT, statuses
    assert other_client == [201]     # X-Forwarded-For from nginx is believed: clients differ
    assert "through the front door" in server.log()


@needs_nginx
def test_run_public_listens_on_no_tcp_port_but_nginx(started):
    server = started("run-public")
    gunicorn_pids = _children_named(server.process.pid, "gunicorn")
    assert gunicorn_pids
    assert not any(_tcp_listening(pid) for pid in gunicorn_pids)


@needs_nginx
def test_another_user_cannot_reach_the_socket(started):
    server = started("run-public")
    sock = server.run_dir / "gunicorn.sock"
    probe = [sys.executable, "-c",
             f"import socket; socket.socket(socket.AF_UNIX).connect({str(sock)!r})"]
    assert subprocess.run(probe, capture_output=True).returncode == 0          # control: owner
    if os.geteuid() != 0:
        pytest.skip("trying another user needs root (setpriv)")
    assert subprocess.run([*NOBODY, *probe], capture_output=True).returncode != 0


@needs_nginx
def test_run_public_stops_nginx_and_gunicorn_together(started):
    server = started("run-public")
    nginx_pid = int((server.run_dir / "nginx" / "nginx.pid").read_text())
    gunicorn_pids = _children_named(server.process.pid, "gunicorn")
    assert server.stop() is not None
    time.sleep(0.5)
    assert not any(_alive(pid) for pid in [nginx_pid, *gunicorn_pids])
    assert not (server.run_dir / "gunicorn.sock").exists()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", int(server.url.rsplit(":", 1)[1])), timeout=2)


@needs_nginx
def test_run_public_stops_gunicorn_when_nginx_exits(started):
    server = started("run-public")
    nginx_pid = int((server.run_dir / "nginx" / "nginx.pid").read_text())
    gunicorn_pids = _children_named(server.process.pid, "gunicorn")
    os.kill(nginx_pid, 9)
    assert server.process.wait(timeout=30) != 0
    assert not any(_alive(pid) for pid in gunicorn_pids)


@needs_nginx
def test_run_public_refused_by_gunicorn_leaves_no_nginx(tmp_path):
    server = launch_make("run-public", tmp_path, STORE_TIMEOUT_S="-1")
    assert server.process.wait(timeout=60) != 0
    assert "STORE_TIMEOUT_S" in server.log()
    assert not (server.run_dir / "nginx" / "nginx.pid").exists()


def _children_named(root_pid: int, word: str) -> list[int]:
    """Descendants of `root_pid` whose command line holds `word` (from /proc)."""
    found, frontier = [], [root_pid]
    while frontier:
        parent = frontier.pop()
        for child in _children(parent):
            frontier.append(child)
            if word in _cmdline(child):
                found.append(child)
    return found


def _children(pid: int) -> list[int]:
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
        return [int(c) for t in tasks
                for c in Path(f"/proc/{pid}/task/{t}/children").read_text().split()]
    except OSError:
        return []


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _tcp_listening(pid: int) -> bool:
    """Whether `pid` holds a listening TCP socket (state 0A in /proc/net/tcp*)."""
    inodes = {line.split()[9] for name in ("tcp", "tcp6")
              for line in Path(f"/proc/net/{name}").read_text().splitlines()[1:]
              if line.split()[3] == "0A"}
    try:
        fds = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
    except OSError:
        return False
    return any(fd.startswith("socket:[") and fd[8:-1] in inodes for fd in fds)


@needs_nginx
def test_a_second_run_public_on_the_same_socket_is_refused_and_the_first_keeps_serving(
        started, tmp_path):
    first = started("run-public")
    (tmp_path / "second").mkdir()
    second = launch_make("run-public", tmp_path / "second", RUN_DIR=first.run_dir)
    assert second.process.wait(timeout=60) != 0
    assert "already answers" in second.log()
    assert requests.get(first.url + "/api/health", timeout=5).status_code == 200
