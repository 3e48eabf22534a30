"""The visit rules: which status may follow which, and when a no-show may be recorded."""

import pytest

from app.domain.errors import InvalidTransition
from app.domain.visits import check_transition


@pytest.mark.parametrize("current, wanted", [
    ("booked", "checked_in"), ("checked_in", "completed"), ("booked", "no_show"),
    ("booked", "cancelled"), ("confirmed", "checked_in")])
def test_allowed_transitions_pass(current, wanted):
    check_transition(current, wanted, slot_started=True)


@pytest.mark.parametrize("current, wanted", [
    ("booked", "completed"), ("checked_in", "no_show"), ("checked_in", "cancelled"),
    ("completed", "checked_in"), ("no_show", "checked_in"), ("cancelled", "checked_in"),
    ("cancelled", "no_show"), ("completed", "no_show")])
def test_other_transitions_are_refused_naming_the_current_status(current, wanted):
    with pytest.raises(InvalidTransition) as refused:
        check_transition(current, wanted, slot_started=True)
    assert refused.value.extra == {"current_status": current}
    assert refused.value.message == f"Cannot change status from {current} to {wanted}"


def test_no_show_waits_for_the_slot_to_start():
    with pytest.raises(InvalidTransition) as refused:
        check_transition("booked", "no_show", slot_started=False)
    assert "only once the slot has started" in refused.value.message
