"""Fixtures chained settings -> engine -> store -> repository -> app -> client.

A fresh store per test. Tests run on SQLite unless marked `every_engine` (a module's
`pytestmark` or one test), which runs them once per engine: SQLite, the in-memory repository of
tests/support/memory.py (not in e2e modules: a server cannot share it), and MongoDB when a
replica set is available (tests/support/engines.py); without one the Mongo variants are skipped
with the reason shown by `pytest -ra`.
"""

import pytest

from app import create_app
from app.config import Settings
from tests.support import engines
from tests.support.admin_key import ADMIN_KEY
from tests.support.clock import FIXED_NOW


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "every_engine: run once per storage engine (SQLite, memory; MongoDB when "
        "available)")
    config.addinivalue_line(
        "markers", "real_engines: with every_engine, only the engines hospital IT runs (SQLite; "
        "MongoDB when available): whole-store upkeep the in-memory engine does not offer")


def pytest_report_header(config):
    reason = engines.mongo_unavailable()
    if reason:
        return f"storage engines: sqlite; mongo SKIPPED: {reason}"
    return f"storage engines: sqlite, mongo from {engines.mongo_source()}"


def pytest_generate_tests(metafunc):
    if "engine" in metafunc.fixturenames and metafunc.definition.get_closest_marker(
            "every_engine"):
        mongo_marks = [pytest.mark.mongo]
        reason = engines.mongo_unavailable()
        if reason:
            # Decided once at collection, so `pytest -ra` folds the skips per file.
            mongo_marks.append(pytest.mark.skip(reason=reason))
        params = [pytest.param("sqlite"), pytest.param("mongo", marks=mongo_marks)]
        if not any(metafunc.definition.get_closest_marker(m) for m in ("e2e", "real_engines")):
            params.append(pytest.param("memory"))    # in-process only: no server can share it
        metafunc.parametrize("engine", params, indirect=True)


@pytest.fixture(scope="session")
def mongo_engine():
    """One MongoDB engine for the session (a connection, or a container): skips without one."""
    with engines.mongo_engine() as engine:
        yield engine


@pytest.fixture(scope="session")
def engine(request):
    name = getattr(request, "param", "sqlite")
    if name == "mongo":
        return request.getfixturevalue("mongo_engine")
    return engines.MemoryEngine() if name == "memory" else engines.SqliteEngine()


@pytest.fixture
def settings(tmp_path):
    # Rate limits off: a test books and reads from one address faster than any patient; the
    # limits' own tests turn them on (tests/integration/test_rate_limits.py, tests/e2e).
    return Settings.from_env(env={}, sqlite_path=tmp_path / "booking.sqlite3",
                             admin_api_key=ADMIN_KEY,
                             store_timeout_s=0.5, ratelimit_enabled=False)


@pytest.fixture
def store(engine, tmp_path, request):
    made = engine.store(tmp_path, label=request.node.name)
    yield made
    made.drop()


@pytest.fixture
def repository(store, settings):
    repo = store.repository(settings.store_timeout_s)
    yield repo
    repo.close()


@pytest.fixture
def app(settings, repository):
    return create_app(settings, repository, now=lambda: FIXED_NOW)


@pytest.fixture
def client(app):
    return app.test_client()
