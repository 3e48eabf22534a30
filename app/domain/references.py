"""References people can say: 8 characters of Crockford's base32 (no I, L, O, U), read out on
the phone or at a counter, shown grouped as `K7QM-3XD2`."""

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 8
#: What a person may type for a character: Crockford's decoding (I and L are 1, O is 0).
READ_AS = str.maketrans("ILO", "110")
SPOKEN = re.compile(rf"[{ALPHABET}]{{{LENGTH}}}")


def new_reference() -> str:
    """40 random bits; the store's unique index refuses the rare repeat (ReferenceTaken)."""
    number = secrets.randbits(5 * LENGTH)
    return "".join(ALPHABET[(number >> 5 * i) & 31] for i in reversed(range(LENGTH)))


def grouped(reference: str) -> str:
    return f"{reference[:4]}-{reference[4:]}"


def read_reference(typed: str) -> str | None:
    """A reference as typed (any case, hyphens, spaces, I/L/O for 1/1/0), or None."""
    plain = re.sub(r"[\s-]", "", typed).upper().translate(READ_AS)
    return plain if SPOKEN.fullmatch(plain) else None
