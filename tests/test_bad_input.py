"""Hostile requests: each one gets a 4xx with a JSON `{"detail": "..."}`, never a 5xx, the
server keeps answering, and nothing it stores changes.

The table runs on a live mock of this module's own, not through the `mock` fixture: a case
marked as a known bug answers 5xx, and that fixture's after-test check would turn the expected
failure into an error. Each case checks the status itself instead.
"""

from __future__ import annotations

import json
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from mockserver.app import create_app
from mockserver.live import LiveServer

from rejections import locations

JSON = "application/json"
MB = 1024 * 1024
MISSING = "00000000-0000-4000-8000-000000000000"  # a well-formed id no thread has
Body = bytes | Callable[[], bytes | Iterator[bytes]] | None


@dataclass(frozen=True)
class Hostile:
    """One hostile request. `{tid}` / `{cid}` in the path stand for the seeded thread and its
    head checkpoint; `raw` sends the bytes as they are (httpx would normalise `..` or refuse
    an over-long URL)."""

    method: str
    path: str
    body: Body = None
    content_type: str | bytes | None = JSON
    headers: tuple[tuple[str, str | bytes], ...] = ()
    status: int = 422
    raw: bool = False


def big_json(size: int = 11 * MB) -> bytes:
    return b'{"metadata": {"pad": "' + b"x" * size + b'"}}'


