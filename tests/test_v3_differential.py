"""Replay the v3 thread-streaming scenarios against the mock and compare with the real server.

tests/data/v3_recording.json holds what `langgraph dev` answered to tests/v3_scenarios.py
(recorded once by scripts/record_v3.py): every command's answer, and every frame of the event
streams (event name, `id` and the protocol event), with ids, times and timestamps
normalised. Seq numbers, event ids (`synth:<run>:lc||running`, stream ids), the order of the
frames and their content are compared as they are.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from scenario_check import checked_app, compared, differences, served
from v3_scenarios import SCENARIOS, V3Session, chat_reply, play

from mockserver.app import create_app
from mockserver.graph import load_graphs
from mockserver.live import LiveServer

DATA = Path(__file__).parent / "data"
RECORDING = json.loads((DATA / "v3_recording.json").read_text())


@pytest.fixture(scope="module")
def replayed() -> Iterator[dict[str, list[dict[str, Any]]]]:
    graphs = load_graphs(yaml.safe_load((DATA / "reference_graphs.yaml").read_text()))
    app, errors = checked_app(graphs=graphs)
    with served(app, errors) as http:
        yield play(http)


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_v3_streaming_answers_like_the_real_server(
    scenario: str, replayed: dict[str, list[dict[str, Any]]]
) -> None:
    problems = compared(RECORDING[scenario], replayed[scenario])
    assert not problems, "\n".join(problems)


def test_the_recording_holds_every_kind_of_event() -> None:
    frames = [f for records in RECORDING.values() for r in records for f in r.get("events", [])]
    assert {f["event"] for f in frames} == {"lifecycle", "values", "input.requested"}
    phases = {f["data"]["params"]["data"]["event"] for f in frames if f["event"] == "lifecycle"}
    assert phases == {"running", "completed", "failed", "interrupted"}
    assert all(f["id"] == str(f["data"]["seq"]) for f in frames)


# The real server's events for a fake chat model's streamed reply (scripts/record_v3_messages.py)
# and the mock's scripted graph saying the same, token by token.
CHAT_RECORDING = json.loads((DATA / "v3_messages_recording.json").read_text())
CHAT = {
    "graphs": {
        "chat": {
            "channels": {"messages": "add_messages"},
            "nodes": {"agent": {"reply": "You said hi. Found it."}},
            "edges": [["__start__", "agent"], ["agent", "__end__"]],
        }
    }
}


def test_a_streamed_reply_is_sent_as_the_real_server_sends_a_chat_model_reply() -> None:
    app = create_app(graphs=load_graphs(CHAT), check_responses=True)
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        session = V3Session(http)
        chat_reply(session)
    found = [
        d
        for real, mock in zip(CHAT_RECORDING, session.records, strict=True)
        for d in differences(real, mock)
    ]
    # The fake chat model's message is stored in langchain's v1 output format (content blocks,
    # `response_metadata.output_version`); the mock's scripted message keeps its text, as
    # other chat models do.
    assert found == [
        "events[15].data.params.data.messages[1].content",
        "events[15].data.params.data.messages[1].response_metadata",
    ]
