"""Start `make run` or `make run-public` as a user does, in a process group of its own."""

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from harness.server import ROOT, free_port


@dataclass
class MadeServer:
    url: str
    process: subprocess.Popen
    log_path: Path
    run_dir: Path

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM to the command's process group (as a terminal or systemd sends it)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            return self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def launch_make(target: str, workdir: Path, **env) -> MadeServer:
    """`make <target>` on a free loopback port with its store and RUN_DIR in `workdir`."""
    port = free_port()
    full_env = {**os.environ, "SQLITE_PATH": str(workdir / "booking.sqlite3"),
                "RUN_DIR": str(workdir / "run"), "WEB_CONCURRENCY": "3",
                "RATELIMIT_ENABLED": "false", **{k: str(v) for k, v in env.items()}}
    log_path = workdir / f"make-{target}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            ["make", "--no-print-directory", target, "HOST=127.0.0.1", f"PORT={port}"],
            cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
    return MadeServer(f"http://127.0.0.1:{port}", process, log_path, workdir / "run")


def wait_serving(server: MadeServer, timeout: float = 40) -> MadeServer:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and server.process.poll() is None:
        try:
            if requests.get(server.url + "/api/hospitals", timeout=2).status_code == 200:
                return server
        except requests.RequestException:
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"`make` not serving in {timeout}s:\n{server.log()}")
