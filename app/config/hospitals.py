"""Reading and checking config/hospitals.toml through marshmallow schemas (unknown keys refused):
the domain receives finished Hospital values. Every problem stops start-up with one line naming
the file, the hospital (or [defaults]), the key, its value and what is expected."""

import tomllib
from datetime import date
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from marshmallow import RAISE, Schema, ValidationError, fields, post_load

from app.domain.errors import ConfigError
from app.domain.hospitals import WEEKDAYS, Hospital, Hospitals

DEFAULT_CONTACT = ("Ask at the hospital's front desk: staff can find your appointment by "
                   "your phone number.")
DEFAULT_CONTACT_BN = "হাসপাতালের অভ্যর্থনা ডেস্কে জিজ্ঞেস করুন: কর্মীরা আপনার ফোন নম্বর দিয়ে " \
    "অ্যাপয়েন্টমেন্টটি খুঁজে দিতে পারবেন।"


class Text(fields.Field):
    """A non-empty string (`strip`: kept without surrounding spaces)."""

    def __init__(self, strip: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.strip = strip

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not value.strip():
            raise ValidationError("must be a non-empty string")
        return value.strip() if self.strip else value


class Count(fields.Field):
    """A whole number from 1 (or from 0 with `zero_means`, what 0 means)."""

    def __init__(self, zero_means: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.zero_means = zero_means

    def _deserialize(self, value, attr, data, **kwargs):
        lowest = 0 if self.zero_means else 1
        if not isinstance(value, int) or isinstance(value, bool) or value < lowest:
            raise ValidationError(f"must be 0 ({self.zero_means}) or more" if self.zero_means
                                  else "must be a positive integer")
        return value


class Weekdays(fields.Field):
    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, list) or any(day not in WEEKDAYS for day in value):
            raise ValidationError(f"must be a list of {', '.join(WEEKDAYS)}")
        return tuple(sorted(WEEKDAYS.index(day) for day in value))


class ClockTime(fields.Field):
    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return clock_time.fromisoformat(value)
        except (TypeError, ValueError):
            raise ValidationError("must be a time of day HH:MM such as '09:00'") from None


class TimeZone(fields.Field):
    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return ZoneInfo(value)
        except (TypeError, ValueError, ZoneInfoNotFoundError):
            raise ValidationError("must be an IANA time zone such as 'Asia/Dhaka'") from None


class Region(fields.Field):
    def _deserialize(self, value, attr, data, **kwargs):
        if value not in phonenumbers.SUPPORTED_REGIONS:
            raise ValidationError("must be a region code such as 'BD'")
        return value


class Day(fields.Field):
    """A TOML date (2026-12-16) or the same written as a string."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            day = date.fromisoformat(value) if isinstance(value, str) else value
        except ValueError:
            day = None
        if type(day) is not date:
            raise ValidationError("must be a date YYYY-MM-DD")
        return day


class ClosedDateSchema(Schema):
    """closed_dates = [{date = 2026-12-16, reason = "Victory Day"}, ...]"""

    class Meta:
        unknown = RAISE

    date = Day(required=True)
    reason = Text(strip=True, required=True)

    @post_load
    def pair(self, data, **kwargs) -> tuple[date, str]:
        return data["date"], data["reason"]


class HospitalSchema(Schema):
    """One [[hospital]] entry, [defaults] merged in; loads to a finished Hospital."""

    class Meta:
        unknown = RAISE       # `closed_weekday` ignored would open a hospital on Fridays

    id = Text(required=True)
    name = Text(required=True)
    name_bn = Text(strip=True, load_default=None)
    max_per_slot = Count(required=True)
    closed_weekdays = Weekdays(required=True)
    opens = ClockTime(required=True)
    closes = ClockTime(required=True)
    slot_minutes = Count(required=True)
    timezone = TimeZone(required=True)
    horizon_days = Count(required=True)
    contact = Text(strip=True, load_default=DEFAULT_CONTACT)
    contact_bn = Text(strip=True, load_default=DEFAULT_CONTACT_BN)
    closed_dates = fields.List(fields.Nested(ClosedDateSchema), load_default=(), error_messages={
        "invalid": "must be a list of tables {{date, reason}}"})
    phone_region = Region(load_default=Hospital.phone_region)
    max_active_per_patient = Count(zero_means="no cap",
                                   load_default=Hospital.max_active_per_patient)

    @post_load
    def hospital(self, data, partial=False, **kwargs):
        if partial:        # [defaults]: checked key by key, not a hospital of its own
            return data
        hospital = Hospital(**{**data, "closed_dates": tuple(data["closed_dates"])})
        if not hospital.slot_times():
            raise ValidationError(f"opening hours (opens {hospital.opens:%H:%M}, closes "
                                  f"{hospital.closes:%H:%M}) hold no "
                                  f"{hospital.slot_minutes}-minute slot")
        return hospital


class FileSchema(Schema):
    class Meta:
        unknown = RAISE

    defaults = fields.Dict(load_default=dict, error_messages={"invalid": "must be a table"})
    hospital = fields.List(fields.Raw(), load_default=list, error_messages={
        "invalid": "must be an array of tables [[hospital]]"})


def load_hospitals(path: Path) -> Hospitals:
    """Read and check the TOML file; any problem raises ConfigError naming it."""
    where = f"hospitals config {path}"
    document = _load(FileSchema(), _read(path), f"{where}, top level")
    if not document["hospital"]:
        raise ConfigError(f"{where} defines no [[hospital]] entries")
    defaults = document["defaults"]
    _load(HospitalSchema(partial=True), defaults, f"{where}, [defaults]")
    hospitals = [_load(HospitalSchema(), _merged(defaults, entry), _place(where, entry))
                 for entry in document["hospital"]]
    _check_unique(hospitals, path)
    return Hospitals(hospitals)


def _read(path: Path) -> dict:
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read hospitals config {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"hospitals config {path} is not valid TOML: {exc}") from exc


def _merged(defaults: dict, entry) -> dict:
    return {**defaults, **entry} if isinstance(entry, dict) else entry


def _place(where: str, entry) -> str:
    name = entry.get("id", "?") if isinstance(entry, dict) else "?"
    return f"{where}, hospital {name!r}"


def _load(schema: Schema, data, where: str):
    try:
        return schema.load(data)
    except ValidationError as refused:
        raise ConfigError(f"{where}: {_problems(schema, refused.messages, data)}") from None


def _problems(schema: Schema, messages: dict, data, within: str = "") -> str:
    """Every problem of one table in one line: unknown keys, missing keys, bad values
    (`within`: where a nested table sits, e.g. "closed_dates[0]")."""
    if not isinstance(data, dict):
        return f"{within} must be a table of keys" if within else \
            f"must be a table of keys, got {data!r}"
    named = {key: f"{within}.{key}" if within else key for key in messages if key != "_schema"}
    unknown = [path for key, path in named.items() if key not in schema.fields]
    missing = [path for key, path in named.items() if key in schema.fields and key not in data]
    problems = [_value_problem(path, messages[key], data[key])
                for key, path in named.items() if key in schema.fields and key in data]
    if missing:
        problems.insert(0, f"missing {', '.join(missing)}")
    if unknown:
        problems.insert(0, f"unknown key {', '.join(map(repr, unknown))}; "
                           f"the keys that exist: {', '.join(sorted(schema.fields))}")
    return "; ".join(problems + messages.get("_schema", []))


def _value_problem(key: str, messages, value) -> str:
    if isinstance(messages, dict):        # closed_dates: {index: {key: [message]}}
        return "; ".join(_problems(ClosedDateSchema(), inner, value[index], f"{key}[{index}]")
                         for index, inner in messages.items())
    return f"{key} {' '.join(messages)}, got {value!r}"


def _check_unique(hospitals: list[Hospital], path: Path) -> None:
    refs = [ref.casefold() for h in hospitals for ref in {h.id, h.name}]
    duplicates = sorted({ref for ref in refs if refs.count(ref) > 1})
    if duplicates:
        raise ConfigError(f"hospitals config {path}: duplicate id or name {duplicates}")
