"""The store's commands: prepare, check, back up and restore it, normalize its phones, number
its appointments written before serials.

Exit codes for cron: 0 all well, 1 the store check found problems, 2 the command could not run."""

from datetime import UTC, datetime
from pathlib import Path

import click
from flask.cli import with_appcontext

from app.domain.errors import StoreUnavailable
from app.domain.store_check import StoreReport
from app.storage.base import BackupUnsupported, BackupUnusable, StoreInUse
from app.storage.sqlite.schema_check import StoreSchemaMismatch
from app.wiring import booking_service

#: Exit codes: 0 all well, 1 the store check found problems, 2 the command could not run.
FOUND, FAILED = 1, 2
BACKUP_DIR = click.option(
    "--dir", "backup_dir", type=click.Path(file_okay=False, path_type=Path),
    default="var/backups", show_default=True, envvar="BACKUP_DIR",
    help="Where backups go (env BACKUP_DIR).")


@click.command("init-store")
@with_appcontext
def init_store():
    """Create the store's tables or collections and indexes (safe to re-run)."""
    booking_service().prepare_store()
    click.echo("store ready: tables/collections and indexes exist")


@click.command("check-store")
@with_appcontext
def check_store():
    """Report what is out of line in the store; changes nothing.

    Per slot: more seats taken than its capacity (e.g. the old app's 19 in a 15-seat slot),
    one phone number holding several seats, appointments the slot's row does not account
    for (written outside the booking transaction), and hospitals the configuration does not
    know. Exit 0: nothing found; 1: problems listed; 2: the store did not answer.
    """
    _exit_with(_or_fail(booking_service().check_store))


@click.command("backup-store")
@with_appcontext
@click.argument("target", required=False, type=click.Path(dir_okay=False, path_type=Path))
@BACKUP_DIR
@click.option("--keep", type=click.IntRange(min=0), default=0,
              help="Then delete all but the newest KEEP backups in --dir (0: keep all).")
def backup_store(target: Path | None, backup_dir: Path, keep: int):
    """Consistent online backup of the SQLite store, safe while bookings go on.

    TARGET defaults to DIR/booking-<UTC time>.sqlite3. Uses SQLite's online backup API (one
    snapshot), never a file copy; the copy is integrity-checked before it gets its name.
    MongoDB: scripts/backup-mongo.sh. Exit 0: written; 2: failed (nothing written).
    """
    target = target or backup_dir / f"booking-{_stamp()}.sqlite3"
    info = _or_fail(lambda: booking_service().backup_store(target))
    click.echo(f"backup written: {info.path} ({info.appointments} appointments, "
               f"{info.size_bytes // 1024} KiB, integrity ok)")
    if keep:
        for old in sorted(backup_dir.glob("booking-*.sqlite3"), reverse=True)[keep:]:
            old.unlink()
            click.echo(f"deleted old backup {old}")


@click.command("restore-store")
@with_appcontext
@click.argument("backup", type=click.Path(dir_okay=False, path_type=Path))
@BACKUP_DIR
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_store(backup: Path, backup_dir: Path, yes: bool):
    """Replace the SQLite store by BACKUP, then run check-store on it.

    Refused while another process (a running server) has the store open: stop the API first.
    The current store is saved first as DIR/pre-restore-<UTC time>.sqlite3. Exit 0: restored
    and nothing found; 1: restored, problems listed; 2: refused or failed (nothing changed).
    MongoDB: scripts/restore-mongo.sh, then check-store.
    """
    if not backup.is_file():        # a mistyped name is told before any question is asked
        _fail(f"no backup file at {backup}")
    if not (yes or _confirmed(f"Replace the store's contents by {backup}?")):
        _fail("restore not confirmed (--yes to skip the question): nothing changed")
    previous = backup_dir / f"pre-restore-{_stamp()}.sqlite3"
    report = _or_fail(lambda: booking_service().restore_store(backup, previous))
    click.echo(f"restored {backup} (the previous store is saved as {previous})")
    _exit_with(report)


def _or_fail(action):
    try:
        return action()
    except (BackupUnsupported, BackupUnusable, StoreInUse, StoreSchemaMismatch, OSError) as exc:
        _fail(str(exc))
    except StoreUnavailable as exc:
        _fail(f"the store did not answer: {exc.__cause__ or exc}")


def _exit_with(report: StoreReport) -> None:
    if report.clean:
        click.echo(f"check-store: OK - {report.slots} slots, {report.seats_taken} seats taken, "
                   "nothing out of line")
        return
    click.echo(f"check-store: {len(report.findings)} problem(s) in {report.slots} slots "
               f"({report.seats_taken} seats taken):")
    for finding in report.findings:
        click.echo(f"  {finding.line()}")
    raise SystemExit(FOUND)


def _confirmed(question: str) -> bool:
    try:
        return click.confirm(question, default=False)
    except click.Abort:         # no terminal to answer (cron): not confirmed
        return False


def _fail(message: str):
    click.echo(f"error: {message}", err=True)
    raise SystemExit(FAILED)


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


@click.command("normalize-phones")
@with_appcontext
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1))
def normalize_phones(batch_size):
    """Store every appointment's phone as E.164 (idempotent; never deletes anything)."""
    report = booking_service().normalize_stored_phones(batch_size)
    click.echo(f"phones: {report.scanned} scanned, {report.normalized} normalized, "
               f"{len(report.unparsed)} could not be read, "
               f"{len(report.left_as_duplicates)} left as they would duplicate a patient "
               "in their slot")
    for label, ids in (("could not be read", report.unparsed),
                       ("left as duplicates", report.left_as_duplicates)):
        for appointment_id in ids:
            click.echo(f"{label}: appointment {appointment_id}")


@click.command("assign-serials")
@with_appcontext
def assign_serials():
    """Give every seat-holding appointment written without a serial (before serials, or by
    the old app) the next serials of its slot, in booking order (idempotent)."""
    numbered, slots = booking_service().assign_serials()
    click.echo(f"serials: {numbered} appointment(s) numbered in {slots} slot(s)")
