"""gunicorn settings for `make run` and the Docker image; every value can be set by env."""

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
# gthread: a worker's threads share one store connection pool and queue on the write gate.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
# No preload: each worker builds its app after fork, so every process opens its own
# SQLite connections or MongoClient (pymongo clients are not fork-safe).
preload_app = False
timeout = 30
graceful_timeout = 10
keepalive = 5
# The access log would hold every URL; request lines carry no patient data, but it costs CPU.
accesslog = os.environ.get("ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
