"""Hospital operations from the command line (registered by app.cli): closures, capacity
overrides, the front desk's day list. Exit codes for scripts and cron: 0 done, 1 refused (the
message says why), 2 bad usage."""

import functools

import click
from flask.cli import AppGroup, with_appcontext

from app.api.schemas import CapacitySchema, ClosureSchema, load
from app.cli.spreadsheet import write_csv
from app.domain.errors import BookingError, UnknownHospital
from app.domain.operations import CLI
from app.service.commands import AddClosure, SetCapacity
from app.wiring import booking_service

EXPORT_COLUMNS = ("appointment_time", "serial", "status", "patient_name", "patient_phone",
                  "patient_email", "doctor", "notes", "reference", "id")
NO_SERIAL = "—"       # written before serials, not yet numbered (assign-serials)
DAY = click.DateTime(formats=["%Y-%m-%d"])
TIME = click.STRING


def refusals_exit_1(command):
    """A domain refusal (unknown hospital, closed slot, bad input) prints why in one line and
    exits 1."""
    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except BookingError as exc:
            raise click.ClickException(refusal_line(exc)) from None
    return run


def refusal_line(exc: BookingError) -> str:
    """What an operator reads: each field's message after its name, an unknown hospital with the
    ones that exist (as the API's 404 lists them); never a Python dict or list."""
    if isinstance(exc, UnknownHospital):
        known = ", ".join(f"{h['id']} ({h['name']})" for h in exc.extra["hospitals"])
        return f"Unknown hospital '{exc.extra['hospital']}'; the hospitals are {known}"
    details = exc.extra.get("details")
    return "; ".join(_field_messages(details)) if details else exc.message


def _field_messages(details: dict, prefix: str = ""):
    """marshmallow's {field: [messages]} (nested for nested fields) as 'field: message' parts;
    a schema-wide message (`_schema`) stands alone."""
    for field, messages in details.items():
        name = "" if field == "_schema" else f"{prefix}{field}"
        if isinstance(messages, dict):
            yield from _field_messages(messages, f"{name}." if name else "")
            continue
        text = " ".join(str(message) for message in messages)
        yield f"{name}: {text}" if name else text


# -- closures ----------------------------------------------------------------------------------

@click.group(cls=AppGroup)
def closures():
    """Close a hospital date (whole day or a time range), list or remove closures."""


@closures.command("add")
@click.argument("hospital")
@click.argument("day", metavar="DATE", type=DAY)
@click.option("--reason", required=True, help="Shown to patients: 'Hospital closed on DATE: "
              "REASON'.")
@click.option("--start", help="HH:MM; with --end, close only this range (else the whole day).")
@click.option("--end", help="HH:MM, exclusive.")
@refusals_exit_1
def add_closure(hospital, day, reason, start, end):
    """Close HOSPITAL on DATE at once for every worker. Bookings there are counted, never
    cancelled (see `closures cancel-bookings`)."""
    fields = load(ClosureSchema(), {"hospital": hospital, "date": day.date().isoformat(),
                                    "reason": reason, "start": start, "end": end})
    added = booking_service().add_closure(AddClosure(**fields), CLI)
    click.echo(f"closed {_closure_line(added.closure)}")
    click.echo(f"active bookings in the closed slots: {added.active_bookings} (none cancelled)")


@closures.command("list")
@click.argument("hospital")
@click.option("--date", "day", type=DAY, help="Only this date.")
@refusals_exit_1
def list_closures(hospital, day):
    """The run-time closures of HOSPITAL, by date."""
    found = booking_service().closures(hospital, day.date() if day else None)
    for closure in found:
        click.echo(_closure_line(closure))
    if not found:
        click.echo("no closures")


@closures.command("remove")
@click.argument("closure_id")
@refusals_exit_1
def remove_closure(closure_id):
    """Reopen what closure CLOSURE_ID closed (unless another closure covers it)."""
    click.echo(f"removed {_closure_line(booking_service().remove_closure(closure_id, CLI))}")


@closures.command("cancel-bookings")
@click.argument("closure_id")
@click.confirmation_option(prompt="Cancel the bookings in this closure's slots?")
@refusals_exit_1
def cancel_closed(closure_id):
    """Cancel the bookings still awaiting their visit in closure CLOSURE_ID's slots (status
    'cancelled', the closure's reason in the audit trail)."""
    cancelled = booking_service().cancel_closed(closure_id, CLI)
    click.echo(f"cancelled {len(cancelled)} booking(s)")


def _closure_line(c) -> str:
    hours = f"{c.start}-{c.end}" if c.start else "whole day"
    return f"{c.id}  {c.hospital_id}  {c.date.isoformat()}  {hours}  {c.reason}"


# -- capacity ----------------------------------------------------------------------------------

@click.group(cls=AppGroup)
def capacity():
    """Set or list capacity overrides (one slot, or every slot of a date)."""


@capacity.command("set")
@click.argument("hospital")
@click.argument("day", metavar="DATE", type=DAY)
@click.argument("seats", metavar="CAPACITY")
@click.option("--time", type=TIME, help="HH:MM: only this slot (else every slot of DATE).")
@refusals_exit_1
def set_capacity(hospital, day, seats, time):
    """Set the CAPACITY of HOSPITAL's slots on DATE ('default' restores the configured one).
    Bookings over it stay; they are reported and the slot shows full."""
    value = None if seats == "default" else _integer(seats)
    fields = load(CapacitySchema(), {"hospital": hospital, "date": day.date().isoformat(),
                                     "time": time, "capacity": value})
    changed = booking_service().set_capacity(SetCapacity(**fields), CLI)
    for slot in changed.slots:
        over = "  OVER CAPACITY" if slot.current_bookings > slot.max_capacity else ""
        click.echo(f"{slot.date.isoformat()} {slot.time}  capacity {slot.max_capacity}  "
                   f"booked {slot.current_bookings}{over}")


@capacity.command("list")
@click.argument("hospital")
@click.option("--date", "day", type=DAY, help="Only this date.")
@refusals_exit_1
def list_capacity(hospital, day):
    """The capacity overrides of HOSPITAL."""
    found = booking_service().capacity_overrides(hospital, day.date() if day else None)
    for key, seats in found.items():
        click.echo(f"{key.hospital_id}  {key.date.isoformat()} {key.time}  capacity {seats}")
    if not found:
        click.echo("no capacity overrides")


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise click.BadParameter("a whole number, or 'default'", param_hint="CAPACITY") \
            from None


# -- the front desk's list ---------------------------------------------------------------------

@click.command("export-day")
@with_appcontext
@click.argument("hospital")
@click.argument("day", metavar="DATE", type=DAY)
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-",
              help="CSV file to write (default: standard output).")
@refusals_exit_1
def export_day(hospital, day, output):
    """Write HOSPITAL's appointments on DATE as CSV for the front desk (time order; holds
    patient names and phones: keep the file where patient records belong)."""
    items = booking_service().day_list(hospital, day.date())
    fields = ({**a.to_dict(), "serial": a.serial or NO_SERIAL} for a in items)
    write_csv(output, EXPORT_COLUMNS, ([row[c] or "" for c in EXPORT_COLUMNS] for row in fields))
    click.echo(f"exported {len(items)} appointment(s)", err=True)


