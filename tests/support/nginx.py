"""Start the real nginx with the committed front-door config, in a temp prefix on a free port.

Only two lines of config/nginx change (app.front_door.write_nginx_config, as `make run-public`
writes them): `listen 80` becomes the free port, and the upstream points at the test's
gunicorn. nginx runs in the foreground (daemon off) with its own pid, logs and temp paths, so
parallel runs never share a file.
"""

import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from app.front_door import nginx_binary, write_nginx_config
from app.front_door import start_nginx as launch_nginx
from harness.server import free_port

__all__ = ["Nginx", "nginx_binary", "start_nginx"]


@dataclass
class Nginx:
    url: str
    process: subprocess.Popen
    prefix: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)       # graceful shutdown
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def error_log(self) -> str:
        return (self.prefix / "error.log").read_text(errors="replace")


def start_nginx(prefix: Path, upstream_url: str) -> Nginx:
    """nginx on a free loopback port in front of `upstream_url`; waits until it answers."""
    port = free_port()
    write_nginx_config(prefix, f"127.0.0.1:{port}", upstream_url.removeprefix("http://"),
                       access_log=True)
    with (prefix / "stderr.log").open("wb") as log:
        process = launch_nginx(prefix, stdout=log, stderr=subprocess.STDOUT)
    nginx = Nginx(f"http://127.0.0.1:{port}", process, prefix)
    _wait_answering(nginx)
    return nginx


def _wait_answering(nginx: Nginx, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if nginx.process.poll() is not None:
            raise RuntimeError(f"nginx exited: {(nginx.prefix / 'stderr.log').read_text()}"
                               f"\n{nginx.error_log()}")
        try:
            requests.get(nginx.url + "/api/hospitals", timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.1)
    nginx.stop()
    raise RuntimeError(f"nginx not answering in {timeout}s:\n{nginx.error_log()}")
