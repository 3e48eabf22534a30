"""Reproduce the WriteGate first-use race: a burst of first writes can leak the file lock.

Usage: .venv/bin/python -m bench.gate_race [TRIALS]

Each trial builds a fresh WriteGate and lets 16 threads enter `hold()` at once, as a freshly
forked gunicorn worker does when a burst of bookings is its first traffic. Afterwards nobody
holds the gate, so a probe must get the flock. When `_after_fork` runs in two threads at once,
one thread can lock one descriptor and unlock the other: the lock stays held for the life of
the process and every later write in every worker waits STORE_TIMEOUT_S and answers 503.
(Found by the bench, fixed in c2e854a; `make bench` keeps running it.) Exit status 1 when any
trial leaked.
"""

import fcntl
import os
import sys
import tempfile
import threading
from pathlib import Path

from app.storage.sqlite import WriteGate


def trial(workdir: Path, threads: int = 16) -> bool:
    """True when the gate is still locked after every thread has left it."""
    path = workdir / "gate.lock"
    gate = WriteGate(path, timeout=0.2)
    barrier = threading.Barrier(threads)

    def use():
        barrier.wait()
        try:
            with gate.hold():
                pass
        except Exception:  # noqa: BLE001 -- a timed-out waiter is part of the symptom
            pass

    workers = [threading.Thread(target=use) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    probe = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(probe, fcntl.LOCK_UN)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(probe)
        path.unlink()


def main() -> None:
    trials = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    sys.setswitchinterval(1e-6)  # switch threads often, as a busy worker does
    with tempfile.TemporaryDirectory() as tmp:
        leaked = sum(trial(Path(tmp)) for _ in range(trials))
    print(f"{leaked}/{trials} trials left the write gate locked with no holder")
    sys.exit(1 if leaked else 0)


if __name__ == "__main__":
    main()
