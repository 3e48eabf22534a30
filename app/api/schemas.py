"""Marshmallow schemas: the only place request data is checked and converted."""

import re
import unicodedata

from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
)

from app.domain.errors import ValidationFailed
from app.domain.model import CANCELLED
from app.domain.names import name_problem
from app.domain.phones import LETTERS_IN_PHONE, has_letters
from app.domain.references import read_reference
from app.domain.visits import KNOWN, VISIT_STATUSES

#: HH:MM as the OpenAPI description writes it (ECMAScript: `$` is the end of the text).
TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d$"
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
# Control (Cc) and format (Cf) characters: NUL, BEL/ESC, bidi overrides, zero-width spaces.
HIDDEN_CATEGORIES = {"Cc", "Cf"}
# Zero-width (non-)joiners shape Bangla and other scripts: allowed between two characters.
JOINERS = {"\u200c", "\u200d"}
LINE_BREAKS = {"\n", "\r", "\t"}


class FullMatch(validate.Regexp):
    """A pattern the whole value must match: Python's `$` also matches before a final
    newline, so "10:00\n" passes `re.match` (and then closes the wrong slots)."""

    def __call__(self, value: str) -> str:
        if self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


TIME = FullMatch(TIME_PATTERN, error="Must be a time as HH:MM.")
NOT_A_REFERENCE = "Not a reference: 8 letters and digits, like K7QM-3XD2."


class Text(fields.String):
    """A string, trimmed, of visible text; anything else (objects like {"$ne": null},
    numbers, control or format characters, blanks) is refused. An optional field sent
    blank is null."""

    def __init__(self, *args, multiline: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self._allowed = JOINERS | (LINE_BREAKS if multiline else set())

    def deserialize(self, value, *args, **kwargs):
        if isinstance(value, str) and not value.strip() and not self.required:
            value = None    # an empty optional field of a form
        return super().deserialize(value, *args, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:   # a lone surrogate such as "\ud800" cannot be stored
            raise ValidationError("Must be valid Unicode text.") from None
        if not text:
            raise ValidationError("Must not be blank.")
        self._refuse_hidden(text)
        return text

    def _refuse_hidden(self, text: str) -> None:
        last = len(text) - 1
        for at, char in enumerate(text):
            hidden = unicodedata.category(char) in HIDDEN_CATEGORIES
            if hidden and not (char in self._allowed and 0 < at < last):
                raise ValidationError(
                    f"Must not contain control or invisible characters (U+{ord(char):04X}).")


class Day(fields.Date):
    """A calendar date written exactly YYYY-MM-DD (not 20261201 or 2026-W49-2)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not ISO_DAY.fullmatch(value):
            raise ValidationError("Must be a date as YYYY-MM-DD.")
        return super()._deserialize(value, attr, data, **kwargs)


class Clock(fields.String):
    """A slot time written exactly HH:MM (not "10:00\\n", not " 10:00"); a blank one is
    refused, never read as "no time"."""

    def __init__(self, **kwargs):
        super().__init__(validate=TIME, **kwargs)


class HospitalRef(Text):
    """A hospital's id ("gomoti") or display name."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Length(1, 200), **kwargs)


class PersonName(Text):
    """A patient's name as people write it (app.domain.names)."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Length(1, 200), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        name = super()._deserialize(value, attr, data, **kwargs)
        problem = name_problem(name)
        if problem:
            raise ValidationError(problem)
        return name


class Phone(Text):
    """A phone as typed; checked as a number (app.domain.phones) once the hospital, and so its
    region, is known. Letters are refused here, before phonenumbers reads them as digits."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Length(1, 40), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        phone = super()._deserialize(value, attr, data, **kwargs)
        if has_letters(phone):
            raise ValidationError(LETTERS_IN_PHONE)
        return phone


class Reference(Text):
    """A reference as a person types it (any case, grouped K7QM-3XD2, I/L/O for 1/1/0)."""

    def _deserialize(self, value, attr, data, **kwargs):
        reference = read_reference(super()._deserialize(value, attr, data, **kwargs))
        if reference is None:
            raise ValidationError(NOT_A_REFERENCE)
        return reference


class StrictSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    @pre_load
    def require_object(self, data, **kwargs):
        if not isinstance(data, dict):
            raise ValidationError("Request body must be a JSON object.", "_schema")
        return data


class BookingSchema(StrictSchema):
    hospital = HospitalRef(required=True, metadata={
        "description": "Hospital id or display name.", "example": "gomoti"})
    date = Day(required=True, metadata={
        "description": "From today (hospital time) to the booking horizon; not a closed day."})
    appointment_time = Clock(required=True, metadata={
        "description": "A slot start on the hospital's grid that has not begun.",
        "example": "10:00"})
    patient_name = PersonName(required=True)
    patient_phone = Phone(required=True, metadata={
        "description": "A phone number, national (read in the hospital's region, e.g. "
                       "01712345678 in Bangladesh) or with its country code; stored as E.164. "
                       "One active booking per phone per slot, and at most the hospital's "
                       "max_active_per_patient upcoming ones.",
        "example": "+8801712345678"})
    patient_email = fields.Email(load_default=None, allow_none=True,
                                 validate=validate.Length(max=254))
    doctor = Text(load_default=None, allow_none=True, validate=validate.Length(max=200))
    notes = Text(load_default=None, allow_none=True, multiline=True,
                 validate=validate.Length(max=1000))


class SlotPathSchema(StrictSchema):
    date = Day(required=True)
    time = Clock(required=True)


class DayQuerySchema(StrictSchema):
    date = Day(required=True)


class AppointmentChangeSchema(StrictSchema):
    """PATCH body: a new {status} (cancelled, or a visit status: staff only), or a new
    {date, appointment_time[, hospital]}."""

    status = Text(validate=validate.OneOf([CANCELLED, *VISIT_STATUSES]))
    hospital = HospitalRef()
    date = Day()
    appointment_time = Clock()

    @post_load
    def one_change(self, data, **kwargs):
        moving = {"date", "appointment_time"} & data.keys()
        if "status" in data and (moving or "hospital" in data):
            raise ValidationError("Cancel or reschedule, not both.", "_schema")
        if "status" not in data and moving != {"date", "appointment_time"}:
            raise ValidationError("Give a status, or date and appointment_time.",
                                  "_schema")
        return data


class AppointmentSearchSchema(StrictSchema):
    """A hospital day (?hospital=&date=, narrowed by time, status or phone), or the one
    appointment with ?reference= at any hospital."""

    hospital = HospitalRef()
    date = Day()
    time = Clock()
    status = Text(validate=validate.OneOf(KNOWN))
    phone = Phone()
    reference = Reference(metadata={"example": "K7QM-3XD2"})
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, 1_000_000))

    @post_load
    def a_day_or_a_reference(self, data, **kwargs):
        if "reference" not in data and not {"hospital", "date"} <= data.keys():
            raise ValidationError("Give hospital and date, or reference.", "_schema")
        if "phone" in data and "hospital" not in data:
            raise ValidationError("Give the hospital with a phone.", "hospital")
        return data


