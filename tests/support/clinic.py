"""The small clinic the use cases are tried on in-process, the moment they run at, and a
patient's booking command for it."""

from datetime import UTC, date, datetime
from datetime import time as clock_time
from zoneinfo import ZoneInfo

from app.domain.hospitals import Hospital
from app.service.commands import BookSlot

CLINIC = Hospital(id="clinic", name="Small Clinic", max_per_slot=2, closed_weekdays=(4,),
                  opens=clock_time(9), closes=clock_time(17), slot_minutes=30,
                  timezone=ZoneInfo("Asia/Dhaka"), horizon_days=60)
# Wednesday 14:00 in Dhaka; the 26th is a Thursday, the 27th a Friday (closed).
NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
DAY = date(2026, 11, 26)


def booking(phone="+8801712345678", time="10:00", day=DAY, **fields) -> BookSlot:
    return BookSlot(**{"hospital": "clinic", "date": day, "appointment_time": time,
                       "patient_name": "Rahim Uddin", "patient_phone": phone, **fields})
