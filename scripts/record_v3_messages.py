#!/usr/bin/env python3
"""Record what the real server sends on the v3 `messages` channel for a chat model's reply.

    REAL_SERVER_INSTANCE=v3 python scripts/record_v3_messages.py

The reference graphs call no chat model, so this starts the real server (through
scripts/real_server.py) on the reference app plus one graph, `chat`, whose node streams a fake
chat model's text reply (GENERIC below), runs it once through POST /threads/{id}/commands,
reads the thread's event stream and writes its frames (ids, times normalised) to
tests/data/v3_messages_recording.json, which tests/test_v3_differential.py replays against a
scripted graph that says the same.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "v3_messages_recording.json"
GENERIC = """
from typing import Annotated, TypedDict

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages


class State(TypedDict, total=False):
    messages: Annotated[list, add_messages]


def agent(state: State) -> dict:
    model = GenericFakeChatModel(messages=iter([AIMessage(content="You said hi. Found it.")]))
    return {"messages": [model.invoke(state.get("messages") or [])]}


b = StateGraph(State)
b.add_node("agent", agent)
b.add_edge(START, "agent")
b.add_edge("agent", END)
graph = b.compile()
"""


def record(url: str) -> int:
    import httpx

    sys.path.insert(0, str(ROOT / "tests"))
    from v3_scenarios import V3Session, chat_reply

    with httpx.Client(base_url=url, timeout=60) as http:
        session = V3Session(http)
        chat_reply(session)
    OUT.write_text(json.dumps(session.records, indent=1) + "\n")
    print(f"recorded {len(session.records)} answers into {OUT.relative_to(ROOT)}")
    return 0


def main() -> int:
    if url := os.environ.get("REAL_SERVER_URL"):
        return record(url)
    sys.path.insert(0, str(ROOT / "scripts"))
    import real_server

    with tempfile.TemporaryDirectory() as scratch:
        app = Path(scratch) / "app"
        shutil.copytree(
            real_server.REFERENCE_APP, app, ignore=shutil.ignore_patterns("__pycache__")
        )
        (app / "chat.py").write_text(GENERIC)
        config = json.loads((app / "langgraph.json").read_text())
        config["graphs"]["chat"] = "./chat.py:graph"
        (app / "langgraph.json").write_text(json.dumps(config, indent=2))
        real_server.REFERENCE_APP = app
        started = time.monotonic()
        code = real_server.main(["run", "--", sys.executable, __file__])
        print(f"done in {time.monotonic() - started:.1f} s", file=sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main())
