"""What an operator types in the first hour, as typed: the console script installed into .venv
(no activated venv, no other `flask` on the PATH), its version (the package's, also in
/api/health), `make help`, and refusals in one human line each."""

import re
import subprocess
from datetime import date, timedelta
from importlib.metadata import version

import pytest

from harness.server import ROOT
from tests.support.cli import PLAIN_PATH, run_admin

VERSION = version("hospital-slot-booking")


@pytest.fixture
def store_path(tmp_path):
    return tmp_path / "booking.sqlite3"


def one_error_line(result: subprocess.CompletedProcess) -> str:
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert not re.search(r"[{}\[\]]|Traceback", lines[0]), lines[0]     # no Python reprs
    return lines[0]


def test_the_console_script_runs_a_command_without_the_venv_on_the_path(store_path, tmp_path):
    elsewhere = tmp_path / "bin"            # another flask first on the PATH: never used
    elsewhere.mkdir()
    (elsewhere / "flask").write_text("#!/bin/sh\necho 'the wrong flask' >&2\nexit 3\n")
    (elsewhere / "flask").chmod(0o755)
    listed = run_admin(store_path, "closures", "list", "gomoti", PATH=f"{elsewhere}:{PLAIN_PATH}")
    assert (listed.returncode, listed.stdout, listed.stderr) == (0, "no closures\n", "")


def test_version_is_the_package_version(store_path):
    shown = run_admin(store_path, "--version")
    assert (shown.returncode, shown.stdout) == (0, f"hospital-booking {VERSION}\n")


def test_help_lists_the_admin_commands_and_not_the_development_server(store_path):
    shown = run_admin(store_path, "--help")
    assert shown.returncode == 0
    commands = set(re.findall(r"^  ([a-z-]+)  ", shown.stdout.partition("Commands:")[2],
                              re.MULTILINE))
    assert commands == {"init-store", "check-store", "backup-store", "restore-store",
                        "normalize-phones", "assign-serials", "closures", "capacity",
                        "export-day", "openapi",
                        "limiter"}          # Flask-Limiter's own


def test_health_answers_the_same_version(client):
    assert client.get("/api/health").json == {"status": "ok", "version": VERSION}


def test_a_field_refusal_is_one_human_line(store_path):
    past = (date.today() - timedelta(days=3)).isoformat()
    refused = run_admin(store_path, "capacity", "set", "gomoti", past, "3")
    assert refused.returncode == 1
    assert one_error_line(refused) == "Error: date: Date is in the past."


def test_an_unknown_hospital_names_the_hospitals_that_exist(store_path):
    refused = run_admin(store_path, "closures", "list", "City Hospital")
    assert refused.returncode == 1
    assert one_error_line(refused) == (
        "Error: Unknown hospital 'City Hospital'; the hospitals are gomoti (Gomoti Hospital), "
        "moon (Moon Hospital), al-sefa (Al-Sefa Hospital)")


def test_restore_checks_its_file_before_asking_anything(store_path, tmp_path):
    missing = tmp_path / "no-such-backup.sqlite3"
    refused = run_admin(store_path, "restore-store", str(missing), stdin="y\n")
    assert refused.returncode == 2
    assert "Replace the store" not in refused.stdout + refused.stderr
    assert one_error_line(refused) == f"error: no backup file at {missing}"


def test_a_configuration_error_is_one_line_not_a_traceback(store_path):
    refused = run_admin(store_path, "closures", "list", "gomoti", ADMIN_API_KEY="short")
    assert refused.returncode == 2
    assert "ADMIN_API_KEY" in one_error_line(refused)


def test_make_help_lists_every_target_with_one_line():
    makefile = (ROOT / "Makefile").read_text()
    phony = re.search(r"^\.PHONY: (.*)$", makefile, re.MULTILINE).group(1).split()
    shown = subprocess.run(["make", "--no-print-directory", "help"], cwd=ROOT,
                           capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    described = dict(re.findall(r"^  (\S+) +(\S.*)$", shown.stdout, re.MULTILINE))
    assert set(described) == set(phony)
    assert described["run"] and described["test"]
