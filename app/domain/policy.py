"""Booking policies, named once: the service and every storage engine (inside SQL and Mongo
filters too) read them from here."""

from dataclasses import dataclass
from datetime import timedelta

from app.domain.model import CANCELLED, CHECKED_IN, COMPLETED, NO_SHOW
from app.domain.visits import KNOWN

#: How long an Idempotency-Key replays its first answer (and blocks other bodies).
IDEMPOTENCY_KEY_LIFETIME = timedelta(hours=24)


@dataclass(frozen=True)
class EveryStatusBut:
    """A set of statuses given by those it leaves out (so unknown legacy statuses belong)."""

    excluded: tuple[str, ...]

    def __contains__(self, status: object) -> bool:
        return status not in self.excluded


#: What holds a seat and so counts toward capacity: every status but cancelled, the old app's
#: other statuses ("confirmed", ...) included. The admin list's status "booked" means this set.
COUNTED_STATUSES = EveryStatusBut((CANCELLED,))
#: The counted statuses this API itself writes, listed: for filters that cannot say "not
#: cancelled" (a MongoDB partial index accepts `$in`, never `$ne`).
COUNTED_STATUSES_WE_WRITE = tuple(s for s in KNOWN if s in COUNTED_STATUSES)

#: What a closure's bulk cancel cancels: bookings still awaiting their visit (not cancelled,
#: not visited: a patient checked in before an afternoon closure keeps their visit).
AWAITING_VISIT = EveryStatusBut((CANCELLED, CHECKED_IN, COMPLETED, NO_SHOW))
#: Every status, none left out.
ANY_STATUS = EveryStatusBut(())
