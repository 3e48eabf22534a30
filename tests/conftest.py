"""Fixtures chained settings -> app -> client, on a fresh SQLite store per test."""

from datetime import UTC, datetime

import pytest

from app import create_app
from app.config import Settings
from app.storage.sqlite import SqliteRepository

# A Wednesday afternoon in Dhaka: the 26th (Thu) is open, the 27th is a Friday.
FIXED_NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


@pytest.fixture
def settings(tmp_path):
    return Settings.from_env(env={}, sqlite_path=tmp_path / "booking.sqlite3",
                             admin_api_key="admin-secret", store_timeout_s=0.5)


@pytest.fixture
def repository(settings):
    repo = SqliteRepository(settings.sqlite_path, settings.store_timeout_s)
    yield repo
    repo.close()


@pytest.fixture
def app(settings, repository):
    return create_app(settings, repository, now=lambda: FIXED_NOW)


@pytest.fixture
def client(app):
    return app.test_client()