def chunks(total: int = 11 * MB, size: int = MB) -> Iterator[bytes]:
    """A body httpx sends chunked, without a content-length."""
    yield b'{"values": {"topic": "'
    for _ in range(total // size):
        yield b"x" * size
    yield b'"}}'


def nested(depth: int, leaf: bytes = b"1") -> bytes:
    return b'{"values": {"topic": ' + b"[" * depth + leaf + b"]" * depth + b"}}"


def case(id: str, *args: Any, bug: str | None = None, **kwargs: Any) -> Any:
    marks = [pytest.mark.xfail(reason=f"BUG: {bug}", strict=True)] if bug else []
    return pytest.param(Hostile(*args, **kwargs), id=id, marks=marks)


STATE = "/threads/{tid}/state"
HISTORY = "/threads/{tid}/history"
AT_CHECKPOINT = "/threads/{tid}/state/{cid}"

CASES = [
    # ---- POST /threads ----------------------------------------------------------------------
    case("create-not-json", "POST", "/threads", b"{nope"),
    case("create-empty-body", "POST", "/threads", b""),
    case("create-json-null", "POST", "/threads", b"null"),
    case("create-array-body", "POST", "/threads", b"[]"),
    case("create-text-plain", "POST", "/threads", b"{}", "text/plain", status=415),
    case(
        "create-form-urlencoded",
        "POST",
        "/threads",
        b"a=b",
        "application/x-www-form-urlencoded",
        status=415,
    ),
    case("create-empty-content-type", "POST", "/threads", b"{}", "", status=415),
    case("create-11mb-content-length", "POST", "/threads", big_json, status=413),
    case("create-nested-1000", "POST", "/threads", lambda: nested(1000)),
    case("create-nested-100000", "POST", "/threads", lambda: nested(100_000)),
    case("create-invalid-utf8", "POST", "/threads", b'{"metadata": {"a": "\xff\xfe"}}'),
    case("create-lone-surrogate", "POST", "/threads", b'{"metadata": {"a": "\\ud800"}}'),
    case("create-nan", "POST", "/threads", b'{"metadata": {"n": NaN}}'),
    case("create-infinity", "POST", "/threads", b'{"metadata": {"n": Infinity}}'),
    case("create-minus-infinity", "POST", "/threads", b'{"metadata": {"n": -Infinity}}'),
    case("create-float-overflow", "POST", "/threads", b'{"metadata": {"n": 1e400}}'),
    case("create-thread-id-traversal", "POST", "/threads", b'{"thread_id": "../../etc/passwd"}'),
    case("create-thread-id-nul", "POST", "/threads", b'{"thread_id": "\\u0000"}'),
    case("create-thread-id-unicode", "POST", "/threads", '{"thread_id": "ünïcødé-☃-𝄞"}'.encode()),
    case("create-thread-id-100k", "POST", "/threads", b'{"thread_id": "' + b"a" * 100_000 + b'"}'),
    case(
        "create-existing-thread-id",
        "POST",
        "/threads",
        b'{"thread_id": "{tid}", "metadata": {"evil": true}}',
        status=409,
    ),
    case("create-if-exists-bogus", "POST", "/threads", b'{"if_exists": "replace"}'),
    # ---- POST /threads/{id}/state ------------------------------------------------------------
    case("state-not-json", "POST", STATE, b'{"values": '),
    case("state-empty-body", "POST", STATE, b""),
    case("state-json-null", "POST", STATE, b"null"),
    case("state-array-body", "POST", STATE, b'[{"values": {"topic": "x"}}]'),
    case(
        "state-text-plain", "POST", STATE, b'{"values": {"topic": "x"}}', "text/plain", status=415
    ),
    case(
        "state-form-urlencoded",
        "POST",
        STATE,
        b"values=x",
        "application/x-www-form-urlencoded",
        status=415,
    ),
    case("state-11mb-chunked", "POST", STATE, chunks, status=413),
    case("state-nested-1000", "POST", STATE, lambda: nested(1000)),
    case(
        "state-nested-1000-long-digits",
        "POST",
        STATE,
        lambda: nested(1000, b'"12345678901234567890"'),
    ),
    case("state-invalid-utf8", "POST", STATE, b'{"values": {"topic": "\xc3\x28"}}'),
    case("state-nan", "POST", STATE, b'{"values": {"topic": NaN}}'),
    case("state-values-list", "POST", STATE, b'{"values": [{"topic": "x"}]}', status=400),
    case("state-values-string", "POST", STATE, b'{"values": "x"}'),
    case("state-as-node-unknown", "POST", STATE, b'{"values": {}, "as_node": "nope"}', status=400),
    case("state-as-node-end", "POST", STATE, b'{"values": {}, "as_node": "__end__"}', status=400),
    case("state-as-node-null", "POST", STATE, b'{"values": {}, "as_node": null}'),
    case(
        "state-checkpoint-ns-traversal",
        "POST",
        STATE,
        b'{"values": {}, "checkpoint": {"checkpoint_ns": "../"}}',
        status=400,
    ),
    case("state-message-not-a-dict", "POST", STATE, b'{"values": {"messages": [5]}}', status=400),
    case(
        "state-message-tool-calls-string",
        "POST",
        STATE,
        b'{"values": {"messages": [{"type": "ai", "content": "x", "tool_calls": "x"}]}}',
        status=400,
    ),
    case("state-thread-id-dotdot", "POST", "/threads/../state", b"{}", raw=True),
    case(
        "state-thread-id-encoded-slash", "POST", "/threads/%2F..%2F{tid}/state", b"{}", status=404
    ),
    case("state-thread-id-nul", "POST", "/threads/{tid}%00/state", b"{}"),
    case("state-thread-id-unicode", "POST", "/threads/ü{tid}/state", b"{}"),
    case(
        "state-unknown-thread",
        "POST",
        f"/threads/{MISSING}/state",
        b'{"values": {"topic": "x"}}',
        status=404,
    ),
    # ---- PATCH /threads/{id} -----------------------------------------------------------------
    case("patch-not-json", "PATCH", "/threads/{tid}", b"{'metadata': {}}"),
    case("patch-json-null", "PATCH", "/threads/{tid}", b"null"),
    case("patch-array-body", "PATCH", "/threads/{tid}", b'[{"metadata": {"a": 1}}]'),
    case("patch-metadata-null", "PATCH", "/threads/{tid}", b'{"metadata": null}'),
    case("patch-metadata-nan", "PATCH", "/threads/{tid}", b'{"metadata": {"a": NaN}}'),
    case(
        "patch-text-plain",
        "PATCH",
        "/threads/{tid}",
        b'{"metadata": {"a": 1}}',
        "text/plain",
        status=415,
    ),
    case("patch-11mb-content-length", "PATCH", "/threads/{tid}", big_json, status=413),
    case(
        "patch-prefer-minimal-bad-body",
        "PATCH",
        "/threads/{tid}",
        b"[]",
        headers=(("Prefer", "return=minimal"),),
    ),
    case(
        "patch-prefer-minimal-unknown-thread",
        "PATCH",
        f"/threads/{MISSING}",
        b'{"metadata": {"a": 1}}',
        headers=(("Prefer", "return=minimal"),),
        status=404,
    ),
    case(
        "patch-prefer-latin1-garbage",
        "PATCH",
        "/threads/{tid}",
        b'{"metadata": 1}',
        headers=(("Prefer", b"return=minimal\xff\xfe" * 200),),
    ),
    case("patch-thread-id-10k", "PATCH", "/threads/" + "a" * 10_000, b'{"metadata": {}}'),
    # ---- POST /threads/search ----------------------------------------------------------------
    case("search-not-json", "POST", "/threads/search", b"{,}"),
    case("search-empty-body", "POST", "/threads/search", b""),
    case("search-json-null", "POST", "/threads/search", b"null"),
    case("search-array-body", "POST", "/threads/search", b"[]"),
    case(
        "search-form-urlencoded",
        "POST",
        "/threads/search",
        b"limit=1",
        "application/x-www-form-urlencoded",
        status=415,
    ),
    case("search-limit-zero", "POST", "/threads/search", b'{"limit": 0}'),
    case(
        "search-limit-past-u64",
        "POST",
        "/threads/search",
        b'{"limit": 123456789012345678901234567890}',
    ),
    case(
        "search-offset-minus-past-i64",
        "POST",
        "/threads/search",
        b'{"offset": -9223372036854775809}',
    ),
    case(
        "search-ids-traversal", "POST", "/threads/search", b'{"ids": ["../{tid}"]}', status=400
    ),  # the real server's 400 "Invalid thread ID ..."
    case("search-status-bogus", "POST", "/threads/search", b'{"status": "DROP TABLE"}'),
    case(
        "search-content-type-latin1",
        "POST",
        "/threads/search",
        b"{",
        b"application/json; charset=\xff",
    ),
    case("search-8kb-header", "POST", "/threads/search", b"{", headers=(("X-Junk", "a" * 8000),)),
    case(
        "search-two-content-types-json-last",
        "POST",
        "/threads/search",
        b"{}",
        None,
        headers=(("Content-Type", "text/plain"), ("Content-Type", JSON)),
        status=415,
    ),
    case(
        "search-two-content-types-json-first",
        "POST",
        "/threads/search",
        b"{}",
        None,
        headers=(("Content-Type", JSON), ("Content-Type", "text/plain")),
        status=415,
    ),
    # ---- POST /threads/{id}/history ----------------------------------------------------------
    case("history-post-not-json", "POST", HISTORY, b"limit=1"),
    case("history-post-empty-body", "POST", HISTORY, b""),
    case("history-post-json-null", "POST", HISTORY, b"null"),
    case("history-post-array-body", "POST", HISTORY, b"[1]"),
    case("history-post-text-plain", "POST", HISTORY, b"{}", "text/plain", status=415),
    case("history-post-limit-zero", "POST", HISTORY, b'{"limit": 0}'),
    case("history-post-limit-1001", "POST", HISTORY, b'{"limit": 1001}'),
    case("history-post-limit-infinity", "POST", HISTORY, b'{"limit": Infinity}'),
    case("history-post-limit-past-u64", "POST", HISTORY, b'{"limit": 18446744073709551616}'),
    case("history-post-limit-100-digits", "POST", HISTORY, b'{"limit": ' + b"9" * 100 + b"}"),
    case("history-post-before-number", "POST", HISTORY, b'{"before": 5}'),
    case("history-post-thread-id-unicode", "POST", "/threads/☃/history", b"{}"),
    case("history-post-unknown-thread", "POST", f"/threads/{MISSING}/history", b"{}", status=404),
    # ---- GET /threads/{id}/history -----------------------------------------------------------
    case("history-get-limit-garbage", "GET", HISTORY + "?limit=abc", None),
    case("history-get-limit-float", "GET", HISTORY + "?limit=1.5", None),
    case("history-get-limit-repeated-last-bad", "GET", HISTORY + "?limit=1&limit=abc", None),
    case("history-get-query-garbage", "GET", HISTORY + "?&&=&%00=%00&limit=%FF%FE&limit", None),
    case("history-get-thread-id-dotdot", "GET", "/threads/../history", None, raw=True),
    case("history-get-thread-id-encoded-dots", "GET", "/threads/%2E%2E/history", None, raw=True),
    case(
        "history-get-thread-id-encoded-slash",
        "GET",
        "/threads/%2F..%2F{tid}/history",
        None,
        status=404,
    ),
    case("history-get-thread-id-nul", "GET", "/threads/%00/history", None),
    case("history-get-thread-id-unicode", "GET", "/threads/{tid}\u200b/history", None),
    case("history-get-thread-id-invalid-utf8", "GET", "/threads/%FF%FE/history", None),
    case("history-get-unknown-thread", "GET", f"/threads/{MISSING}/history", None, status=404),
    # ---- GET /threads/{id}/state/{checkpoint_id} ---------------------------------------------
    case("checkpoint-dotdot", "GET", "/threads/{tid}/state/..", None, raw=True),
    case(
        "checkpoint-dotdot-traversal",
        "GET",
        "/threads/{tid}/state/../../../etc",
        None,
        raw=True,
        status=404,
    ),
    case(
        "checkpoint-encoded-traversal",
        "GET",
        "/threads/{tid}/state/..%2F..%2Fetc",
        None,
        status=404,
    ),
    case("checkpoint-nul", "GET", AT_CHECKPOINT + "%00", None),
    case("checkpoint-unicode", "GET", "/threads/{tid}/state/ℂ𝕙𝕖𝕔𝕜", None),
    case("checkpoint-invalid-utf8", "GET", "/threads/{tid}/state/%C3%28", None),
    case("checkpoint-10k", "GET", "/threads/{tid}/state/" + "f" * 10_000, None),
    case("checkpoint-thread-id-traversal", "GET", "/threads/..%5C..%5C/state/{cid}", None),
    case("checkpoint-unknown-thread", "GET", f"/threads/{MISSING}/state/{{cid}}", None, status=404),
]


# ---- plumbing ---------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    content_type: str
    body: bytes
    listed: list[str] | None = None  # a 422's X-Mockserver-Violations


def send(server: LiveServer, http: httpx.Client, request: Hostile, tid: str, cid: str) -> Answer:
    path = request.path.replace("{tid}", tid).replace("{cid}", cid)
    body: Any = request.body() if callable(request.body) else request.body
    if isinstance(body, bytes):
        body = body.replace(b"{tid}", tid.encode())
    headers: list[tuple[str, str | bytes]] = list(request.headers)
    if request.content_type is not None:
        headers.append(("Content-Type", request.content_type))
    if request.raw:
        return send_raw(server, request.method, path, headers, body)
    response = http.request(request.method, path, content=body, headers=headers)
    listed = response.headers.get("x-mockserver-violations")
    return Answer(
        response.status_code,
        response.headers.get("content-type", ""),
        response.content,
        None if listed is None else json.loads(listed),
    )


def send_raw(
    server: LiveServer,
    method: str,
    target: str,
    headers: list[tuple[str, str | bytes]],
    body: bytes | None,
) -> Answer:
    """One HTTP/1.1 request written byte for byte; the answer is read until the server closes."""
    lines = [f"{method} {target} HTTP/1.1".encode(), b"Host: 127.0.0.1", b"Connection: close"]
    for name, value in headers:
        encoded = value if isinstance(value, bytes) else value.encode()
        lines.append(name.encode() + b": " + encoded)
    if body is not None and not any(n.lower() == "content-length" for n, _ in headers):
        lines.append(b"Content-Length: " + str(len(body)).encode())
    data = b"\r\n".join(lines) + b"\r\n\r\n" + (body or b"")
    received = bytearray()
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(data)
        while chunk := sock.recv(65536):
            received += chunk
    return parse_answer(bytes(received))


def snapshot(http: httpx.Client, tid: str) -> dict[str, Any]:
    """Everything the API shows about what the mock stores."""
    return {
        "thread": http.get(f"/threads/{tid}").json(),
        "history": http.get(f"/threads/{tid}/history", params={"limit": 1000}).json(),
        "threads": http.post("/threads/search", json={"limit": 1000}).json(),
    }


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    """A mock of this module's own, checking its responses against the spec like the shared one
    (see the module docstring for why not `mock`)."""
    with LiveServer(create_app(check_responses=True)) as live:
        yield live


@pytest.fixture(scope="module")
def http(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def seeded(http: httpx.Client) -> tuple[str, str]:
    """A thread with some history (and a bystander thread); returns (thread id, head id).

    Module-wide: every test here leaves the state as it found it, and checks that it did."""
    tid = http.post("/threads", json={"metadata": {"graph_id": "agent", "n": 1}}).json()[
        "thread_id"
    ]
    http.post("/threads", json={"metadata": {"bystander": True}})
    for update in (
        {"values": {"topic": "a"}},
        {"values": {"messages": [{"role": "ai", "content": "hi", "id": "m1"}]}, "as_node": "agent"},
        {"values": {"topic": "b"}, "as_node": "tools"},
    ):
        assert http.post(f"/threads/{tid}/state", json=update).status_code == 200
    cid = http.get(f"/threads/{tid}/state").json()["checkpoint_id"]
    return tid, cid


def assert_error_body(answer: Answer) -> dict[str, Any]:
    assert answer.content_type.split(";")[0] == JSON, answer
    body = json.loads(answer.body)
    assert isinstance(body, dict), body
    assert isinstance(body.get("detail"), str) and body["detail"].strip(), body
    return body


# ---- tests ------------------------------------------------------------------------------------


@pytest.mark.parametrize("request_", CASES)
def test_hostile_request(
    server: LiveServer, http: httpx.Client, seeded: tuple[str, str], request_: Hostile
) -> None:
    tid, cid = seeded
    before = snapshot(http, tid)

    answer = send(server, http, request_, tid, cid)

    assert answer.status < 500, f"server error {answer.status}: {answer.body[:500]!r}"
    assert answer.status == request_.status, answer.body[:500]
    assert_error_body(answer)
    if answer.status == 422:
        assert answer.listed, answer
    alive = send_raw(server, "GET", "/ok", [], None)  # on a new connection
    assert (alive.status, json.loads(alive.body)) == (200, {"ok": True, "services": {}})
    assert snapshot(http, tid) == before


def test_snapshot_sees_a_change(client: httpx.Client, thread_id: str) -> None:
    """The unchanged-state check above is not vacuous: a valid update or patch shows up in it."""
    before = snapshot(client, thread_id)
    client.post(f"/threads/{thread_id}/state", json={"values": {"topic": "c"}})
    after_update = snapshot(client, thread_id)
    assert after_update["history"] != before["history"]
    client.patch(f"/threads/{thread_id}", json={"metadata": {"x": 1}})
    after_patch = snapshot(client, thread_id)
    assert after_patch["thread"] != after_update["thread"]
    assert after_patch["history"] == after_update["history"]
    client.post("/threads", json={})
    assert len(snapshot(client, thread_id)["threads"]) == len(after_patch["threads"]) + 1


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"limit": 1.0}, id="limit-1.0"),
        pytest.param({"offset": 0.0}, id="offset-0.0"),
        pytest.param({"offset": 2**64}, id="offset-past-u64"),
    ],
)
def test_search_with_integral_float_is_not_a_server_error(
    server: LiveServer, http: httpx.Client, seeded: tuple[str, str], body: dict[str, Any]
) -> None:
    # JSON Schema counts 1.0 as an integer, and the mock reads integers past 64 bits as
    # doubles, so these pass validation and must not reach list slicing as floats.
    tid, _ = seeded
    before = snapshot(http, tid)
    response = http.post("/threads/search", json=body)
    assert response.status_code in (200, 422), response.text
    assert snapshot(http, tid) == before


