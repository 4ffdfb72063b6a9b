"""agent-chat-ui's call sequence through the official JS SDK (@langchain/langgraph-sdk).

js/acceptance.mjs lists the threads, creates one, streams a run with the chat UI's modes
(values, messages-tuple, custom), reads history and state, and resumes an interrupt, against
a live mock serving tests/data/chat_graphs.yaml. The SDK comes from npm (js/package.json and
its lockfile); `npm ci` runs once when js/node_modules is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from mockserver.app import create_app
from mockserver.journal import Exchange
from mockserver.live import LiveServer

ROOT = Path(__file__).resolve().parent.parent
JS = ROOT / "js"
GRAPHS = ROOT / "tests" / "data" / "chat_graphs.yaml"
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(
    NODE is None, reason="node is not installed: the JS SDK test needs node >= 20 and npm"
)


@pytest.fixture(scope="module")
def sdk_installed() -> None:
    if (JS / "node_modules" / "@langchain" / "langgraph-sdk").is_dir():
        return
    npm = shutil.which("npm")
    assert npm is not None, "node is installed but npm is not"
    done = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund"],
        cwd=JS,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, f"npm ci failed:\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def chat_mock() -> Iterator[tuple[LiveServer, list[Exchange]]]:
    seen: list[Exchange] = []
    app = create_app(graphs=GRAPHS, check_responses=True, observer=seen.append)
    with LiveServer(app) as server:
        yield server, seen


def test_agent_chat_ui_sequence_through_the_js_sdk(
    sdk_installed: None, chat_mock: tuple[LiveServer, list[Exchange]]
) -> None:
    server, seen = chat_mock
    assert NODE is not None
    done = subprocess.run(
        [NODE, "acceptance.mjs"],
        cwd=JS,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "MOCKSERVER_URL": server.url},
        check=False,
    )
    assert done.returncode == 0, f"the JS SDK check failed:\n{done.stderr}\n{done.stdout}"
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["chat"]["reply"].startswith("You said: weather in Paris")
    assert summary["interrupt"] == {"question": "Send it?", "resumed": "yes"}
    calls = [(e.method, e.route) for e in seen]
    for call in [
        ("GET", "/info"),
        ("POST", "/threads/search"),
        ("POST", "/threads"),
        ("POST", "/threads/{thread_id}/runs/stream"),
        ("POST", "/threads/{thread_id}/history"),
        ("GET", "/threads/{thread_id}/state"),
    ]:
        assert call in calls, f"the SDK never called {call}"
    streamed = [e for e in seen if e.route == "/threads/{thread_id}/runs/stream"]
    assert all(e.body["stream_mode"] == ["values", "messages-tuple", "custom"] for e in streamed)
    problems = [e for e in seen if e.status >= 400 or e.violations]
    assert not problems, problems


def test_the_e2e_example_resets_seeds_and_injects_faults_over_plain_http() -> None:
    """js/e2e-example.mjs, as a Playwright set-up would use the admin API (plain fetch, with
    an api key): reset, seed, the journal, a 503, a 2 s delay and a stream cut after 3 events."""
    assert NODE is not None
    seen: list[Exchange] = []
    app = create_app(check_responses=True, observer=seen.append, api_key="e2e-key")
    with LiveServer(app) as server:
        done = subprocess.run(
            [NODE, "e2e-example.mjs"],
            cwd=JS,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env={**os.environ, "MOCKSERVER_URL": server.url, "MOCKSERVER_API_KEY": "e2e-key"},
        )
    assert done.returncode == 0, f"the e2e example failed:\n{done.stderr}\n{done.stdout}"
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["unavailable"] == 503
    assert summary["delayed_ms"] >= 2000
    assert len(summary["stream"]["events"]) == 3
    assert [e.fault is not None for e in seen if e.route == "/threads"] == [True, False]
    assert not [e for e in seen if e.violations], "an answer broke the spec"
