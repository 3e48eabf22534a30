"""Raw HTTP/1.1 on a socket: the bytes no HTTP library would send, and answers read as sent."""

import json
import socket
from dataclasses import dataclass


@dataclass
class Answer:
    status: int
    headers: dict          # names lower-cased
    body: bytes

    def json(self):
        return json.loads(self.body)


def connect(url: str, timeout: float = 10) -> socket.socket:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    return socket.create_connection((host, int(port)), timeout=timeout)


def raw_answer(url: str, request: bytes) -> Answer:
    """Send `request`, read until the server closes, parse the first answer."""
    with connect(url) as sock:
        sock.sendall(request)
        return parse(read_to_close(sock))


def read_to_close(sock: socket.socket) -> bytes:
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        pass
    return data


def read_answer(sock: socket.socket) -> Answer:
    """One answer with a Content-Length from a connection that may stay open."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before an answer: {data!r}")
        data += chunk
    answer = parse(data)
    while len(answer.body) < int(answer.headers.get("content-length", 0)):
        chunk = sock.recv(65536)
        if not chunk:
            break
        answer.body += chunk
    return answer


def parse(data: bytes) -> Answer:
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return Answer(int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body)
