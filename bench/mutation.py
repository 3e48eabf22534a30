"""`make mutate`'s report: the mutation score of the last `mutmut run`, and every survivor.

Usage (from the repository root, after `mutmut run`): .venv/bin/python -m bench.mutation
       .venv/bin/python -m bench.mutation --survivors   # their names, to run them again

Reads mutmut's results (mutants/), and bench/mutation-equivalents.toml, which explains in one
line why a surviving mutant cannot be told apart from the code by any test (an equivalent
mutant). Writes bench/mutation-report.md: counts per module, the score over the mutants that
are not equivalent, and each survivor with its changed lines and its explanation, or
"NOT EXPLAINED" (a missing test). Killed counts timeouts too: a mutant that makes the suite
hang is caught. mutmut's internals are read directly, so `make mutate` pins its version.
"""

import sys
import tomllib
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from mutmut.__main__ import SourceFileMutationData, walk_mutatable_files
from mutmut.mutation.diff_apply import get_diff_for_mutant
from mutmut.stats import status_by_exit_code

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENTS = ROOT / "bench" / "mutation-equivalents.toml"
REPORT = ROOT / "bench" / "mutation-report.md"
CAUGHT = {"killed", "timeout", "caught by type check"}
MISSED = {"survived", "no tests"}


def results() -> dict[str, dict[str, str]]:
    """Status of every mutant, per source file."""
    by_file = {}
    for path in walk_mutatable_files():
        data = SourceFileMutationData(path=path)
        data.load()
        by_file[str(path)] = {name: status_by_exit_code[code]
                              for name, code in data.exit_code_by_key.items()}
    return by_file


def changed_lines(name: str, path: str) -> list[str]:
    diff = get_diff_for_mutant(name, path=path).splitlines()
    return [line for line in diff[2:] if line[:1] in "+-"]


def module_rows(by_file: dict[str, dict[str, str]], equivalent: dict) -> list[str]:
    rows = ["| Module | Mutants | Killed | Survived | No tests | Equivalent | Not checked |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for path, statuses in sorted(by_file.items()):
        if not statuses:
            continue
        counts = Counter(statuses.values())
        equal = sum(1 for name, status in statuses.items()
                    if status in MISSED and name in equivalent)
        rows.append(f"| `{path}` | {len(statuses)} | {sum(counts[s] for s in CAUGHT)} | "
                    f"{counts['survived']} | {counts['no tests']} | {equal} | "
                    f"{counts['not checked']} |")
    return rows


def score(by_file: dict[str, dict[str, str]], equivalent: dict) -> dict:
    statuses = {name: s for per_file in by_file.values() for name, s in per_file.items()}
    counts = Counter(statuses.values())
    killed = sum(counts[s] for s in CAUGHT)
    equal = sum(1 for name, s in statuses.items() if s in MISSED and name in equivalent)
    judged = killed + sum(counts[s] for s in MISSED) - equal
    return {"total": len(statuses), "killed": killed, "survived": counts["survived"],
            "no_tests": counts["no tests"], "equivalent": equal,
            "not_checked": counts["not checked"],
            "other": len(statuses) - killed - sum(counts[s] for s in MISSED)
            - counts["not checked"],
            "score": killed / judged if judged else 0.0,
            "raw_score": killed / len(statuses) if statuses else 0.0}


def survivor_sections(by_file: dict[str, dict[str, str]], equivalent: dict) -> list[str]:
    lines = []
    for path, statuses in sorted(by_file.items()):
        missed = [name for name, status in statuses.items() if status in MISSED]
        if not missed:
            continue
        lines += ["", f"### `{path}`", ""]
        for name in missed:
            reason = equivalent.get(name, "**NOT EXPLAINED**")
            lines.append(f"- `{name.split('.')[-1]}` ({statuses[name]}): {reason}")
            lines += [f"  `{line.strip()}`" for line in changed_lines(name, path)[:4]]
    return lines


def report(by_file: dict[str, dict[str, str]], equivalent: dict) -> str:
    s = score(by_file, equivalent)
    head = [
        "# Mutation report", "",
        f"Written by `make mutate` ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC): mutmut over "
        "`app/domain`, `app/service` and `app/storage`, judged by `tests/unit`, "
        "`tests/integration` and `tests/contract` (no e2e servers; Mongo variants that need a "
        "replica set are skipped, as in `make test` here).", "",
        f"**Score: {s['score']:.1%} of the non-equivalent mutants killed** "
        f"({s['killed']} killed of {s['total']} mutants; {s['survived']} survived and "
        f"{s['no_tests']} reached by no test, of which {s['equivalent']} are equivalent; "
        f"{s['not_checked']} not checked, {s['other']} other). "
        f"Raw score (killed / all): {s['raw_score']:.1%}.", "",
        *module_rows(by_file, equivalent), "",
        "## Survivors", "",
        "Each mutant that no test kills, with the lines it changes and why it is equivalent "
        "(no test can tell it from the code), from `bench/mutation-equivalents.toml`.",
    ]
    return "\n".join(head + survivor_sections(by_file, equivalent)) + "\n"


def main() -> None:
    if sys.argv[1:] == ["--survivors"]:
        # mutmut keeps a cached verdict; survivors are run again by name after tests change.
        print(" ".join(name for per_file in results().values()
                       for name, status in per_file.items() if status in MISSED))
        return
    equivalent = tomllib.loads(EQUIVALENTS.read_text(encoding="utf-8")) \
        if EQUIVALENTS.exists() else {}
    by_file = results()
    REPORT.write_text(report(by_file, equivalent), encoding="utf-8")
    s = score(by_file, equivalent)
    print(f"mutation score {s['score']:.1%} ({s['killed']} killed, {s['survived']} survived, "
          f"{s['no_tests']} no tests, {s['equivalent']} equivalent, {s['total']} mutants); "
          f"wrote {REPORT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