def load(schema: Schema, data) -> dict:
    """Validate `data` with `schema`, raising the domain's ValidationFailed."""
    try:
        return schema.load(data)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise ValidationFailed(messages) from None


class ClosureSchema(StrictSchema):
    """POST /api/admin/closures: a whole day, or a range with both start and end."""

    hospital = HospitalRef(required=True)
    date = Day(required=True)
    reason = Text(required=True, validate=validate.Length(1, 200))
    start = Clock(load_default=None)
    end = Clock(load_default=None)

    @post_load
    def whole_day_or_range(self, data, **kwargs):
        if (data["start"] is None) != (data["end"] is None):
            raise ValidationError("Give both start and end, or neither (the whole day).",
                                  "_schema")
        if data["start"] is not None and data["start"] >= data["end"]:
            raise ValidationError("start must be before end.", "_schema")
        return data


class CapacitySchema(StrictSchema):
    """PUT /api/admin/capacity: one slot (time) or every slot of the date; null: the default."""

    hospital = HospitalRef(required=True)
    date = Day(required=True)
    time = Clock(load_default=None)
    capacity = fields.Integer(required=True, allow_none=True, strict=True,
                              validate=validate.Range(0, 10_000))


class HospitalDaySchema(StrictSchema):
    """?hospital=[&date=]: the closures or capacity overrides listed."""

    hospital = HospitalRef(required=True)
    date = Day(load_default=None)


class AuditQuerySchema(StrictSchema):
    """?appointment=<id>, or ?hospital=&date=&time= for one slot."""

    appointment_id = Text(data_key="appointment", validate=validate.Length(1, 64))
    hospital = HospitalRef()
    date = Day()
    time = Clock()

    @post_load
    def one_subject(self, data, **kwargs):
        slot = {"hospital", "date", "time"} & data.keys()
        if ("appointment_id" in data) == bool(slot) or (slot and len(slot) < 3):
            raise ValidationError("Give appointment, or hospital, date and time.", "_schema")
        return data
