"""What a patient's name may hold (app.domain.names) and a phone's letters (app.domain.phones)."""

import pytest

from app.domain.names import HIDDEN_OR_UNASSIGNED, NO_LETTER, STACKED_MARKS, name_problem
from app.domain.phones import has_letters

NAMES = ["মোহাম্মদ রহিম", "শ্রাবন্তী", "র\u09cd\u200dযাব", "Zoe\u0308", "Nguye\u0302\u0303n",
         "O'Neil-Smith", "李小龍", "Ａｌｉ"]


@pytest.mark.parametrize("name", NAMES)
def test_names_as_people_write_them_pass(name):
    assert name_problem(name) is None


@pytest.mark.parametrize("name", ["Rahim\u2028Uddin", "Rahim\u2029Uddin", "Rahim\x07",
                                  "Rahim\ue000", "Rahim\U000f0000", "Rahim\u0378",
                                  "Rahim\ufdd0", "Rahim\uffff", "Rahim\U0010fffe"])
def test_separators_controls_private_use_unassigned_and_noncharacters_are_refused(name):
    assert name_problem(name) == HIDDEN_OR_UNASSIGNED


def test_four_marks_on_a_letter_pass_and_five_are_refused():
    assert name_problem("R" + "\u0301" * 4 + "ahim") is None
    assert name_problem("R" + "\u0301" * 5 + "ahim") == STACKED_MARKS
    assert name_problem("Ra" + "\u200c" * 100 + "him") == STACKED_MARKS


def test_marks_before_the_first_letter_are_held_to_the_same_four():
    assert name_problem("\u0301" * 4 + "Rahim") is None
    assert name_problem("\u0301" * 5 + "Rahim") == STACKED_MARKS


@pytest.mark.parametrize("name", ["\u3164\u3164", "\u2800\u2800", "\uffa0", "12345", "-- .."])
def test_a_name_without_a_visible_letter_is_refused(name):
    assert name_problem(name) == NO_LETTER


@pytest.mark.parametrize("phone, letters", [("+880171ABCDEFG", True), ("01712 ext 5", True),
                                            ("+880 1712-223334", False),
                                            ("০১৭১২২২৩৩৩৪", False)])
def test_a_phone_has_letters_only_when_it_spells_some(phone, letters):
    assert has_letters(phone) is letters
