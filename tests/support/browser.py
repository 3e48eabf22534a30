"""What browser tests keep beside the page: screenshots at two widths, and figures measured
during the run (printed in pytest's summary by tests/browser/conftest.py)."""

import os
from pathlib import Path

from harness.server import ROOT

SIZES = {"360": {"width": 360, "height": 800}, "1280": {"width": 1280, "height": 800}}
MEASUREMENTS: list[str] = []


def screenshot_dir() -> Path:
    folder = Path(os.environ.get("SCREENSHOT_DIR", ROOT / "var" / "screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def record(line: str) -> None:
    """A figure the run measured, printed in pytest's summary."""
    MEASUREMENTS.append(line)


def screenshots(page, name: str, full_page: bool = False) -> None:
    """Save the page at 360 x 800 and 1280 x 800 (`full_page`: all of its height); at 360 it
    must not scroll sideways."""
    original = page.viewport_size
    for label, size in SIZES.items():
        page.set_viewport_size(size)
        page.evaluate("window.scrollTo(0, 0)")
        page.wait_for_timeout(150)   # layout settles after the resize
        overflow = page.evaluate("document.documentElement.scrollWidth") - size["width"]
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {label} px"
        page.screenshot(path=str(screenshot_dir() / f"{name}-{label}.png"), full_page=full_page)
    page.set_viewport_size(original)
