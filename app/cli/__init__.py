"""Admin commands: `.venv/bin/hospital-booking <command>` (app.cli.console; `flask --app app
<command>` runs the same), each with --help and exit codes for cron.

One module per command group: `store` (prepare, check, back up, restore, normalize phones),
`operations` (closures, capacity overrides, the front desk's day list) and `openapi`.
"""

from flask import Flask

from app.cli.openapi import openapi
from app.cli.operations import capacity, closures, export_day
from app.cli.store import (
    assign_serials,
    backup_store,
    check_store,
    init_store,
    normalize_phones,
    restore_store,
)


def register_cli(app: Flask) -> None:
    for command in (init_store, check_store, backup_store, restore_store, openapi, closures,
                    capacity, export_day, normalize_phones, assign_serials):
        app.cli.add_command(command)
