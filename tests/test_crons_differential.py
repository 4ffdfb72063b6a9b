"""Replay the cron scenarios against the mock and compare with the real server's recording.

tests/data/crons_recording.json holds what `langgraph dev` answered to tests/cron_scenarios.py
(recorded once by scripts/record_crons.py): statuses, headers and bodies, ids and times
normalised, including the runs its scheduler fired. The mock plays the same scenarios with the
reference graphs and a 50 ms scheduler poll. Every difference it makes on purpose is listed
below with its reason (and in docs/deviations.md); a listed difference that stops happening
fails the test too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cron_scenarios import SCENARIOS, play
from test_runs_differential import differences

from mockserver.app import create_app
from mockserver.graph import load_graphs
from mockserver.journal import Exchange
from mockserver.live import LiveServer

DATA = Path(__file__).parent / "data"
RECORDING = json.loads((DATA / "crons_recording.json").read_text())

# (scenario, record index) -> (the paths that differ, why)
EXPECTED: dict[tuple[str, int], tuple[frozenset[str], str]] = {
    ("patch", 22): (
        frozenset({"body.schedule"}),
        "a PATCH refused with 400 (the new schedule has no date left) changes nothing; the real "
        "server has already saved the new schedule when it fails",
    ),
}


@pytest.fixture(scope="module")
def replayed() -> Iterator[dict[str, list[dict[str, Any]]]]:
    errors: list[Exchange] = []

    def watch(exchange: Exchange) -> None:
        if exchange.status >= 500:
            errors.append(exchange)

    graphs = load_graphs(DATA / "reference_graphs.yaml")
    app = create_app(graphs=graphs, check_responses=True, observer=watch, cron_interval=0.05)
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        yield play(http)
    assert not errors, f"the mock answered with a server error: {errors}"


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_crons_answer_like_the_real_server(
    scenario: str, replayed: dict[str, list[dict[str, Any]]]
) -> None:
    real, mock = RECORDING[scenario], replayed[scenario]
    assert [r["call"] for r in mock] == [r["call"] for r in real]
    problems = []
    for index, (recorded, answered) in enumerate(zip(real, mock, strict=True)):
        found = set(differences(recorded, answered))
        expected, reason = EXPECTED.get((scenario, index), (frozenset(), ""))
        if expected and not expected <= found:
            problems.append(
                f"#{index} {recorded['call']}: the listed difference is gone "
                f"({sorted(expected - found)}: {reason})"
            )
        if unexpected := sorted(found - expected):
            problems.append(f"#{index} {recorded['call']}: {unexpected[:10]}")
    assert not problems, "\n".join(problems)