@pytest.mark.parametrize(
    ("literal", "stored"),
    [
        pytest.param(b"18446744073709551616", 2.0**64, id="past-u64"),
        pytest.param(b"-9223372036854775809", -(2.0**63), id="below-i64"),
        pytest.param(b"1" + b"0" * 100, 1e100, id="100-digits"),
    ],
)
def test_integers_past_64_bits_in_free_values_read_as_doubles(
    client: httpx.Client, thread_id: str, literal: bytes, stored: float
) -> None:
    # Not refused: the project reads them as IEEE doubles, as JavaScript clients do (commit
    # "accept big integers"). What matters here is that nothing breaks and the value is stable.
    update = client.post(
        f"/threads/{thread_id}/state",
        content=b'{"values": {"topic": ' + literal + b"}}",
        headers={"Content-Type": JSON},
    )
    assert update.status_code == 200, update.text
    assert client.get(f"/threads/{thread_id}/state").json()["values"]["topic"] == stored
    created = client.post(
        "/threads", content=b'{"metadata": {"n": ' + literal + b"}}", headers={"Content-Type": JSON}
    )
    assert created.status_code == 200, created.text
    assert created.json()["metadata"] == {"n": stored}


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("", id="empty"),
        pytest.param("[[[", id="brackets"),
        pytest.param("..", id="dots"),
    ],
)
def test_search_extract_path_without_steps_is_not_a_server_error(
    server: LiveServer, http: httpx.Client, seeded: tuple[str, str], path: str
) -> None:
    tid, _ = seeded
    before = snapshot(http, tid)
    response = http.post("/threads/search", json={"extract": {"x": path}})
    assert response.status_code in (200, 422), response.text
    if response.status_code == 200:
        assert all(t["extracted"] == {"x": None} for t in response.json())
    assert snapshot(http, tid) == before


