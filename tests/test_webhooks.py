"""Webhook URLs the real server refuses (langgraph_api.webhook under its default policy), for
runs and crons, against answers recorded from langgraph dev (tests/data/webhook_refusals.json:
each run request made with `POST /threads/{id}/runs`, each cron created and patched)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from mockserver.errors import Unprocessable
from mockserver.webhooks import check_webhook

from conftest import ROOT

RECORDING = json.loads((ROOT / "tests" / "data" / "webhook_refusals.json").read_text("utf-8"))


@pytest.mark.parametrize("row", RECORDING["runs"], ids=lambda row: row["webhook"])
def test_a_run_webhook_is_refused_as_on_the_real_server(
    client: httpx.Client, thread_id: str, row: dict[str, Any]
) -> None:
    body = {"assistant_id": "agent", "input": {"topic": "x"}, "webhook": row["webhook"]}
    response = client.post(f"/threads/{thread_id}/runs", json=body)
    assert response.status_code == row["status"]
    if row["status"] != 200:
        assert response.json() == row["body"]
        assert client.get(f"/threads/{thread_id}/runs").json() == []  # nothing was made


@pytest.mark.parametrize("row", RECORDING["crons"], ids=lambda row: row["webhook"])
def test_a_cron_webhook_is_refused_on_create_and_patch(
    client: httpx.Client, row: dict[str, Any]
) -> None:
    cron = {"assistant_id": "agent", "schedule": "0 0 1 1 *"}
    made = client.post("/runs/crons", json={**cron, "webhook": row["webhook"]})
    assert made.status_code == row["create"]
    assert row["create_body"] is None or made.json() == row["create_body"]
    cron_id = client.post("/runs/crons", json=cron).json()["cron_id"]
    patched = client.patch(f"/runs/crons/{cron_id}", json={"webhook": row["webhook"]})
    assert patched.status_code == row["patch"]
    assert row["patch_body"] is None or patched.json() == row["patch_body"]


def test_a_host_name_is_never_looked_up() -> None:  # docs/deviations.md: DNS is not consulted
    check_webhook("https://no-such-host.invalid/hook")


def test_an_unparsable_url_is_a_422_not_a_crash() -> None:  # the real server's 500
    with pytest.raises(Unprocessable, match="Invalid webhook hostname ''"):
        check_webhook("http://[::1")
