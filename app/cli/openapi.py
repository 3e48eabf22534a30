"""`hospital-booking openapi write PATH`: the API's OpenAPI description, built from the code."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.api.openapi import build_spec, to_json

openapi = AppGroup("openapi", help="The API's OpenAPI description.")


@openapi.command("write")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def write_openapi(path: Path):
    """Write the OpenAPI description built from the code to PATH (commit docs/openapi.json)."""
    path.write_text(to_json(build_spec(current_app)))
    click.echo(f"wrote {path}")
