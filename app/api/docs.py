"""The API's description and its docs page: /api/openapi.json and /api/docs.

The page is Swagger UI from the flask-swagger-ui package, which ships Swagger UI's files
(Apache-2.0, licence inside the package) and serves them from this app: no CDN, so the page
works on a machine without internet.
"""

from flask import Blueprint, current_app
from flask_swagger_ui import get_swaggerui_blueprint

from app.api.openapi import build_spec

SPEC_URL = "/api/openapi.json"

bp = Blueprint("docs", __name__, url_prefix="/api")
page = get_swaggerui_blueprint("/api/docs", SPEC_URL, config={
    "app_name": "Hospital slot-booking API",
    "validatorUrl": None,   # Swagger UI would otherwise send the spec to an online validator
    "deepLinking": True,
})


@bp.get("/openapi.json")
def spec():
    """The OpenAPI 3 description of this API (built once per app)."""
    if "openapi" not in current_app.extensions:
        current_app.extensions["openapi"] = build_spec(current_app)
    return current_app.extensions["openapi"]
