"""The official JS SDK (@langchain/langgraph-sdk 1.x) against the mock.

js/acceptance.mjs is agent-chat-ui's call sequence: it lists the threads, creates one, streams a
run with the chat UI's modes (values, messages-tuple, custom), reads history and state, and
resumes an interrupt, against a live mock serving tests/data/chat_graphs.yaml.
js/sdk-methods.mjs calls every public method of the Client (assistants, threads, runs, crons,
store) against the reference graphs; a real `langgraph dev` answered the same script with
tests/data/js_sdk_methods.json (scripts/record_js_sdk.py), which the mock's output is compared
with. The SDK comes from npm (js/package.json and its lockfile); `npm ci` runs when
js/node_modules lacks the locked version.
"""

from __future__ import annotations

import fcntl
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


SDK = "node_modules/@langchain/langgraph-sdk"
REAL_METHODS = json.loads((ROOT / "tests" / "data" / "js_sdk_methods.json").read_text())
# Calls whose answers differ from the real server's on purpose (docs/deviations.md).
DIFFERENT = {
    "threads.getHistory before": "`before` as a checkpoint config works (row 2: real 500)",
}


def locked_version() -> str:
    """The SDK version js/package-lock.json pins."""
    lock = json.loads((JS / "package-lock.json").read_text())
    return str(lock["packages"][SDK]["version"])


def _up_to_date() -> bool:
    installed = JS / SDK / "package.json"
    return installed.is_file() and json.loads(installed.read_text())["version"] == locked_version()


@pytest.fixture(scope="module")
def sdk_installed() -> None:
    if _up_to_date():
        return
    npm = shutil.which("npm")
    assert npm is not None, "node is installed but npm is not"
    # One install at a time: the test workers may all find node_modules missing.
    with open(JS / ".npm-ci.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _up_to_date():
            return
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


def test_the_sdk_is_the_1_x_line() -> None:
    # npm's `latest` is 1.x; 2.0.0 is an older, deprecated build
    assert json.loads((JS / "package.json").read_text())["dependencies"] == {
        "@langchain/langgraph-sdk": locked_version()
    }
    assert locked_version().startswith("1.")
    assert REAL_METHODS["sdk"] == locked_version()


def test_every_public_method_answers_as_on_the_real_server(sdk_installed: None) -> None:
    assert NODE is not None
    seen: list[Exchange] = []
    app = create_app(check_responses=True, observer=seen.append)
    with LiveServer(app) as server:
        done = subprocess.run(
            [NODE, "sdk-methods.mjs"],
            cwd=JS,
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "MOCKSERVER_URL": server.url},
            check=False,
        )
    assert done.returncode == 0, f"js/sdk-methods.mjs failed:\n{done.stderr}\n{done.stdout}"
    mock = json.loads(done.stdout)
    # every public method of each part of the client is called
    assert mock["methods"] == REAL_METHODS["methods"]
    called = {c["call"].split()[0] for c in mock["calls"]}
    methods = {f"{part}.{name}" for part, names in mock["methods"].items() for name in names}
    assert methods <= called, methods - called
    # the same calls, with the same answers (ids and times normalised) but for DIFFERENT
    assert [c["call"] for c in mock["calls"]] == [c["call"] for c in REAL_METHODS["calls"]]
    differences = [
        (ours["call"], ours, real)
        for ours, real in zip(mock["calls"], REAL_METHODS["calls"], strict=True)
        if ours != real and ours["call"] not in DIFFERENT
    ]
    assert not differences, json.dumps(differences, indent=1)[:4000]
    for ours, real in zip(mock["calls"], REAL_METHODS["calls"], strict=True):
        if ours["call"] in DIFFERENT:
            assert ours != real, f"{ours['call']} now answers as the real server: update DIFFERENT"
    assert not [e for e in seen if e.status >= 500 or e.violations], "a 5xx or a broken answer"


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
