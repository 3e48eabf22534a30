"""Named domain errors, raised deep and mapped to HTTP once in app.api.errors."""


class BookingError(Exception):
    """Base of every error a caller is meant to see; `extra` joins the JSON error body."""

    message = "Booking failed"

    def __init__(self, message: str | None = None, **extra):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.extra = extra


class ValidationFailed(BookingError):
    message = "Validation failed"

    def __init__(self, details: dict[str, list[str]]):
        super().__init__(details=details)


class HospitalClosed(BookingError):
    """A closed weekday keeps the message of docs/design/slot-booking-concurrency.md;
    a closed date names its reason."""

    @classmethod
    def weekday(cls, name: str) -> "HospitalClosed":
        return cls(f"Hospital closed on {name}s")

    @classmethod
    def on(cls, day, reason: str) -> "HospitalClosed":
        return cls(f"Hospital closed on {day.isoformat()}: {reason}")


class UnknownHospital(BookingError):
    message = "Unknown hospital"

    def __init__(self, ref: str, known: list[dict] | None = None):
        super().__init__(hospital=ref, hospitals=known or [])


class SlotFull(BookingError):
    message = "Slot is fully booked"

    def __init__(self, current_bookings: int, max_capacity: int):
        super().__init__(current_bookings=current_bookings, max_capacity=max_capacity)


class DuplicateBooking(BookingError):
    message = "Patient already booked for this slot"


class PatientLimitReached(BookingError):
    message = "Patient booking limit reached"

    def __init__(self, limit: int, active: int):
        super().__init__(limit=limit, active=active)


class AppointmentNotFound(BookingError):
    """Also the answer to a wrong token: the same body whether or not the appointment exists."""

    message = "Appointment not found"
    LOST_TOKEN_HELP = ("Lost the access token of your booking? The hospital's staff can find "
                       "your appointment: contact the hospital you booked with.")

    def __init__(self, contacts: list[dict] | None = None):
        super().__init__(**({"help": self.LOST_TOKEN_HELP, "contacts": contacts}
                            if contacts else {}))


class ClosureNotFound(BookingError):
    message = "Closure not found"


class AppointmentCancelled(BookingError):
    message = "Appointment is cancelled"


class NotAuthenticated(BookingError):
    message = "Authentication required"


class AdminNotConfigured(BookingError):
    """ADMIN_API_KEY is unset: no key can open the admin routes."""

    message = "Admin access is not configured on this server"


class InvalidTransition(BookingError):
    """A status change the visit rules do not allow from the appointment's current status."""

    def __init__(self, current: str, wanted: str, why: str | None = None):
        super().__init__(why or f"Cannot change status from {current} to {wanted}",
                         current_status=current)


class IdempotencyKeyReused(BookingError):
    message = "Idempotency-Key was already used with a different request body"


class IdempotencyKeyInFlight(BookingError):
    message = "A request with this Idempotency-Key is still being processed"


class StoreUnavailable(BookingError):
    """The store cannot answer now (locked, unreachable, no primary); safe to retry."""

    message = "Booking store temporarily unavailable, please retry"


class ReferenceTaken(StoreUnavailable):
    """The new appointment's random reference is already taken (the store's unique index):
    the booking service draws another; after a few draws, a 503 to retry."""


class StoreNotReady(StoreUnavailable):
    """The store cannot take a write now; `reason` says why (for operators, no patient data)."""

    message = "Booking store not ready"

    def __init__(self, reason: str):
        super().__init__(reason=reason)


class ConfigError(Exception):
    """The configuration (hospitals, store settings) cannot be used; start-up stops with this
    message."""
