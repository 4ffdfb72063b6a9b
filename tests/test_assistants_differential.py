"""Replay the assistant scenarios against the mock and compare with the real server's recording.

tests/data/assistants_recording.json holds what `langgraph dev` answered to
tests/assistant_scenarios.py (recorded once by scripts/record_assistants.py, a fresh server per
scenario): statuses, pagination headers and bodies, ids numbered by first appearance and times
normalised. Each answer must match byte for byte once normalised: the same JSON, keys in the
same order. The mock is reset before each scenario, as the real server was restarted.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from assistant_scenarios import SCENARIOS, play
from scenario_check import checked_app, differences, served

from mockserver.graph import load_graphs

DATA = Path(__file__).parent / "data"
RECORDING = json.loads((DATA / "assistants_recording.json").read_text())
# (scenario, record index) -> why the answer has the same JSON with keys in another order
KEY_ORDER: dict[tuple[str, int], str] = {
    ("runs_with_assistants", 8): "a thread a run created lists its keys in the order Runs.put "
    "made the record (thread_id, status, metadata, config, ...); the mock's thread body keeps "
    "one order (docs/deviations.md)",
    ("runs_with_assistants", 13): "the same thread, read again",
}


@pytest.fixture(scope="module")
def replayed() -> Iterator[dict[str, list[dict[str, Any]]]]:
    app, errors = checked_app(graphs=load_graphs(DATA / "reference_graphs.yaml"))
    played: dict[str, list[dict[str, Any]]] = {}
    with served(app, errors) as http:
        for name in SCENARIOS:
            app.state.control.reset()
            played.update(play(http, [name]))
    yield played


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_assistants_answer_like_the_real_server(
    scenario: str, replayed: dict[str, list[dict[str, Any]]]
) -> None:
    real, mock = RECORDING[scenario], replayed[scenario]
    assert [r["call"] for r in mock] == [r["call"] for r in real]
    problems = []
    for index, (recorded, answered) in enumerate(zip(real, mock, strict=True)):
        found = differences(recorded, answered)
        reordered = not found and json.dumps(recorded) != json.dumps(answered)
        if (scenario, index) in KEY_ORDER and not reordered:
            problems.append(f"#{index} {recorded['call']}: the listed key order difference is gone")
        elif reordered and (scenario, index) not in KEY_ORDER:
            found = ["(the same values, keys in another order)"]
        if found:
            problems.append(f"#{index} {recorded['call']} {recorded['request']}: {found[:8]}")
    assert not problems, "\n".join(problems)


def test_the_recording_covers_every_assistant_operation() -> None:
    calls = {
        r["call"].split(" ")[0] + " " + _template(r["call"]) for s in RECORDING.values() for r in s
    }
    assert {
        "POST /assistants",
        "POST /assistants/search",
        "POST /assistants/count",
        "GET /assistants/{}",
        "PATCH /assistants/{}",
        "DELETE /assistants/{}",
        "POST /assistants/{}/versions",
        "POST /assistants/{}/latest",
        "GET /assistants/{}/subgraphs",
        "GET /assistants/{}/subgraphs/{}",
        "GET /assistants/{}/schemas",
        "GET /assistants/{}/graph",
    } <= calls


def _template(call: str) -> str:
    parts = call.split(" ", 1)[1].split("/")
    literal = {
        "assistants",
        "search",
        "count",
        "versions",
        "latest",
        "subgraphs",
        "schemas",
        "graph",
    }
    return "/".join(p if p in literal or not p else "{}" for p in parts)
