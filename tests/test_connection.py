"""The connection layer (mockserver/connection.py): one write per answer, keep-alive."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from mockserver import create_app
from mockserver.connection import _Corked
from mockserver.live import LiveServer

SIZED = b"HTTP/1.1 200 OK\r\ndate: x\r\ncontent-length: 2\r\ncontent-type: application/json\r\n\r\n"
STREAM = b"HTTP/1.1 200 OK\r\ndate: x\r\ncontent-type: text/event-stream\r\n\r\n"


class Recorder(asyncio.Transport):
    """A transport that records what reaches it, one entry per call."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, Any]] = []

    def write(self, data: Any) -> None:
        self.calls.append(("write", bytes(data)))

    def writelines(self, list_of_data: Any) -> None:
        self.calls.append(("writelines", [bytes(d) for d in list_of_data]))

    def close(self) -> None:
        self.calls.append(("close", None))

    def is_closing(self) -> bool:
        return False


def test_an_answer_of_known_length_leaves_in_one_call() -> None:
    transport = Recorder()
    corked = _Corked(transport)
    corked.write(SIZED)
    assert transport.calls == []  # the head waits for its body
    corked.write(b"{}")
    assert transport.calls == [("writelines", [SIZED, b"{}"])]
    transport.calls.clear()
    corked.write(SIZED)  # a body in pieces (a spliced answer): held until all of it came
    corked.write(b"{")
    assert transport.calls == []
    corked.write(b"}")
    corked.write(STREAM)  # the next answer starts afresh
    assert transport.calls == [("writelines", [SIZED, b"{", b"}"]), ("write", STREAM)]


def test_a_streams_head_and_events_are_written_as_they_come() -> None:
    transport = Recorder()
    corked = _Corked(transport)
    corked.write(STREAM)
    corked.write(b"event: metadata\r\n\r\n")
    assert transport.calls == [("write", STREAM), ("write", b"event: metadata\r\n\r\n")]


def test_a_held_head_leaves_before_a_close_and_on_a_flush() -> None:
    transport = Recorder()
    corked = _Corked(transport)
    corked.write(SIZED)
    corked.close()
    assert transport.calls == [("writelines", [SIZED]), ("close", None)]
    transport.calls.clear()
    corked.write(SIZED)  # a HEAD answer: no body follows
    corked.flush()
    corked.flush()
    assert transport.calls == [("writelines", [SIZED])]


@pytest.fixture(scope="module")
def brief() -> Iterator[LiveServer]:
    """A mock that keeps an idle connection 0.2 s after an answer (header deadline 3 s)."""
    with LiveServer(create_app(), header_timeout=3, keep_alive=0.2) as live:
        yield live


def test_answers_on_a_kept_alive_connection_arrive_whole(brief: LiveServer) -> None:
    with socket.create_connection((brief.host, brief.port), timeout=10) as sock:
        for _ in range(3):
            sock.sendall(b"GET /ok HTTP/1.1\r\nHost: x\r\n\r\n")
            received = b""
            while not received.endswith(b"}"):
                received += sock.recv(65536)
            assert received.startswith(b"HTTP/1.1 200 OK\r\n")
            assert received.count(b"HTTP/1.1") == 1


def test_an_idle_kept_alive_connection_is_closed_without_an_answer(brief: LiveServer) -> None:
    with socket.create_connection((brief.host, brief.port), timeout=10) as sock:
        sock.sendall(b"GET /ok HTTP/1.1\r\nHost: x\r\n\r\n")
        first = b""
        while not first.endswith(b"}"):
            first += sock.recv(65536)
        started = time.monotonic()
        rest = b""
        while chunk := sock.recv(65536):  # until the server closes it
            rest += chunk
        waited = time.monotonic() - started
    assert first.startswith(b"HTTP/1.1 200 OK\r\n")
    assert rest == b""  # closed, not answered (a 408 is for unfinished headers)
    assert waited < 2  # by its keep-alive (0.2 s), not at its header deadline's check (3 s)


def test_pipelined_answers_come_whole_and_in_order(brief: LiveServer) -> None:
    """Three requests in one send, a HEAD among them (a head held with no body after it)."""
    with socket.create_connection((brief.host, brief.port), timeout=10) as sock:
        sock.sendall(
            b"GET /ok HTTP/1.1\r\nHost: x\r\n\r\n"
            b"HEAD /ok HTTP/1.1\r\nHost: x\r\n\r\n"
            b"GET /info HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    answers = received.split(b"HTTP/1.1 ")[1:]
    assert [a.split(b"\r\n", 1)[0] for a in answers] == [
        b"200 OK",
        b"405 Method Not Allowed",
        b"200 OK",
    ]
    assert answers[0].endswith(b'{"ok":true,"services":{}}')
    assert answers[1].endswith(b"\r\n\r\n")  # a HEAD's answer: the head alone
    assert b'"version"' in answers[2]
