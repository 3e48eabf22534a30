"""Reading request bodies the way the existing frontend sends them."""

import json

from flask import request
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from app.domain.errors import ValidationFailed

# fetch() with a string body and no headers sends text/plain;charset=UTF-8.
JSON_TYPES = {"application/json", "text/plain"}


def json_body():
    """The request's JSON value; 415 for other media types, 400 when it is not JSON."""
    if request.mimetype not in JSON_TYPES:
        raise UnsupportedMediaType("Send JSON as application/json or text/plain.")
    try:
        return json.loads(request.get_data(cache=False))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadRequest("Request body is not valid JSON.") from None


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
