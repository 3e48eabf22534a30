"""The admin commands as an operator runs them: `python -m flask --app app ...` in a process."""

import subprocess
import sys
from pathlib import Path

from harness.server import ROOT


def run_flask(store_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """One admin command against the SQLite store at `store_path` (the server's, if it runs)."""
    full_env = {"SQLITE_PATH": str(store_path), "PATH": "/usr/bin:/bin", "LOG_LEVEL": "WARNING",
                **env}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT,
                          env=full_env, capture_output=True, text=True, timeout=120)
