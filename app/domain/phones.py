"""One identity per phone: any spelling a patient types becomes one E.164 string.

Parsed with Google's libphonenumber rules (the `phonenumbers` package): a national spelling
("01811111111") is read in the hospital's region, and a number no operator could assign is
refused, so "01811111111", "8801811111111", "+880 1811-111111" and "+8801811111111" are one patient.
"""

import phonenumbers

from app.domain.errors import ValidationFailed

E164 = phonenumbers.PhoneNumberFormat.E164


def e164(text: str, region: str) -> str | None:
    """`text` as E.164 ("+8801811111111"), reading national numbers (with or without the
    region's country code) in `region`; None if it is not a number that can exist."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, E164)


def patient_phone(text: str, region: str, field: str = "patient_phone") -> str:
    """The E.164 form of a patient's phone, or ValidationFailed naming `field`."""
    number = e164(text, region)
    if number is None:
        raise ValidationFailed({field: [invalid_message(region)]})
    return number


def invalid_message(region: str) -> str:
    example = phonenumbers.example_number_for_type(region,
                                                   phonenumbers.PhoneNumberType.MOBILE)
    national = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)
    return (f"Not a valid phone number. Give a {region} number such as {national}, or any "
            f"number with its country code, such as {phonenumbers.format_number(example, E164)}.")


LETTERS_IN_PHONE = "Must not contain letters: give the number in digits."


def has_letters(text: str) -> bool:
    """Whether `text` holds a letter: phonenumbers would read "+880171ABCDEFG" as the keypad's
    digits, +8801712223334, another patient's number."""
    return any(char.isalpha() for char in text)
