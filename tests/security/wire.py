"""Raw HTTP/1.1 over a socket, for requests that well-behaved clients refuse to send."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

# No hostile request may take longer than this to be answered.
ANSWER_BOUND = 5.0


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    elapsed: float

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def code(self) -> str | None:
        """The envelope's error code, or None if the body is not the contract's envelope."""
        try:
            return str(self.json()["error"]["code"])
        except (ValueError, KeyError, TypeError):
            return None


def request_bytes(
    method: str, target: str, headers: Iterable[tuple[str, str | bytes]] = (), body: bytes | None = None
) -> bytes:
    """One request with `Connection: close`; `Content-Length` is added for a body unless given."""
    lines = [f"{method} {target} HTTP/1.1".encode("latin-1"), b"Host: 127.0.0.1", b"Connection: close"]
    names = set()
    for name, value in headers:
        names.add(name.lower())
        lines.append(name.encode("latin-1") + b": " + (value if isinstance(value, bytes) else value.encode("latin-1")))
    if body is not None and "content-length" not in names and "transfer-encoding" not in names:
        lines.append(b"Content-Length: " + str(len(body)).encode())
    return b"\r\n".join(lines) + b"\r\n\r\n" + (body or b"")


def _parse(raw: bytes, elapsed: float) -> Answer:
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = headers.get("content-length")
    return Answer(int(status_line.split()[1]), headers, body[: int(length)] if length else body, elapsed)


def _read_answer(sock: socket.socket, deadline: float) -> bytes:
    received = b""
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            break
        except ConnectionResetError:
            break
        if not chunk:
            break
        received += chunk
        head, sep, body = received.partition(b"\r\n\r\n")
        if sep:
            lengths = [line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")]
            if lengths and len(body) >= int(lengths[0].split(b":")[1]):
                break
    return received


def send(port: int, data: bytes, *, bound: float = ANSWER_BOUND) -> Answer:
    """Send `data`, then read one answer; fails if none comes within `bound` seconds."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=bound) as sock:
        sock.sendall(data)
        received = _read_answer(sock, started + bound)
    elapsed = time.monotonic() - started
    assert received, f"no answer within {bound} s"
    return _parse(received, elapsed)


def send_streaming(
    port: int, head: bytes, chunks: Iterator[bytes], *, bound: float = ANSWER_BOUND
) -> tuple[Answer, int]:
    """Send `head`, then `chunks` until the server answers; the answer and the body bytes sent."""
    started = time.monotonic()
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=bound) as sock:
        sock.sendall(head)
        sock.setblocking(False)
        for chunk in chunks:
            if time.monotonic() - started > bound:
                break
            try:
                if sock.recv(1, socket.MSG_PEEK):
                    break  # the answer has started: the server stopped reading
            except BlockingIOError:
                pass
            try:
                sock.sendall(chunk)
            except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                break  # buffers full or the server closed: it stopped reading
            sent += len(chunk)
        sock.setblocking(True)
        received = _read_answer(sock, started + bound)
    elapsed = time.monotonic() - started
    assert received, f"no answer within {bound} s"
    return _parse(received, elapsed), sent
