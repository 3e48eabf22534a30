"""GET /api/hospitals and a hospital day's availability."""

from flask import Blueprint, current_app, request

from app.api.schemas import DayQuerySchema, load

DAY_QUERY = DayQuerySchema()

bp = Blueprint("hospitals", __name__, url_prefix="/api/hospitals")


@bp.get("")
def list_hospitals():
    return {"hospitals": current_app.extensions["booking"].list_hospitals()}


@bp.get("/<hospital>/availability")
def day_availability(hospital: str):
    query = load(DAY_QUERY, request.args.to_dict())
    return current_app.extensions["booking"].day_availability(hospital, query["date"])
