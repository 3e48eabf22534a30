"""`make bench-compare REF=<commit>`: this tree's server against another commit's, in one run.

A refactoring must not cost throughput, and two separate `make bench` runs on a shared host
differ by more than most refactorings could. Here both servers run side by side (each its own
gunicorn, store and port), and every round runs each scenario against the old server, then the
new one, back to back, so a host that slows down during the run slows both. Figures: requests per
second per scenario and side, and new ÷ old per round, with the median over the rounds.

Usage: .venv/bin/python -m bench.compare --ref main [--rounds 6] [--seconds 3]
"""

import argparse
import json
import statistics
import subprocess
import tempfile
from pathlib import Path

from bench import run, store, wrk
from harness.server import APP, ROOT, start_server


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ref", default="HEAD~1", help="the commit to compare against")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seconds", type=int, default=3, help="length of one timed run")
    parser.add_argument("--out", default="bench/compare.json")
    return parser.parse_args()


def export_tree(ref: str, target: Path) -> Path:
    """The files of `ref` (as `git archive` gives them) in `target`."""
    target.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def scenarios(day: str, spread_days: list[str], r: int) -> list[tuple[str, str]]:
    """One round's scenarios (name, wrk script), as bench.run names them."""
    spread = {"HOSPITAL": "bench", "DAYS": spread_days, "TIMES": store.TIMES}
    hot = {"HOSPITAL": "bench", "DAYS": [day], "TIMES": [store.TIMES[r % 16]]}
    full = {"HOSPITAL": run.RUSH_HOSPITAL, "DAYS": [day], "TIMES": [run.RUSH_TIME]}
    return [("read", wrk.read_script()),
            ("spread", wrk.booking_script("spread", RUN=r + 1, **spread)),
            ("hot_slot", wrk.booking_script("hot", RUN=r + 1, **hot)),
            ("slot_read", wrk.availability_script(
                "slot", HOSPITALS=[run.RUSH_HOSPITAL], DAYS=[day], TIMES=[run.RUSH_TIME])),
            ("rush", wrk.booking_script("hot", RUN=r + 1, **full))]


def alternate(servers: dict, days: list[str], args) -> dict:
    """rps[scenario][side] per round, old then new for each scenario."""
    rps: dict = {}
    for r in range(args.rounds):
        for name, lua in scenarios(days[0], days[1:], r):
            for side, server in servers.items():
                result = wrk.run(server.url, lua, run.CLIENTS, args.seconds, server.process.pid)
                rps.setdefault(name, {}).setdefault(side, []).append(round(result.rps, 1))
                print(f"  round {r + 1} {name:<10} {side:<4} {result.rps:8.0f} req/s  "
                      f"other jobs cpu {result.other_cpu_pct:3.0f}%", flush=True)
    return rps


def figures(rps: dict) -> dict:
    out = {}
    for name, sides in rps.items():
        ratios = [n / o for o, n in zip(sides["old"], sides["new"], strict=True) if o]
        out[name] = {"old_rps_median": statistics.median(sides["old"]),
                     "new_rps_median": statistics.median(sides["new"]),
                     "new_over_old_per_round": [round(x, 3) for x in ratios],
                     "new_over_old_median": round(statistics.median(ratios), 3)}
    return out


def start_both(workdir: Path, old_root: Path, config: Path, day: str) -> dict:
    servers = {}
    for side, root in (("old", old_root), ("new", ROOT)):
        (workdir / side).mkdir()
        servers[side] = start_server(workdir / side, app=APP, root=root, HOSPITALS_CONFIG=config)
        run.cold_start(servers[side].url, day)
        run.fill_slot(servers[side].url, day)
    return servers


def main() -> None:
    args = parse_args()
    wrk.require_wrk()
    days = [d.isoformat() for d in store.open_days(2, store.HORIZON_DAYS)]
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        old_root = export_tree(args.ref, workdir / "old-tree")
        config = store.write_config(workdir / "hospitals.toml", store.BENCH_HOSPITALS)
        servers = start_both(workdir, old_root, config, days[0])
        try:
            result = {"ref": args.ref, "rounds": args.rounds, "seconds": args.seconds,
                      "scenarios": figures(alternate(servers, days, args))}
        finally:
            for server in servers.values():
                server.stop()
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    for name, f in result["scenarios"].items():
        print(f"{name:<10} old {f['old_rps_median']:8.0f}  new {f['new_rps_median']:8.0f}  "
              f"new/old median {f['new_over_old_median']:.3f}  "
              f"rounds {f['new_over_old_per_round']}")


if __name__ == "__main__":
    main()
