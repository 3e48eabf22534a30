"""The OpenAPI 3 description of the API, built from the app's routes and marshmallow schemas.

Paths and methods come from the app's URL map, request bodies and query parameters from
app.api.schemas, answer bodies from app.api.answers, summaries from the views' docstrings;
OPERATIONS below adds what code cannot say (security, every answer code, headers, examples).
Building fails for an /api route that OPERATIONS does not describe.

After changing a route, a schema or an answer, regenerate the committed copy:

    make openapi        # = .venv/bin/flask --app app openapi write docs/openapi.json

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

from app.api import answers, schemas

BODY_TYPES = ("application/json", "text/plain")
NOT_DOCUMENTED = {"docs.spec", "swagger_ui.show"}   # the description and its page
OWNER_OR_STAFF = [{"accessToken": []}, {"adminKey": []}]
STAFF = [{"adminKey": []}]
DESCRIPTION = """The booking service hospitals put in front of patients: it never gives away
more seats in a time slot than the hospital has, and always tells the truth about what is left.

Every error answers JSON shaped `{error, ...}`. Request bodies are JSON, sent as
`application/json` or `text/plain` (what `fetch` sends for a string body). Every answer carries
`X-Request-ID` (yours, if you sent a sane one), which also tags the server's log lines."""


class UndocumentedRoute(RuntimeError):
    """An /api route with no entry in OPERATIONS: describe it before it ships."""


def json_answer(description: str, schema=answers.Error, headers=None, **examples) -> dict:
    content = {"schema": schema}
    if examples:
        content["examples"] = {name: {"value": value} for name, value in examples.items()}
    answer = {"description": description, "content": {"application/json": content}}
    if headers:
        answer["headers"] = headers
    return answer


def body(schema, **examples) -> dict:
    content = {"schema": schema,
               "examples": {name: {"value": value} for name, value in examples.items()}}
    return {"required": True, "content": {media: content for media in BODY_TYPES}}


def any_of(*schemas) -> dict:
    return {"anyOf": list(schemas)}


def path_parameter(name: str, description: str, **schema) -> dict:
    return {"in": "path", "name": name, "required": True, "description": description,
            "schema": {"type": "string", **schema}}


RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying.",
                               "schema": {"type": "integer"}}}
STORE_DOWN = json_answer("The store cannot answer now; nothing was written. Retry later.",
                         headers=RETRY_AFTER, store_unavailable={
                             "error": "Booking store temporarily unavailable, please retry"})
INVALID = json_answer("The input is not valid; nothing was written.", any_of(
    answers.ValidationError, answers.Error), validation_failed={
        "error": "Validation failed", "details": {"date": ["Date is in the past."]}})
NO_HOSPITAL = json_answer("No such hospital; `hospitals` lists the ones that exist.", unknown={
    "error": "Unknown hospital", "hospital": "nowhere",
    "hospitals": [{"id": "gomoti", "name": "Gomoti Hospital"}]})
NOT_FOUND = json_answer(
    "No such appointment, or the token is not its own (the same body either way); `help` and "
    "each hospital's `contacts` say where a patient who lost the token turns.",
    not_found={"error": "Appointment not found", "help": "Lost the access token of your "
               "booking? The hospital's staff can find your appointment: contact the "
               "hospital you booked with.", "contacts": [{
                   "hospital_id": "gomoti", "name": "Gomoti Hospital",
                   "contact": "Ask at the front desk."}]})
TOO_LARGE = json_answer("The body is over 64 KiB.")
WRONG_TYPE = json_answer("The body is neither application/json nor text/plain.")
FULL = json_answer("The slot is full (the body of docs/design/slot-booking-concurrency.md), the "
                   "patient already holds it, or the patient (one phone) holds the hospital's "
                   "limit of upcoming bookings.",
                   any_of(answers.SlotFullError, answers.PatientLimitError, answers.Error),
                   full={"error": "Slot is fully booked", "current_bookings": 15,
                         "max_capacity": 15},
                   duplicate={"error": "Patient already booked for this slot"},
                   patient_limit={"error": "Patient booking limit reached", "limit": 2,
                                  "active": 2})
RATE_LIMITED = json_answer(
    "This client address sent more than its limit (RATELIMIT_BOOKING for writes, "
    "RATELIMIT_READ for reads; the admin key is exempt). Every limited answer carries "
    "RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset (seconds).",
    answers.TooManyRequests, headers=RETRY_AFTER,
    too_many={"error": "Too many requests", "retry_after": 42})
ADMIN_DOWN = json_answer("The store cannot answer now, or the server has no ADMIN_API_KEY "
                         "(staff routes are closed); nothing was written.", headers=RETRY_AFTER,
                         admin_not_configured={
                             "error": "Admin access is not configured on this server"})
NO_KEY = json_answer("The admin key is missing or wrong.")
STAFF_READ_REFUSALS = {"400": INVALID, "401": NO_KEY, "404": NO_HOSPITAL, "503": ADMIN_DOWN}
STAFF_WRITE_REFUSALS = {**STAFF_READ_REFUSALS, "413": TOO_LARGE, "415": WRONG_TYPE}
STAFF_CLOSURE_REFUSALS = {"401": NO_KEY, "404": json_answer(
    "No such closure.", not_found={"error": "Closure not found"}), "503": ADMIN_DOWN}
