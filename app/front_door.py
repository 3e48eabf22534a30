"""`make run-public`: the front door (Debian's nginx) on $HOST:$PORT, gunicorn on a Unix socket
only nginx reaches, started and stopped together.

gunicorn believes X-Forwarded-For from a Unix-socket peer (app.edge) and listens on no TCP
port, so a process on the host cannot name a client address: what it sends to nginx's port
is appended to by nginx, and the socket lives in a 0700 directory of the user who started it.
One command supervises both: when either exits, or on SIGTERM/SIGINT, both are stopped.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from app.config import ROOT
from app.serving import unix_socket_answers

NGINX_DIR = ROOT / "config" / "nginx"
GUNICORN_CONFIG = ROOT / "config" / "gunicorn.conf.py"
MAIN_CONFIG = """\
daemon off;
worker_processes 1;
{user}
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log {access_log};
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/booking.conf;
    include {prefix}/upstream.conf;
}}
"""
STARTING_S = 30.0


def nginx_binary() -> str | None:
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def write_nginx_config(prefix: Path, listen: str, upstream: str, access_log: bool) -> Path:
    """config/nginx with two lines changed (`listen 80;`, the upstream server) in `prefix`,
    with its own pid, logs and temp paths; the main config's path."""
    prefix.mkdir(parents=True, exist_ok=True)
    user = "user root;" if os.geteuid() == 0 else ""     # workers must reach the prefix
    log = f"{prefix}/access.log" if access_log else "off"
    (prefix / "nginx.conf").write_text(MAIN_CONFIG.format(prefix=prefix, user=user,
                                                          access_log=log))
    (prefix / "booking.conf").write_text(_replace_once(
        (NGINX_DIR / "booking.conf").read_text(), "listen 80;", f"listen {listen};"))
    (prefix / "upstream.conf").write_text(_replace_once(
        (NGINX_DIR / "upstream-local.conf").read_text(), "server unix:var/run/gunicorn.sock;",
        f"server {upstream};"))
    return prefix / "nginx.conf"


def _replace_once(text: str, old: str, new: str) -> str:
    if text.count(old) != 1:
        raise ValueError(f"expected {old!r} once in the committed nginx config")
    return text.replace(old, new)


def start_nginx(prefix: Path, **output) -> subprocess.Popen:
    return subprocess.Popen([nginx_binary(), "-p", str(prefix), "-c", str(prefix / "nginx.conf"),
                             "-e", str(prefix / "error.log")], **output)


class Refused(Exception):
    """Why run-public will not start, in one line."""


def main() -> int:
    host, port = os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "8000")
    run_dir = Path(os.environ.get("RUN_DIR", "var/run")).resolve()
    try:
        processes = start(host, port, run_dir)
    except Refused as refused:
        print(f"run-public refused: {refused}", file=sys.stderr)
        return 1
    print(f"serving http://{_url_host(host)}:{port} through the front door (nginx); gunicorn on "
          f"unix:{run_dir / 'gunicorn.sock'}, believing X-Forwarded-For from nginx only",
          flush=True)
    return supervise(processes)


def start(host: str, port: str, run_dir: Path) -> list[subprocess.Popen]:
    """gunicorn on the socket, then nginx in front of it once the socket answers."""
    sock = run_dir / "gunicorn.sock"
    if nginx_binary() is None:
        raise Refused("nginx is not installed (apt-get install nginx)")
    if unix_socket_answers(sock):
        raise Refused(f"a server already answers on unix:{sock}")
    run_dir.mkdir(parents=True, exist_ok=True)
    run_dir.chmod(0o700)            # only this user (and root) reaches the socket
    write_nginx_config(run_dir / "nginx", f"{_url_host(host)}:{port}", f"unix:{sock}",
                       access_log=False)
    gunicorn = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONFIG), "app:create_app()"],
        env={**os.environ, "APP_SOCKET": str(sock), "TRUSTED_PROXY_HOPS": "1"})
    if not _wait_for(lambda: unix_socket_answers(sock), gunicorn):
        stop([gunicorn])
        raise Refused(f"gunicorn did not start (exit status {gunicorn.returncode})")
    return [gunicorn, start_nginx(run_dir / "nginx")]


def _wait_for(ready, process: subprocess.Popen) -> bool:
    deadline = time.monotonic() + STARTING_S
    while time.monotonic() < deadline and process.poll() is None:
        if ready():
            return True
        time.sleep(0.1)
    return False


def supervise(processes: list[subprocess.Popen]) -> int:
    """Wait until one exits or a stop signal comes; stop all; the first one's exit status."""
    stopping = []
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, lambda received, frame: stopping.append(received))
    while not stopping and all(p.poll() is None for p in processes):
        time.sleep(0.2)
    exited = [p.returncode for p in processes if p.poll() is not None]
    stop(processes)
    return 0 if stopping else (exited[0] or 1)


def stop(processes: list[subprocess.Popen]) -> None:
    """nginx first, then gunicorn; each by its graceful signal (nginx: QUIT, gunicorn: TERM)."""
    graceful_signals = (signal.SIGTERM, signal.SIGQUIT)
    for process, graceful in reversed(list(zip(processes, graceful_signals, strict=False))):
        if process.poll() is None:
            process.send_signal(graceful)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


if __name__ == "__main__":
    sys.exit(main())
