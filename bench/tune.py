"""Grid of gunicorn settings under the bench's throughput scenarios (how the defaults were chosen).

Usage: .venv/bin/python -m bench.tune [--grid 2x4,3x2,...] [--seconds 3] [--repeat 2]
       [--env NAME=VALUE ...] [--scenarios read,spread,unguarded,hot_slot] [--out FILE]

Each WORKERSxTHREADS pair gets a fresh server (config/gunicorn.conf.py with WEB_CONCURRENCY and
GUNICORN_THREADS set); `--env` passes extra environment to the server (e.g. GUNICORN_CMD_ARGS).
"""

import argparse
import json
import statistics
import tempfile
from pathlib import Path

from bench import store, wrk
from harness.server import APP, NAIVE_APP, start_server


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--grid", default="2x1,2x2,2x4,2x8,3x1,3x2,3x4,3x8,4x2,4x4,5x2,5x8")
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--env", action="append", default=[])
    parser.add_argument("--scenarios", default="read,spread,hot_slot")
    parser.add_argument("--out", type=Path)
    return parser.parse_args()


def scripts(run: int) -> dict:
    days = [d.isoformat() for d in store.open_days(2, store.HORIZON_DAYS)]
    spread = {"HOSPITAL": "bench", "DAYS": days[1:], "TIMES": store.TIMES, "RUN": run}
    hot = {"HOSPITAL": "bench", "DAYS": days[:1], "TIMES": [store.TIMES[run % 16]], "RUN": run}
    return {"read": wrk.read_script(), "spread": wrk.booking_script("spread", **spread),
            "unguarded": wrk.booking_script("spread", **spread),
            "hot_slot": wrk.booking_script("hot", **hot)}


def measure(workers: int, threads: int, args, env: dict) -> dict:
    names = args.scenarios.split(",")
    runs = {name: [] for name in names}
    with tempfile.TemporaryDirectory(prefix="tune-") as tmp:
        tmp = Path(tmp)
        config = store.write_config(tmp / "hospitals.toml", store.BENCH_HOSPITALS)
        servers = {}
        for app in {APP: 1, **({NAIVE_APP: 1} if "unguarded" in names else {})}:
            (tmp / str(len(servers))).mkdir()
            servers[app] = start_server(tmp / str(len(servers)), app=app, workers=workers,
                                        HOSPITALS_CONFIG=config, GUNICORN_THREADS=threads,
                                        **env)
        try:
            for server in servers.values():
                wrk.run(server.url, scripts(9)["spread"], args.clients, 1)
            for r in range(args.repeat):
                lua = scripts(r + 1)
                for name in names:
                    server = servers[NAIVE_APP if name == "unguarded" else APP]
                    runs[name].append(wrk.run(server.url, lua[name], args.clients,
                                              args.seconds, server.process.pid))
        finally:
            for server in servers.values():
                server.stop()
    return {name: {"rps": round(sum(r.requests for r in rs) / sum(r.duration_s for r in rs)),
                   "p50_ms": statistics.median(r.p50_ms for r in rs),
                   "p99_ms": max(r.p99_ms for r in rs),
                   "server_cpu_pct": round(statistics.mean(r.server_cpu_pct for r in rs)),
                   "other_cpu_pct": round(max(r.other_cpu_pct for r in rs))}
            for name, rs in runs.items()}


def main() -> None:
    args = parse_args()
    wrk.require_wrk()
    env = dict(item.split("=", 1) for item in args.env)
    table = {}
    names = args.scenarios.split(",")
    print(f"{'WxT':<6}" + "".join(f"{n + ' rps':>15}{'p50':>7}{'p99':>8}" for n in names)
          + (f"{'spread/read':>12}{'hot/read':>9}" if "read" in names else "") + "  other cpu",
          flush=True)
    for pair in args.grid.split(","):
        workers, threads = map(int, pair.split("x"))
        row = table[pair] = measure(workers, threads, args, env)
        line = f"{pair:<6}" + "".join(
            f"{row[n]['rps']:>15}{row[n]['p50_ms']:>7.1f}{row[n]['p99_ms']:>8.1f}" for n in names)
        if "read" in names:
            read = row["read"]["rps"]
            line += "".join(f"{row[n]['rps'] / read:>{w}.2f}"
                            for n, w in (("spread", 12), ("hot_slot", 9)) if n in names)
        print(line + f"  {max(v['other_cpu_pct'] for v in row.values())}%", flush=True)
    if args.out:
        args.out.write_text(json.dumps({"env": env, "clients": args.clients, "grid": table},
                                       indent=2) + "\n")


if __name__ == "__main__":
    main()
