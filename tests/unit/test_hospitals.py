"""Loading and checking the hospitals configuration."""

from datetime import date

import pytest

from app.config.hospitals import load_hospitals
from app.domain.errors import ConfigError, UnknownHospital
from tests.support.hospitals import SHIPPED

VALID = """
[defaults]
closed_weekdays = ["Friday"]
opens = "09:00"
closes = "17:00"
slot_minutes = 30
timezone = "Asia/Dhaka"
horizon_days = 60
[[hospital]]
id = "gomoti"
name = "Gomoti Hospital"
max_per_slot = 15
"""


def write(tmp_path, text):
    path = tmp_path / "hospitals.toml"
    path.write_text(text)
    return path


def test_shipped_config_has_the_documents_capacities():
    hospitals = load_hospitals(SHIPPED)
    assert {h.id: (h.name, h.max_per_slot) for h in hospitals.all()} == {
        "gomoti": ("Gomoti Hospital", 15), "moon": ("Moon Hospital", 20),
        "al-sefa": ("Al-Sefa Hospital", 25)}


def test_shipped_hospitals_read_bangladeshi_phones_and_cap_two_bookings_per_patient():
    assert {(h.phone_region, h.max_active_per_patient)
            for h in load_hospitals(SHIPPED).all()} == {("BD", 2)}


def test_shipped_hospitals_have_their_names_in_bangla():
    assert {h.id: h.name_bn for h in load_hospitals(SHIPPED).all()} == {
        "gomoti": "গোমতী হাসপাতাল", "moon": "মুন হাসপাতাল", "al-sefa": "আল-শেফা হাসপাতাল"}


def test_a_bangla_name_is_optional_but_never_blank(tmp_path):
    assert load_hospitals(write(tmp_path, VALID)).get("gomoti").name_bn is None
    with pytest.raises(ConfigError, match="name_bn must be a non-empty string"):
        load_hospitals(write(tmp_path, VALID + 'name_bn = "  "'))


def test_day_has_sixteen_half_hour_slots_ending_at_1630():
    gomoti = load_hospitals(SHIPPED).get("gomoti")
    times = gomoti.slot_times()
    assert (len(times), times[0], times[-1]) == (16, "09:00", "16:30")


def test_closed_on_friday_only():
    gomoti = load_hospitals(SHIPPED).get("gomoti")
    assert [gomoti.is_open_on(date(2026, 11, d)) for d in range(23, 30)] == [
        True, True, True, True, False, True, True]


@pytest.mark.parametrize("ref", ["gomoti", "Gomoti Hospital", " gomoti hospital "])
def test_found_by_id_or_display_name(ref):
    assert load_hospitals(SHIPPED).get(ref).id == "gomoti"


def test_unknown_hospital_is_named():
    with pytest.raises(UnknownHospital):
        load_hospitals(SHIPPED).get("City Hospital")


@pytest.mark.parametrize("text, problem", [
    ("[[hospital", "not valid TOML"),
    ("[defaults]\nopens = '09:00'", "no [[hospital]] entries"),
    (VALID.replace('max_per_slot = 15', 'max_per_slot = 0'), "max_per_slot must be a positive"),
    (VALID.replace('max_per_slot = 15', ''), "missing max_per_slot"),
    (VALID.replace('"Friday"', '"Funday"'), "closed_weekdays must be"),
    (VALID.replace('Asia/Dhaka', 'Mars/Base'), "Mars/Base"),
    (VALID.replace('"17:00"', '"09:10"'), "hold no 30-minute slot"),
    (VALID.replace('"09:00"', '"nine"'), "nine"),
    (VALID + '[[hospital]]\nid = "GOMOTI"\nname = "Other"\nmax_per_slot = 3', "duplicate"),
    (VALID + 'phone_region = "Bangladesh"', "phone_region must be a region code"),
    (VALID + 'max_active_per_patient = -1', "max_active_per_patient must be 0"),
])
def test_broken_config_names_the_problem(tmp_path, text, problem):
    with pytest.raises(ConfigError, match=problem.replace("[", r"\[")):
        load_hospitals(write(tmp_path, text))


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(ConfigError, match="cannot read hospitals config .*nope.toml"):
        load_hospitals(tmp_path / "nope.toml")


