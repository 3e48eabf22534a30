"""GET /api/hospitals and a hospital day's availability."""

from flask import Blueprint, jsonify, request

from app.api import shape
from app.api.schemas import DayQuerySchema, load
from app.wiring import booking_service

DAY_QUERY = DayQuerySchema()

bp = Blueprint("hospitals", __name__, url_prefix="/api/hospitals")


@bp.get("")
def list_hospitals():
    """The configured hospitals with their capacities and schedules."""
    return {"hospitals": [shape.hospital(h) for h in booking_service().list_hospitals()]}


@bp.get("/<hospital>/availability")
def day_availability(hospital: str):
    """Every slot of one hospital day with what is left of it; pages poll it with
    If-None-Match and get 304 while nothing changed."""
    query = load(DAY_QUERY, request.args.to_dict())
    response = jsonify(shape.day(booking_service().day_availability(hospital, query["date"])))
    response.add_etag()
    # Caches may keep the answer but must ask again every time: seats change by the second.
    response.headers["Cache-Control"] = "no-cache"
    return response.make_conditional(request)
