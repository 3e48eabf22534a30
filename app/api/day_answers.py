"""Day availability for pages that poll it: answered from a per-process copy, ahead of Flask.

Every open booking page and staff board asks for its day once a second. Through Flask each
ask costs ~1.3 ms of CPU (routing, telemetry, the store, JSON); 500 pages watching one day
then took most of the booking throughput on two cores (bench/live.py). So each worker process
keeps a day's last answer for `fresh_s` and answers the other asks of that day from memory:
304 while the asker's If-None-Match still matches, else the kept 200. A page learns of a
change at most `fresh_s` later; bookings never read this copy, the transaction decides.

Answers from memory count toward the read limit (RATELIMIT_READ) per client address in this
worker (app.api.rate_limits.WorkerReadLimit): past it, 429 {error, retry_after} with
Retry-After, as the limiter answers; a request with credentials goes to the app instead, where
the limiter decides (staff are exempt).
"""

import json
import re
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from app.api.rate_limits import WorkerReadLimit
from app.telemetry.logs import sane_request_id
from app.telemetry.metrics import DAY_ANSWERS_FROM_MEMORY

DAY_PATH = re.compile(r"/api/hospitals/[^/]+/availability")
# Entries live `fresh_s`; past this many, expired ones are dropped (odd query strings or
# origins cannot grow the dict for long).
PRUNE_ABOVE = 256
NOT_REPLAYED = {"content-length", "x-request-id"}
NOT_IN_304 = {"content-type"}
# What a refusal keeps of the kept answer's headers: the browser must still be let to read it.
KEPT_ON_REFUSAL = ("access-control-", "vary", "x-content-type-options", "referrer-policy")


@dataclass(frozen=True)
class KeptAnswer:
    headers: list[tuple[str, str]]
    body: bytes
    etag: str
    expires: float


class DayAnswers:
    """WSGI middleware around the app: keeps day-availability 200s for `fresh_s` seconds."""

    def __init__(self, app, fresh_s: float, clock: Callable[[], float] = time.monotonic,
                 read_limit: WorkerReadLimit | None = None):
        self.app, self.fresh_s, self.clock = app, fresh_s, clock
        self.read_limit = read_limit
        self.kept: dict[tuple, KeptAnswer] = {}

    def __call__(self, environ, start_response) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "GET" or not DAY_PATH.fullmatch(
                environ.get("PATH_INFO", "")):
            return self.app(environ, start_response)
        key = (environ["PATH_INFO"], environ.get("QUERY_STRING", ""), environ.get("HTTP_ORIGIN"))
        kept = self.kept.get(key)
        if kept is not None and kept.expires > self.clock():
            return self._from_memory(key, kept, environ, start_response)
        return self._ask_app(key, environ, start_response)

    def _from_memory(self, key, kept: KeptAnswer, environ, start_response) -> Iterable[bytes]:
        """The kept answer while the asker is within the read limit; past it, 429."""
        wait = self.read_limit and self.read_limit.retry_after(environ.get("REMOTE_ADDR", ""))
        if not wait:
            return self._replay(kept, environ, start_response)
        if "HTTP_AUTHORIZATION" in environ:      # staff are exempt: the limiter knows the key
            return self._ask_app(key, environ, start_response)
        return self._refuse(kept, wait, environ, start_response)

    def _refuse(self, kept: KeptAnswer, wait: int, environ, start_response) -> list[bytes]:
        body = json.dumps({"error": "Too many requests", "retry_after": wait}).encode()
        request_id = sane_request_id(environ.get("HTTP_X_REQUEST_ID", "")) or uuid.uuid4().hex
        start_response("429 TOO MANY REQUESTS", [
            *[(k, v) for k, v in kept.headers if k.lower().startswith(KEPT_ON_REFUSAL)],
            ("Content-Type", "application/json"), ("Content-Length", str(len(body))),
            ("Retry-After", str(wait)), ("X-Request-ID", request_id)])
        DAY_ANSWERS_FROM_MEMORY.labels("429").inc()
        return [body]

    def _ask_app(self, key, environ, start_response) -> Iterable[bytes]:
        """The app's full answer (no If-None-Match), kept when it is a 200 with an ETag."""
        asked = {k: v for k, v in environ.items() if k != "HTTP_IF_NONE_MATCH"}
        answer = {}

        def capture(status, headers, exc_info=None):
            answer.update(status=status, headers=headers)

        body = _read(self.app(asked, capture))
        etag = dict((k.lower(), v) for k, v in answer["headers"]).get("etag")
        if not (answer["status"].startswith("200") and etag):
            start_response(answer["status"], answer["headers"])
            return [body]
        kept = KeptAnswer([(k, v) for k, v in answer["headers"] if k.lower() != "x-request-id"],
                          body, etag, self.clock() + self.fresh_s)
        self._keep(key, kept)
        return self._answer(kept, environ, start_response,
                            _header(answer["headers"], "X-Request-ID"))

    def _keep(self, key, kept: KeptAnswer) -> None:
        if len(self.kept) >= PRUNE_ABOVE:
            now = self.clock()
            self.kept = {k: v for k, v in self.kept.items() if v.expires > now}
        self.kept[key] = kept

    def _replay(self, kept: KeptAnswer, environ, start_response) -> Iterable[bytes]:
        request_id = sane_request_id(environ.get("HTTP_X_REQUEST_ID", "")) or uuid.uuid4().hex
        answered = self._answer(kept, environ, start_response, request_id)
        DAY_ANSWERS_FROM_MEMORY.labels("304" if answered == [b""] else "200").inc()
        return answered

    def _answer(self, kept: KeptAnswer, environ, start_response, request_id) -> list[bytes]:
        """304 when the asker already holds this answer, else the 200 with its body."""
        headers = [(k, v) for k, v in kept.headers if k.lower() not in NOT_REPLAYED]
        headers.append(("X-Request-ID", request_id))
        held = _etags(environ.get("HTTP_IF_NONE_MATCH", ""))
        if kept.etag in held or "*" in held:
            start_response("304 NOT MODIFIED",
                           [(k, v) for k, v in headers if k.lower() not in NOT_IN_304])
            return [b""]
        start_response("200 OK", [*headers, ("Content-Length", str(len(kept.body)))])
        return [kept.body]


def _read(iterable: Iterable[bytes]) -> bytes:
    try:
        return b"".join(iterable)
    finally:
        close = getattr(iterable, "close", None)
        if close:
            close()


def _header(headers: list[tuple[str, str]], name: str) -> str:
    return next((v for k, v in headers if k.lower() == name.lower()), uuid.uuid4().hex)


def _etags(if_none_match: str) -> set[str]:
    """The entity tags of an If-None-Match header ("*" matches any)."""
    tags = {tag.strip() for tag in if_none_match.split(",") if tag.strip()}
    return tags | {tag.removeprefix("W/") for tag in tags}
