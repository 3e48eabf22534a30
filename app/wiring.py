"""The app's one BookingService: installed by create_app(), reached by every view and CLI
command through the typed accessor booking_service()."""

from flask import Flask, current_app

from app.service import BookingService

EXTENSION = "booking"


def install_service(app: Flask, service: BookingService) -> None:
    app.extensions[EXTENSION] = service


def booking_service() -> BookingService:
    """The current app's BookingService (inside a request or CLI command)."""
    return current_app.extensions[EXTENSION]
