"""Admin commands: `flask --app app <command>`."""

import click
from flask import Flask

from app.wiring import booking_service


def register_cli(app: Flask) -> None:
    @app.cli.command("init-store")
    def init_store():
        """Create the store's tables or collections and indexes (safe to re-run)."""
        booking_service().prepare_store()
        click.echo("store ready: tables/collections and indexes exist")
