"""Reading and checking config/hospitals.toml: the domain receives finished Hospital values."""

import tomllib
from datetime import date
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

from app.domain.errors import ConfigError
from app.domain.hospitals import WEEKDAYS, Hospital, Hospitals

REQUIRED_KEYS = ("id", "name", "max_per_slot", "closed_weekdays", "opens", "closes",
                 "slot_minutes", "timezone", "horizon_days")
OPTIONAL_KEYS = ("contact", "closed_dates", "phone_region", "max_active_per_patient")
# A misspelt key must stop start-up: `closed_weekday` ignored would open a hospital on Fridays.
HOSPITAL_KEYS = REQUIRED_KEYS + OPTIONAL_KEYS
TOP_LEVEL_KEYS = ("defaults", "hospital")
DEFAULT_CONTACT = ("Ask at the hospital's front desk: staff can find your appointment by "
                   "your phone number.")


def load_hospitals(path: Path) -> Hospitals:
    """Read and check the TOML file; any problem raises ConfigError naming it."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read hospitals config {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"hospitals config {path} is not valid TOML: {exc}") from exc
    _check_known_keys(data, TOP_LEVEL_KEYS, f"hospitals config {path}, top level")
    entries = data.get("hospital")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"hospitals config {path} defines no [[hospital]] entries")
    defaults = data.get("defaults", {})
    _check_known_keys(defaults, HOSPITAL_KEYS, f"hospitals config {path}, [defaults]")
    hospitals = [_parse_hospital({**defaults, **entry}, path) for entry in entries]
    _check_unique(hospitals, path)
    return Hospitals(hospitals)


def _parse_hospital(raw: dict, path: Path) -> Hospital:
    where = f"hospitals config {path}, hospital {raw.get('id', '?')!r}"
    _check_known_keys(raw, HOSPITAL_KEYS, where)
    missing = [key for key in REQUIRED_KEYS if key not in raw]
    if missing:
        raise ConfigError(f"{where}: missing {', '.join(missing)}")
    try:
        hospital = _build_hospital(raw)
    except (TypeError, ValueError, ZoneInfoNotFoundError) as exc:
        raise ConfigError(f"{where}: {exc}") from exc
    _check_hospital(hospital, where)
    return hospital


def _build_hospital(raw: dict) -> Hospital:
    closed = raw["closed_weekdays"]
    if not isinstance(closed, list) or any(day not in WEEKDAYS for day in closed):
        raise ValueError(f"closed_weekdays must be a list of {', '.join(WEEKDAYS)}")
    if not isinstance(raw["id"], str) or not isinstance(raw["name"], str):
        raise ValueError("id and name must be strings")
    return Hospital(
        id=raw["id"], name=raw["name"], max_per_slot=_positive_int(raw, "max_per_slot"),
        closed_weekdays=tuple(sorted(WEEKDAYS.index(day) for day in closed)),
        opens=clock_time.fromisoformat(raw["opens"]),
        closes=clock_time.fromisoformat(raw["closes"]),
        slot_minutes=_positive_int(raw, "slot_minutes"),
        timezone=ZoneInfo(raw["timezone"]),
        horizon_days=_positive_int(raw, "horizon_days"),
        contact=_text(raw, "contact", DEFAULT_CONTACT),
        closed_dates=_closed_dates(raw.get("closed_dates", [])),
        phone_region=_phone_region(raw.get("phone_region", Hospital.phone_region)),
        max_active_per_patient=_cap(raw.get("max_active_per_patient",
                                            Hospital.max_active_per_patient)),
    )


def _check_known_keys(table, known: tuple[str, ...], where: str) -> None:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: must be a table of keys")
    unknown = sorted(set(table) - set(known))
    if unknown:
        raise ConfigError(f"{where}: unknown key {', '.join(map(repr, unknown))}; "
                          f"the keys that exist: {', '.join(sorted(known))}")


def _text(raw: dict, key: str, default: str) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{key} must be a non-empty string, got {value!r}")
    return value.strip()


def _closed_dates(entries) -> tuple[tuple[date, str], ...]:
    """closed_dates = [{date = 2026-12-16, reason = "Victory Day"}, ...]"""
    if not isinstance(entries, list):
        raise ValueError("closed_dates must be a list of {date, reason}")
    return tuple(_closed_date(entry) for entry in entries)


def _closed_date(entry) -> tuple[date, str]:
    if not isinstance(entry, dict) or not isinstance(entry.get("reason"), str) \
            or not entry["reason"].strip():
        raise ValueError("each closed_dates entry needs a date and a reason")
    day = entry.get("date")
    if isinstance(day, str):
        day = date.fromisoformat(day)
    if type(day) is not date:
        raise ValueError(f"closed_dates: {day!r} is not a date (YYYY-MM-DD)")
    return day, entry["reason"].strip()


def _positive_int(raw: dict, key: str) -> int:
    value = raw[key]
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{key} must be a positive integer, got {value!r}")
    return value


def _phone_region(value) -> str:
    if value not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"phone_region must be a region code such as 'BD', got {value!r}")
    return value


def _cap(value) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"max_active_per_patient must be 0 (no cap) or more, got {value!r}")
    return value


def _check_hospital(hospital: Hospital, where: str) -> None:
    if not hospital.id or not hospital.name.strip():
        raise ConfigError(f"{where}: id and name must not be empty")
    if not hospital.slot_times():
        raise ConfigError(f"{where}: opening hours hold no {hospital.slot_minutes}-minute slot")


def _check_unique(hospitals: list[Hospital], path: Path) -> None:
    refs = [ref.casefold() for h in hospitals for ref in {h.id, h.name}]
    duplicates = sorted({ref for ref in refs if refs.count(ref) > 1})
    if duplicates:
        raise ConfigError(f"hospitals config {path}: duplicate id or name {duplicates}")
