"""The environment read by one marshmallow schema: each variable declared once, next to the
setting it fills (`variable(...)` on a Settings field), typed and checked as a whole at start-up.

A variable that does not parse stops start-up with one line naming it, its value (never a
secret's) and what is expected. A set name that is not one of ours but begins like ours
(ADMIN_APIKEY) is a probable typo: `probable_typos` names it with the names that exist.
"""

import dataclasses
import difflib
import math
from collections.abc import Mapping
from pathlib import Path

from limits import parse_many
from marshmallow import Schema, ValidationError, fields

from app.domain.errors import ConfigError

METADATA = "environment variable"
#: The server's, read outside Settings (by the CLI, by prometheus_client, by make
#: run-public's launcher).
READ_ELSEWHERE = ("BACKUP_DIR", "PROMETHEUS_MULTIPROC_DIR", "RUN_DIR")
#: Others' names that begin like ours (gunicorn's own, scripts/backup-mongo.sh's, the test
#: suite's and CI's): never typos.
OTHERS = ("GUNICORN_CMD_ARGS", "BACKUP_KEEP", "MONGODB_TEST_URI", "MONGODB_TESTCONTAINERS",
          "MONGODB_APP_TEST_URI", "MONGODB_APP_TEST_DB", "MONGODB_APP_PASSWORD_FILE")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


@dataclasses.dataclass(frozen=True)
class Variable:
    name: str
    field: fields.Field
    secret: bool = False


def variable(name: str, field: fields.Field, default=None, *, secret: bool = False):
    """A Settings field read from the environment variable `name` by `field`."""
    return dataclasses.field(default=default,
                             metadata={METADATA: Variable(name, field, secret)})


def read_environment(settings_class, env: Mapping[str, str]) -> dict:
    """The set variables of `settings_class`, checked all at once: {attribute: value}."""
    declared = variables_of(settings_class)
    given = {name: env[name] for name in declared if env.get(name, "").strip()}
    schema = Schema.from_dict({name: v.field for name, v in declared.items()})()
    try:
        loaded = schema.load(given)
    except ValidationError as refused:
        raise ConfigError("; ".join(
            _refusal(declared[name], given[name], messages)
            for name, messages in refused.messages.items())) from None
    return {attribute: loaded[name] for name, attribute in _attributes(settings_class).items()
            if name in loaded}


def variables_of(settings_class) -> dict[str, Variable]:
    return {f.metadata[METADATA].name: f.metadata[METADATA]
            for f in dataclasses.fields(settings_class) if METADATA in f.metadata}


def _attributes(settings_class) -> dict[str, str]:
    return {f.metadata[METADATA].name: f.name
            for f in dataclasses.fields(settings_class) if METADATA in f.metadata}


def _refusal(declared: Variable, value: str, messages) -> str:
    expected = " ".join(messages) if isinstance(messages, list) else str(messages)
    shown = "(value not shown: it is a secret)" if declared.secret else f"got {value!r}"
    return f"environment variable {declared.name} must be {expected}, {shown}"


def probable_typos(settings_class, env: Mapping[str, str]) -> list[str]:
    """One line per set name that begins like ours (ADMIN_, RATELIMIT_, ...) but is not ours."""
    known = [*variables_of(settings_class), *READ_ELSEWHERE]
    prefixes = {name.split("_")[0] + "_" for name in known if "_" in name}
    return [_typo(name, known) for name in sorted(env) if name not in (*known, *OTHERS)
            and name.split("_")[0] + "_" in prefixes]


def _typo(name: str, known: list[str]) -> str:
    prefix = name.split("_")[0] + "_"
    guess = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f"did you mean {guess[0]}? " if guess else ""
    family = ", ".join(sorted(k for k in known if k.startswith(prefix)))
    return (f"environment variable {name} is not read by this server (probable typo): "
            f"{hint}the {prefix} variables that exist: {family}")


class Flag(fields.Boolean):
    """true/false as people write them; anything else (`ture`) is refused, never off."""

    default_error_messages = {"invalid": "true or false (also 1/0, yes/no, on/off)"}


class Number(fields.Field):
    """A finite number above 0 (or from 0 with `zero_ok`), int or float."""

    def __init__(self, kind=int, zero_ok: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.kind, self.zero_ok = kind, zero_ok

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            number = self.kind(value)
        except (TypeError, ValueError):
            number = None
        if number is None or not math.isfinite(number) or number < 0 or (
                number == 0 and not self.zero_ok):
            raise ValidationError(f"a {'non-negative' if self.zero_ok else 'positive'} "
                                  f"{'integer' if self.kind is int else 'number'}")
        return number


class Port(Number):
    def _deserialize(self, value, attr, data, **kwargs):
        port = super()._deserialize(value, attr, data, **kwargs)
        if port > 65535:
            raise ValidationError("a TCP port from 1 to 65535")
        return port


class Choice(fields.Field):
    """One of `choices`, matched without regard to case; the value as `choices` spell it."""

    def __init__(self, choices: tuple[str, ...], **kwargs):
        super().__init__(**kwargs)
        self.choices = choices

    def _deserialize(self, value, attr, data, **kwargs):
        found = [c for c in self.choices if c.casefold() == str(value).strip().casefold()]
        if not found:
            raise ValidationError(f"one of {', '.join(self.choices)}")
        return found[0]


class RateLimits(fields.Field):
    """`limits` notation, checked by `limits` itself (kept as text: Flask-Limiter reads it)."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            parse_many(value)
        except ValueError:
            raise ValidationError("rate limits in `limits` notation, `;` between limits, "
                                  "e.g. '20/minute;500/day'") from None
        return value


class FilePath(fields.Field):
    def _deserialize(self, value, attr, data, **kwargs):
        return Path(value)
