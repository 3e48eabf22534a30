"""What a view declares about itself, read by the OpenAPI description (app.api.openapi).

@response(schema, status, ...) dumps what the view returns with `schema` (the same schema the
description shows), @other_responses lists its other answers (refusals, 304), @operation its
tags, access, parameters and body. The answers several routes share are named here once.

APIFairy's model (microblog-api's @response) on apispec, which the app already used: APIFairy
itself renames every operationId (the links between operations use them), sends one body media
type and cannot return a Response (the polled ETag route); flask-smorest would replace every
blueprint, parse input with webargs (422s) and answer errors in its own shape.
"""

from collections.abc import Callable
from functools import wraps

from marshmallow import Schema

from app.api import answers

BODY_TYPES = ("application/json", "text/plain")
OWNER_OR_STAFF = [{"accessToken": []}, {"adminKey": []}]
STAFF = [{"adminKey": []}]


def operation(**described) -> Callable:
    """The view's OpenAPI operation fields: tags, security, parameters, requestBody."""
    return lambda view: _declare(view, described)


def response(schema: type[Schema], status: int, description: str, headers=None, links=None,
             **examples) -> Callable:
    """The view returns a value (or a value and headers); the answer is it dumped by `schema`."""
    dumper = schema()

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def dumped(*args, **kwargs):
            value, extra_headers = _value_and_headers(view(*args, **kwargs))
            return dumper.dump(value), status, extra_headers

        answer = json_answer(description, schema, headers, **examples)
        return _declare(dumped, {"responses": {str(status): {
            **answer, **({"links": links} if links else {})}}})

    return decorate


def other_responses(*answered: dict) -> Callable:
    """The view's other answers, each made by `answer` (most are errors.py's refusals)."""
    merged = {status: described for one in answered for status, described in one.items()}
    return lambda view: _declare(view, {"responses": merged})


def answer(status: int, description: str, schema=answers.Error, headers=None,
           **examples) -> dict:
    return {str(status): json_answer(description, schema, headers, **examples)}


def json_answer(description: str, schema=answers.Error, headers=None, **examples) -> dict:
    content = {"schema": schema}
    if examples:
        content["examples"] = {name: {"value": value} for name, value in examples.items()}
    described = {"description": description, "content": {"application/json": content}}
    if headers:
        described["headers"] = headers
    return described


def body(schema: type[Schema], **examples) -> dict:
    """A JSON request body, as application/json or text/plain (what `fetch` sends)."""
    content = {"schema": schema,
               "examples": {name: {"value": value} for name, value in examples.items()}}
    return {"required": True, "content": {media: content for media in BODY_TYPES}}


def any_of(*schemas) -> dict:
    return {"anyOf": list(schemas)}


def path_parameter(name: str, description: str, **schema) -> dict:
    return {"in": "path", "name": name, "required": True, "description": description,
            "schema": {"type": "string", **schema}}


def query(schema: type[Schema]) -> dict:
    return {"in": "query", "schema": schema}


def _value_and_headers(returned) -> tuple:
    return returned if isinstance(returned, tuple) else (returned, {})


def _declare(view: Callable, described: dict) -> Callable:
    """Add to what `view` already declares (decorators stack; responses merge)."""
    declared = {**getattr(view, "openapi", {}), **described}
    if "responses" in described:
        declared["responses"] = {**getattr(view, "openapi", {}).get("responses", {}),
                                 **described["responses"]}
    view.openapi = declared
    return view


RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying.",
                               "schema": {"type": "integer"}}}
STORE_DOWN = answer(503, "The store cannot answer now; nothing was written. Retry later.",
                    headers=RETRY_AFTER, store_unavailable={
                        "error": "Booking store temporarily unavailable, please retry"})
INVALID = answer(400, "The input is not valid; nothing was written.", any_of(
    answers.ValidationError, answers.Error), validation_failed={
        "error": "Validation failed", "details": {"date": ["Date is in the past."]}})
NO_HOSPITAL = answer(404, "No such hospital; `hospitals` lists the ones that exist.", unknown={
    "error": "Unknown hospital", "hospital": "nowhere",
    "hospitals": [{"id": "gomoti", "name": "Gomoti Hospital"}]})
TOO_LARGE = answer(413, "The body is over 64 KiB.")
WRONG_TYPE = answer(415, "The body is neither application/json nor text/plain.")
RATE_LIMITED = answer(
    429, "This client address sent more than its limit (RATELIMIT_BOOKING for writes, "
    "RATELIMIT_READ for reads; the admin key is exempt). Every limited answer carries "
    "RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset (seconds).",
    answers.TooManyRequests, headers=RETRY_AFTER,
    too_many={"error": "Too many requests", "retry_after": 42})
ADMIN_DOWN = answer(503, "The store cannot answer now, or the server has no ADMIN_API_KEY "
                    "(staff routes are closed); nothing was written.", headers=RETRY_AFTER,
                    admin_not_configured={
                        "error": "Admin access is not configured on this server"})
NO_KEY = answer(401, "The admin key is missing or wrong.")
STAFF_READ_REFUSALS = (INVALID, NO_KEY, NO_HOSPITAL, ADMIN_DOWN)
STAFF_WRITE_REFUSALS = (*STAFF_READ_REFUSALS, TOO_LARGE, WRONG_TYPE)
