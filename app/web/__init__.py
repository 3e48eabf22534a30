"""The patient page, the manage page and the staff board: static files that use only the API."""

from flask import Blueprint, Flask, send_from_directory

bp = Blueprint("web", __name__, static_folder="static", static_url_path="/assets")

# Everything the pages load comes from this server; nothing inline, no third party.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; "
                           "img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
                           "form-action 'self'; frame-ancestors 'none'")


def _page(filename: str):
    response = send_from_directory(bp.static_folder, filename)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    # The manage link's token lives in the URL fragment; keep even the path out of referrers.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/")
def patient_page():
    """Book a slot: hospital, date, live slot grid, details, confirmation."""
    return _page("index.html")


@bp.get("/manage")
def manage_page():
    """See, cancel or reschedule one appointment (id and token in the URL fragment)."""
    return _page("manage.html")


@bp.get("/staff")
def staff_page():
    """The staff day board, behind the admin key."""
    return _page("staff.html")


def register_pages(app: Flask) -> None:
    app.register_blueprint(bp)
