"""The SQLite write gate's benefit: booking latency with the gate and with SQLite's busy handler.

Usage: .venv/bin/python -m bench.write_gate [--seconds S] [--rounds N] [--out bench/write_gate.json]

The shape of the served app (config/gunicorn.conf.py: cores + 1 worker processes x 4 threads),
without HTTP: each process opens its own SqliteRepository on one temporary database and each
thread books as fast as it can (uncapped slots, so every call writes), timing every call.
Variant `gate` is the engine as shipped; variant `busy_handler` is the same engine with the
gate replaced by nothing, so writers that find the database locked sleep in SQLite's busy
handler (the connection's timeout) instead of queueing. The variants alternate round by round
on fresh databases, so a host that slows down mid-run hits both; the figures are the median of
the per-round p50/p99 and of the per-round ratio busy_handler p99 / gate p99. With the gate, a
third writer of a process that finds the queue stuck hears 503 at once (as a served booking
would): those calls are counted (`refused_503`), not timed with the bookings.
"""

import argparse
import json
import multiprocessing
import os
import statistics
import tempfile
import threading
import time
import uuid
from contextlib import nullcontext
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from app.domain.errors import StoreUnavailable
from app.domain.model import Appointment, Slot
from app.storage.sqlite import SqliteRepository

ROOT = Path(__file__).resolve().parent.parent

PROCESSES = (os.cpu_count() or 1) + 1
THREADS = 4
VARIANTS = ("gate", "busy_handler")
FIRST_DAY = date(2030, 1, 1)
TARGET_RATIO = 1.5      # p99 with the busy handler only / p99 with the gate


class NoGate:
    """What the engine would be without its gate: straight into BEGIN IMMEDIATE."""

    def hold(self):
        return nullcontext(time.monotonic() + 10)   # the deadline a gate yields


def booker(path: Path, variant: str, process: int, seconds: float, queue) -> None:
    """One worker process: THREADS threads booking for `seconds`; puts their latencies (ms)."""
    repo = SqliteRepository(path, busy_timeout=10)
    if variant == "busy_handler":
        repo._gate = NoGate()
    latencies, refused, stop_at = [], [], time.monotonic() + seconds

    def run(thread: int) -> None:
        n = 0
        while time.monotonic() < stop_at:
            slot = Slot("bench", "Bench Hospital", FIRST_DAY + timedelta(days=n % 300),
                        f"{9 + thread:02d}:{process:02d}", 10**9)
            started = time.perf_counter()
            try:
                repo.book(slot, appointment(slot, n), "h")
            except StoreUnavailable:    # the gate's cap: a third writer of a process hears 503
                refused.append((time.perf_counter() - started) * 1000)
            else:
                latencies.append((time.perf_counter() - started) * 1000)
            n += 1

    threads = [threading.Thread(target=run, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    queue.put((latencies, refused))


def appointment(slot: Slot, n: int) -> Appointment:
    return Appointment(uuid.uuid4().hex, slot.hospital_id, slot.hospital_name, slot.date,
                       slot.time, "booked", "Bench", f"+1555{n:09d}", None, None, None,
                       datetime.now(UTC))


def run_round(workdir: Path, variant: str, seconds: float) -> dict:
    path = workdir / f"{variant}-{uuid.uuid4().hex[:8]}.sqlite3"
    SqliteRepository(path).close()
    queue = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=booker, args=(path, variant, p, seconds, queue))
               for p in range(PROCESSES)]
    for worker in workers:
        worker.start()
    answers = [queue.get(timeout=seconds + 60) for _ in workers]
    for worker in workers:
        worker.join()
    latencies = sorted(ms for booked, _ in answers for ms in booked)
    return {"bookings_per_s": round(len(latencies) / seconds),
            "refused_503": sum(len(refused) for _, refused in answers),
            "p50_ms": round(percentile(latencies, 50), 2),
            "p99_ms": round(percentile(latencies, 99), 2),
            "p999_ms": round(percentile(latencies, 99.9), 2),
            "max_ms": round(latencies[-1], 2)}


def percentile(ordered: list[float], p: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


def summarize(rounds: list[dict]) -> dict:
    out = {variant: {figure: statistics.median(r[variant][figure] for r in rounds)
                     for figure in rounds[0][variant]} for variant in VARIANTS}
    ratios = [r["busy_handler"]["p99_ms"] / r["gate"]["p99_ms"] for r in rounds]
    out["p99_busy_handler_over_gate"] = round(statistics.median(ratios), 2)
    out["p999_busy_handler_over_gate"] = round(statistics.median(
        r["busy_handler"]["p999_ms"] / r["gate"]["p999_ms"] for r in rounds), 2)
    out["ratios_per_round"] = [round(x, 2) for x in ratios]
    out["target"] = f">= {TARGET_RATIO}"
    out["pass"] = out["p99_busy_handler_over_gate"] >= TARGET_RATIO
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "write_gate.json")
    args = parser.parse_args()
    print(f"write gate: {PROCESSES} processes x {THREADS} threads booking, "
          f"{args.rounds} rounds x {args.seconds:g} s per variant", flush=True)
    rounds = []
    with tempfile.TemporaryDirectory(prefix="bench-gate-") as tmp:
        for r in range(args.rounds):
            rounds.append({variant: run_round(Path(tmp), variant, args.seconds)
                           for variant in VARIANTS})
            for variant in VARIANTS:
                print(f"  round {r + 1} {variant:<12} {rounds[-1][variant]}", flush=True)
    result = {"measured": datetime.now(UTC).isoformat(timespec="seconds"),
              "processes": PROCESSES, "threads": THREADS, "rounds": rounds,
              **summarize(rounds)}
    gate, busy = result["gate"], result["busy_handler"]
    print(f"write gate: p99 / p99.9 {gate['p99_ms']} / {gate['p999_ms']} ms with the gate, "
          f"{busy['p99_ms']} / {busy['p999_ms']} ms with the busy handler only: p99 "
          f"x{result['p99_busy_handler_over_gate']} (target {result['target']}), p99.9 "
          f"x{result['p999_busy_handler_over_gate']} "
          f"{'PASS' if result['pass'] else 'MISS'}; refused (503) per round "
          f"{gate['refused_503']} with the gate, {busy['refused_503']} without")
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
