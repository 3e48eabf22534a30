"""Use cases: book, cancel, reschedule, look up, availability. Plain values in and out."""

import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from app.domain import schedule
from app.domain.capacity import slot_status
from app.domain.errors import AppointmentNotFound, NotAuthenticated
from app.domain.hospitals import Hospitals
from app.domain.model import ACTIVE, Appointment
from app.storage.base import IDEMPOTENCY_TTL, AppointmentQuery, IdempotencyEntry, Repository


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Booked:
    """A booking's answer: the appointment body, its one-time token, and whether it replays."""

    appointment: dict
    access_token: str
    replayed: bool = False


class BookingService:
    def __init__(self, hospitals: Hospitals, repository: Repository,
                 admin_key: str | None = None, now: Callable[[], datetime] = utc_now):
        self.hospitals = hospitals
        self.repository = repository
        self._admin_key = admin_key
        self._now = now

    # -- availability ------------------------------------------------------------------------

    def health(self) -> dict:
        self.repository.ping()
        return {"status": "ok"}

    def list_hospitals(self) -> list[dict]:
        return [h.public() for h in self.hospitals.all()]

    def slot_availability(self, hospital_ref: str, day: date, time: str) -> dict:
        hospital = self.hospitals.get(hospital_ref)
        slot = schedule.bookable_slot(hospital, day, time, self._now())
        current = self.repository.slot_count(slot)
        return {"hospital_id": hospital.id, "date": day.isoformat(), "time": time,
                **slot_status(current, slot.capacity)}

    def day_availability(self, hospital_ref: str, day: date) -> dict:
        hospital, now = self.hospitals.get(hospital_ref), self._now()
        schedule.check_bookable_day(hospital, day, now)
        answer = {"hospital_id": hospital.id, "date": day.isoformat(),
                  "is_open": hospital.is_open_on(day), "slots": []}
        if answer["is_open"]:
            counts = self.repository.day_counts(hospital.id, hospital.name, day)
            answer["slots"] = [_slot_entry(hospital, day, t, counts.get(t, 0), now)
                               for t in hospital.slot_times()]
        return answer

    # -- booking -----------------------------------------------------------------------------

    def book(self, request: dict, idempotency_key: str | None = None) -> Booked:
        """Book one seat; `request` is a validated booking body (see app.api.schemas)."""
        earlier = self._seen(request, idempotency_key)
        if earlier:
            return _replayed(earlier, idempotency_key)
        return self._book_new(request, idempotency_key)

    def _seen(self, request: dict, key: str | None) -> IdempotencyEntry | None:
        """Looked up before the rules, so a retry replays even once its slot has started."""
        if key is None:
            return None
        return self.repository.replay(_key_hash(key), _fingerprint(request),
                                      self._now() - IDEMPOTENCY_TTL)

    def _book_new(self, request: dict, key: str | None) -> Booked:
        hospital = self.hospitals.get(request["hospital"])
        slot = schedule.bookable_slot(hospital, request["date"], request["appointment_time"],
                                      self._now())
        appointment = self._new_appointment(slot, request)
        token = secrets.token_urlsafe(32)
        entry = self._idempotency_entry(key, request, appointment, token)
        earlier = self.repository.book(slot, appointment, _hash(token), entry)
        return _replayed(earlier, key) if earlier else Booked(appointment.to_dict(), token)

    def _new_appointment(self, slot, request: dict) -> Appointment:
        return Appointment(
            id=uuid.uuid4().hex, hospital_id=slot.hospital_id, hospital=slot.hospital_name,
            date=slot.date, appointment_time=slot.time, status=ACTIVE,
            patient_name=request["patient_name"], patient_phone=request["patient_phone"],
            patient_email=request.get("patient_email"), doctor=request.get("doctor"),
            notes=request.get("notes"), created_at=self._now())

    def _idempotency_entry(self, key, request, appointment, token) -> IdempotencyEntry | None:
        if key is None:
            return None
        return IdempotencyEntry(key_hash=_key_hash(key),
                                fingerprint=_fingerprint(request),
                                response=appointment.to_dict(),
                                sealed_token=_seal(token, key), created_at=self._now())

    # -- lifecycle ---------------------------------------------------------------------------

    def get(self, appointment_id: str, bearer: str | None) -> dict:
        return self._authorized(appointment_id, bearer).to_dict()

    def cancel(self, appointment_id: str, bearer: str | None) -> tuple[dict, bool]:
        self._authorized(appointment_id, bearer)
        appointment, freed = self.repository.cancel(appointment_id)
        return appointment.to_dict(), freed

    def reschedule(self, appointment_id: str, bearer: str | None, change: dict) -> dict:
        current = self._authorized(appointment_id, bearer)
        # Old-app appointments carry only the display name.
        hospital = self.hospitals.get(change.get("hospital") or current.hospital_id
                                      or current.hospital)
        target = schedule.bookable_slot(hospital, change["date"], change["appointment_time"],
                                        self._now())
        return self.repository.reschedule(appointment_id, target).to_dict()

    def search(self, bearer: str | None, filters: dict) -> dict:
        self._require_admin(bearer)
        hospital = self.hospitals.get(filters["hospital"])
        query = AppointmentQuery(hospital.id, hospital.name, filters["date"], filters.get("time"),
                                 filters.get("status"), filters["limit"], filters["offset"])
        items, total = self.repository.search(query)
        return {"items": [a.to_dict() for a in items], "total": total,
                "limit": query.limit, "offset": query.offset}

    def _authorized(self, appointment_id: str, bearer: str | None) -> Appointment:
        """The appointment if `bearer` is its token or the admin key; else not found."""
        found = self.repository.get(appointment_id) if bearer else None
        if found is None:
            raise AppointmentNotFound()
        appointment, token_hash = found
        if self._is_admin(bearer) or (token_hash and hmac.compare_digest(token_hash,
                                                                         _hash(bearer))):
            return appointment
        raise AppointmentNotFound()

    def _is_admin(self, bearer: str | None) -> bool:
        return bool(self._admin_key and bearer
                    and hmac.compare_digest(bearer.encode(), self._admin_key.encode()))

    def _require_admin(self, bearer: str | None) -> None:
        if not self._is_admin(bearer):
            raise NotAuthenticated()


def _slot_entry(hospital, day: date, time: str, current: int, now: datetime) -> dict:
    entry = {"time": time, **slot_status(current, hospital.max_per_slot)}
    if schedule.slot_started(hospital, day, time, now):
        # The count stays true, but a slot that has begun takes no more bookings.
        entry.update(available_slots=0, is_available=False, status="started")
    return entry


def _replayed(earlier: IdempotencyEntry, key: str) -> Booked:
    return Booked(earlier.response, _unseal(earlier.sealed_token, key), replayed=True)


def _key_hash(key: str) -> str:
    return _hash("idempotency:" + key)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _fingerprint(request: dict) -> str:
    return _hash(json.dumps(request, sort_keys=True, default=str))


def _seal(token: str, key: str) -> str:
    """Keep a token recoverable for replays only by the holder of the Idempotency-Key."""
    return _xor_with_key(token.encode().ljust(48), key).hex()


def _unseal(sealed: str, key: str) -> str:
    return _xor_with_key(bytes.fromhex(sealed), key).decode().rstrip()


def _xor_with_key(data: bytes, key: str) -> bytes:
    pad = hashlib.sha256(("seal:" + key).encode()).digest() * 2
    return bytes(a ^ b for a, b in zip(data, pad, strict=False))
