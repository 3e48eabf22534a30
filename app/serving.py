"""Start-up under gunicorn: a broken start is refused in one line, a good one says what it serves.

gunicorn.conf.py hands `on_starting` to gunicorn, which runs it in the master before any
worker boots, so a broken config or store never becomes one traceback per worker.
"""

import errno
import logging
import socket
import sys
from urllib.parse import parse_qs

from app.config import Settings
from app.config.hospitals import load_hospitals
from app.domain.errors import ConfigError, StoreUnavailable
from app.domain.hospitals import Hospitals
from app.edge import proxy_networks
from app.storage.rate_counters import check_counters, rate_counters
from app.version import DISTRIBUTION, VERSION


class StartUpRefused(Exception):
    """Why the server will not start, in one line for the operator."""


def on_starting(server) -> None:
    """gunicorn hook (master): check everything, hold the address, log one summary line."""
    try:
        summary = check_start_up()
        if not server.master_pid:     # a USR2 re-exec shares the address with its parent
            refuse_taken_addresses(server.cfg.address)
    except StartUpRefused as refused:
        server.log.error("start-up refused: %s", refused)
        sys.exit(1)
    for typo in Settings.probable_typos():
        server.log.warning("%s", typo)
    workers = f"{server.cfg.workers} workers x {server.cfg.threads} threads"
    urls = listening_urls(server.cfg.address)
    server.log.error_log.addFilter(ListeningAt(urls))
    server.log.info("%s %s serving %s (%s); %s; %s", DISTRIBUTION, VERSION, urls, workers,
                    summary, front_door(server.cfg.address, Settings.from_env()))


class ListeningAt(logging.Filter):
    """Names the address in gunicorn's `Listening at: %s (%s)` line. The master writes there the
    sockets it holds; with a socket per worker (reuse_port) it holds none, and the line read
    `Listening at:  (pid)`."""

    def __init__(self, urls: str):
        super().__init__()
        self.urls = urls

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == "Listening at: %s (%s)" and record.args and not record.args[0]:
            record.args = (self.urls, *record.args[1:])
        return True


def front_door(addresses, settings: Settings) -> str:
    """Whose X-Forwarded-For is believed, in words: the operator sees a TCP server trusting a
    header any local process can send."""
    if settings.trusted_proxy_hops == 0:
        return "no front door: gunicorn faces its clients alone and believes no X-Forwarded-For"
    if all(isinstance(address, str) for address in addresses):
        return "behind the front door (nginx, on the Unix socket): X-Forwarded-For believed"
    return (f"X-Forwarded-For believed {settings.trusted_proxy_hops} hop(s) deep from "
            f"{settings.forwarded_allow_ips}: any process there can name any client")


def check_start_up(settings: Settings | None = None) -> str:
    """Settings, hospitals and store, checked as a worker will use them; a one-line summary."""
    try:
        settings = settings or Settings.from_env()
        hospitals = load_hospitals(settings.hospitals_config)
        proxy_networks(settings.forwarded_allow_ips)
        store = check_store(settings)
        check_counters(rate_counters(settings))
    except ConfigError as exc:
        raise StartUpRefused(str(exc)) from exc
    return f"store: {store}; hospitals: {hospitals_served(hospitals)}"


def check_store(settings: Settings) -> str:
    """The store's engine and location (never credentials), after checking it can be used."""
    if settings.mongodb_uri:
        settings.mongodb_password()       # an unreadable MONGODB_PASSWORD_FILE: ConfigError
        return check_mongo_uri(settings.mongodb_uri, settings.mongodb_db)
    return check_sqlite(settings)


def check_sqlite(settings: Settings) -> str:
    from app.storage.sqlite import SqliteRepository

    where = f"sqlite {settings.sqlite_path.resolve()}"
    try:
        repository = SqliteRepository(settings.sqlite_path, settings.store_timeout_s)
        try:
            repository.check_writable()
        finally:
            repository.close()
    except (StoreUnavailable, OSError) as exc:
        cause = exc.__cause__ if isinstance(exc, StoreUnavailable) else exc
        raise StartUpRefused(f"store {where} cannot be written: {cause}") from exc
    return where


def check_mongo_uri(uri: str, db_name: str) -> str:
    """Parsed without connecting: an unreachable set is served with 503s until it answers."""
    from pymongo.errors import PyMongoError
    from pymongo.uri_parser import parse_uri

    where = f"mongodb {mongo_location(uri)} database {db_name}"
    if uri.startswith("mongodb+srv://"):
        return where          # parsing it would resolve DNS records now
    try:
        parse_uri(uri, warn=True)     # as lenient as MongoClient: unknown options only warn
    except PyMongoError as exc:
        raise StartUpRefused(f"MONGODB_URI is not usable: {exc}") from exc
    return where


def mongo_location(uri: str) -> str:
    """Scheme, hosts and replica set of a MongoDB URI; user, password and options left out."""
    scheme, _, rest = uri.partition("://")
    hosts, _, tail = rest.partition("/")
    hosts = hosts.rpartition("@")[2]
    replica_set = parse_qs(tail.partition("?")[2]).get("replicaSet")
    return f"{scheme}://{hosts}" + (f" replicaSet={replica_set[0]}" if replica_set else "")


def hospitals_served(hospitals: Hospitals) -> str:
    return ", ".join(f"{h.id} ({h.max_per_slot}/slot)" for h in hospitals.all())


def listening_urls(addresses) -> str:
    return ", ".join(_url(address) for address in addresses)


def _url(address) -> str:
    if isinstance(address, tuple):
        host, port = address[0], address[1]
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
    return f"unix:{address}" if isinstance(address, str) else f"fd://{address}"


def refuse_taken_addresses(addresses) -> None:
    """Refuse to start on an address another server listens on.

    With reuse_port each worker binds its own SO_REUSEPORT socket, which would silently share
    the port with any other server doing the same. This probe sets SO_REUSEADDR (so the last
    run's TIME_WAIT connections do not count) but not SO_REUSEPORT, so any listener fails it.
    Left open: two servers probing in the same instant, or a same-user process that sets
    SO_REUSEPORT itself without probing (the kernel only checks the uid).
    """
    for address in addresses:
        if isinstance(address, tuple):
            _probe(address)
        elif isinstance(address, str):
            _probe_unix(address)


def _probe_unix(path: str) -> None:
    """gunicorn would replace the socket file of a server still listening on it."""
    if unix_socket_answers(path):
        raise StartUpRefused(f"cannot listen on unix:{path}: a server already answers there")


def unix_socket_answers(path) -> bool:
    with socket.socket(socket.AF_UNIX) as probe:
        try:
            probe.connect(str(path))
            return True
        except OSError:
            return False


def _probe(address: tuple) -> None:
    with _socket(address) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address[:2])
        except OSError as exc:
            reason = "already in use" if exc.errno == errno.EADDRINUSE else exc.strerror
            raise StartUpRefused(f"cannot listen on {_url(address)}: {reason}") from exc


def _socket(address: tuple) -> socket.socket:
    family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
    return socket.socket(family, socket.SOCK_STREAM)
