import pytest

from tests.support.server import NAIVE_APP, start_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The real app under gunicorn with 3 worker processes and a fresh database."""
    running = start_server(tmp_path_factory.mktemp("server"), workers=3)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def naive_server(tmp_path_factory):
    """The document's original unguarded route, same engine and server settings."""
    running = start_server(tmp_path_factory.mktemp("naive"), app=NAIVE_APP, workers=3)
    yield running
    running.stop()
