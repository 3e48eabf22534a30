"""Rate-limit counters in a SQLite file: a `limits` storage (scheme `sqlite://`) that every
worker process of one machine shares, for the SQLite engine (the `limits` library ships memory,
redis, memcached and MongoDB storages; memory is per process, the others are servers the
embedded engine does not otherwise need).

Fixed windows only (Flask-Limiter's default strategy): one row per key holds the count and the
moment the window ends; one UPSERT ... RETURNING increments it atomically across processes.

`rate_counters(settings)` says where the counters live; create_app() hands it to the HTTP
layer's limiter (app.api.rate_limits), which never reaches into storage itself.
"""

import os
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from limits.storage import SCHEMES, Storage, storage_from_string

from app.config import Settings
from app.domain.errors import ConfigError

# A counter store that does not answer is skipped (requests pass) after this share of the store
# timeout, so an outage still answers 503 within STORE_TIMEOUT_S.
COUNTER_TIMEOUT_SHARE = 0.25

SCHEMA = """
CREATE TABLE IF NOT EXISTS counters (
    key TEXT PRIMARY KEY, count INTEGER NOT NULL, expires REAL NOT NULL
) WITHOUT ROWID;
"""
# A new window starts when the row's has ended: the count restarts at `amount`.
INCREMENT = """
INSERT INTO counters (key, count, expires) VALUES (:key, :amount, :now + :expiry)
ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN expires <= :now THEN :amount ELSE count + :amount END,
    expires = CASE WHEN expires <= :now THEN :now + :expiry ELSE expires END
RETURNING count
"""
PURGE_EVERY = 1000     # increments between deletions of ended windows


class SqliteCounterStorage(Storage):
    STORAGE_SCHEME = ["sqlite"]

    def __init__(self, uri: str, wrap_exceptions: bool = False, timeout: float = 5.0,
                 **options):
        """`uri` is sqlite:///absolute/path/to/file."""
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._path = uri.removeprefix("sqlite://")
        self._timeout = float(timeout)
        self._local = threading.local()
        self._increments = 0
        Path(self._path).parent.mkdir(parents=True, exist_ok=True)
        self._connection().executescript(SCHEMA)

    @property
    def base_exceptions(self):
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or self._local.pid != os.getpid():
            conn = sqlite3.connect(self._path, timeout=self._timeout, isolation_level=None,
                                   check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            # Counters are worth less than a fsync per request: a crash forgets a window.
            conn.execute("PRAGMA synchronous=OFF")
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        count = self._connection().execute(INCREMENT, {"key": key, "amount": amount, "now": now,
                                                       "expiry": expiry}).fetchone()[0]
        self._increments += 1
        if self._increments % PURGE_EVERY == 0:
            self._connection().execute("DELETE FROM counters WHERE expires <= ?", (now,))
        return count

    def get(self, key: str) -> int:
        row = self._live(key)
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._live(key)
        return row[1] if row else time.time()

    def _live(self, key: str) -> tuple[int, float] | None:
        return self._connection().execute(
            "SELECT count, expires FROM counters WHERE key = ? AND expires > ?",
            (key, time.time())).fetchone()

    def check(self) -> bool:
        try:
            self._connection().execute("SELECT 1")
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        return self._connection().execute("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        self._connection().execute("DELETE FROM counters WHERE key = ?", (key,))


@dataclass(frozen=True)
class RateCounters:
    """Where the rate limits' counters live: a `limits` storage URI and its options."""

    uri: str
    options: dict = field(default_factory=dict)
    #: Set by hand (RATELIMIT_STORAGE_URI), so checked at start-up by connecting once.
    chosen: bool = False


def rate_counters(settings: Settings) -> RateCounters:
    """RATELIMIT_STORAGE_URI when set; else the engine's own store, shared by every worker."""
    if settings.ratelimit_storage_uri or not settings.ratelimit_enabled:
        return _chosen(settings.ratelimit_storage_uri or "memory://")
    if settings.mongodb_uri:
        password = settings.mongodb_password()
        return RateCounters(settings.mongodb_uri, {
            "database_name": settings.mongodb_db, "tz_aware": True,
            "serverSelectionTimeoutMS": int(
                settings.store_timeout_s * COUNTER_TIMEOUT_SHARE * 1000),
            **({"password": password} if password else {})})
    counters = Path(settings.sqlite_path).resolve()
    return RateCounters(f"sqlite://{counters.with_name(counters.name + '.limits')}",
                        {"timeout": settings.store_timeout_s})


def _chosen(uri: str) -> RateCounters:
    scheme = urlsplit(uri).scheme
    if "://" not in uri or scheme not in SCHEMES or scheme.startswith("async+"):
        known = ", ".join(sorted(s for s in SCHEMES if not s.startswith("async+")))
        raise ConfigError(f"environment variable RATELIMIT_STORAGE_URI must be a `limits` "
                          f"storage URI ({known}), got {_without_credentials(uri)!r}")
    return RateCounters(uri, chosen=True)


def check_counters(counters: RateCounters) -> None:
    """Connect once (gunicorn's master) to a store set by hand: refuse one that cannot count."""
    if not counters.chosen:
        return      # the engine's own store: checked, or waited for, as the store is
    shown = _without_credentials(counters.uri)
    try:
        answers = storage_from_string(counters.uri, **counters.options).check()
    except Exception as exc:     # limits' ConfigurationError, or the client library's own
        cause = str(exc).replace(counters.uri, shown)
        raise ConfigError(f"RATELIMIT_STORAGE_URI {shown} cannot be used: {cause}") from None
    if not answers:
        raise ConfigError(f"RATELIMIT_STORAGE_URI {shown} does not answer")


def _without_credentials(uri: str) -> str:
    """`uri` with any user:password@ before its hosts left out (it may be logged)."""
    scheme, separator, rest = uri.partition("://")
    hosts, slash, tail = rest.partition("/")
    return f"{scheme}{separator}{hosts.rpartition('@')[2]}{slash}{tail}"
