"""What a patient's name may hold: it is shown on the staff board, the day list and exports,
so it must draw as the letters a person would read out (app.api.schemas calls these rules).

Bangla writes a syllable as a letter with vowel signs, a virama and zero-width (non-)joiners
after it ("শ্রাবন্তী"), so marks are counted per letter, not refused.
"""

import unicodedata

#: Marks and joiners one letter may carry: a Bangla conjunct with ZWJ and a vowel sign holds
#: three; 150 acute accents on one letter ("Zalgo" text) draw over the lines around it.
MAX_MARKS_PER_LETTER = 4
MARKS = {"Mn", "Mc", "Me"}
JOINERS = {"\u200c", "\u200d"}
#: Letters that draw nothing: the Hangul fillers (names made of them look blank).
BLANK_LETTERS = {"\u115f", "\u1160", "\u3164", "\uffa0"}
#: Line and paragraph separators, controls, private-use, unassigned and noncharacter
#: code points (the last two are both "Cn" to unicodedata), surrogates.
NOT_IN_NAMES = {"Zl", "Zp", "Cc", "Co", "Cn", "Cs"}

HIDDEN_OR_UNASSIGNED = ("Must not contain line breaks, control, private-use, unassigned or "
                        "non-character code points.")
STACKED_MARKS = f"Must not stack more than {MAX_MARKS_PER_LETTER} marks on one letter."
NO_LETTER = "Must contain a letter."


def name_problem(name: str) -> str | None:
    """Why `name` cannot be a person's name as written, or None when it can."""
    if any(unicodedata.category(char) in NOT_IN_NAMES for char in name):
        return HIDDEN_OR_UNASSIGNED
    if _most_marks_on_one_letter(name) > MAX_MARKS_PER_LETTER:
        return STACKED_MARKS
    if not any(_visible_letter(char) for char in name):
        return NO_LETTER
    return None


def _most_marks_on_one_letter(name: str) -> int:
    """The longest run of marks and joiners after one character."""
    most = run = 0
    for char in name:
        run = run + 1 if char in JOINERS or unicodedata.category(char) in MARKS else 0
        most = max(most, run)
    return most


def _visible_letter(char: str) -> bool:
    return unicodedata.category(char).startswith("L") and char not in BLANK_LETTERS
