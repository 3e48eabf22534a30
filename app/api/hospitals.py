"""GET /api/hospitals and a hospital day's availability."""

from collections.abc import Callable
from functools import wraps

from flask import Blueprint, current_app, make_response, request

from app.api import answers
from app.api.declared import (
    INVALID,
    NO_HOSPITAL,
    RATE_LIMITED,
    STORE_DOWN,
    operation,
    other_responses,
    path_parameter,
    query,
    response,
)
from app.api.schemas import DayQuerySchema, load
from app.wiring import booking_service

DAY_QUERY = DayQuerySchema()
IF_NONE_MATCH = {"in": "header", "name": "If-None-Match", "required": False,
                 "description": "The ETag of the answer you hold.", "schema": {"type": "string"}}

bp = Blueprint("hospitals", __name__, url_prefix="/api/hospitals")


def polled(view: Callable) -> Callable:
    """An answer pages poll: tagged with an ETag, and 304 while the asker holds it."""

    @wraps(view)
    def conditional(*args, **kwargs):
        answered = make_response(view(*args, **kwargs))
        answered.add_etag()
        # Caches may keep the answer but must ask again every time: seats change by the second.
        answered.headers["Cache-Control"] = "no-cache"
        return answered.make_conditional(request)

    return conditional


def kept_per_app(view: Callable) -> Callable:
    """The view's answer, made once per app: the configured hospitals never change while it
    runs, and dumping them with their schedules cost more than the rest of the request."""

    @wraps(view)
    def kept(*args, **kwargs):
        store = current_app.extensions.setdefault("kept_answers", {})
        if view.__name__ not in store:
            store[view.__name__] = view(*args, **kwargs)
        return store[view.__name__]

    return kept


@bp.get("")
@operation(tags=["hospitals"])
@other_responses(RATE_LIMITED)
@kept_per_app
@response(answers.HospitalList, 200, "The hospitals.")
def list_hospitals():
    """The configured hospitals with their capacities and schedules."""
    return {"hospitals": booking_service().list_hospitals()}


@bp.get("/<hospital>/availability")
@polled
@operation(tags=["availability"], parameters=[
    path_parameter("hospital", "Hospital id (`gomoti`) or display name.", example="gomoti"),
    query(DayQuerySchema), IF_NONE_MATCH])
@other_responses(RATE_LIMITED, {"304": {"description": "Nothing changed since the ETag you sent."}},
                 INVALID, NO_HOSPITAL, STORE_DOWN)
@response(answers.DayAvailability, 200, "The day; `slots` is empty on a closed day.",
          headers={"ETag": {"schema": {"type": "string"}}})
def day_availability(hospital: str):
    """Every slot of one hospital day with what is left of it; pages poll it with
    If-None-Match and get 304 while nothing changed."""
    asked = load(DAY_QUERY, request.args.to_dict())
    return booking_service().day_availability(hospital, asked["date"])
