"""The start-up summary names a MongoDB store without its credentials or options."""

import pytest

from app.serving import mongo_location


@pytest.mark.parametrize("uri, shown", [
    ("mongodb://app:pw@mongo1:27017,mongo2:27017/?replicaSet=rs0&authSource=admin",
     "mongodb://mongo1:27017,mongo2:27017 replicaSet=rs0"),
    ("mongodb://app:p%40ss@db.example/hospital?tls=true", "mongodb://db.example"),
    ("mongodb+srv://app:pw@cluster0.example.net/?retryWrites=true",
     "mongodb+srv://cluster0.example.net"),
    ("mongodb://localhost", "mongodb://localhost"),
])
def test_mongo_location_keeps_hosts_and_set_only(uri, shown):
    assert mongo_location(uri) == shown
    assert "pw" not in shown and "p%40ss" not in shown
