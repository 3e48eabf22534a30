"""Start the real server (gunicorn, several worker processes) the way `make run` does.

Shared by the tests (tests/e2e) and the benchmark (bench/): neither imports the other.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
APP = "app:create_app()"
NAIVE_APP = "harness.naive_app:create_app()"
CONFIG = "config/gunicorn.conf.py"


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    sqlite_path: Path
    log_path: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(workdir: Path, app: str = APP, workers: int = 3, root: Path = ROOT,
                 **env) -> Server:
    """gunicorn on a free loopback port with a database in `workdir`; waits until it answers.

    Rate limits are off unless `env` turns them on (RATELIMIT_ENABLED=true): storms, load tests
    and the benchmark send from one address far more than any patient would.
    """
    server = launch_server(workdir, app, workers, root=root, **env)
    wait_ready(server)
    return server


def launch_server(workdir: Path, app: str = APP, workers: int = 3, config: str = CONFIG,
                  command_prefix: tuple = (), root: Path = ROOT, **env) -> Server:
    """Start gunicorn (`command_prefix` may run it as another user) without waiting for it;
    `root` is the source tree it serves (bench/compare.py serves an older commit's)."""
    port = env.pop("PORT", None) or free_port()
    sqlite_path = Path(env.pop("SQLITE_PATH", workdir / "booking.sqlite3"))
    log_path = workdir / "server.log"
    full_env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(port),
                "SQLITE_PATH": str(sqlite_path), "WEB_CONCURRENCY": str(workers),
                "LOG_LEVEL": "WARNING", "RATELIMIT_ENABLED": "false",
                **{k: str(v) for k, v in env.items()}}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*command_prefix, sys.executable, "-m", "gunicorn", "-c", config, app],
            cwd=root, env=full_env, stdout=log, stderr=subprocess.STDOUT)
    return Server(f"http://127.0.0.1:{port}", process, sqlite_path, log_path)


def wait_ready(server: Server, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{server.log_tail()}")
        try:
            if requests.get(server.url + "/api/hospitals", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"server not ready in {timeout}s:\n{server.log_tail()}")
