"""The request log of `mockserver serve`: uvicorn's access-log line, written by the app."""

from __future__ import annotations

import asyncio
import io
import logging
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_cli import Served, wait_until
from uvicorn.logging import AccessFormatter

from mockserver import requestlog
from mockserver.app import create_app
from mockserver.requestlog import RequestLog


def _uvicorn_line(
    client: tuple[str, int] | None, method: str, path: str, version: str, status: int, colours: bool
) -> str:
    """The line uvicorn's own access log writes for the same request."""
    formatter = AccessFormatter(
        '%(levelprefix)s %(client_addr)s - "%(request_line)s" %(status_code)s', use_colors=colours
    )
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        0,
        '%s - "%s %s HTTP/%s" %d',
        (f"{client[0]}:{client[1]}" if client else "", method, path, version, status),
        None,
    )
    return formatter.format(record) + "\n"


async def _serve(log: RequestLog, requests: list[tuple[str, str]]) -> list[int]:
    transport = httpx.ASGITransport(app=log, client=("127.0.0.1", 50123))
    async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
        statuses = []
        for method, url in requests:
            statuses.append((await client.request(method, url, json=None)).status_code)
        return statuses


@pytest.mark.parametrize("colours", [False, True])
def test_lines_are_uvicorns_access_log_lines(colours: bool) -> None:
    stream = io.StringIO()
    log = RequestLog(create_app(), stream, colours=colours)
    requests = [
        ("GET", "/ok"),
        ("GET", "/nowhere"),
        ("DELETE", "/ok"),
        ("GET", "/threads/abc/history?limit=2&before=x"),
        ("GET", "/a b/é"),
    ]
    statuses = asyncio.run(_serve(log, requests))
    assert statuses == [200, 404, 405, 422, 404]
    log.flush()  # what the CLI does when the server stops
    expected = [
        _uvicorn_line(("127.0.0.1", 50123), "GET", "/ok", "1.1", 200, colours),
        _uvicorn_line(("127.0.0.1", 50123), "GET", "/nowhere", "1.1", 404, colours),
        _uvicorn_line(("127.0.0.1", 50123), "DELETE", "/ok", "1.1", 405, colours),
        _uvicorn_line(
            ("127.0.0.1", 50123),
            "GET",
            "/threads/abc/history?limit=2&before=x",
            "1.1",
            422,
            colours,
        ),
        _uvicorn_line(("127.0.0.1", 50123), "GET", "/a%20b/%C3%A9", "1.1", 404, colours),
    ]
    assert stream.getvalue() == "".join(expected)


def test_lines_are_written_together_soon_after_the_first() -> None:
    class Stream(io.StringIO):
        writes = flushes = 0

        def write(self, text: str) -> int:
            self.writes += 1
            return super().write(text)

        def flush(self) -> None:
            self.flushes += 1

    stream = Stream()
    log = RequestLog(create_app(), stream, colours=False)

    async def two_requests_then_wait() -> int:
        await _serve(log, [("GET", "/ok"), ("GET", "/ok")])
        written_at_once = stream.writes
        await asyncio.sleep(0.2)
        return written_at_once

    assert asyncio.run(two_requests_then_wait()) == 0
    # one write and one flush for both lines, not one per line
    assert (stream.writes, stream.flushes) == (1, 1)
    assert stream.getvalue().count("\n") == 2


def test_many_lines_are_written_before_the_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(requestlog, "MAX_PENDING", 3)
    stream = io.StringIO()
    log = RequestLog(create_app(), stream, colours=False)
    asyncio.run(_serve(log, [("GET", "/ok")] * 7))
    assert stream.getvalue().count("\n") == 6  # two writes of three; the seventh waits
    log.flush()
    assert stream.getvalue().count("\n") == 7


def test_a_closed_stream_ends_the_log_not_the_requests() -> None:
    stream = io.StringIO()
    log = RequestLog(create_app(), stream)
    stream.close()
    assert asyncio.run(_serve(log, [("GET", "/ok"), ("GET", "/ok")])) == [200, 200]
    log.flush()
    assert asyncio.run(_serve(log, [("GET", "/ok")])) == [200]


def test_other_scopes_pass_through() -> None:
    seen: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["type"])

    stream = io.StringIO()
    asyncio.run(RequestLog(app, stream)({"type": "lifespan"}, None, None))  # type: ignore[arg-type]
    assert seen == ["lifespan"] and stream.getvalue() == ""


def test_serve_logs_each_request_and_each_rejection(tmp_path: Path) -> None:
    served = Served(["serve", "--port", "0"], tmp_path, "serve")
    try:
        url = served.wait_ready()
        with httpx.Client(base_url=url, timeout=10) as http:
            assert http.get("/ok").status_code == 200
            assert http.post("/threads", json={"metadata": []}).status_code == 422
        line = re.compile(
            r'^INFO:     127\.0\.0\.1:\d+ - "(\S+ \S+) HTTP/1\.1" (\d+ [A-Za-z ]+)$', re.MULTILINE
        )
        # wait_ready polled /ok first
        wait_until(
            lambda: (
                line.findall(served.stdout)[-2:]
                == [("GET /ok", "200 OK"), ("POST /threads", "422 Unprocessable Entity")]
            ),
            "the two request lines in the log",
        )
        wait_until(lambda: "POST /threads -> 422: " in served.stderr, "the rejection line")
    finally:
        served.stop()
