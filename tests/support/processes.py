"""Checks that run in another thread or a forked process (as gunicorn's workers are)."""

import os
import threading


def in_a_child(check, user: int | None = None) -> bool:
    """`check()` in a forked process (as `user`, when given): whether it returned True."""
    child = os.fork()
    if child == 0:
        passed = False
        try:
            if user is not None:
                os.setuid(user)
            passed = check() is True
        finally:
            os._exit(0 if passed else 1)
    return os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]) == 0


def assert_one_connection_per_thread_and_process(connection) -> None:
    """`connection()` gives each thread its own connection, and a forked worker a new one."""
    mine = connection()
    assert connection() is mine
    theirs = []
    thread = threading.Thread(target=lambda: theirs.append(connection()))
    thread.start()
    thread.join()
    assert theirs[0] is not mine
    assert in_a_child(lambda: connection() is not mine)
