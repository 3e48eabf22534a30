"""`make run`'s install step, as a new user meets it: quiet, one line per step, serving only."""

import subprocess

import pytest

from harness.server import ROOT

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def runtime_install(tmp_path_factory):
    venv = tmp_path_factory.mktemp("install") / "venv"
    result = subprocess.run(
        ["make", "--no-print-directory", f"VENV={venv}", f"{venv}/.runtime-installed"],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return venv, result


def test_each_install_step_prints_one_line_and_nothing_else(runtime_install):
    venv, result = runtime_install
    assert result.stdout.splitlines() == [
        f"creating {venv} with python3", f"installing runtime dependencies into {venv}"]
    # This machine's pip configuration names index folders (per package) that may be missing;
    # every other line on stderr would be a warning this project causes.
    ours = [line for line in result.stderr.splitlines()
            if "is ignored: it is neither a file nor a directory" not in line]
    assert ours == []


def test_serving_install_leaves_out_the_test_tools(runtime_install):
    venv, _ = runtime_install
    probe = ("import importlib.util as u; "
             "print(bool(u.find_spec('pytest')), bool(u.find_spec('flask')))")
    found = subprocess.run([f"{venv}/bin/python", "-c", probe], capture_output=True, text=True)
    assert found.stdout.split() == ["False", "True"]


def test_the_install_puts_the_admin_command_in_the_venv(runtime_install):
    venv, _ = runtime_install
    shown = subprocess.run([f"{venv}/bin/hospital-booking", "--version"], cwd=ROOT,
                           env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True)
    assert (shown.returncode, shown.stdout.split()[0]) == (0, "hospital-booking"), shown.stderr
