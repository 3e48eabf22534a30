"""Visit statuses: which status changes staff may record, and when."""

from app.domain.errors import InvalidTransition
from app.domain.model import BOOKED, CANCELLED, CHECKED_IN, COMPLETED, NO_SHOW

#: Where each status may go next; cancelled, completed and no_show are final.
TRANSITIONS = {BOOKED: (CHECKED_IN, NO_SHOW, CANCELLED), CHECKED_IN: (COMPLETED,)}
#: Statuses only staff set, after the patient's part (book, cancel, move) is over.
VISIT_STATUSES = (CHECKED_IN, COMPLETED, NO_SHOW)
KNOWN = (BOOKED, CANCELLED, *VISIT_STATUSES)
#: What a refused move is called in its error ("Cannot change status from ... to rescheduled").
RESCHEDULED = "rescheduled"


def check_transition(current: str, wanted: str, slot_started: bool) -> None:
    """Raise InvalidTransition unless `current` may become `wanted` now."""
    if wanted not in TRANSITIONS.get(_as_known(current), ()):
        raise InvalidTransition(current, wanted)
    if wanted == NO_SHOW and not slot_started:
        raise InvalidTransition(current, wanted,
                                "A no-show can be recorded only once the slot has started")


def ensure_patient_may_change(status: str, wanted: str) -> None:
    """Raise InvalidTransition once a visit is recorded: it is staff's business from then on.

    The cancel and move use cases (app.service.writes) check it again inside their unit of
    work, on the appointment read there, so a check-in committed after the service's own read
    still wins."""
    if status in VISIT_STATUSES:
        raise InvalidTransition(status, wanted)


def _as_known(status: str) -> str:
    # The old app's other active statuses ("confirmed", ...) behave as booked.
    return status if status in KNOWN else BOOKED
