"""Every runnable `sh` block of the README and docs/, as a reader runs them: the README's start
block (`make run` with its staff key) in a scratch checkout, each file's blocks pasted in order
into bash against that server, and the restore block once the server is stopped. The venv is
on no PATH: the commands must work as typed."""

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from harness.server import ROOT, free_port
from tests.support.doc_examples import all_blocks, documents, is_restore, is_start, with_server

pytestmark = pytest.mark.e2e
#: What a scratch checkout needs from the real one for `make run` and the admin commands.
LINKED = ("Makefile", "setup.cfg", "pyproject.toml", "config", ".venv")
VENV_BIN = str(ROOT / ".venv" / "bin")


def plain_path() -> str:
    return ":".join(part for part in os.environ["PATH"].split(":")
                    if part and Path(part).resolve() != Path(VENV_BIN).resolve())


@pytest.fixture
def checkout(tmp_path):
    """A directory that looks like the checkout, so var/ (key, store, backups) is the test's."""
    for name in LINKED:
        (tmp_path / name).symlink_to(ROOT / name)
    # The start block's `make run` would reinstall a stale venv from the scratch directory.
    fresh = subprocess.run(["make", "-q", ".venv/.runtime-installed"], cwd=ROOT)
    assert fresh.returncode == 0, "the venv is stale: run `make .venv/.test-installed` first"
    return tmp_path


class Reader:
    """A shell in the scratch checkout, with the server the README's start block runs."""

    def __init__(self, checkout: Path):
        self.checkout = checkout
        self.port = free_port()
        self.env = {"PATH": plain_path(), "HOME": str(checkout), "HOST": "127.0.0.1",
                    "PORT": str(self.port), "WEB_CONCURRENCY": "2", "LOG_LEVEL": "WARNING"}
        self.server = None

    def start(self, block: str) -> None:
        with open(self.checkout / "server.log", "w") as log:     # the child keeps its copy
            self.server = subprocess.Popen(["bash", "-euo", "pipefail", "-c", block],
                                           cwd=self.checkout, env=self.env, stdout=log,
                                           stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and self.server.poll() is None:
            try:
                requests.get(f"http://127.0.0.1:{self.port}/api/health", timeout=2)
                return
            except requests.ConnectionError:
                time.sleep(0.3)
        raise AssertionError("the start block did not serve: "
                             + (self.checkout / "server.log").read_text()[-3000:])

    def paste(self, blocks: list[str]) -> subprocess.CompletedProcess:
        script = "\n".join(blocks).replace("localhost:8000", f"127.0.0.1:{self.port}")
        return subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=self.checkout,
                              env=self.env, capture_output=True, text=True, timeout=300)

    def stop(self) -> None:
        if self.server and self.server.poll() is None:
            os.killpg(self.server.pid, signal.SIGTERM)      # as Ctrl-C in its terminal
            self.server.wait(timeout=60)


def test_every_example_runs_as_written_on_a_fresh_server(checkout):
    start = [block for path, block in all_blocks() if is_start(block)]
    restore = [block for path, block in all_blocks() if is_restore(block)]
    reader = Reader(checkout)
    outputs = {}
    try:
        reader.start(start[0])
        for path in documents():
            if with_server(path):
                run = reader.paste(with_server(path))
                assert run.returncode == 0, (path.name, run.stdout[-3000:], run.stderr[-3000:])
                outputs[path.name] = run.stdout
    finally:
        reader.stop()
    restored = reader.paste(restore)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    readme = outputs["README.md"].replace(" ", "")
    assert '"success":true' in readme and '"status":"cancelled"' in readme
    assert re.search(r"^hospital-booking \S+$", outputs["README.md"], re.MULTILINE)
    assert '"checked_in"' in outputs["api.md"] and '"over_capacity"' in outputs["api.md"]
    assert "restored var/backups/booking-" in restored.stdout
    assert list((checkout / "var").glob("gomoti-*.csv"))     # the front desk's export
