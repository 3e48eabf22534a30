"""What the compose files promise about credentials, read as compose reads them.

No Docker engine runs here, so the stack itself is started only in the GitHub workflow's
spirit (CI runs the same scripts on one authenticated member); these checks pin the files.
"""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.replica.yml").read_text())
TLS = yaml.safe_load((ROOT / "docker-compose.tls.yml").read_text())
SERVICES = COMPOSE["services"]
MEMBERS = ["mongo1", "mongo2", "mongo3"]


def test_every_member_runs_with_the_keyfile_it_cannot_write():
    for name in MEMBERS:
        command = SERVICES[name]["command"]
        assert command[0] == "mongod"        # the image's entrypoint drops root for mongod
        assert command[command.index("--keyFile") + 1] == "/keys/mongo-keyfile"
        assert "mongo-keyfile:/keys:ro" in SERVICES[name]["volumes"]
        assert SERVICES[name]["depends_on"]["mongo-keyfile"] == {
            "condition": "service_completed_successfully"}


def test_the_api_logs_in_as_the_app_user_with_a_secret_in_production_mode():
    environment = SERVICES["api"]["environment"]
    assert environment["MONGODB_URI"].startswith("mongodb://booking_app@mongo1:27017,")
    assert "authSource=hospital_booking" in environment["MONGODB_URI"]
    assert environment["MONGODB_PASSWORD_FILE"] == "/run/secrets/mongo_app_password"
    assert environment["MONGODB_REQUIRE_AUTH"] == "1"
    assert SERVICES["api"]["secrets"] == ["mongo_app_password"]


def test_no_password_is_written_in_the_compose_files():
    text = (ROOT / "docker-compose.replica.yml").read_text()
    assert not re.search(r"mongodb://[^/@\s]*:[^/@\s]*@", text)   # user:password@
    assert not re.search(r"PASSWORD\s*:\s*(?!/run/secrets/)\S", text)
    assert all(s["file"].startswith("./secrets/") for s in COMPOSE["secrets"].values())


def test_the_init_reaches_mongo1_over_loopback_with_every_password_as_a_secret():
    init = SERVICES["mongo-init"]
    assert init["network_mode"] == "service:mongo1"
    assert init["environment"]["INIT_VIA"] == "localhost:27017"
    for kind in ("ADMIN", "APP", "BACKUP"):
        path = init["environment"][f"MONGO_{kind}_PASSWORD_FILE"]
        assert path == f"/run/secrets/mongo_{kind.lower()}_password"


def test_the_tls_override_requires_tls_on_every_member():
    for name in MEMBERS:
        command = TLS["services"][name]["command"]
        assert command[command.index("--tlsMode") + 1] == "requireTLS"
        assert command[command.index("--tlsCertificateKeyFile") + 1] == f"/tls/{name}.pem"
        assert "--keyFile" in command
