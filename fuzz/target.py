"""The two servers a fuzz run compares: a fresh mock, a fresh real server, or a base URL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
REAL_SERVER_SCRIPT = REPO / "scripts" / "real_server.py"
TIMEOUT_S = 60.0
# The headers a client reads; the rest (date, server, vary, ...) say nothing about the API.
READ_HEADERS = (
    "content-type",
    "location",
    "content-location",
    "x-pagination-total",
    "x-pagination-next",
)
NO_BODY: Any = object()  # a request without a body (not the same as a JSON null)


class TargetError(Exception):
    """Raised when a server cannot be started or stops answering."""


@dataclass(frozen=True)
class Answer:
    """One response as the comparison sees it: status, read headers, JSON body or events."""

    status: int
    headers: dict[str, str]
    body: Any  # parsed JSON; the text if it is not JSON; a list of events for a stream
    peer: Answer | None = None  # the other side's answer, when the model learns from this one

    def as_json(self) -> dict[str, Any]:
        return {"status": self.status, "headers": self.headers, "body": self.body}


class Target:
    """A server to send requests to; `close()` stops what `start_target` started."""

    def __init__(self, name: str, url: str) -> None:
        self.name = name
        self.url = url.rstrip("/")
        # No keep-alive: uvicorn closes idle connections after 5 s, and a request sent on one
        # just as it closes fails with a reset (runs make the client idle that long).
        limits = httpx.Limits(max_keepalive_connections=0)
        self.client = httpx.Client(base_url=self.url, timeout=TIMEOUT_S, limits=limits)

    def send(
        self,
        method: str,
        path: str,
        body: Any = NO_BODY,
        *,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
        stream: bool = False,
    ) -> Answer:
        """Send one request; a stream is read to its end."""
        content = raw
        sent_headers = dict(headers or {})
        if content is None and body is not NO_BODY:
            content = json.dumps(body).encode()
            sent_headers.setdefault("content-type", "application/json")
        try:
            with self.client.stream(
                method, path, content=content, headers=sent_headers
            ) as response:
                kept = {k: response.headers[k] for k in READ_HEADERS if k in response.headers}
                is_sse = response.headers.get("content-type", "").startswith("text/event-stream")
                if stream and is_sse:
                    return Answer(response.status_code, kept, read_events(response))
                response.read()
                return Answer(response.status_code, kept, parse_body(response.text))
        except httpx.HTTPError as exc:
            raise TargetError(f"{self.name}: {method} {path}: {exc!r}") from exc

    def close(self) -> None:
        self.client.close()


def parse_body(text: str) -> Any:
    """JSON when it parses; the text otherwise; None for an empty body."""
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def read_events(response: httpx.Response) -> list[dict[str, Any]]:
    """The server-sent events of a stream as {event, data} dicts (comments dropped)."""
    events: list[dict[str, Any]] = []
    event, data = "message", list[str]()
    for line in response.iter_lines():
        if line == "":
            if data:
                events.append({"event": event, "data": parse_body("\n".join(data))})
            event, data = "message", list[str]()
        elif line.startswith(":"):
            continue  # heartbeat
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
    if data:
        events.append({"event": event, "data": parse_body("\n".join(data))})
    return events


class MockTarget(Target):
    """A fresh mock, in-process (uvicorn in a thread)."""

    def __init__(self, name: str, app: Any = None) -> None:
        from mockserver.app import create_app
        from mockserver.live import LiveServer

        self.app = create_app() if app is None else app
        self.server = LiveServer(self.app).start()
        super().__init__(f"{name}: the mock, in-process ({self.server.url})", self.server.url)

    def close(self) -> None:
        super().close()
        self.server.stop()


class RealTarget(Target):
    """A fresh `langgraph dev`, started through scripts/real_server.py as its own instance."""

    def __init__(self, name: str, instance: str) -> None:
        self.env = {**os.environ, "REAL_SERVER_INSTANCE": instance}
        done = subprocess.run(
            [sys.executable, str(REAL_SERVER_SCRIPT), "start"],
            env=self.env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise TargetError(f"real server {instance} did not start: {done.stderr.strip()}")
        url = done.stdout.strip().splitlines()[-1]
        super().__init__(f"{name}: langgraph dev, instance {instance} ({url})", url)

    def close(self) -> None:
        super().close()
        subprocess.run(
            [sys.executable, str(REAL_SERVER_SCRIPT), "stop"], env=self.env, capture_output=True
        )


def start_target(spec: str, name: str, instance: str) -> Target:
    """`mock`, `real` (a fresh instance) or a base URL (left running)."""
    if spec == "mock":
        return MockTarget(name)
    if spec == "real":
        return RealTarget(name, instance)
    if spec.startswith(("http://", "https://")):
        return Target(f"{name}: {spec}", spec)
    raise TargetError(f"unknown target {spec!r}: mock, real or a base URL")
