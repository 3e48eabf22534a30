"""Start the real nginx with the committed front-door config, in a temp prefix on a free port.

Only two lines of config/nginx change: `listen 80` becomes the free port, and the upstream
points at the test's gunicorn. nginx runs in the foreground (daemon off) with its own pid,
logs and temp paths, so parallel runs never share a file.
"""

import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from harness.server import ROOT, free_port

CONFIG_DIR = ROOT / "config" / "nginx"
MAIN_CONFIG = """\
daemon off;
worker_processes 1;
{user}
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/booking.conf;
    include {prefix}/upstream.conf;
}}
"""


def nginx_binary() -> str | None:
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


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
    prefix.mkdir(parents=True, exist_ok=True)
    port = free_port()
    _write_config(prefix, port, upstream_url.removeprefix("http://"))
    with (prefix / "stderr.log").open("wb") as log:
        process = subprocess.Popen(
            [nginx_binary(), "-p", str(prefix), "-c", str(prefix / "nginx.conf"),
             "-e", str(prefix / "error.log")], stdout=log, stderr=subprocess.STDOUT)
    nginx = Nginx(f"http://127.0.0.1:{port}", process, prefix)
    _wait_answering(nginx)
    return nginx


def _write_config(prefix: Path, port: int, upstream: str) -> None:
    user = "user root;" if os.geteuid() == 0 else ""     # workers must reach the temp prefix
    (prefix / "nginx.conf").write_text(MAIN_CONFIG.format(prefix=prefix, user=user))
    (prefix / "booking.conf").write_text(
        _replace_once((CONFIG_DIR / "booking.conf").read_text(),
                      "listen 80;", f"listen 127.0.0.1:{port};"))
    (prefix / "upstream.conf").write_text(
        _replace_once((CONFIG_DIR / "upstream-local.conf").read_text(),
                      "server 127.0.0.1:8000;", f"server {upstream};"))


def _replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"expected {old!r} once in the committed nginx config"
    return text.replace(old, new)


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