def test_malformed_http_is_refused_and_the_server_survives(
    server: LiveServer, http: httpx.Client, seeded: tuple[str, str]
) -> None:
    """Bytes that are not HTTP never reach the app: the server answers 400, in the spec's error
    shape (connection.py), and closes the connection. The last two are HTTP that httptools
    refuses but h11 passes on (then 413 from the app, and 431 for the 100 kB request line)."""
    tid, _ = seeded
    before = snapshot(http, tid)
    close = b"Host: x\r\nConnection: close\r\n"
    for data in (
        b"GET /threads/\xff\xfe/history HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST /threads HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64,  # a TLS ClientHello
        b"POST /threads/search HTTP/1.1\r\n"
        + close
        + b"Content-Type: application/json\r\nContent-Length: 99999999999999999999\r\n\r\n{}",
        b"GET /threads/" + b"a" * 100_000 + b"/history HTTP/1.1\r\n" + close + b"\r\n",
    ):
        with socket.create_connection((server.host, server.port), timeout=10) as sock:
            sock.sendall(data)
            received = bytearray()
            while chunk := sock.recv(65536):
                received += chunk
        assert received.startswith(b"HTTP/1.1 4"), received[:200]
        assert_error_body(parse_answer(bytes(received)))
    assert http.get("/ok").status_code == 200
    assert snapshot(http, tid) == before


