"""`hospital-booking`: the admin commands as a console script installed into the venv
(setup.cfg [options.entry_points]), so `.venv/bin/hospital-booking closures ...` works as typed,
whatever `flask` the PATH holds and without activating the venv."""

import click
from flask import Flask
from flask.cli import FlaskGroup

from app import create_app
from app.domain.errors import ConfigError
from app.version import VERSION

#: Exit status of a command that could not run (as the store commands' 2).
COULD_NOT_RUN = 2


class ConfigRefused(click.ClickException):
    """A broken environment or hospitals file: one line, exit 2, not a traceback."""

    exit_code = COULD_NOT_RUN


def _app() -> Flask:
    try:
        return create_app()
    except ConfigError as exc:
        raise ConfigRefused(str(exc)) from None


@click.version_option(VERSION, prog_name="hospital-booking", message="%(prog)s %(version)s")
@click.group(cls=FlaskGroup, create_app=_app, add_default_commands=False,
             add_version_option=False)
def main():
    """The hospital slot-booking service's admin commands. Run them where the server runs, with
    its environment (SQLITE_PATH or MONGODB_URI, HOSPITALS_CONFIG). Every command has --help."""


# FlaskGroup's own options (--app, --env-file, --debug) choose another app or a dev-server mode:
# the console script serves this one app, so its help shows only what an operator needs.
main.params = [param for param in main.params if param.name not in ("app", "env_file", "debug")]
