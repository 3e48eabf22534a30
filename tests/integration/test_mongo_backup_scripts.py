"""scripts/backup-mongo.sh and scripts/restore-mongo.sh with stand-ins for the MongoDB tools.

No mongod, mongodump or mongorestore can run here: small stand-ins record their arguments
and the --config file they were given, so what the scripts pass (and keep off the command
line) is pinned. The real tools run in the GitHub workflow's backup and restore drill.
"""

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "it's-a-secret-0123"       # a quote inside: YAML escaping is exercised
URI = "mongodb://mongo1:27017,mongo2:27017/?replicaSet=rs0&tls=true"

# Records argv and the --config file, then writes the archive (or fails with FAKE_FAIL).
FAKE_TOOL = r"""#!/usr/bin/env bash
{ printf 'argv:'; printf ' %q' "$@"; printf '\n'; } >> "$FAKE_LOG"
for arg in "$@"; do
  case "$arg" in
    --config=*) printf 'config:%s\n' "$(cat "${arg#--config=}")" >> "$FAKE_LOG" ;;
    --archive=*) archive="${arg#--archive=}" ;;
  esac
done
[[ -z "${FAKE_FAIL:-}" ]] || exit 1
[[ -z "${FAKE_FAIL_ON:-}" || " $* " != *"$FAKE_FAIL_ON"* ]] || exit 1
if [[ "$(basename "$0")" == mongodump ]]; then printf 'BSON' > "$archive"; fi
"""
# mongosh for the restore's "is the API connected?" question.
FAKE_MONGOSH = r"""#!/usr/bin/env bash
{ printf 'argv:'; printf ' %q' "$@"; printf '\n'; } >> "$FAKE_LOG"
echo "@@ ${FAKE_CONNECTIONS:-0}"
"""


@pytest.fixture
def tools(tmp_path) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in [("mongodump", FAKE_TOOL), ("mongorestore", FAKE_TOOL),
                       ("mongosh", FAKE_MONGOSH)]:
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    (tmp_path / "secret").write_text(PASSWORD + "\n")
    return bin_dir


def run(script: str, tmp_path: Path, tools: Path, *args: str, **env: str):
    full_env = {"PATH": f"{tools}:{os.environ['PATH']}", "FAKE_LOG": str(tmp_path / "log"),
                "MONGO_URI": URI, "BACKUP_DIR": str(tmp_path / "backups"),
                "MONGO_BACKUP_PASSWORD_FILE": str(tmp_path / "secret"),
                "MONGO_ADMIN_PASSWORD_FILE": str(tmp_path / "secret"), "TMPDIR": str(tmp_path),
                **env}
    return subprocess.run(["bash", str(ROOT / "scripts" / script), *args], env=full_env,
                          capture_output=True, text=True, timeout=60)


def log_lines(tmp_path: Path, prefix: str) -> list[str]:
    return [line[len(prefix):] for line in (tmp_path / "log").read_text().splitlines()
            if line.startswith(prefix)]


