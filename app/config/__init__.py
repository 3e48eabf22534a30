"""Configuration, read by create_app() (never at import): Settings from the environment here,
the hospitals file in app.config.hospitals (which hands the domain finished Hospital values)."""

import math
import os
from dataclasses import dataclass, replace
from pathlib import Path

from app.domain.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent.parent
TRUE_WORDS = ("1", "true", "yes", "on")
#: A shorter bearer key could be guessed: ADMIN_API_KEY opens every admin route, METRICS_KEY
#: /metrics.
KEY_MIN_CHARS = 32


def positive_number(env, name: str, default, kind=int, zero_ok=False):
    """`env[name]` as a positive (or with `zero_ok`, non-negative) `kind`, int or float, else
    ConfigError naming the variable."""
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = kind(raw)
    except ValueError:
        value = None
    if value is None or not math.isfinite(value) or value < 0 or (value == 0 and not zero_ok):
        raise ConfigError(f"environment variable {name} must be a "
                          f"{'non-negative' if zero_ok else 'positive'} "
                          f"{'integer' if kind is int else 'number'}, got {raw!r}")
    return value


@dataclass(frozen=True)
class Settings:
    hospitals_config: Path = ROOT / "config" / "hospitals.toml"
    sqlite_path: Path = Path("var/booking.sqlite3")
    #: Set by gunicorn's master for its workers (app.storage.pin_store), never by hand.
    sqlite_store_id: str | None = None
    mongodb_uri: str | None = None
    mongodb_db: str = "hospital_booking"
    mongodb_password_file: Path | None = None
    mongodb_require_auth: bool = False
    store_timeout_s: float = 5.0
    cors_origins: str = "*"
    log_level: str = "INFO"
    admin_api_key: str | None = None
    max_body_bytes: int = 64 * 1024
    log_format: str = "kv"
    metrics_key: str | None = None
    metrics_days: int = 7
    day_answer_fresh_s: float = 0.25
    # X-Forwarded-For is believed this many proxies deep, and only from these addresses
    # (gunicorn reads the same FORWARDED_ALLOW_IPS for X-Forwarded-Proto). 0 trusts nothing.
    trusted_proxy_hops: int = 0
    forwarded_allow_ips: str = "127.0.0.1,::1"
    # Host headers served (werkzeug's trusted hosts, port ignored: `.example.org` takes its
    # subdomains, `*` any); others answer 400. from_env adds the listen address (HOST).
    allowed_hosts: str = "localhost,127.0.0.1"
    # Flask-Limiter's names. Defaults a patient, or a hospital kiosk behind one NAT, never meets.
    ratelimit_enabled: bool = True
    ratelimit_booking: str = "20/minute;500/day"
    ratelimit_read: str = "600/minute"
    ratelimit_storage_uri: str | None = None

    def __post_init__(self):
        _check_key_length("ADMIN_API_KEY", self.admin_api_key)
        _check_key_length("METRICS_KEY", self.metrics_key)

    @classmethod
    def from_env(cls, env=None, **overrides) -> "Settings":
        env = os.environ if env is None else env
        base = cls()
        settings = cls(
            hospitals_config=Path(env.get("HOSPITALS_CONFIG", base.hospitals_config)),
            sqlite_path=Path(env.get("SQLITE_PATH", base.sqlite_path)),
            sqlite_store_id=env.get("SQLITE_STORE_ID") or None,
            mongodb_uri=env.get("MONGODB_URI") or None,
            mongodb_db=env.get("MONGODB_DB", base.mongodb_db),
            mongodb_password_file=_path_or_none(env.get("MONGODB_PASSWORD_FILE")),
            mongodb_require_auth=env.get("MONGODB_REQUIRE_AUTH", "0").lower() in TRUE_WORDS,
            store_timeout_s=positive_number(env, "STORE_TIMEOUT_S", base.store_timeout_s, float),
            cors_origins=env.get("CORS_ORIGINS", base.cors_origins),
            log_level=env.get("LOG_LEVEL", base.log_level).upper(),
            admin_api_key=env.get("ADMIN_API_KEY") or None,
            log_format=env.get("LOG_FORMAT", base.log_format).lower(),
            metrics_key=env.get("METRICS_KEY") or None,
            metrics_days=positive_number(env, "METRICS_DAYS", base.metrics_days, int),
            day_answer_fresh_s=positive_number(env, "DAY_ANSWER_FRESH_S",
                                               base.day_answer_fresh_s, float, zero_ok=True),
            trusted_proxy_hops=positive_number(env, "TRUSTED_PROXY_HOPS", 0, int, zero_ok=True),
            forwarded_allow_ips=env.get("FORWARDED_ALLOW_IPS", base.forwarded_allow_ips),
            allowed_hosts=env.get("ALLOWED_HOSTS", f"{base.allowed_hosts},{env.get('HOST', '')}"),
            ratelimit_enabled=env.get("RATELIMIT_ENABLED", "true").lower() in TRUE_WORDS,
            ratelimit_booking=env.get("RATELIMIT_BOOKING", base.ratelimit_booking),
            ratelimit_read=env.get("RATELIMIT_READ", base.ratelimit_read),
            ratelimit_storage_uri=env.get("RATELIMIT_STORAGE_URI") or None,
        )
        return replace(settings, **overrides)

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
        hosts = [h.strip() for h in self.allowed_hosts.split(",") if h.strip()]
        return None if "*" in hosts else hosts

    def cors_origin_list(self) -> list[str] | str:
        origins = [o.strip() for o in self.cors_origins.split(",") if o.strip()]
        return "*" if origins in ([], ["*"]) else origins


def _check_key_length(name: str, key: str | None) -> None:
    """Stop start-up, in one line naming `name`, on a key short enough to guess."""
    if key is not None and len(key) < KEY_MIN_CHARS:
        raise ConfigError(
            f"{name} is {len(key)} characters; it must have at least {KEY_MIN_CHARS}. "
            "Make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'")


def _path_or_none(value: str | None) -> Path | None:
    return Path(value) if value else None
