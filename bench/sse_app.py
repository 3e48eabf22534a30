"""Bench only: the app plus a Server-Sent Events stream of one day's availability.

The alternative to conditional polling that `python -m bench.live` measures (and that lost):
each worker process polls the store once per FEED_INTERVAL_S per watched day in one thread
and wakes every open stream of that day when the answer changes. gunicorn's gthread worker
gives each open stream a thread of its own for as long as it stays open.
"""

import json
import threading
import time

from flask import Response, request

from app import create_app as create_booking_app
from app.api.answers import DayAvailability
from app.api.schemas import DayQuerySchema, load
from app.wiring import booking_service

FEED_INTERVAL_S = 0.5
DAY_ANSWER = DayAvailability()
# Short, so a stream whose page left frees its thread soon (it notices only when writing).
KEEPALIVE_S = 2.0


class DayFeed:
    """The latest answer for one day in this process, and a condition to wait for the next."""

    def __init__(self, app, hospital: str, day):
        self.changed = threading.Condition()
        self.version, self.body = 0, None
        self._app, self._hospital, self._day = app, hospital, day
        threading.Thread(target=self._poll, daemon=True).start()

    def _poll(self) -> None:
        with self._app.app_context():
            while True:
                answer = booking_service().day_availability(self._hospital, self._day)
                body = json.dumps(DAY_ANSWER.dump(answer))
                if body != self.body:
                    with self.changed:
                        self.version, self.body = self.version + 1, body
                        self.changed.notify_all()
                time.sleep(FEED_INTERVAL_S)

    def next_after(self, seen: int) -> tuple[int, str | None]:
        with self.changed:
            self.changed.wait_for(lambda: self.version != seen, KEEPALIVE_S)
            return self.version, self.body


def create_app():
    app = create_booking_app()
    feeds, lock = {}, threading.Lock()

    def feed(hospital: str, day) -> DayFeed:
        with lock:
            if (hospital, day) not in feeds:
                feeds[hospital, day] = DayFeed(app, hospital, day)
            return feeds[hospital, day]

    @app.get("/api/hospitals/<hospital>/availability/stream")
    def day_stream(hospital: str):
        day_feed = feed(hospital, load(DayQuerySchema(), request.args.to_dict())["date"])

        def events():
            seen = 0
            while True:
                version, body = day_feed.next_after(seen)
                yield f"data: {body}\n\n" if version != seen else ": keep-alive\n\n"
                seen = version

        return Response(events(), mimetype="text/event-stream",
                        headers={"Cache-Control": "no-cache"})

    return app
