"""Capacity rules: the count of active appointments is the truth about a slot."""

from app.domain.errors import SlotFull


def ensure_seat_free(current_bookings: int, max_capacity: int) -> None:
    """Refuse a booking once the slot holds `max_capacity` (or more: legacy data) appointments."""
    if current_bookings >= max_capacity:
        raise SlotFull(current_bookings, max_capacity)


def slot_status(current_bookings: int, max_capacity: int) -> dict:
    """The document's availability fields for one slot."""
    available = max(0, max_capacity - current_bookings)
    return {
        "max_capacity": max_capacity,
        "current_bookings": current_bookings,
        "available_slots": available,
        "is_available": available > 0,
        "status": "available" if available > 0 else "full",
    }
