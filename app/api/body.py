"""Reading request bodies the way the existing frontend sends them."""

import json

from flask import request
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge, UnsupportedMediaType

from app.domain.errors import ValidationFailed

# fetch() with a string body and no headers sends text/plain;charset=UTF-8.
JSON_TYPES = {"application/json", "text/plain"}


def json_body():
    """The request's JSON value; 415 for other media types, 400 when it is not JSON."""
    if request.mimetype not in JSON_TYPES:
        raise UnsupportedMediaType("Send JSON as application/json or text/plain.")
    try:
        return json.loads(_body_bytes())
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadRequest("Request body is not valid JSON.") from None


def _body_bytes() -> bytes:
    """The body, 413 past MAX_CONTENT_LENGTH however it is sent.

    werkzeug refuses a Content-Length over the limit, but it stops reading a chunked body at
    the limit and returns what it read: a byte left in the server's stream means "too large".
    """
    data, limit = request.get_data(cache=False), request.max_content_length
    if (request.content_length is None and limit is not None and len(data) >= limit
            and request.environ["wsgi.input"].read(1)):
        raise RequestEntityTooLarge()
    return data


def idempotency_key() -> str | None:
    """The Idempotency-Key header; short keys are refused, since a guessable key would let
    one patient's retry replay another's answer."""
    key = request.headers.get("Idempotency-Key", "")
    if not key.strip(" \t"):   # empty (or HTTP's optional white space only): no key
        return None
    if not 16 <= len(key) <= 255:
        raise ValidationFailed({"Idempotency-Key": [
            "Must be 16 to 255 characters; a random UUID is a good key."]})
    return key


def bearer_token() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None
