"""The credential-free URI the Mongo engine probes with: same hosts and options, no secrets."""

import pytest

from app.storage.mongo import without_credentials


@pytest.mark.parametrize("uri, expected", [
    ("mongodb://app:s3cret@mongo1:27017/hospital_booking?authSource=admin",
     "mongodb://mongo1:27017/hospital_booking"),
    ("mongodb://app:s3cret@mongo1:27017/?authMechanism=SCRAM-SHA-256&AUTHSOURCE=admin",
     "mongodb://mongo1:27017/"),
    ("mongodb://app:s3cret@mongo1:27017/db?appName=booking://api&authSource=db",
     "mongodb://mongo1:27017/db?appName=booking://api"),
    ("mongodb://app:s3cret@mongo1:27017/db?appName=why?&replicaSet=rs0",
     "mongodb://mongo1:27017/db?appName=why?&replicaSet=rs0"),
    ("mongodb+srv://app:s3cret@cluster.example.net", "mongodb+srv://cluster.example.net"),
])
def test_credentials_and_auth_options_go_everything_else_stays(uri, expected):
    assert without_credentials(uri) == expected
