"""The OpenAPI 3 description of the API, built from the app's routes and its views' declarations.

Paths and methods come from the app's URL map; each view's operation (answers, refusals,
parameters, body, access) from what it declares with app.api.declared's decorators, whose
schemas (app.api.schemas for input, app.api.answers for answers) are the ones that load and
dump; summaries from the views' docstrings. Building fails for an /api route whose view
declares nothing.

After changing a route, a schema or an answer, regenerate the committed copy:

    make openapi        # = .venv/bin/hospital-booking openapi write docs/openapi.json

`make test` fails while docs/openapi.json differs from what the code builds
(tests/integration/test_openapi.py), and schemathesis checks the live server against it
(tests/e2e/test_contract.py).
"""

import inspect
import json
import re
from importlib.metadata import version

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from werkzeug.routing import Rule

NOT_DOCUMENTED = {"docs.spec", "swagger_ui.show"}   # the description and its page
DESCRIPTION = """The booking service hospitals put in front of patients: it never gives away
more seats in a time slot than the hospital has, and always tells the truth about what is left.

Every error answers JSON shaped `{error, ...}`. Request bodies are JSON, sent as
`application/json` or `text/plain` (what `fetch` sends for a string body). Every answer carries
`X-Request-ID` (yours, if you sent a sane one), which also tags the server's log lines."""


class UndocumentedRoute(RuntimeError):
    """An /api route whose view declares no answer: describe it before it ships."""


def to_json(spec: dict) -> str:
    """The committed file's text: stable order and layout, so a diff shows what changed."""
    return json.dumps(spec, indent=2, ensure_ascii=False) + "\n"


def build_spec(app: Flask) -> dict:
    """The OpenAPI 3 document of every /api route of `app`."""
    spec = APISpec("Hospital slot-booking API", version("hospital-slot-booking"), "3.0.3",
                   plugins=[MarshmallowPlugin()], info={"description": DESCRIPTION})
    _security_schemes(spec)
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if rule.rule.startswith("/api/") and rule.endpoint not in NOT_DOCUMENTED:
            spec.path(path=_openapi_path(rule), operations=_operations(app, rule))
    return spec.to_dict()


def _operations(app: Flask, rule: Rule) -> dict:
    described = getattr(app.view_functions[rule.endpoint], "openapi", None)
    operations = {}
    for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
        if described is None:
            raise UndocumentedRoute(f"{method} {rule.rule} ({rule.endpoint}) declares no answer; "
                                    "describe it with app.api.declared, then `make openapi`")
        operations[method.lower()] = {"operationId": rule.endpoint,
                                      "summary": _summary(app, rule.endpoint), **described}
    return operations


def _summary(app: Flask, endpoint: str) -> str:
    """The first paragraph of the view's docstring, on one line."""
    doc = inspect.cleandoc(app.view_functions[endpoint].__doc__ or endpoint)
    return " ".join(doc.split("\n\n")[0].split())


def _openapi_path(rule: Rule) -> str:
    """/api/x/<hospital> or /api/x/<int:n> -> /api/x/{hospital}, /api/x/{n}"""
    return re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule.rule)


def _security_schemes(spec: APISpec) -> None:
    spec.components.security_scheme("accessToken", {
        "type": "http", "scheme": "bearer",
        "description": "The `access_token` of the booking's 201 answer."})
    spec.components.security_scheme("adminKey", {
        "type": "http", "scheme": "bearer", "description": "The server's ADMIN_API_KEY."})