def test_backup_dumps_the_set_with_its_oplog_and_no_password_on_the_command_line(tmp_path,
                                                                                  tools):
    result = run("backup-mongo.sh", tmp_path, tools)
    assert result.returncode == 0, result.stderr
    archive = Path(result.stdout.strip())
    assert archive.parent == tmp_path / "backups" and archive.read_bytes() == b"BSON"
    [argv] = log_lines(tmp_path, "argv:")
    assert "--oplog" in argv and "--gzip" in argv and "--username=booking_backup" in argv
    assert "secret" not in argv
    assert log_lines(tmp_path, "config:") == ["password: 'it''s-a-secret-0123'"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backups", "bin", "log", "secret"]


def test_a_failed_dump_leaves_no_archive(tmp_path, tools):
    result = run("backup-mongo.sh", tmp_path, tools, str(tmp_path / "backups" / "x.gz"),
                 FAKE_FAIL="1")
    assert result.returncode == 1 and "mongodump failed" in result.stderr
    assert list((tmp_path / "backups").iterdir()) == []


def test_backups_beyond_backup_keep_are_deleted_oldest_first(tmp_path, tools):
    backups = tmp_path / "backups"
    backups.mkdir()
    for stamp in ("20261101T020000Z", "20261102T020000Z", "20261103T020000Z"):
        (backups / f"mongo-{stamp}.archive.gz").write_text("old")
    assert run("backup-mongo.sh", tmp_path, tools, BACKUP_KEEP="2").returncode == 0
    names = sorted(p.name for p in backups.iterdir())
    assert len(names) == 2 and names[0] == "mongo-20261103T020000Z.archive.gz"


def test_a_uri_with_credentials_is_refused(tmp_path, tools):
    result = run("backup-mongo.sh", tmp_path, tools, MONGO_URI="mongodb://u:p@mongo1/")
    assert result.returncode == 1 and "must not carry credentials" in result.stderr


def test_restore_is_refused_while_the_api_is_connected(tmp_path, tools):
    archive = tmp_path / "a.gz"
    archive.write_text("BSON")
    result = run("restore-mongo.sh", tmp_path, tools, str(archive), FAKE_CONNECTIONS="3")
    assert result.returncode == 1
    assert "the API is still connected (3 connections named hospital-booking)" in result.stderr
    assert not any("mongorestore" in line for line in log_lines(tmp_path, "argv:")[1:])
    assert len(log_lines(tmp_path, "argv:")) == 1            # only the mongosh question


def test_restore_replays_the_oplog_then_runs_the_store_check(tmp_path, tools):
    archive = tmp_path / "a.gz"
    archive.write_text("BSON")
    check = tmp_path / "check"
    check.write_text("#!/bin/sh\necho checked >> \"$FAKE_LOG\"\nexit 1\n")
    check.chmod(0o755)
    result = run("restore-mongo.sh", tmp_path, tools, str(archive), CHECK_STORE=str(check))
    assert result.returncode == 1                           # the check's verdict
    mongosh, dry_run, saved, mongorestore = log_lines(tmp_path, "argv:")
    assert "--dryRun" in dry_run and "--drop" not in dry_run
    assert "--db=hospital_booking" in saved and "--drop" not in saved
    assert "--drop" in mongorestore and "--oplogReplay" in mongorestore
    assert "--dryRun" not in mongorestore
    assert "secret" not in mongosh + dry_run + saved + mongorestore
    assert (tmp_path / "log").read_text().splitlines()[-1] == "checked"


def test_an_archive_mongorestore_cannot_read_is_refused_before_anything_is_dropped(tmp_path,
                                                                                   tools):
    archive = tmp_path / "a.gz"
    archive.write_text("not an archive")
    result = run("restore-mongo.sh", tmp_path, tools, str(archive), FAKE_FAIL_ON="--dryRun")
    assert result.returncode == 1
    assert "cannot be read as a backup (mongorestore --dryRun failed): nothing changed" \
        in result.stderr
    calls = log_lines(tmp_path, "argv:")
    assert len(calls) == 2 and "--dryRun" in calls[1]             # no --drop ever ran
    assert not any("--drop" in call for call in calls)


def checker(tmp_path: Path, status: int) -> Path:
    check = tmp_path / "check"
    check.write_text(f"#!/bin/sh\necho checked >> \"$FAKE_LOG\"\nexit {status}\n")
    check.chmod(0o755)
    return check


def saved_archive(calls: list[str]) -> str:
    [saved] = [call for call in calls if "--db=hospital_booking" in call]
    return next(arg for arg in saved.split() if arg.startswith("--archive="))


@pytest.mark.parametrize("fail, status, why", [
    ({"FAKE_FAIL_ON": "--oplogReplay"}, 1, "mongorestore failed"),
    ({"CHECK_STORE": "2"}, 2, "the store check could not read the restored store"),
])
def test_a_failed_restore_or_an_unreadable_result_puts_the_database_back(tmp_path, tools,
                                                                         fail, status, why):
    archive = tmp_path / "a.gz"
    archive.write_text("BSON")
    if "CHECK_STORE" in fail:
        fail = {"CHECK_STORE": str(checker(tmp_path, int(fail["CHECK_STORE"])))}
    result = run("restore-mongo.sh", tmp_path, tools, str(archive), **fail)
    assert result.returncode == status, result.stderr
    assert f"{why}; database hospital_booking is back as it was" in result.stderr
    calls = log_lines(tmp_path, "argv:")
    put_back = calls[-1]
    assert saved_archive(calls) in put_back
    assert "--nsInclude=hospital_booking.\\*" in put_back and "--drop" in put_back
    assert "--oplogReplay" not in put_back
    assert list(tmp_path.glob("tmp*")) == []          # the saved copy and config are gone


def test_a_check_that_lists_problems_keeps_the_restore(tmp_path, tools):
    archive = tmp_path / "a.gz"
    archive.write_text("BSON")
    result = run("restore-mongo.sh", tmp_path, tools, str(archive),
                 CHECK_STORE=str(checker(tmp_path, 1)))
    assert result.returncode == 1 and "is back as it was" not in result.stderr
    assert "--oplogReplay" in log_lines(tmp_path, "argv:")[-1]       # nothing put back
