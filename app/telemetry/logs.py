"""Structured log lines: JSON or key=value (LOG_FORMAT), each tagged with its request id.

Fields are passed with `extra={...}`; a line never carries request bodies, headers or
query strings, so patient names, phones, emails and tokens cannot reach the log.
"""

import json
import logging
import re
import time
import uuid

from flask import g, has_request_context, request

FORMATS = ("kv", "json")
# Attributes every LogRecord has; anything else on a record came in through `extra`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_BARE = re.compile(r"^[^\s\"=]+$")
_DOCUMENT_QUOTE = re.compile(r"dup key:|full error:|keyValue", re.IGNORECASE)


class StructuredFormatter(logging.Formatter):
    """One line per record: `ts level logger msg` and the record's extra fields."""

    converter = time.gmtime

    def __init__(self, style: str = "kv"):
        super().__init__()
        self._render = _json_line if style == "json" else _kv_line

    def format(self, record: logging.LogRecord) -> str:
        fields = {"ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{record.msecs:03.0f}Z",
                  "level": record.levelname, "logger": record.name, "msg": record.getMessage()}
        fields.update((k, v) for k, v in vars(record).items() if k not in _STANDARD)
        if record.exc_info:
            fields["exception"] = self.formatException(record.exc_info)
        return self._render(fields)


class RequestIdFilter(logging.Filter):
    """Adds the current request's id to every record logged while serving it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context() and "request_id" in g and not hasattr(record, "request_id"):
            record.request_id = g.request_id
        return True


def configure_logging(level: str, style: str) -> None:
    """Route the root logger through one structured handler on stderr (replacing the one an
    earlier app made; other handlers, such as pytest's, stay)."""
    handler = logging.StreamHandler()
    handler.setFormatter(StructuredFormatter(style))
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    for earlier in [h for h in root.handlers if isinstance(h.formatter, StructuredFormatter)]:
        root.removeHandler(earlier)
    root.addHandler(handler)
    root.setLevel(level)


def request_id() -> str:
    """The caller's X-Request-ID when it is a sane token, else a new one."""
    return sane_request_id(request.headers.get("X-Request-ID", "")) or uuid.uuid4().hex


def sane_request_id(given: str) -> str | None:
    """`given` if it is a usable X-Request-ID (what a caller sent), else None."""
    return given if _REQUEST_ID.match(given) else None


def _json_line(fields: dict) -> str:
    return json.dumps(fields, default=str, ensure_ascii=False)


def _kv_line(fields: dict) -> str:
    return " ".join(f"{key}={_kv_value(value)}" for key, value in fields.items())


def _kv_value(value) -> str:
    text = "-" if value is None else str(value)
    return text if _BARE.match(text) else json.dumps(text, ensure_ascii=False)


def store_failure_cause(exc: BaseException) -> dict:
    """The driver's exception behind a 503, as log fields: its type and message.

    Driver messages name tables, indexes and servers; MongoDB's may quote a key's values
    (`dup key: {...}`, `full error: {...}`), which are cut off.
    """
    cause = exc.__cause__ or exc
    message = _DOCUMENT_QUOTE.split(str(cause), maxsplit=1)[0].strip()
    return {"cause": f"{type(cause).__module__}.{type(cause).__name__}",
            "cause_message": message[:300]}
