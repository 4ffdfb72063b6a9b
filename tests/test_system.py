"""GET /: the health check at the root, as a fresh `langgraph dev` answered it
(tests/data/real_system.json `root`, scripts/record_system.py)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

REAL = json.loads((Path(__file__).parent / "data" / "real_system.json").read_text())
GETS = [answer for answer in REAL["root"] if answer["method"] == "GET"]


@pytest.mark.parametrize("real", GETS, ids=lambda real: real["path"])
def test_the_root_answers_as_the_real_server(client: httpx.Client, real: dict[str, str]) -> None:
    response = client.get(real["path"])
    assert response.status_code == real["status"]
    assert response.headers["content-type"] == real["content_type"]
    assert response.text == real["body"]


def test_the_root_answers_as_the_health_check(client: httpx.Client) -> None:
    for query in ("", "?check_db=1", "?check_db=x"):
        root, ok = client.get(f"/{query}"), client.get(f"/ok{query}")
        assert (root.status_code, root.content) == (ok.status_code, ok.content)


def test_another_method_at_the_root_is_405_where_the_real_server_says_404(
    client: httpx.Client,
) -> None:
    (real,) = [answer for answer in REAL["root"] if answer["method"] == "POST"]
    assert real["status"] == 404  # docs/deviations.md row 101
    response = client.post("/")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
