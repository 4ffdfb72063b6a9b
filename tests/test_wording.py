"""A rejected request reads as the real server words it: tests/data/real_rejections.json was
recorded from `langgraph dev` (scripts/record_rejections.py); the mock answers each case with
the same status and the same body, byte for byte, or a docs/deviations.md row says why not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockserver import wording

from rejections import violations

CASES = json.loads((Path(__file__).parent / "data" / "real_rejections.json").read_text())
# Cases where the mock answers otherwise on purpose: the row of docs/deviations.md.
DEVIATIONS: dict[str, str] = {}


def case_id(case: dict[str, Any]) -> str:
    sent = case.get("json", case.get("raw", case.get("params", "")))
    return f"{case['method']} {case['path']} {json.dumps(sent)}"


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_the_mock_words_a_rejection_as_the_real_server(
    client: httpx.Client, case: dict[str, Any]
) -> None:
    path = case["path"]
    if "{tid}" in path:
        path = path.replace("{tid}", client.post("/threads", json={}).json()["thread_id"])
    if "raw" in case:
        response = client.request(
            case["method"],
            path,
            content=case["raw"].encode(),
            headers={"content-type": "application/json"},
        )
    else:
        response = client.request(
            case["method"], path, params=case.get("params"), json=case.get("json")
        )
    answer = (response.status_code, response.json())
    if case_id(case) in DEVIATIONS:
        assert answer != (case["status"], case["body"]), "listed, but no longer differs"
        return
    assert answer == (case["status"], case["body"])


def test_a_rejection_lists_its_violations_in_a_header(client: httpx.Client) -> None:
    response = client.post("/threads", json={"if_exists": "replace", "metadata": "x"})
    assert response.status_code == 422
    assert violations(response) == [
        'body.if_exists: "replace" is not one of "raise" or "do_nothing"',
        'body.metadata: "x" is not of type "object"',
    ]


def test_a_huge_body_of_bad_items_answers_at_once_and_briefly(client: httpx.Client) -> None:
    # 2 million bad ids: the real server stops at the first; listing them all took 16 s and
    # answered 228 MB. The answer stays small: the first violation and a note.
    body = b'{"ids": [' + b",".join([b"5"] * 2_000_000) + b"]}"
    response = client.post(
        "/threads/search", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert len(response.content) < 1000 and len(response.headers["x-mockserver-violations"]) < 5000
    assert response.json()["detail"].startswith('5 is not of type "string"')
    assert len(violations(response)) == 2


def test_a_detail_quoting_a_huge_value_is_capped() -> None:
    detail = wording.real_server_error("ThreadStateUpdate", {"as_node": ["x" * 100_000]})
    assert detail is not None and len(detail) == wording.MAX_DETAIL
    assert detail.endswith("(truncated)")


def test_two_bad_fields_report_the_one_the_real_server_checks_first() -> None:
    # The real server's jsonschema-rs checks properties in sorted order, whatever the body's.
    for body in ({"metadata": 5, "limit": "x"}, {"limit": "x", "metadata": 5}):
        detail = wording.real_server_error("ThreadSearchRequest", body)
        assert detail is not None and 'instance["limit"]' in detail
