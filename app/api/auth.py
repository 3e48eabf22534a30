"""Admin routes authenticate before they read their input (401, never a list of parameters)."""

from collections.abc import Callable
from functools import wraps

from app.api.body import bearer_token
from app.wiring import booking_service


def admin_only(view: Callable) -> Callable:
    """Refuse the request unless it carries the admin key, before the view loads anything."""

    @wraps(view)
    def checked(*args, **kwargs):
        booking_service().require_admin(bearer_token())
        return view(*args, **kwargs)

    return checked
