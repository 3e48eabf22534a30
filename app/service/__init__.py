"""Use cases behind one typed seam: app/api builds commands (commands.py), calls BookingService
(booking.py) through booking_service(), and shapes its results (results.py, domain values)."""

from app.service.booking import BookingService, utc_now

__all__ = ["BookingService", "utc_now"]
