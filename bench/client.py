"""A lean HTTP/1.1 client: one keep-alive socket, requests prebuilt as bytes.

The sequential workloads must time the server, not the client, so the client does the least it
can: `sendall` a prebuilt request, read until the body is complete (Content-Length or chunked),
and keep the connection open. The same client drives every target.
"""

from __future__ import annotations

import socket
import time
from urllib.parse import urlsplit

_RECV = 262144


class HttpError(Exception):
    """The server closed the connection or answered something that is not HTTP/1.1."""


def build(method: str, path: str, host: str, body: bytes | None = None) -> bytes:
    """One request as bytes: the Host header, and a JSON body with its length if given."""
    head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n"
    if body is None:
        return (head + "\r\n").encode()
    head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


class Connection:
    """One keep-alive connection; `request(raw)` returns (status, body)."""

    def __init__(self, url: str, timeout: float = 60.0) -> None:
        parts = urlsplit(url)
        self.host = parts.netloc
        self.address = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.timeout = timeout
        self.sock = self._connect()
        self.buffer = b""

    def _connect(self) -> socket.socket:
        sock = socket.create_connection(self.address, timeout=self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def build(self, method: str, path: str, body: bytes | None = None) -> bytes:
        return build(method, path, self.host, body)

    def request(self, raw: bytes) -> tuple[int, bytes]:
        self.sock.sendall(raw)
        return self._response()

    def timed(self, raw: bytes) -> tuple[int, bytes, int]:
        """(status, body, nanoseconds from the first byte sent to the last byte read)."""
        started = time.perf_counter_ns()
        self.sock.sendall(raw)
        status, body = self._response()
        return status, body, time.perf_counter_ns() - started

    def close(self) -> None:
        self.sock.close()

    def _fill(self) -> None:
        chunk = self.sock.recv(_RECV)
        if not chunk:
            raise HttpError("connection closed by the server")
        self.buffer += chunk

    def _response(self) -> tuple[int, bytes]:
        end = self.buffer.find(b"\r\n\r\n")
        while end < 0:
            self._fill()
            end = self.buffer.find(b"\r\n\r\n")
        head, self.buffer = self.buffer[:end], self.buffer[end + 4 :]
        lines = head.split(b"\r\n")
        try:
            status = int(lines[0].split(b" ", 2)[1])
        except (IndexError, ValueError):
            raise HttpError(f"not an HTTP status line: {lines[0][:80]!r}") from None
        length, chunked, close = -1, False, False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                close = value.strip().lower() == b"close"
        if chunked:
            body = self._chunked()
        elif length >= 0:
            body = self._exactly(length)
        else:
            raise HttpError("a response with neither Content-Length nor chunked encoding")
        if close:  # the server will not take another request on this socket
            self.sock.close()
            self.sock, self.buffer = self._connect(), b""
        return status, body

    def _exactly(self, length: int) -> bytes:
        while len(self.buffer) < length:
            self._fill()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return body

    def _chunked(self) -> bytes:
        parts = []
        while True:
            end = self.buffer.find(b"\r\n")
            while end < 0:
                self._fill()
                end = self.buffer.find(b"\r\n")
            size = int(self.buffer[:end].split(b";")[0], 16)
            self.buffer = self.buffer[end + 2 :]
            data = self._exactly(size + 2)  # the chunk and its CRLF
            if size == 0:
                # a zero chunk ends the body; trailers are not used by these servers
                return b"".join(parts)
            parts.append(data[:-2])