@pytest.mark.parametrize("text, where, key", [
    (VALID + "max_per_slots = 15\n", "hospital 'gomoti'", "'max_per_slots'"),
    (VALID.replace('closed_weekdays =', 'closed_weekday ='), "[defaults]", "'closed_weekday'"),
    ("hospitals = 1\n" + VALID, "top level", "'hospitals'"),
])
def test_a_misspelt_key_stops_start_up_naming_file_place_key_and_the_keys_that_exist(
        tmp_path, text, where, key):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_hospitals(path)
    message = str(raised.value)
    assert str(path) in message and where in message and key in message
    assert "the keys that exist:" in message and "\n" not in message


def test_contact_text_is_per_hospital_with_a_default(tmp_path):
    hospitals = load_hospitals(write(tmp_path, VALID + 'contact = "Call 10655"\n'))
    assert hospitals.get("gomoti").contact == "Call 10655"
    assert load_hospitals(write(tmp_path, VALID)).get("gomoti").contact.startswith("Ask at")
    with pytest.raises(ConfigError, match="contact must be a non-empty string"):
        load_hospitals(write(tmp_path, VALID + "contact = 5\n"))


def test_an_unknown_hospital_names_the_ones_that_exist():
    with pytest.raises(UnknownHospital) as raised:
        load_hospitals(SHIPPED).get("City Hospital")
    assert raised.value.extra["hospitals"] == [
        {"id": "gomoti", "name": "Gomoti Hospital"}, {"id": "moon", "name": "Moon Hospital"},
        {"id": "al-sefa", "name": "Al-Sefa Hospital"}]


@pytest.mark.parametrize("text, where, problem", [
    (VALID.replace('opens = "09:00"', 'opens = "9am"'), "[defaults]",
     "opens must be a time of day HH:MM such as '09:00', got '9am'"),
    (VALID + 'opens = "9am"\n', "hospital 'gomoti'",
     "opens must be a time of day HH:MM such as '09:00', got '9am'"),
    (VALID.replace("horizon_days = 60", 'horizon_days = "sixty"'), "[defaults]",
     "horizon_days must be a positive integer, got 'sixty'"),
    (VALID.replace("max_per_slot = 15", "max_per_slot = true"), "hospital 'gomoti'",
     "max_per_slot must be a positive integer, got True"),
    (VALID.replace("Asia/Dhaka", "Mars/Base"), "[defaults]",
     "timezone must be an IANA time zone such as 'Asia/Dhaka', got 'Mars/Base'"),
    (VALID + 'closed_dates = [{date = 2026-12-16, reason = ""}]\n', "hospital 'gomoti'",
     "closed_dates[0].reason must be a non-empty string, got ''"),
    (VALID + 'closed_dates = [{date = "16 Dec", reason = "Victory Day"}]\n', "hospital 'gomoti'",
     "closed_dates[0].date must be a date YYYY-MM-DD, got '16 Dec'"),
    (VALID + 'closed_dates = [{date = 2026-12-16, reason = "V", why = 1}]\n', "hospital 'gomoti'",
     "unknown key 'closed_dates[0].why'; the keys that exist: date, reason"),
])
def test_a_bad_value_is_named_with_file_place_key_value_and_what_is_expected(
        tmp_path, text, where, problem):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_hospitals(path)
    assert str(raised.value) == f"hospitals config {path}, {where}: {problem}"


def test_every_problem_of_a_hospital_is_named_in_one_line(tmp_path):
    text = VALID.replace("max_per_slot = 15", "max_per_slot = 0\nslot_minutes = 0\n"
                                              'phone_region = "Bangladesh"')
    with pytest.raises(ConfigError) as raised:
        load_hospitals(write(tmp_path, text))
    message = str(raised.value)
    assert "\n" not in message
    assert ("max_per_slot must be a positive integer, got 0; slot_minutes must be a positive "
            "integer, got 0; phone_region must be a region code such as 'BD', got "
            "'Bangladesh'") in message


def test_closed_dates_are_read_as_toml_dates_or_iso_strings(tmp_path):
    text = VALID + ('closed_dates = [{date = 2026-12-16, reason = " Victory Day "}, '
                    '{date = "2026-03-26", reason = "Independence Day"}]\n')
    assert load_hospitals(write(tmp_path, text)).get("gomoti").closed_dates == (
        (date(2026, 12, 16), "Victory Day"), (date(2026, 3, 26), "Independence Day"))
