"""The gunicorn worker (config/gunicorn.conf.py): gunicorn's own refusals in the app's shape.

gunicorn answers a request it cannot parse (request line, header fields, chunked body) with
an HTML page of its own, before or beside the app; reached directly (`make run`) that page is
what a client sees. This worker writes those refusals as `{"error": ...}` with the app's
hardening headers, turns a malformed chunked body read by the app into a 400 instead of an
unexpected 500, and closes every connection whose body was refused (413) or malformed:
bytes of that body may still be on the socket, and the next "request" would be read from them.
"""

import json

from gunicorn import util
from gunicorn.http import errors as http_errors
from gunicorn.workers.gthread import ThreadWorker
from werkzeug.exceptions import BadRequest

from app.edge import HARDENING_HEADERS

# gunicorn's client errors that are not a plain 400, as nginx words them (config/nginx).
REFUSALS = {
    http_errors.LimitRequestLine: (414, "URI Too Long", "Request line too long"),
    http_errors.LimitRequestHeaders: (431, "Request Header Fields Too Large",
                                      "Request header fields too large"),
    http_errors.UnsupportedTransferCoding: (501, "Not Implemented", "Not implemented"),
    http_errors.ExpectationFailed: (417, "Expectation Failed", "Expectation failed"),
    http_errors.ForbiddenProxyRequest: (403, "Forbidden", "Forbidden"),
}
BAD_REQUEST = (400, "Bad Request", "Bad request")
SERVER_ERROR = (500, "Internal Server Error", "Internal server error")
# A body refused for its size is mostly left unread on the socket.
BODY_REFUSED = "413"


class JsonRefusalsWorker(ThreadWorker):
    """gthread, with gunicorn's refusals in JSON and refused bodies closing the connection."""

    def load_wsgi(self):
        super().load_wsgi()
        self.wsgi = CloseAfterRefusedBody(self.wsgi)

    def handle_error(self, req, client, addr, exc):
        status, reason, message = refusal_of(exc)
        if status == 500:
            self.log.exception("Error handling request")
        else:
            self.log.warning("Invalid request from ip=%s: %s", (addr or ("",))[0], exc)
        try:
            util.write_nonblock(client, json_refusal(status, reason, message))
        except Exception:    # the client is gone: nothing to answer
            self.log.debug("Failed to send error message.")


def refusal_of(exc: Exception) -> tuple[int, str, str]:
    """(status, reason phrase, error) for an exception gunicorn raised outside the app."""
    if isinstance(exc, (http_errors.InvalidResponseHeader, http_errors.ConfigurationProblem)):
        return SERVER_ERROR      # the app's (or the config's) fault, not the client's
    for kind, refusal in REFUSALS.items():
        if isinstance(exc, kind):
            return refusal
    return BAD_REQUEST if isinstance(exc, http_errors.ParseException) else SERVER_ERROR


def json_refusal(status: int, reason: str, message: str) -> bytes:
    body = json.dumps({"error": message}).encode() + b"\n"
    headers = {"Connection": "close", "Content-Type": "application/json",
               "Content-Length": str(len(body)), **HARDENING_HEADERS,
               "Cache-Control": "no-store"}
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return f"HTTP/1.1 {status} {reason}\r\n{head}\r\n".encode("latin-1") + body


class CloseAfterRefusedBody:
    """WSGI, outermost: a body gunicorn cannot parse is the client's 400 (werkzeug's
    BadRequest, answered by the app's one error handler), and an answer that refused a body
    closes its connection."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        body = environ["wsgi.input"] = CheckedBody(environ["wsgi.input"])
        # gunicorn's start_response is its Response's method: force_close() is on the same.
        response = getattr(start_response, "__self__", None)

        def start(status, headers, exc_info=None):
            if (status[:3] == BODY_REFUSED or body.malformed) and hasattr(response, "force_close"):
                response.force_close()
            return start_response(status, headers, exc_info)

        return self.app(environ, start)


class CheckedBody:
    """gunicorn's request body, raising BadRequest where it raised a parse error."""

    def __init__(self, body):
        self._body = body
        self.malformed = False

    def read(self, *size):
        return self._checked(self._body.read, *size)

    def readline(self, *size):
        return self._checked(self._body.readline, *size)

    def readlines(self, *hint):
        return self._checked(self._body.readlines, *hint)

    def __iter__(self):
        return iter(self.readline, b"")

    def _checked(self, read, *args):
        try:
            return read(*args)
        except (http_errors.ParseException, http_errors.NoMoreData) as exc:
            self.malformed = True
            raise BadRequest("The request body is not valid chunked encoding.") from exc
