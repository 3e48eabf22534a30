"""The admin commands as an operator runs them, in a process of their own: the console script
installed into .venv (`hospital-booking ...`), or `python -m flask --app app ...`."""

import subprocess
import sys
from pathlib import Path

from harness.server import ROOT

#: The console script `make run` / `make test` install next to the venv's python.
ADMIN_SCRIPT = Path(sys.executable).parent / "hospital-booking"
#: A PATH without the venv: the script must not depend on an activated venv.
PLAIN_PATH = "/usr/bin:/bin"


def run_flask(store_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """One admin command against the SQLite store at `store_path` (the server's, if it runs)."""
    return _run([sys.executable, "-m", "flask", "--app", "app", *args], store_path, env)


def run_admin(store_path: Path, *args: str, stdin: str = "", **env: str
              ) -> subprocess.CompletedProcess:
    """`.venv/bin/hospital-booking ARGS` as typed, with no venv on the PATH."""
    return _run([str(ADMIN_SCRIPT), *args], store_path, env, stdin)


def _run(argv: list[str], store_path: Path, env: dict, stdin: str = ""
         ) -> subprocess.CompletedProcess:
    full_env = {"SQLITE_PATH": str(store_path), "PATH": PLAIN_PATH, "LOG_LEVEL": "WARNING",
                **env}
    return subprocess.run(argv, cwd=ROOT, env=full_env, capture_output=True, text=True,
                          input=stdin, timeout=120)