# ---- slow, silent and oversized ---------------------------------------------------------------


@pytest.fixture(scope="module")
def impatient() -> Iterator[LiveServer]:
    """A mock that waits 0.3 s for a request's headers (the default is 10 s)."""
    with LiveServer(create_app(check_responses=True), header_timeout=0.3) as live:
        yield live


def answer_on(server: LiveServer, data: bytes = b"", trickle: bool = False) -> Answer:
    """Send `data` (byte by byte, 20 ms apart, with `trickle`), then read until the server
    closes the connection; the socket timeout (10 s) is the deadline."""
    received = bytearray()
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        if trickle:
            sock.settimeout(0.02)
            for byte in data:
                sock.sendall(bytes([byte]))
                try:
                    if chunk := sock.recv(65536):
                        received += chunk
                        break
                except TimeoutError:
                    continue
            sock.settimeout(10)
        elif data:
            sock.sendall(data)
        while chunk := sock.recv(65536):
            received += chunk
    return parse_answer(bytes(received))


def parse_answer(received: bytes) -> Answer:
    """An HTTP/1.1 answer read off a socket."""
    head, _, payload = received.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    named = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines)}
    listed = named.get("x-mockserver-violations")
    return Answer(
        int(status_line.split()[1]),
        named.get("content-type", ""),
        payload,
        None if listed is None else json.loads(listed),
    )


