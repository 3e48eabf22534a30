"""Admin commands: `flask --app app <command>`."""

import click
from flask import Flask, current_app


def register_cli(app: Flask) -> None:
    @app.cli.command("init-store")
    def init_store():
        """Create the store's tables or collections and indexes (safe to re-run)."""
        current_app.extensions["booking"].repository.prepare()
        click.echo("store ready: tables/collections and indexes exist")
