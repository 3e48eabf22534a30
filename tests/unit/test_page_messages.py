"""Every error the API can answer has an English and a Bangla text on the pages
(app/web/static/js/api-messages.json), so a new error cannot reach a patient untranslated."""

import re

from tests.support.error_texts import (
    MESSAGES_DOC,
    every_error_text,
    messages_markdown,
    normalized,
    page_table,
    raised_texts,
    schema_texts,
    untranslated,
)

BANGLA = re.compile("[\u0980-\u09ff]")
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def test_the_collector_finds_the_errors_of_each_layer():
    """A scan that found nothing would pass every table: the texts of each source are there."""
    texts = every_error_text()
    assert {"Patient booking limit reached", "Appointment not found", "Too many requests",
            "Booking service unavailable, please retry"} <= texts
    assert "Bookings open at most {} days ahead." in raised_texts()
    assert "Must not contain letters: give the number in digits." in raised_texts()
    assert "Missing data for required field." in schema_texts()
    assert len(texts) > 60


def test_every_error_the_api_can_answer_has_a_page_text():
    assert untranslated(every_error_text(), page_table()) == set()


def test_an_error_the_page_does_not_know_is_reported():
    """The control: a text added to the API without a table entry fails the check above."""
    added = "Appointments on the moon are not available."
    assert untranslated(every_error_text() | {added}, page_table()) == {added}


def test_each_page_text_is_written_in_english_and_in_bangla_with_the_same_values():
    for key, texts in page_table().items():
        assert texts["en"].strip() and texts["bn"].strip(), key
        assert BANGLA.search(texts["bn"]), f"not Bangla: {texts['bn']!r}"
        assert not BANGLA.search(texts["en"]), key
        key_values = set(PLACEHOLDER.findall(key))
        for language in ("en", "bn"):
            assert set(PLACEHOLDER.findall(texts[language])) <= key_values | ANSWER_VALUES, (
                key, language)


def test_no_two_entries_read_the_same_text():
    keys = [normalized(key) for key in page_table()]
    assert len(keys) == len(set(keys))


#: Values the page takes from the error answer's other fields (`limit` of the patient cap).
ANSWER_VALUES = {"limit", "active", "hospital", "hospitals", "current_status", "max_capacity",
                 "retry_after"}


def test_the_documented_list_is_the_pages_table():
    assert MESSAGES_DOC.read_text(encoding="utf-8") == messages_markdown(page_table()), (
        "docs/messages.md is stale: run .venv/bin/python -m tests.support.error_texts")
