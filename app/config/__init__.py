"""Configuration, read by create_app() (never at import): Settings from the environment here,
the hospitals file in app.config.hospitals (which hands the domain finished Hospital values)."""

import os
from dataclasses import dataclass, replace
from pathlib import Path

from marshmallow import fields

from app.config.environment import (
    LOG_LEVELS,
    Choice,
    FilePath,
    Flag,
    Number,
    Port,
    RateLimits,
    probable_typos,
    read_environment,
    variable,
)
from app.domain.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent.parent
#: A shorter bearer key could be guessed: ADMIN_API_KEY opens every admin route, METRICS_KEY
#: /metrics.
KEY_MIN_CHARS = 32
#: ... and so could a long one made of few characters ("aaaa...", "abab..."): a key from
#: secrets.token_urlsafe(32) has 43 characters, about 30 of them distinct.
KEY_MIN_DISTINCT = 16
MAKE_A_KEY = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
TEXT = fields.String()


@dataclass(frozen=True)
class Settings:
    """Every environment variable the server reads, one line each: the attribute, the
    variable, how it is read (app.config.environment) and its default (unset or empty)."""

    hospitals_config: Path = variable("HOSPITALS_CONFIG", FilePath(),
                                      ROOT / "config" / "hospitals.toml")
    sqlite_path: Path = variable("SQLITE_PATH", FilePath(), Path("var/booking.sqlite3"))
    #: Set by gunicorn's master for its workers (app.storage.pin_store), never by hand.
    sqlite_store_id: str | None = variable("SQLITE_STORE_ID", TEXT)
    mongodb_uri: str | None = variable("MONGODB_URI", TEXT, secret=True)
    mongodb_db: str = variable("MONGODB_DB", TEXT, "hospital_booking")
    mongodb_password_file: Path | None = variable("MONGODB_PASSWORD_FILE", FilePath())
    mongodb_require_auth: bool = variable("MONGODB_REQUIRE_AUTH", Flag(), False)
    store_timeout_s: float = variable("STORE_TIMEOUT_S", Number(float), 5.0)
    cors_origins: str = variable("CORS_ORIGINS", TEXT, "*")
    log_level: str = variable("LOG_LEVEL", Choice(LOG_LEVELS), "INFO")
    admin_api_key: str | None = variable("ADMIN_API_KEY", TEXT, secret=True)
    max_body_bytes: int = 64 * 1024
    log_format: str = variable("LOG_FORMAT", Choice(("kv", "json")), "kv")
    metrics_key: str | None = variable("METRICS_KEY", TEXT, secret=True)
    metrics_days: int = variable("METRICS_DAYS", Number(int), 7)
    day_answer_fresh_s: float = variable("DAY_ANSWER_FRESH_S", Number(float, zero_ok=True), 0.25)
    # X-Forwarded-For is believed this many proxies deep, and only from these addresses
    # (gunicorn reads the same FORWARDED_ALLOW_IPS for X-Forwarded-Proto). 0 trusts nothing.
    trusted_proxy_hops: int = variable("TRUSTED_PROXY_HOPS", Number(int, zero_ok=True), 0)
    forwarded_allow_ips: str = variable("FORWARDED_ALLOW_IPS", TEXT, "127.0.0.1,::1")
    # Host headers served (werkzeug's trusted hosts, port ignored: `.example.org` takes its
    # subdomains, `*` any); others answer 400. Unset: localhost and the listen address (HOST).
    allowed_hosts: str | None = variable("ALLOWED_HOSTS", TEXT)
    # make run-public (app/front_door.py): gunicorn listens on this Unix socket, which only the
    # front door reaches, instead of HOST:PORT.
    app_socket: str | None = variable("APP_SOCKET", TEXT)
    # Flask-Limiter's names. Defaults a patient, or a hospital kiosk behind one NAT, never meets.
    ratelimit_enabled: bool = variable("RATELIMIT_ENABLED", Flag(), True)
    ratelimit_booking: str = variable("RATELIMIT_BOOKING", RateLimits(), "20/minute;500/day")
    ratelimit_read: str = variable("RATELIMIT_READ", RateLimits(), "600/minute")
    ratelimit_storage_uri: str | None = variable("RATELIMIT_STORAGE_URI", TEXT, secret=True)
    # gunicorn's master (config/gunicorn.conf.py); workers: None is the host's cores + 1.
    host: str = variable("HOST", TEXT, "127.0.0.1")
    port: int = variable("PORT", Port(int), 8000)
    workers: int | None = variable("WEB_CONCURRENCY", Number(int))
    threads: int = variable("GUNICORN_THREADS", Number(int), 4)
    reuse_port: bool = variable("GUNICORN_REUSE_PORT", Flag(), True)
    access_log: str | None = variable("ACCESS_LOG", TEXT)

    def __post_init__(self):
        check_key("ADMIN_API_KEY", self.admin_api_key)
        check_key("METRICS_KEY", self.metrics_key)

    @classmethod
    def from_env(cls, env=None, **overrides) -> "Settings":
        """Every variable read and checked at once; ConfigError names what is wrong."""
        env = os.environ if env is None else env
        return replace(cls(**read_environment(cls, env)), **overrides)

    @classmethod
    def probable_typos(cls, env=None) -> list[str]:
        """Set names beginning like ours that are not ours, each with the ones that exist."""
        return probable_typos(cls, os.environ if env is None else env)

    def mongodb_password(self) -> str | None:
        """The password for MONGODB_URI's user, read from MONGODB_PASSWORD_FILE (a secret)."""
        if self.mongodb_password_file is None:
            return None
        try:
            return self.mongodb_password_file.read_text().rstrip("\r\n")
        except OSError as exc:
            raise ConfigError(f"cannot read MONGODB_PASSWORD_FILE {self.mongodb_password_file}: "
                              f"{exc.strerror}") from exc

    def allowed_host_list(self) -> list[str] | None:
        """ALLOWED_HOSTS for Flask's TRUSTED_HOSTS (None: `*`, any Host)."""
        allowed = self.allowed_hosts or f"localhost,127.0.0.1,{self.host}"
        hosts = [h.strip() for h in allowed.split(",") if h.strip()]
        return None if "*" in hosts else hosts

    def cors_origin_list(self) -> list[str] | str:
        origins = [o.strip() for o in self.cors_origins.split(",") if o.strip()]
        return "*" if origins in ([], ["*"]) else origins


def check_key(name: str, key: str | None) -> None:
    """Stop start-up, in one line naming `name`, on a key short or plain enough to guess."""
    if key is None:
        return
    if len(key) < KEY_MIN_CHARS:
        raise ConfigError(f"{name} is {len(key)} characters; it must have at least "
                          f"{KEY_MIN_CHARS}. Make one with: {MAKE_A_KEY}")
    if len(set(key)) < KEY_MIN_DISTINCT:
        raise ConfigError(f"{name} has {len(set(key))} distinct characters; it must have at "
                          f"least {KEY_MIN_DISTINCT}. Make one with: {MAKE_A_KEY}")
