"""The OpenAPI description: built from the code, committed, served, and its docs page served
by the app itself."""

import json
import re

import pytest

from app.api.openapi import UndocumentedRoute, build_spec, to_json
from harness.server import ROOT

COMMITTED = ROOT / "docs" / "openapi.json"


def test_committed_description_matches_the_code(app):
    assert COMMITTED.read_text() == to_json(build_spec(app)), (
        "docs/openapi.json is stale: run `make openapi` and commit it")


def test_the_description_is_served(client, app):
    answer = client.get("/api/openapi.json")
    assert answer.status_code == 200
    assert answer.get_json() == json.loads(to_json(build_spec(app)))


def test_every_api_route_and_method_is_described(app):
    paths = build_spec(app)["paths"]
    described = {(path, method) for path, ops in paths.items() for method in ops}
    assert ("/api/appointments", "post") in described
    assert ("/api/appointments/{appointment_id}", "patch") in described
    assert len(described) == sum(len(r.methods - {"HEAD", "OPTIONS"})
                                 for r in app.url_map.iter_rules()
                                 if r.rule.startswith("/api/") and not r.rule.startswith(
                                     ("/api/docs", "/api/openapi.json")))


def test_a_new_api_route_without_a_description_stops_the_build(app):
    app.add_url_rule("/api/undescribed", "undescribed", lambda: "")
    with pytest.raises(UndocumentedRoute, match="GET /api/undescribed"):
        build_spec(app)


def test_the_documents_answers_are_described_exactly(app):
    spec = build_spec(app)
    book = spec["paths"]["/api/appointments"]["post"]
    assert set(book["requestBody"]["content"]) == {"application/json", "text/plain"}
    assert {"201", "400", "409", "503"} <= set(book["responses"])
    full = spec["components"]["schemas"]["SlotFullError"]
    assert set(full["required"]) == {"error", "current_bookings", "max_capacity"}
    assert book["responses"]["409"]["content"]["application/json"]["examples"]["full"][
        "value"] == {"error": "Slot is fully booked", "current_bookings": 15, "max_capacity": 15}


def test_the_docs_page_and_its_scripts_come_from_the_app(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/api/docs/swagger-ui-bundle.js" in html and "/api/openapi.json" in html
    elsewhere = [url for url in re.findall(r"https?://[^\s\"']+", html)
                 if not url.startswith("http://localhost/")]
    assert elsewhere == []   # nothing from a CDN: only this server's own address
    script = client.get("/api/docs/swagger-ui-bundle.js")
    assert script.status_code == 200 and len(script.get_data()) > 100_000
    assert client.get("/api/docs/LICENSE").status_code == 200


def test_a_wrong_method_answers_405_json_naming_the_allowed_ones(client):
    answer = client.delete("/api/appointments")
    assert answer.status_code == 405
    assert set(answer.headers["Allow"].split(", ")) >= {"GET", "POST"}
    assert answer.get_json()["error"]
