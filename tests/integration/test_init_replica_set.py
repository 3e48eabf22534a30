"""scripts/init-replica-set.sh against a scripted replica set, and shellcheck on every script.

No mongod can run here: tests/support/fake_mongosh.js stands in for mongosh and runs the
script's JavaScript against a model of three members (MongoDB's rules for hello, the localhost
exception, users on the PRIMARY), recording every command. A real authenticated set runs in
the GitHub workflow (.github/workflows/ci.yml).
"""

import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "init-replica-set.sh"
FAKE_MONGOSH = ROOT / "tests" / "support" / "fake_mongosh.js"
MEMBERS = ["mongo1:27017", "mongo2:27017", "mongo3:27017"]
ADMIN_PASSWORD = "admin-secret-0123456789"
APP_PASSWORD = "app-secret-0123456789"
BACKUP_PASSWORD = "backup-secret-0123456789"
APP_ACTIONS = ["find", "insert", "update", "remove", "createCollection", "createIndex",
               "listIndexes", "listCollections"]

pytestmark = pytest.mark.skipif(shutil.which("node") is None,
                                reason="node is needed to run the scripted mongosh")


class ScriptedSet:
    """Three members behind fake_mongosh.js; `run` calls the init script against them."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.state_path = workdir / "state.json"
        self.log_path = workdir / "commands.jsonl"
        self.secrets = workdir / "secrets"
        self.secrets.mkdir()
        self.write_secret("admin", ADMIN_PASSWORD)
        self.write_secret("app", APP_PASSWORD)
        self.write_secret("backup", BACKUP_PASSWORD)
        self.save({"members": {m: {"up": True, "replSet": "rs0"} for m in MEMBERS},
                   "aliases": {"localhost:27017": "mongo1:27017"},
                   "config": None, "primary": None, "auth": True, "users": {}, "roles": {}})

    def write_secret(self, name: str, value: str) -> None:
        (self.secrets / name).write_text(value + "\n")

    def save(self, state: dict) -> None:
        self.state_path.write_text(json.dumps(state))

    @property
    def state(self) -> dict:
        return json.loads(self.state_path.read_text())

    def commands(self) -> list[dict]:
        if not self.log_path.exists():
            return []
        return [json.loads(line) for line in self.log_path.read_text().splitlines()]

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess:
        self.log_path.unlink(missing_ok=True)
        full_env = {
            "PATH": os.environ["PATH"], "MONGOSH": str(FAKE_MONGOSH),
            "FAKE_MONGO_STATE": str(self.state_path), "FAKE_MONGO_LOG": str(self.log_path),
            "MEMBERS": ",".join(MEMBERS), "INIT_VIA": "localhost:27017",
            "CONNECT_TIMEOUT": "2", "PRIMARY_TIMEOUT": "2", "POLL_INTERVAL": "1",
            "MONGO_ADMIN_PASSWORD_FILE": str(self.secrets / "admin"),
            "MONGO_APP_PASSWORD_FILE": str(self.secrets / "app"),
            "MONGO_BACKUP_PASSWORD_FILE": str(self.secrets / "backup"),
            **env}
        return subprocess.run(["bash", str(SCRIPT), *args], env=full_env, capture_output=True,
                              text=True, timeout=60)


@pytest.fixture
def replica_set(tmp_path) -> ScriptedSet:
    return ScriptedSet(tmp_path)


def names(commands: list[dict]) -> list[str]:
    return [next(k for k in c["cmd"] if k != "db") for c in commands]


def test_first_run_initiates_the_set_and_creates_least_privilege_users(replica_set):
    result = replica_set.run()
    assert result.returncode == 0, result.stderr
    state = replica_set.state
    assert [m["host"] for m in state["config"]["members"]] == MEMBERS
    assert [m["priority"] for m in state["config"]["members"]] == [2, 1, 1]
    assert state["users"]["admin.admin"]["roles"] == [{"role": "root", "db": "admin"}]
    app = state["users"]["hospital_booking.booking_app"]
    assert app["pwd"] == APP_PASSWORD
    assert app["roles"] == [{"role": "bookingApp", "db": "hospital_booking"}]
    role = state["roles"]["hospital_booking.bookingApp"]
    assert role["roles"] == []
    assert role["privileges"] == [{"resource": {"db": "hospital_booking", "collection": ""},
                                   "actions": APP_ACTIONS}]
    assert state["users"]["admin.booking_backup"]["roles"] == [{"role": "backup", "db": "admin"}]
    assert "mongo1:27017" in result.stdout and "PRIMARY" in result.stdout


def test_the_first_user_is_made_through_the_localhost_exception_then_the_rest_as_admin(
        replica_set):
    assert replica_set.run().returncode == 0
    commands = replica_set.commands()
    initiate, = [c for c in commands if "replSetInitiate" in c["cmd"]]
    first_user = next(c for c in commands if "createUser" in c["cmd"])
    assert (initiate["address"], initiate["user"]) == ("localhost:27017", None)
    assert (first_user["cmd"]["createUser"], first_user["user"]) == ("admin", None)
    later = [c for c in commands if {"createRole", "createUser"} & set(c["cmd"])][1:]
    assert later and all(c["user"] == "admin.admin" for c in later)


def test_passwords_never_appear_on_a_command_line(replica_set):
    assert replica_set.run().returncode == 0
    argvs = " ".join(" ".join(c["argv"]) for c in replica_set.commands())
    assert "process.env.MONGO_ADMIN_PASSWORD" in argvs      # read from the environment
    for secret in (ADMIN_PASSWORD, APP_PASSWORD, BACKUP_PASSWORD):
        assert secret not in argvs


def test_rerun_changes_nothing_but_sets_the_app_role_and_passwords_again(replica_set):
    assert replica_set.run().returncode == 0
    replica_set.write_secret("app", "rotated-app-secret-42")
    again = replica_set.run()
    assert again.returncode == 0, again.stderr
    sent = names(replica_set.commands())
    assert "replSetInitiate" not in sent and "createUser" not in sent and "createRole" not in sent
    assert {"updateRole", "updateUser"} <= set(sent)
    assert replica_set.state["users"]["hospital_booking.booking_app"]["pwd"] == \
        "rotated-app-secret-42"
    assert "already initiated" in again.stderr


def test_a_wrong_admin_password_stops_with_one_clear_line_and_changes_nothing(replica_set):
    assert replica_set.run().returncode == 0
    before = replica_set.state
    replica_set.write_secret("admin", "not-the-admin-password")
    result = replica_set.run()
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if "ERROR" in line]
    assert errors == ["[init-replica-set] ERROR: cannot log in as 'admin' and users exist "
                      "already: MONGO_ADMIN_PASSWORD is not that user's password"]
    assert replica_set.state["users"] == before["users"]


def test_a_first_run_over_the_network_is_refused_with_the_reason(replica_set):
    result = replica_set.run(INIT_VIA="mongo1:27017")
    assert result.returncode == 1
    assert "loopback interface" in result.stderr
    assert replica_set.state["config"] is None


def test_a_missing_password_stops_before_any_command(replica_set):
    result = replica_set.run(MONGO_APP_PASSWORD_FILE=str(replica_set.secrets / "absent"))
    assert result.returncode == 1
    assert "MONGO_APP_PASSWORD_FILE: cannot read" in result.stderr
    assert replica_set.commands() == []


def test_a_short_password_is_refused(replica_set):
    replica_set.write_secret("app", "short")
    result = replica_set.run()
    assert result.returncode == 1
    assert "MONGO_APP_PASSWORD is shorter than 12 characters" in result.stderr


def test_auth_off_initiates_without_users_and_warns(replica_set):
    state = replica_set.state
    replica_set.save({**state, "auth": False})
    result = replica_set.run(MONGO_AUTH="off", MONGO_ADMIN_PASSWORD_FILE="")
    assert result.returncode == 0, result.stderr
    assert "anyone who reaches the set can write" in result.stderr
    assert replica_set.state["users"] == {} and replica_set.state["config"] is not None


# -- keyFile --------------------------------------------------------------------------------

def test_keyfile_is_generated_private_and_kept_on_rerun(replica_set, tmp_path):
    keyfile = tmp_path / "keys" / "mongo-keyfile"
    result = replica_set.run("keyfile", KEYFILE=str(keyfile), KEYFILE_OWNER=f"{os.getuid()}")
    assert result.returncode == 0, result.stderr
    key = keyfile.read_text()
    assert len(key) == 1008 and key.isascii() and "\n" not in key
    assert stat.S_IMODE(keyfile.stat().st_mode) == 0o400
    assert replica_set.run("keyfile", KEYFILE=str(keyfile),
                           KEYFILE_OWNER=f"{os.getuid()}").returncode == 0
    assert keyfile.read_text() == key


def test_a_supplied_keyfile_is_installed_and_a_bad_one_refused(replica_set, tmp_path):
    supplied, keyfile = tmp_path / "mine", tmp_path / "keys" / "mongo-keyfile"
    supplied.write_text("c2hhcmVkLWtleS1vZi10aGUtc2V0\n")
    owner = f"{os.getuid()}"
    assert replica_set.run("keyfile", KEYFILE=str(keyfile), KEYFILE_SOURCE=str(supplied),
                           KEYFILE_OWNER=owner).returncode == 0
    assert keyfile.read_text() == supplied.read_text()
    assert stat.S_IMODE(keyfile.stat().st_mode) == 0o400
    supplied.write_text("not base64 at all!")
    refused = replica_set.run("keyfile", KEYFILE=str(tmp_path / "other"),
                              KEYFILE_SOURCE=str(supplied), KEYFILE_OWNER=owner)
    assert refused.returncode == 1
    assert "outside the base64 set" in refused.stderr


def test_help_describes_the_users(replica_set):
    result = replica_set.run("--help")
    assert result.returncode == 0
    assert "MONGO_APP_ROLE" in result.stdout and "localhost exception" in result.stdout


# -- shellcheck -----------------------------------------------------------------------------

SCRIPTS = sorted(str(p) for p in (ROOT / "scripts").glob("*.sh"))


@pytest.mark.skipif(shutil.which("shellcheck") is None,
                    reason="shellcheck not installed (make test installs it when run as root)")
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: Path(p).name)
def test_scripts_pass_shellcheck(script):
    result = subprocess.run(["shellcheck", "--severity=style", script], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stdout