def test_a_silent_connection_is_closed(impatient: LiveServer) -> None:
    answer = answer_on(impatient)
    assert answer.status == 408
    assert "not received within 0.3 s" in assert_error_body(answer)["detail"]


def test_headers_trickled_slower_than_the_deadline_are_cut_off(impatient: LiveServer) -> None:
    slow = b"GET /ok HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Slow: " + b"a" * 200 + b"\r\n\r\n"
    answer = answer_on(impatient, slow, trickle=True)  # cut off long before the end
    assert answer.status == 408
    assert_error_body(answer)
    assert (
        answer_on(impatient, b"GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status
        == 200
    )


def test_a_kept_alive_connections_next_request_has_the_deadline_too(
    impatient: LiveServer,
) -> None:
    """The deadline runs from a kept-alive connection's next request's first byte: a first
    request answered, then a second that never finishes its headers gets a 408."""
    with socket.create_connection((impatient.host, impatient.port), timeout=10) as sock:
        sock.sendall(b"GET /ok HTTP/1.1\r\nHost: x\r\n\r\n")
        first = b""
        while b"\r\n\r\n" not in first or not first.endswith(b"}"):
            first += sock.recv(65536)
        time.sleep(0.5)  # idle past the deadline between requests: no 408 for that
        sock.sendall(b"GET /ok HTTP/1.1\r\nHost")
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    assert parse_answer(first).status == 200
    assert parse_answer(received).status == 408


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        pytest.param([b"X-Big: " + b"a" * 20_000], "over the 16384-byte limit", id="one-20kb"),
        pytest.param(
            [b"X-%d: a" % i for i in range(150)], "Too many request headers", id="150-headers"
        ),
        pytest.param(
            [b"Cookie: " + b"c" * 9000, b"X-Other: " + b"o" * 9000],
            "over the 16384-byte limit",
            id="two-9kb",
        ),
    ],
)
def test_oversized_headers_are_refused_with_431(
    server: LiveServer, http: httpx.Client, headers: list[bytes], detail: str
) -> None:
    request = b"\r\n".join([b"GET /ok HTTP/1.1", b"Host: 127.0.0.1", *headers]) + b"\r\n\r\n"
    answer = answer_on(server, request)
    assert answer.status == 431
    assert detail in assert_error_body(answer)["detail"]
    assert http.get("/ok").status_code == 200


