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

import pytest
from cron_scenarios import SCENARIOS, play
from scenario_check import checked_app, compared, served

from mockserver.graph import load_graphs

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
    graphs = load_graphs(DATA / "reference_graphs.yaml")
    app, errors = checked_app(graphs=graphs, cron_interval=0.05)
    with served(app, errors) as http:
        yield play(http)


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_crons_answer_like_the_real_server(
    scenario: str, replayed: dict[str, list[dict[str, Any]]]
) -> None:
    listed = {index: found for (name, index), found in EXPECTED.items() if name == scenario}
    problems = compared(RECORDING[scenario], replayed[scenario], listed)
    assert not problems, "\n".join(problems)
