"""The small rules of the doors: which status gunicorn's refusals get, where a redirect points."""

import pytest
from gunicorn.http import errors as http_errors

from app.api.errors import path_of
from app.http_worker import refusal_of


@pytest.mark.parametrize("exc, status", [
    (http_errors.LimitRequestLine(9000, 8190), 414),
    (http_errors.LimitRequestHeaders("limit request headers fields"), 431),
    (http_errors.InvalidRequestLine("GET \xe0"), 400),
    (http_errors.InvalidChunkSize(b"zz"), 400),
    (http_errors.UnsupportedTransferCoding("gzip"), 501),
    (http_errors.InvalidResponseHeader("X\r\n"), 500),     # the app's fault, not the client's
    (RuntimeError("boom"), 500),
])
def test_gunicorn_refusals_keep_their_status(exc, status):
    assert refusal_of(exc)[0] == status


@pytest.mark.parametrize("url, path", [
    ("http://evil.example/api/hospitals", "/api/hospitals"),
    ("http://localhost/api/hospitals?x=1&y=2", "/api/hospitals?x=1&y=2"),
    ("http://localhost//evil.example/x", "/evil.example/x"),    # never `//host`
])
def test_a_redirect_points_at_a_path_of_this_server(url, path):
    assert path_of(url) == path