# ---- every violation in one 422 ---------------------------------------------------------------


def listed(response: httpx.Response) -> set[str]:
    assert response.status_code == 422, response.text
    return set(locations(response))


def test_422_names_every_violation(client: httpx.Client, thread_id: str) -> None:
    # No operation of the contract takes a path id, a query parameter and a body at once, so
    # the four kinds are spread over two requests, each with every violation it can carry.
    history = client.post(
        "/threads/not-a-uuid/history", json={"limit": 0, "before": 5, "metadata": ["x"]}
    )
    assert listed(history) == {"path.thread_id", "body.limit", "body.before", "body.metadata"}
    # `detail` is the real server's one line, for the part it checks first: the path's id.
    assert history.json() == {"detail": "Invalid thread ID: must be a UUID"}

    at_checkpoint = client.get("/threads/not-a-uuid/state/also-not-one")
    assert listed(at_checkpoint) == {"path.thread_id", "path.checkpoint_id"}

    get_history = client.get("/threads/☃/history", params={"limit": "ten"})
    assert listed(get_history) == {"path.thread_id", "query.limit"}

    update = client.post(
        f"/threads/{thread_id}/state",
        json={"values": "x", "as_node": 5, "checkpoint": {"checkpoint_id": 7}, "checkpoint_id": []},
    )
    assert listed(update) == {
        "body.values",
        "body.as_node",
        "body.checkpoint.checkpoint_id",
        "body.checkpoint_id",
    }
    assert client.get(f"/threads/{thread_id}/history").json() == []


@pytest.mark.parametrize("value", ["maybe", "1", "TRUE", ""])
def test_a_flag_reads_any_other_value_as_false(
    client: httpx.Client, thread_id: str, value: str
) -> None:
    # As the real server reads `subgraphs`: only "true" and "True" are true.
    response = client.get(f"/threads/{thread_id}/state", params={"subgraphs": value})
    assert response.status_code == 200
    assert response.json() == client.get(f"/threads/{thread_id}/state").json()


def test_unknown_thread_with_bad_body_is_422_not_404(client: httpx.Client) -> None:
    # Validation comes before the handler: a bad body on a missing thread is still a 422.
    response = client.post(f"/threads/{uuid.uuid4()}/state", json={"as_node": None})
    assert listed(response) == {"body.as_node"}
