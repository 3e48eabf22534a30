"""prometheus_client's multiprocess mode under gunicorn: one directory, cleaned and compacted.

Each worker writes its samples to files named by its pid in PROMETHEUS_MULTIPROC_DIR, and a
scrape reads every file. Workers that gunicorn replaces would leave files behind, so a scrape
after many restarts would read thousands; instead the master folds a dead worker's counters
and histograms into one archive file per type. A shared lock keeps a scrape from reading a
fold half done (counted twice or not at all).
"""

import fcntl
import os
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ENV = "PROMETHEUS_MULTIPROC_DIR"
FOLDED_TYPES = ("counter", "histogram", "summary")   # additive per sample key


def ensure_dir() -> Path:
    """The directory from the environment, or a new private one put there for the workers.

    Called by config/gunicorn.conf.py before any worker imports prometheus_client.
    """
    if not os.environ.get(ENV):
        os.environ[ENV] = tempfile.mkdtemp(prefix="hospital-booking-metrics-")
    return Path(os.environ[ENV])


def clean(path: Path) -> None:
    """Remove a previous run's samples (gunicorn's on_starting)."""
    path.mkdir(parents=True, exist_ok=True)
    for stale in [*path.glob("*.db"), *path.glob("*.tmp")]:
        stale.unlink()


def retire_worker(pid: int, path: Path) -> None:
    """A worker exited (gunicorn's child_exit): drop its live gauges, fold its counters."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(pid, str(path))
    with locked(path, fcntl.LOCK_EX):
        for kind in FOLDED_TYPES:
            dead = path / f"{kind}_{pid}.db"
            if dead.exists():
                _fold(dead, path / f"{kind}_archive.db")


@contextmanager
def locked(path: Path, mode: int) -> Iterator[None]:
    """LOCK_SH while a scrape reads the files, LOCK_EX while the master folds one."""
    fd = os.open(path / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, mode)
        yield
    finally:
        os.close(fd)


def _fold(dead: Path, archive: Path) -> None:
    from prometheus_client.mmap_dict import MmapedDict

    totals = defaultdict(float)
    for source in (archive, dead):
        if source.exists():
            for key, value, _, _ in MmapedDict.read_all_values_from_file(str(source)):
                totals[key] += value
    staged = archive.with_suffix(".tmp")
    merged = MmapedDict(str(staged))
    for key, value in totals.items():
        merged.write_value(key, value, 0.0)
    merged.close()
    os.replace(staged, archive)
    dead.unlink()
