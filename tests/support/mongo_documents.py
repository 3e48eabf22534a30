"""Appointments as the Mongo engine stores them: ours (with hospital_id) and the old app's
(`legacy`), for tests that read them back through mongomock."""

import uuid
from datetime import UTC, date, datetime, timedelta

from bson import ObjectId

from app.domain.model import Appointment

DAY = date(2026, 11, 26)
MIDNIGHT = datetime(2026, 11, 26, tzinfo=UTC)
NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def ours(time="10:00", phone="+8801712345678", status="booked", day=DAY, n=0,
         hospital=("gomoti", "Gomoti Hospital")) -> Appointment:
    return Appointment(uuid.uuid4().hex, hospital[0], hospital[1], day, time, status,
                       "Rahim Uddin", phone, None, None, None, NOW + timedelta(seconds=n))


def legacy(time="10:00", status="booked", day=MIDNIGHT, hospital="Gomoti Hospital", **extra):
    """What the old app's `insertOne({...req.body})` left: no hospital_id, token or created_at."""
    document = {"_id": ObjectId(), "hospital": hospital, "appointment_date": day,
                "appointment_time": time, "patient_name": "Legacy",
                "patient_phone": "01712345678", **extra}
    if status is not None:
        document["status"] = status
    return document
