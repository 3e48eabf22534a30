"""gunicorn settings for `make run` and the Docker image; every value can be set by env.

Defaults chosen with `make bench` (figures in bench/results.json) and bench/tune.py
(a grid of workers x threads), 64 keep-alive clients driven by wrk, on a 2-core machine.
"""

import multiprocessing
import os
import tempfile

# prometheus_client decides when it is first imported whether it runs in multiprocess mode, and
# importing anything from `app` imports it: the directory must be in the environment first.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="hospital-booking-metrics-")

from app.config import Settings  # noqa: E402
from app.domain.errors import ConfigError  # noqa: E402

# Every variable, the server's own too, read by the app's one reader. One that does not parse
# leaves the defaults here: on_starting (app/serving.py) reads them again and refuses in one line.
try:
    settings = Settings.from_env()
except ConfigError:
    settings = Settings()

# APP_SOCKET (make run-public: app/front_door.py): a Unix socket only the front door reaches,
# instead of HOST:PORT (make run: development, no front door).
bind = (f"unix:{settings.app_socket}" if settings.app_socket
        else f"{settings.host}:{settings.port}")
# gthread: a worker's threads share one store connection pool and queue on the write gate.
# app.http_worker's subclass answers gunicorn's own refusals in JSON (the app's shape).
worker_class = "app.http_worker.JsonRefusalsWorker"
# cores + 1 processes, 4 threads each (was 2 x cores + 1 with 8 threads). Measured on 2 cores:
# - bookings are bounded by the write gate (one SQLite writer at a time, across processes),
#   not by the number of processes: 1,300-1,650 bookings/s for every grid point from 2x1 to
#   5x8. With only `cores` processes both can be waiting on the gate and a core idles (server
#   CPU ~150% of 200% during booking runs); one process more keeps both cores busy (~175%).
# - more processes and threads add GIL and lock contention, memory and tail latency: 5x8
#   answered GET /api/hospitals with p99 120-300 ms (p99/p50 > 10) and used ~210 MiB RSS at
#   256 clients; 3x4 answers with p99 ~50 ms at the same or better throughput (~5,500/s).
# - 4 threads leave room for reads while up to one thread per process waits on the gate;
#   1-2 threads cost 15-25% of read throughput, 8 threads lengthened the tail.
workers = settings.workers or multiprocessing.cpu_count() + 1
threads = settings.threads
# Each worker listens on its own SO_REUSEPORT socket and the kernel spreads connections over
# them. With one shared socket, keep-alive connections stick to whichever worker woke first:
# 16 clients all landed on one of 3 workers in a measured run (one core busy, throughput
# anywhere from 1,900 to 5,100 req/s from run to run). GUNICORN_REUSE_PORT=0 turns it off.
# The master first probes the address without SO_REUSEPORT (app/serving.py), so a second
# server on a port in use refuses to start instead of silently sharing the traffic.
# A Unix socket has no SO_REUSEPORT: one socket, shared.
reuse_port = settings.reuse_port and not settings.app_socket
# No preload: each worker builds its app after fork, so every process opens its own
# SQLite connections or MongoClient (pymongo clients are not fork-safe).
preload_app = False
timeout = 30
# gunicorn >= 25.1 listens on a control socket (~/.gunicorn/gunicorn.ctl, one path per user,
# accepts `shutdown`); nothing here uses it.
control_socket_disable = True
# Reached directly (make run) gunicorn's limits are the only ones: gunicorn's defaults. 4000
# fields of 8 KiB cost 28 s of worker CPU to parse; 100 fields is more than any browser sends,
# and a field line of 8190 bytes holds a browser's longest (its Cookie: 4096 bytes per cookie,
# RFC 6265 6.1). Behind the front door nginx refuses first (4 KiB per line, 16 KiB in all).
# gunicorn's own refusals answer JSON (app.http_worker), like nginx's.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
graceful_timeout = 10
keepalive = 5
# The access log would hold every URL; request lines carry no patient data, but it costs CPU.
accesslog = settings.access_log
errorlog = "-"
loglevel = settings.log_level.lower()
# gunicorn's own lines (start-up, workers, access log) in the app's format (LOG_FORMAT).
logconfig_dict = {
    "version": 1, "disable_existing_loggers": False,
    "formatters": {"structured": {"()": "app.telemetry.logs.StructuredFormatter",
                                  "style": settings.log_format}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "structured",
                           "stream": "ext://sys.stderr"}},
    # A logging config makes gunicorn write access lines: keep them off unless ACCESS_LOG asks.
    "loggers": {"gunicorn.error": {"level": loglevel.upper(), "handlers": ["stderr"],
                                   "propagate": False},
                "gunicorn.access": {"level": loglevel.upper() if accesslog else "CRITICAL",
                                    "handlers": ["stderr"], "propagate": False}},
    "root": {"handlers": []},   # each worker's app adds its own (app.telemetry.logs)
}

# Prometheus multiprocess mode: the directory is in the environment before any worker imports
# prometheus_client (PROMETHEUS_MULTIPROC_DIR, or a private temp dir), emptied at start, and
# each exited worker's samples are folded so a scrape stays cheap after many restarts.
from app.telemetry import multiprocess as metrics_dir  # noqa: E402

metrics_dir.ensure_dir()

from app import serving  # noqa: E402


def on_starting(server):
    # Checks first (config, store, address): a refused start exits here in one line.
    serving.on_starting(server)
    metrics_dir.clean(metrics_dir.ensure_dir())
    # The master creates the SQLite store; workers only open that very file (issue 11).
    from app.storage import pin_store

    pin_store(settings)


def child_exit(server, worker):
    metrics_dir.retire_worker(worker.pid, metrics_dir.ensure_dir())
