"""How the server behaves for the people who run it: start-up checks and logs."""

import pytest
import requests

from harness.server import start_server
from tests.support.hospitals import SHIPPED
from tests.support.load import booking, open_day

pytestmark = pytest.mark.e2e


def test_broken_hospitals_config_stops_start_up_naming_the_problem(tmp_path):
    config = tmp_path / "hospitals.toml"
    config.write_text(SHIPPED.read_text().replace("max_per_slot = 20", "max_per_slot = -1"))
    with pytest.raises(RuntimeError) as caught:
        start_server(tmp_path, HOSPITALS_CONFIG=config)
    assert "hospital 'moon': max_per_slot must be a positive integer, got -1" in str(caught.value)


def test_logs_hold_no_patient_data_or_tokens(tmp_path):
    server = start_server(tmp_path, LOG_LEVEL="DEBUG", ACCESS_LOG="-")
    try:
        body = {**booking("gomoti", open_day(2), "15:00", 7), "patient_name": "Nasrin Akter",
                "patient_email": "nasrin@example.org", "notes": "asthma"}
        answer = requests.post(server.url + "/api/appointments", json=body, timeout=10).json()
        headers = {"Authorization": f"Bearer {answer['access_token']}"}
        url = f"{server.url}/api/appointments/{answer['appointment']['id']}"
        assert requests.get(url, headers=headers, timeout=10).status_code == 200
        requests.post(server.url + "/api/appointments", json=body, timeout=10)   # duplicate
    finally:
        server.stop()
    log = server.log_path.read_text()
    assert "POST /api/appointments" in log     # the access log did run
    for secret in ["Nasrin", body["patient_phone"], "nasrin@example.org", "asthma",
                   answer["access_token"]]:
        assert secret not in log


@pytest.mark.parametrize("name, value", [("WEB_CONCURRENCY", "0"), ("GUNICORN_THREADS", "four"),
                                         ("STORE_TIMEOUT_S", "abc")])
def test_an_environment_value_that_does_not_parse_stops_start_up_naming_it(tmp_path, name,
                                                                             value):
    with pytest.raises(RuntimeError) as caught:
        start_server(tmp_path, **{name: value})
    assert f"environment variable {name} must be a positive" in str(caught.value)
    assert repr(value) in str(caught.value)
