"""Replay what the real server answered (tests/data/transcripts.json) against the mock.

The data holds 192 exchanges recorded from `langgraph dev` (ids and times normalised by
scripts/import_transcripts.py). Every difference the mock makes on purpose is listed below
with its reason; each one is a row of the deviations table in docs/deviations.md, and a listed
difference that stops happening fails the test too, so the list stays true.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from replay import Expectation, replay

DATA = Path(__file__).parent / "data" / "transcripts.json"

_RUNS = "the recording searched after runs had added threads that the data leaves out"
EXPECTED: dict[int, Expectation] = {
    2: Expectation(compare_body=False, reason="/info names the mock as host"),
    28: Expectation(
        status=200,
        reason="a superstep `command` without goto applies its update "
        "(the real server answers 500)",
    ),
    88: Expectation(
        compare_body=False,
        reason="thread values follow the new head after a fork "
        "(the real server shows the fork source's)",
    ),
    108: Expectation(status=415, reason="a body sent as text/plain is refused; the spec says JSON"),
    121: Expectation(
        status=200,
        reason="history `before` as a CheckpointConfig works (the real server answers 500)",
    ),
    123: Expectation(
        status=200,
        reason="history `before` as a checkpoint id works, as "
        "langgraph-sdk sends it (the real server answers 422)",
    ),
    137: Expectation(status=422, reason="a checkpoint id that is not a UUID breaks the spec"),
    152: Expectation(compare_body=False, reason="thread values follow the new head after a fork"),
    180: Expectation(compare_body=False, reason=_RUNS),
    183: Expectation(compare_body=False, reason=_RUNS),
    184: Expectation(compare_body=False, reason=_RUNS),
    187: Expectation(compare_body=False, reason=_RUNS),
    188: Expectation(status=200, reason="a values filter skips never-written threads (real: 500)"),
    190: Expectation(compare_body=False, reason=_RUNS),
    192: Expectation(compare_body=False, reason=_RUNS),
    200: Expectation(compare_body=False, reason=_RUNS),
    201: Expectation(compare_body=False, reason=_RUNS),
    202: Expectation(compare_body=False, reason=_RUNS),
    203: Expectation(status=200, reason="a values filter skips never-written threads (real: 500)"),
    211: Expectation(
        status=404,
        reason="copying an unknown thread is 404 like every thread "
        "route (the real server says 409 Conflict)",
    ),
    213: Expectation(skip=True, reason="POST /threads/prune is not part of this contract"),
    216: Expectation(status=404, reason="no trailing-slash redirect: /threads/ is not a route"),
}


def _with_json_retry(exchanges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """After #108 (refused as text/plain), send the same body as JSON, which the real server
    stored, so that the rest of the recording still describes the mock's thread."""
    out = []
    for exchange in exchanges:
        out.append(exchange)
        if exchange["n"] == 108:
            retry = dict(
                exchange,
                n=10_108,
                name="#108 again, as application/json",
                request_headers={"content-type": "application/json"},
            )
            out.append(retry)
    return out


def _sender(http: httpx.Client) -> Any:
    def send(method: str, path: str, headers: dict[str, str], body: bytes | None) -> Any:
        response = http.request(method, path, headers=headers, content=body)
        try:
            parsed: Any = response.json()
        except ValueError:
            parsed = response.text
        return response.status_code, dict(response.headers), parsed

    return send


def test_the_mock_answers_like_the_real_server(client: httpx.Client) -> None:
    exchanges = _with_json_retry(json.loads(DATA.read_text()))
    mismatches = replay(exchanges, _sender(client), EXPECTED)
    assert not mismatches, "\n".join(map(str, mismatches))
