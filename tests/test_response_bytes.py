"""The mock's answers, byte for byte, against a recording made before the speed-ups.

A representative sequence (threads, state updates that grow a message list, reads of state and
history, forks, copies, routing errors, rejections, CORS) runs on the app `mockserver serve`
builds, as raw ASGI calls. Every answer's status, headers and body bytes are compared with
tests/data/response_bytes.jsonl, recorded from commit 3588f08 (before the fast routes, the
app's own request log and the cached message JSON), and again when the copy's record became
the real server's (the copy and the search that shows it are the only lines that changed).
Ids and timestamps differ from run to run, so each UUID becomes `<id N>` (N by first
appearance) and each timestamp `<time>`, in bodies and headers alike; content-length is
checked against the body instead.

Record again (only when an answer is meant to change) from the checkout to compare with:

    PYTHONPATH=<that checkout> python tests/test_response_bytes.py --record
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

RECORDING = Path(__file__).parent / "data" / "response_bytes.jsonl"
_UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_TIME = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?\+00:00")
LOCAL = "http://localhost:3000"

Step = tuple[str, str, Any, dict[str, str]]  # method, path ({t}, {c}, ... filled in), body, headers


def _message(i: int) -> dict[str, Any]:
    return {
        "values": {"messages": [{"type": "ai", "content": f"reply {i}", "id": f"m{i}"}]},
        "as_node": "agent",
    }


def steps() -> Iterator[Step]:
    """The sequence; `{name}` in a path is a value captured from an earlier answer."""
    yield "GET", "/ok", None, {}
    yield "POST", "/threads", {"metadata": {"graph_id": "agent", "owner": "me"}}, {}
    yield "GET", "/threads/{t}/state", None, {}
    yield "POST", "/threads/{t}/state", {"values": {"topic": "weather"}, "as_node": "agent"}, {}
    yield "GET", "/threads/{t}/state", None, {}
    for i in range(40):
        yield "POST", "/threads/{t}/state", _message(i), {}
        if i % 7 == 0:
            yield "GET", "/threads/{t}/state", None, {}
    # replace one message in place, remove another, then append again
    yield (
        "POST",
        "/threads/{t}/state",
        {
            "values": {"messages": [{"role": "human", "content": "edited", "id": "m3"}]},
            "as_node": "agent",
        },
        {},
    )
    yield "GET", "/threads/{t}/state", None, {}
    yield (
        "POST",
        "/threads/{t}/state",
        {
            "values": {"messages": [{"type": "remove", "id": "m5", "content": ""}]},
            "as_node": "agent",
        },
        {},
    )
    yield "GET", "/threads/{t}/state", None, {}
    yield "POST", "/threads/{t}/state", _message(99), {}
    yield "GET", "/threads/{t}/state", None, {}
    yield "GET", "/threads/{t}/state", None, {}
    yield "GET", "/threads/{t}/history?limit=4", None, {}
    yield "GET", "/threads/{t}/history?limit=4", None, {}
    yield "POST", "/threads/{t}/history", {"limit": 3, "before": "{c}"}, {}
    yield "GET", "/threads/{t}/state/{c}", None, {}
    yield "POST", "/threads/{t}/state/checkpoint", {"checkpoint": {"checkpoint_id": "{c}"}}, {}
    # a fork from an earlier checkpoint, and reads of both branches
    yield "POST", "/threads/{t}/state", {**_message(100), "checkpoint_id": "{c}"}, {}
    yield "GET", "/threads/{t}/state", None, {}
    yield "GET", "/threads/{t}/history?limit=3", None, {}
    yield "GET", "/threads/{t}", None, {}
    yield "POST", "/threads/{t}/copy", None, {}
    yield "GET", "/threads/{t2}/state", None, {}
    yield "POST", "/threads/search", {"limit": 5, "metadata": {"owner": "me"}}, {}
    yield "PATCH", "/threads/{t}", {"metadata": {"more": 1}}, {}
    # routing: unknown paths, wrong methods, literal routes before parameters
    yield "GET", "/nowhere", None, {}
    yield "DELETE", "/ok", None, {}
    yield "GET", "/threads/search", None, {}
    yield "GET", "/threads/{t}/state/", None, {}
    yield "GET", "/threads//state", None, {}
    yield "GET", "/threads/state/state", None, {}
    yield "GET", "/threads/{t}/state/checkpoint", None, {}
    yield "POST", "/threads/{t}/unknown", {}, {}
    # rejections and errors
    yield "GET", "/threads/not-a-uuid/state", None, {}
    yield "GET", "/threads/00000000-0000-4000-8000-000000000000/state", None, {}
    yield "POST", "/threads/{t}/state", {"values": {"topic": 1}, "as_node": 7}, {}
    yield "POST", "/threads/{t}/state", {"values": {"topic": "x"}, "as_node": "nobody"}, {}
    yield "GET", "/threads/{t}/history?limit=two", None, {}
    yield "GET", "/threads/{t}/history?limit=2&unknown=1", None, {}
    # CORS: a simple request and a preflight from a local page
    yield "GET", "/threads/{t}/state", None, {"origin": LOCAL}
    yield (
        "OPTIONS",
        "/threads/{t}/state",
        None,
        {
            "origin": LOCAL,
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type",
            "access-control-request-private-network": "true",
        },
    )
    yield "POST", "/threads/{t}/state", _message(101), {"origin": "https://smith.langchain.com"}
    yield "GET", "/threads/{t}/state", None, {"origin": "https://elsewhere.example"}


def _fill(text: str, captured: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: captured.get(m.group(1), m.group(0)), text)


def _capture(path: str, status: int, body: bytes, captured: dict[str, str]) -> None:
    if status != 200 or not body.startswith(b"{"):
        return
    data = json.loads(body)
    if path == "/threads" and "t" not in captured:
        captured["t"] = data["thread_id"]
    elif path.endswith("/copy"):
        captured["t2"] = data["thread_id"]
    elif path.endswith("/state") and "checkpoint_id" in data and "values" not in data:
        # the 20th update's checkpoint: an earlier one, for history `before`, reads and a fork
        captured["updates"] = str(int(captured.get("updates", "0")) + 1)
        if captured["updates"] == "20":
            captured["c"] = data["checkpoint_id"]


async def _run(app: Any) -> list[tuple[int, list[tuple[bytes, bytes]], bytes]]:
    captured: dict[str, str] = {}
    answers = []
    for method, template, body, extra in steps():
        path_qs = _fill(template, captured)
        path, _, query = path_qs.partition("?")
        raw = b"" if body is None else _fill(json.dumps(body), captured).encode()
        headers = [(b"host", b"mock"), *((k.encode(), v.encode()) for k, v in extra.items())]
        if body is not None:
            headers += [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(raw)).encode()),
            ]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 80),
        }
        sent: list[dict[str, Any]] = []

        async def receive(raw: bytes = raw) -> dict[str, Any]:
            return {"type": "http.request", "body": raw, "more_body": False}

        async def send(message: dict[str, Any], sent: list[dict[str, Any]] = sent) -> None:
            sent.append(message)

        await app(scope, receive, send)
        status = sent[0]["status"]
        out = b"".join(m.get("body", b"") for m in sent[1:])
        answers.append((status, list(sent[0].get("headers", [])), out))
        _capture(template, status, out, captured)
    return answers


def _normalised(answers: list[tuple[int, list[tuple[bytes, bytes]], bytes]]) -> list[str]:
    ids: dict[bytes, bytes] = {}

    def scrub(data: bytes) -> str:
        data = _UUID.sub(lambda m: ids.setdefault(m.group(0), b"<id %d>" % len(ids)), data)
        return _TIME.sub(b"<time>", data).decode("utf-8")

    lines = []
    for status, headers, body in answers:
        shown = [[k.decode("latin-1"), scrub(v)] for k, v in headers if k != b"content-length"]
        lines.append(
            json.dumps(
                {"status": status, "headers": shown, "body": scrub(body)}, ensure_ascii=False
            )
        )
    return lines


def _answers() -> list[str]:
    from mockserver.app import create_app

    return _normalised(asyncio.run(_run(create_app())))


def test_answers_are_byte_identical_to_the_recording() -> None:
    expected = RECORDING.read_text("utf-8").splitlines()
    got = _answers()
    assert len(got) == len(expected)
    for number, (mine, theirs) in enumerate(zip(got, expected, strict=True)):
        assert mine == theirs, f"answer {number} differs"


def test_content_length_is_the_body_length() -> None:
    from mockserver.app import create_app

    for status, headers, body in asyncio.run(_run(create_app())):
        declared = dict(headers).get(b"content-length")
        if status not in (204, 304):
            assert declared == str(len(body)).encode(), (status, body[:80])


if __name__ == "__main__" and sys.argv[1:] == ["--record"]:
    RECORDING.parent.mkdir(parents=True, exist_ok=True)
    RECORDING.write_text("\n".join(_answers()) + "\n", "utf-8")
    print(f"wrote {RECORDING}")
