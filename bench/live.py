"""Live seats under load: booking throughput with 500 pages watching one day, by two designs.

* polling  the pages' design: each page GETs the day with If-None-Match once a second
           (plus up to 100 ms of jitter) on its keep-alive connection; 304 while unchanged;
* sse      Server-Sent Events (bench/sse_app.py): each page holds one stream open; tried with
           the shipped gunicorn threads and with enough threads for every stream.

Bookings: 64 wrk clients spread over every slot of ~340 days of an uncapped hospital; the
watched day is one of them, so it changes several times a second (the pages' worst case:
nearly every poll is a 200 with a body). Each round measures bookings alone, then with the
watchers, back to back, and the ratio is the median of the rounds' ratios (the host is shared).

Usage: .venv/bin/python -m bench.live [--seconds S] [--rounds N] [--watchers N] [--skip-sse]
"""

import argparse
import os
import signal
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench import store, wrk
from harness import server as harness

CLIENTS = 64
WATCH_LEAD_S = 1.5    # watchers connect and settle before the bookings start
APP = harness.APP
WORKERS = (os.cpu_count() or 1) + 1   # config/gunicorn.conf.py's default
SSE_APP = "bench.sse_app:create_app()"

WATCH_POLL = r"""
local etag = nil
function request()
  if etag then
    return wrk.format("GET", DAY_PATH, {["If-None-Match"] = etag})
  end
  return wrk.format("GET", DAY_PATH)
end
function delay()
  return POLL_MS + math.random(0, JITTER_MS)
end
function response(status, headers, body)
  count(status)
  if status == 200 then etag = headers["ETag"] or headers["etag"] end
end
"""

WATCH_SSE = r"""
function request()
  return wrk.format("GET", STREAM_PATH)
end
"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=3, help="length of one booking run")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--watchers", type=int, default=500)
    parser.add_argument("--skip-sse", action="store_true")
    return parser.parse_args()


def bookings(server, days: list[str], run: int, seconds: int) -> wrk.WrkResult:
    lua = wrk.booking_script("spread", RUN=run, HOSPITAL="bench", DAYS=days, TIMES=store.TIMES)
    return wrk.run(server.url, lua, CLIENTS, seconds, server.process.pid)


def watching(server, watch_lua: str, watchers: int, seconds: float, then=None):
    """`watchers` connections watch for `seconds`; `then()` runs once they are all in."""
    watched = {}

    def watch():
        watched["result"] = wrk.run(server.url, watch_lua, watchers, seconds, server.process.pid,
                                    threads=2)

    thread = threading.Thread(target=watch)
    thread.start()
    time.sleep(WATCH_LEAD_S)
    done = then() if then else None
    thread.join()
    return done, watched["result"]


def watch_cost(server, watch_lua: str, args) -> dict:
    """What the watchers alone cost the server: CPU, and what they were answered."""
    _, alone = watching(server, watch_lua, args.watchers, WATCH_LEAD_S + 5)
    return {"server_cpu_pct": alone.server_cpu_pct, "answers": alone.answers,
            "per_second": round(alone.rps, 1), "other_jobs_cpu_pct": alone.other_cpu_pct}


def rounds(server, watch_lua: str, args, days, label: str, n_rounds: int) -> dict:
    """Bookings alone and with watchers, back to back; every other round the other way round,
    so a host that drifts over the run does not favour one side."""
    ratios, alone, watched = [], [], []
    for r in range(n_rounds):
        def with_watchers(r=r):
            booked, _ = watching(server, watch_lua, args.watchers,
                                 WATCH_LEAD_S + args.seconds + 1,
                                 then=lambda: bookings(server, days, 200 + r, args.seconds))
            return booked

        def without(r=r):
            return bookings(server, days, 100 + r, args.seconds)

        first, second = (without, with_watchers) if r % 2 == 0 else (with_watchers, without)
        a, b = first(), second()
        base, with_w = (a, b) if r % 2 == 0 else (b, a)
        alone.append(base.rps)
        watched.append(with_w.rps)
        ratios.append(with_w.rps / base.rps if base.rps else 0.0)
        print(f"  {label} round {r + 1}: bookings alone {base.rps:6.0f}/s, with "
              f"{args.watchers} watchers {with_w.rps:6.0f}/s (ratio {ratios[-1]:.2f}; "
              f"other jobs cpu {max(base.other_cpu_pct, with_w.other_cpu_pct):.0f}%)",
              flush=True)
    return {"alone_rps": statistics.median(alone), "watched_rps": statistics.median(watched),
            "ratio": statistics.median(ratios), "ratios": [round(x, 2) for x in ratios]}


def measure(server, lua, args, days, label, n_rounds) -> dict:
    bookings(server, days, 1, 2)   # warm up every worker
    return {**rounds(server, lua, args, days, label, n_rounds),
            "watchers_alone": watch_cost(server, lua, args)}


def main() -> None:
    args = parse_args()
    # Stopped with SIGTERM, still stop the servers it started (the finally blocks).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    wrk.require_wrk()
    days = [d.isoformat() for d in store.open_days(2, store.HORIZON_DAYS)]
    day_path = f"/api/hospitals/bench/availability?date={days[1]}"
    poll = wrk.script(WATCH_POLL, DAY_PATH=day_path, POLL_MS=1000, JITTER_MS=100)
    sse = wrk.script(WATCH_SSE, STREAM_PATH=day_path.replace("availability?",
                                                              "availability/stream?"))
    designs = [("polling", APP, {}, poll, args.rounds),
               ("polling, no kept copy", APP, {"DAY_ANSWER_FRESH_S": 0}, poll, args.rounds)]
    if not args.skip_sse:
        threads = args.watchers // WORKERS + 20
        designs += [("sse, 4 threads", SSE_APP, {}, sse, 1),
                    (f"sse, {threads} threads", SSE_APP, {"GUNICORN_THREADS": threads}, sse,
                     args.rounds)]
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        config = store.write_config(Path(tmp) / "hospitals.toml", store.BENCH_HOSPITALS)
        for n, (name, app, env, lua, n_rounds) in enumerate(designs):
            server = start(Path(tmp) / str(n), app=app, HOSPITALS_CONFIG=config,
                           workers=WORKERS, **env)
            try:
                results[name] = measure(server, lua, args, days, name, n_rounds)
            finally:
                server.stop()
    report(results, args)


def start(workdir: Path, **options):
    workdir.mkdir()
    return harness.start_server(workdir, **options)


def report(results: dict, args) -> None:
    print(f"\n== Booking throughput with {args.watchers} pages watching one day "
          f"(median of the rounds' ratios; the host is shared, see 'other jobs cpu')")
    for name, r in results.items():
        verdict = "PASS" if r["ratio"] >= 0.8 else "MISS"
        cost = r["watchers_alone"]
        print(f"  {name:<22} alone {r['alone_rps']:6.0f}/s  watched {r['watched_rps']:6.0f}/s"
              f"  ratio {r['ratio']:.2f} (>= 0.80: {verdict}; rounds {r['ratios']})\n"
              f"  {'':<22} watchers alone: server CPU {cost['server_cpu_pct']:.0f}% "
              f"of one core, {cost['per_second']:.0f} answers/s {cost['answers']}")


if __name__ == "__main__":
    main()
