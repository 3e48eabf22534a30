"""Storms: many threads, released together by a barrier, each on its own HTTP connection."""

import functools
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import requests

from app.config import Settings
from app.config.hospitals import load_hospitals

DHAKA = ZoneInfo("Asia/Dhaka")
FRIDAY = 4


@dataclass
class Outcome:
    statuses: Counter = field(default_factory=Counter)
    bodies: list = field(default_factory=list)

    def count(self, status: int) -> int:
        return self.statuses[status]

    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


def open_day(offset: int) -> date:
    """A day the shipped hospitals are open (no Friday, no fixed closed date), `offset` or more
    days after today in Dhaka."""
    day = datetime.now(DHAKA).date() + timedelta(days=offset)
    while day.weekday() == FRIDAY or day in _shipped_closed_dates():
        day += timedelta(days=1)
    return day


@functools.cache
def _shipped_closed_dates() -> set[date]:
    hospitals = load_hospitals(Settings().hospitals_config).all()
    return {day for h in hospitals for day, _ in h.closed_dates}


def booking(hospital: str, day: date, time: str, n: int) -> dict:
    return {"hospital": hospital, "date": day.isoformat(), "appointment_time": time,
            "patient_name": f"Patient {n}", "patient_phone": f"+88017{n:08d}"}


def storm(url: str, bodies_per_client: list[list[dict]], timeout: float = 30) -> Outcome:
    """Each client POSTs its booking bodies in order; all clients start at the same instant."""
    return race(url, [[{"method": "POST", "path": "/api/appointments", "json": body}
                       for body in bodies] for bodies in bodies_per_client], timeout)


def race(url: str, calls_per_client: list[list[dict]], timeout: float = 30) -> Outcome:
    """Each client makes its calls ({method, path, json, headers}) in order, released together."""
    outcome, lock = Outcome(), threading.Lock()
    barrier = threading.Barrier(len(calls_per_client))

    def client(calls):
        with requests.Session() as session:
            barrier.wait()
            for call in calls:
                response = session.request(call["method"], url + call["path"],
                                           json=call.get("json"), headers=call.get("headers"),
                                           timeout=timeout)
                with lock:
                    outcome.statuses[response.status_code] += 1
                    outcome.bodies.append(response.json())

    threads = [threading.Thread(target=client, args=(calls,)) for calls in calls_per_client]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcome


def run_together(fn, n: int) -> list:
    """fn(0) .. fn(n-1) from n threads released at once: each result, or the exception raised."""
    barrier, results = threading.Barrier(n), [None] * n

    def call(i):
        barrier.wait()
        try:
            results[i] = fn(i)
        except Exception as exc:  # the caller asserts on what was raised
            results[i] = exc

    threads = [threading.Thread(target=call, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def slot_url(url: str, hospital: str, day: date, time: str) -> str:
    return f"{url}/api/appointments/availability/{hospital}/{day.isoformat()}/{time}"


def availability(url: str, hospital: str, day: date, time: str) -> dict:
    return requests.get(slot_url(url, hospital, day, time), timeout=10).json()
