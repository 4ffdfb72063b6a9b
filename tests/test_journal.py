"""The journal (mockserver/journal.py): bodies kept as bytes, bounded in count and in bytes."""

from __future__ import annotations

from starlette.testclient import TestClient

from mockserver import create_app
from mockserver.journal import Exchange, Journal, Unparsed


def _exchange(raw: bytes, payload: bytes | None = b"{}") -> Exchange:
    return Exchange("POST", "/x", "/x", "op", {}, {}, Unparsed(raw), 200, payload)


def test_a_json_body_is_kept_as_its_bytes_and_read_when_asked() -> None:
    exchange = _exchange(b'{"a": [1, 2.5, "\\u00e9"]}')
    assert isinstance(exchange.request_body, Unparsed)
    assert exchange.body == {"a": [1, 2.5, "é"]}
    assert exchange.to_json()["body"] == {"a": [1, 2.5, "é"]}
    assert _exchange(b"{not json").body is None


def test_a_bounded_journal_drops_the_oldest_past_its_bytes() -> None:
    journal = Journal(10, max_bytes=1000)
    for i in range(5):
        journal(_exchange(b'{"i": %d, "pad": "%s"}' % (i, b"x" * 380), payload=b"{}"))
    kept = [e.body["i"] for e in journal.take()]
    assert kept == [3, 4]  # two of ~400 bytes fit in 1,000
    journal.clear()
    journal(_exchange(b'{"big": "%s"}' % (b"y" * 5000)))
    assert len(journal.take()) == 1  # the newest is kept even alone past the budget


def test_a_journal_that_keeps_all_keeps_all() -> None:
    journal = Journal(None, max_bytes=10)
    for _ in range(50):
        journal(_exchange(b'{"pad": "%s"}' % (b"z" * 100)))
    assert len(journal.take()) == 50


def test_the_app_keeps_a_json_request_unparsed() -> None:
    seen: list[Exchange] = []
    client = TestClient(create_app(observer=seen.append))
    assert client.post("/threads", json={"metadata": {"k": "v"}}).status_code == 200
    (exchange,) = seen
    assert isinstance(exchange.request_body, Unparsed)
    assert exchange.body == {"metadata": {"k": "v"}}
