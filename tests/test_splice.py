"""Long message lists spliced into answers (mockserver/splice.py): the same bytes, sent whole."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import orjson
import pytest
from starlette.testclient import TestClient

from mockserver import create_app
from mockserver.live import LiveServer
from mockserver.splice import SPLICED_FROM, Splice


def test_marks_are_replaced_by_their_parts_wherever_they_were_written() -> None:
    splice = Splice()
    first = splice.fragment([b"[1", b",2" * 3000], b"]")
    second = splice.fragment([b"[3"], b"]")
    payload = orjson.dumps({"b": second, "a": [first, "\x00 text"], "c": first})
    pieces = splice.pieces(payload)
    expected = {"b": [3], "a": [[1] + [2] * 3000, "\x00 text"], "c": [1] + [2] * 3000}
    assert orjson.loads(b"".join(pieces)) == expected
    assert all(len(piece) for piece in pieces)


def test_an_answer_without_marks_is_one_piece() -> None:
    assert Splice().pieces(b'{"a":1}') == [b'{"a":1}']


@pytest.fixture(scope="module")
def long_thread() -> Iterator[tuple[LiveServer, str]]:
    app = create_app(check_responses=True)  # every answer checked against the spec too
    with LiveServer(app) as live:
        thread_id = httpx.post(live.url + "/threads", json={"metadata": {"graph_id": "agent"}})
        thread_id = thread_id.json()["thread_id"]
        text = "It is sunny in Lisbon, 24 degrees. " * 4
        for i in range(40):
            batch = [
                {"role": "ai", "content": f"{text}{i}.{j}", "id": f"m{i}.{j}"} for j in range(15)
            ]
            update = {"values": {"messages": batch}, "as_node": "agent"}
            assert httpx.post(f"{live.url}/threads/{thread_id}/state", json=update).is_success
        yield live, thread_id


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/state", None),
        ("POST", "/state/checkpoint", {"checkpoint": {}}),
        ("GET", "/history?limit=3", None),
        ("POST", "/history", {"limit": 3}),
    ],
)
def test_a_long_threads_state_reads_as_orjson_writes_it(
    long_thread: tuple[LiveServer, str],
    method: str,
    path: str,
    body: object,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    live, thread_id = long_thread
    sent: list[int] = []
    pieces = Splice.pieces

    def counted(self: Splice, payload: bytes) -> list[bytes]:
        out = pieces(self, payload)
        sent.append(len(out))
        return out

    monkeypatch.setattr(Splice, "pieces", counted)
    answer = httpx.request(method, f"{live.url}/threads/{thread_id}{path}", json=body)
    assert sent and sent[0] > 1  # spliced: sent in pieces
    assert answer.status_code == 200
    assert answer.headers.get("x-mockserver-violations") is None
    assert int(answer.headers["content-length"]) == len(answer.content)
    assert answer.content == orjson.dumps(orjson.loads(answer.content))  # byte for byte
    states = answer.json() if isinstance(answer.json(), list) else [answer.json()]
    messages = states[0]["values"]["messages"]
    assert len(messages) == 600
    assert len(orjson.dumps(messages)) >= SPLICED_FROM  # long enough to be spliced
    assert [m["id"] for m in messages[:2]] == ["m0.0", "m0.1"]
    assert len(states[-1]["values"]["messages"]) == 600 - 15 * (len(states) - 1)


def test_spliced_answers_pass_the_cors_layer_and_the_in_process_client(
    long_thread: tuple[LiveServer, str],
) -> None:
    live, thread_id = long_thread
    origin = {"Origin": "http://localhost:3000"}
    answer = httpx.get(f"{live.url}/threads/{thread_id}/state", headers=origin)
    assert answer.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert len(answer.json()["values"]["messages"]) == 600
    assert int(answer.headers["content-length"]) == len(answer.content)
    # The same thread in an in-process app (the fixture's path): the same body.
    local = TestClient(create_app(check_responses=True))
    made = local.post("/threads", json={"metadata": {"graph_id": "agent"}}).json()["thread_id"]
    text = "It is sunny in Lisbon, 24 degrees. " * 4
    batch = [{"role": "ai", "content": f"{text}{i}", "id": f"m{i}"} for i in range(600)]
    update = {"values": {"messages": batch}, "as_node": "agent"}
    assert local.post(f"/threads/{made}/state", json=update).status_code == 200
    assert local.get(f"/threads/{made}/state").status_code == 200  # its parts, kept
    more = {"values": {"messages": [{"role": "human", "content": "and?", "id": "m600"}]}}
    assert local.post(f"/threads/{made}/state", json=more).status_code == 200  # one part more
    state = local.get(f"/threads/{made}/state", headers=origin)
    assert state.headers.get("x-mockserver-violations") is None
    assert [m["id"] for m in state.json()["values"]["messages"]] == [f"m{i}" for i in range(601)]
