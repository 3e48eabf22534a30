"""The README's curl examples, pasted in order into bash against a fresh real server."""

import os
import re
import subprocess

import pytest

from harness.server import ROOT, start_server

pytestmark = pytest.mark.e2e
ADMIN_KEY = "readme-admin-key-0123456789abcdefghijklmnop"
BLOCK = re.compile(r"```sh\n(.*?)```", re.DOTALL)


def readme_examples() -> list[str]:
    """Every sh block of the README that talks to the API on localhost:8000, in order."""
    text = (ROOT / "README.md").read_text()
    return [block for block in BLOCK.findall(text) if "localhost:8000" in block]


def test_every_curl_example_stops_on_an_error_answer():
    curls = [line for block in readme_examples() for line in block.splitlines()
             if re.search(r"\bcurl\b", line) and not line.lstrip().startswith("#")]
    assert curls, "the README lost its examples"
    assert all("--fail-with-body" in line for line in curls), curls


def test_readme_examples_work_pasted_in_order_on_a_fresh_server(tmp_path):
    server = start_server(tmp_path, ADMIN_API_KEY=ADMIN_KEY)
    try:
        script = "\n".join(readme_examples()).replace("localhost:8000", server.url)
        run = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True,
                             text=True, timeout=120,
                             env={"PATH": os.environ["PATH"], "ADMIN_API_KEY": ADMIN_KEY})
    finally:
        server.stop()
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert '"success":true' in run.stdout.replace(" ", "")
    assert '"status":"cancelled"' in run.stdout.replace(" ", "")