CLOSURE_ID = path_parameter("closure_id", "The closure's id.")
HOSPITAL = path_parameter("hospital", "Hospital id (`gomoti`) or display name.", example="gomoti")
APPOINTMENT_ID = path_parameter("appointment_id", "The appointment's id.")
BOOKING_EXAMPLE = {"hospital": "gomoti", "date": "2026-12-01", "appointment_time": "10:00",
                   "patient_name": "Rahim Uddin", "patient_phone": "+8801712345678"}

OPERATIONS = {
    "hospitals.list_hospitals": {"get": {
        "tags": ["hospitals"],
        "responses": {"429": RATE_LIMITED,
                      "200": json_answer("The hospitals.", answers.HospitalList)}}},
    "hospitals.day_availability": {"get": {
        "tags": ["availability"],
        "parameters": [HOSPITAL, {"in": "query", "schema": schemas.DayQuerySchema},
                       {"in": "header", "name": "If-None-Match", "required": False,
                        "description": "The ETag of the answer you hold.",
                        "schema": {"type": "string"}}],
        "responses": {"429": RATE_LIMITED,
                      "200": json_answer("The day; `slots` is empty on a closed day.",
                                         answers.DayAvailability, headers={
                                             "ETag": {"schema": {"type": "string"}}}),
                      "304": {"description": "Nothing changed since the ETag you sent."},
                      "400": INVALID, "404": NO_HOSPITAL, "503": STORE_DOWN}}},
    "appointments.slot_availability": {"get": {
        "tags": ["availability"],
        "parameters": [HOSPITAL,
                       path_parameter("date", "YYYY-MM-DD", format="date"),
                       path_parameter("time", "HH:MM on the hospital's slot grid",
                                      pattern=answers.TIME_PATTERN)],
        "responses": {"429": RATE_LIMITED,
                      "200": json_answer("The slot (the body of "
                                         "docs/design/slot-booking-concurrency.md).",
                                         answers.SlotAvailability),
                      "400": json_answer("Not a slot of the schedule (off the grid, beyond "
                                         "the horizon, not a date).", answers.ValidationError),
                      "404": NO_HOSPITAL, "503": STORE_DOWN}}},
    "appointments.book": {"post": {
        "tags": ["appointments"],
        "parameters": [{"in": "header", "name": "Idempotency-Key", "required": False,
                        "description": "16-255 characters (a random UUID): a retry with the "
                        "same key and body replays the first answer instead of booking twice. "
                        "Empty means no key.",
                        "schema": any_of({"type": "string", "pattern": "^[ \t]*$"},
                                         {"type": "string", "minLength": 16,
                                          "maxLength": 255})}],
        "requestBody": body(schemas.BookingSchema, booking=BOOKING_EXAMPLE),
        "responses": {
            "201": {**json_answer("Booked; `access_token` is shown only here.", answers.Booked,
                                  headers={"Location": {"schema": {"type": "string"}},
                                           "Idempotent-Replayed": {
                                               "description": "`true` on a replayed answer.",
                                               "schema": {"type": "string"}}}),
                    "links": {name: {"operationId": operation, "parameters": {
                        "appointment_id": "$response.body#/appointment/id"}}
                        for name, operation in [("GetAppointment", "appointments.get_appointment"),
                                                ("ChangeAppointment",
                                                 "appointments.change_appointment")]}},
            "400": json_answer("Invalid input, or the hospital is closed that day; nothing "
                               "was written.", any_of(answers.ValidationError, answers.Error),
                               closed={"error": "Hospital closed on Fridays"},
                               validation_failed={"error": "Validation failed", "details": {
                                   "patient_phone": ["Missing data for required field."]}}),
            "404": NO_HOSPITAL, "409": FULL, "413": TOO_LARGE, "415": WRONG_TYPE,
            "429": RATE_LIMITED,
            "422": json_answer("The Idempotency-Key was used with another body."),
            "503": STORE_DOWN}}},
    "appointments.search": {"get": {
        "tags": ["staff"], "security": STAFF,
        "parameters": [{"in": "query", "schema": schemas.AppointmentSearchSchema}],
        "responses": {"429": RATE_LIMITED,
                      "200": json_answer("One page of the day's appointments.",
                                         answers.AppointmentPage),
                      "400": INVALID, "401": json_answer("The admin key is missing or wrong."),
                      "404": NO_HOSPITAL, "503": ADMIN_DOWN}}},
    "appointments.get_appointment": {"get": {
        "tags": ["appointments"], "security": OWNER_OR_STAFF, "parameters": [APPOINTMENT_ID],
        "responses": {"429": RATE_LIMITED,
                      "200": json_answer("The appointment.", answers.AppointmentEnvelope),
                      "404": NOT_FOUND, "503": STORE_DOWN}}},
    "appointments.change_appointment": {"patch": {
        "tags": ["appointments"], "security": OWNER_OR_STAFF, "parameters": [APPOINTMENT_ID],
        "requestBody": body(schemas.AppointmentChangeSchema, cancel={"status": "cancelled"},
                            reschedule={"date": "2026-12-02", "appointment_time": "11:30"},
                            check_in={"status": "checked_in"}),
        "responses": {"429": RATE_LIMITED,
                      "200": json_answer("Cancelled (`seat_freed`), moved, or its visit "
                                         "recorded.", answers.Changed),
                      "400": INVALID,
                      "401": json_answer("A visit status needs the admin key."),
                      "404": NOT_FOUND,
                      "409": json_answer(
                          "The target slot is full (the body of "
                          "docs/design/slot-booking-concurrency.md), the patient already "
                          "holds it, the appointment is cancelled, or the visit rules refuse "
                          "the status (`current_status`).", any_of(answers.SlotFullError,
                                                                   answers.Error),
                          full={"error": "Slot is fully booked", "current_bookings": 15,
                                "max_capacity": 15},
                          transition={"error": "Cannot change status from cancelled to "
                                      "checked_in", "current_status": "cancelled"}),
                      "413": TOO_LARGE, "415": WRONG_TYPE, "503": ADMIN_DOWN}}},
    "admin.add_closure": {"post": {
        "tags": ["staff"], "security": STAFF,
        "requestBody": body(schemas.ClosureSchema, afternoon={
            "hospital": "gomoti", "date": "2026-12-01", "start": "14:00", "end": "17:00",
            "reason": "Power cut"}),
        "responses": {"201": json_answer("Closed at once for every worker; the bookings it "
                                         "holds are counted, none cancelled.",
                                         answers.ClosureAdded),
                      **STAFF_WRITE_REFUSALS}}},
    "admin.list_closures": {"get": {
        "tags": ["staff"], "security": STAFF,
        "parameters": [{"in": "query", "schema": schemas.HospitalDaySchema}],
        "responses": {"200": json_answer("The hospital's closures by date.",
                                         answers.ClosureList), **STAFF_READ_REFUSALS}}},
    "admin.remove_closure": {"delete": {
        "tags": ["staff"], "security": STAFF, "parameters": [CLOSURE_ID],
        "responses": {"200": json_answer("Removed; its slots reopen unless another closure "
                                         "covers them.", answers.ClosureEnvelope),
                      **STAFF_CLOSURE_REFUSALS}}},
    "admin.cancel_closed": {"post": {
        "tags": ["staff"], "security": STAFF, "parameters": [CLOSURE_ID],
        "responses": {"200": json_answer("The bookings awaiting their visit in the closure's "
                                         "slots are cancelled, its reason recorded.",
                                         answers.BulkCancelled), **STAFF_CLOSURE_REFUSALS}}},
    "admin.set_capacity": {"put": {
        "tags": ["staff"], "security": STAFF,
        "requestBody": body(schemas.CapacitySchema, doctor_away={
            "hospital": "gomoti", "date": "2026-12-01", "capacity": 5}, one_slot={
            "hospital": "gomoti", "date": "2026-12-01", "time": "10:00", "capacity": 3}),
        "responses": {"200": json_answer("The slots with the capacity in force and their true "
                                         "counts; nothing is cancelled.", answers.CapacitySet),
                      **STAFF_WRITE_REFUSALS}}},
    "admin.list_capacity": {"get": {
        "tags": ["staff"], "security": STAFF,
        "parameters": [{"in": "query", "schema": schemas.HospitalDaySchema}],
        "responses": {"200": json_answer("The capacity overrides.", answers.OverrideList),
                      **STAFF_READ_REFUSALS}}},
    "admin.audit_trail": {"get": {
        "tags": ["staff"], "security": STAFF,
        "parameters": [{"in": "query", "schema": schemas.AuditQuerySchema}],
        "responses": {"200": json_answer("The trail, oldest first.", answers.AuditTrail),
                      **STAFF_READ_REFUSALS}}},
    "health.health": {"get": {
        "tags": ["operations"],
        "responses": {"200": json_answer(
            "Liveness only: this process answers, whatever the store's state (readiness: "
            "/api/ready).", answers.Health)}}},
    "health.ready": {"get": {
        "tags": ["operations"],
        "responses": {
            "200": json_answer("Readiness: the store can take a booking now.", answers.Ready),
            "503": json_answer(
                "The store cannot take a booking now (SQLite: file deleted or replaced, or a "
                "rolled-back write that reaches the disk fails or waits past 1 s: a full disk, "
                "a file this process may not write; MongoDB: no primary within 1 s).",
                answers.NotReady, headers=RETRY_AFTER, deleted={
                    "error": "Booking store not ready",
                    "reason": "the database file var/booking.sqlite3 was deleted"})}}},
}


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
    described = OPERATIONS.get(rule.endpoint, {})
    operations = {}
    for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
        if method.lower() not in described:
            raise UndocumentedRoute(f"{method} {rule.rule} ({rule.endpoint}) is not in "
                                    "app.api.openapi.OPERATIONS; describe it, then `make openapi`")
        operations[method.lower()] = {"operationId": rule.endpoint,
                                      "summary": _summary(app, rule.endpoint),
                                      **described[method.lower()]}
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
