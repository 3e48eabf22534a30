import pytest

from harness.server import NAIVE_APP, start_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server_dir(tmp_path_factory, engine):
    return tmp_path_factory.mktemp(f"server-{engine.name}")


@pytest.fixture(scope="module")
def server_store(engine, server_dir, request):
    """The module's store: a SQLite file in `server_dir`, or a Mongo database of its own."""
    made = engine.store(server_dir, label=request.module.__name__.rpartition(".")[2])
    yield made
    made.drop()


@pytest.fixture(scope="module")
def server(server_dir, server_store, request):
    """The real app under gunicorn with 3 worker processes on a fresh store.

    Runs on SQLite, or on every engine in a module marked `every_engine`; a module's
    `SERVER_ENV` (e.g. the staff key) joins its environment.
    """
    extra = getattr(request.module, "SERVER_ENV", {})
    running = start_server(server_dir, workers=3, **server_store.env, **extra)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def naive_server(tmp_path_factory):
    """The document's original unguarded route, on SQLite with the same server settings."""
    running = start_server(tmp_path_factory.mktemp("naive"), app=NAIVE_APP, workers=3)
    yield running
    running.stop()
