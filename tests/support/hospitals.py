"""Hospital configurations for tests: the shipped file with one hospital abroad added.

Every shipped hospital reads phones in BD, so nothing there tells the regions apart; the
Thames Clinic reads a local number ("07400 123456") as a United Kingdom one.
"""

from pathlib import Path

from harness.server import ROOT, Server, start_server

SHIPPED = ROOT / "config" / "hospitals.toml"
ABROAD = "thames"
ABROAD_LOCAL_PHONE = "07400 123456"           # a GB mobile number as dialled in the UK
ABROAD_E164 = "+447400123456"
THAMES = f"""
[[hospital]]
id = "{ABROAD}"
name = "Thames Clinic"
max_per_slot = 5
timezone = "Europe/London"
phone_region = "GB"
"""


def with_a_hospital_abroad(folder: Path) -> Path:
    """A copy of the shipped configuration plus the Thames Clinic (GB); returns its path."""
    config = folder / "hospitals-abroad.toml"
    config.write_text(SHIPPED.read_text() + THAMES)
    return config


def start_with_a_hospital_abroad(folder: Path) -> Server:
    """The real server (2 workers) on the shipped hospitals plus the Thames Clinic."""
    return start_server(folder, workers=2, HOSPITALS_CONFIG=with_a_hospital_abroad(folder))
