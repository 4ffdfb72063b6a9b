"""The admin API under /__mockserver/: reset, seed, journal, state dump and fault rules, over
HTTP on a live mock (a dropped connection needs a real socket)."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import yaml
from run_scenarios import parse_sse

from mockserver.admin import admin_document
from mockserver.app import create_app
from mockserver.faults import Faults, Latency
from mockserver.graph import load_graphs
from mockserver.live import LiveServer

ADMIN = "/__mockserver"
PETSTORE = Path(__file__).parent / "data" / "specs" / "petstore.yaml"
CREATE = "create_thread_threads_post"
SLOW = {
    "graphs": {
        "slow": {
            "channels": {"topic": "last_value"},
            "nodes": {
                "one": {"writes": {"topic": "one"}},
                "wait": {"delay": 60, "writes": {"topic": "late"}},
                "three": {"writes": {"topic": "three"}},
            },
            "edges": [
                ["__start__", "one"],
                ["one", "wait"],
                ["wait", "three"],
                ["three", "__end__"],
            ],
        },
        "agent": {
            "channels": {"messages": "add_messages", "topic": "last_value"},
            "nodes": {"agent": {}, "tools": {}},
            "edges": [["__start__", "agent"], ["agent", "tools"], ["tools", "__end__"]],
        },
    }
}
SEED = {
    "threads": [
        {
            "graph_id": "agent",
            "metadata": {"owner": "alice"},
            "updates": [
                {"values": {"messages": [{"role": "user", "content": "hi", "id": "u1"}]}},
                {"values": {"topic": "weather"}, "as_node": "agent"},
            ],
        },
        {"thread_id": "5b1f3c4e-0000-4000-8000-000000000001", "metadata": {"owner": "bob"}},
    ]
}


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    app = create_app(graphs=load_graphs(SLOW), check_responses=True)
    with LiveServer(app) as live:
        yield live


@pytest.fixture
def http(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        assert client.post(f"{ADMIN}/reset").status_code == 204
        yield client


def events_of(http: httpx.Client, path: str, body: Any) -> list[dict[str, Any]]:
    with http.stream("POST", path, json=body) as response:
        assert response.status_code == 200
        return list(parse_sse(response.iter_lines()))


# ---- the document -------------------------------------------------------------------------


def test_the_admin_api_is_described_by_its_own_openapi_document(http: httpx.Client) -> None:
    response = http.get(f"{ADMIN}/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document == admin_document()
    assert document["servers"] == [{"url": "/__mockserver"}]
    from openapi_spec_validator import validate

    validate(document)
    served = http.get("/openapi.json").json()
    assert not any(path.startswith(ADMIN) for path in served["paths"])


def test_every_documented_operation_answers(http: httpx.Client) -> None:
    for path, operations in admin_document()["paths"].items():
        for method in operations:
            url = ADMIN + path.replace("{rule_id}", "nope")
            body = (
                {"threads": []}
                if path == "/seed"
                else ({"status": 503} if path == "/faults" and method == "post" else None)
            )
            response = http.request(method.upper(), url, json=body)
            assert response.status_code in {int(s) for s in operations[method]["responses"]}, (
                method,
                path,
                response.text,
            )


def test_info_names_the_document_served_and_how_it_is_answered(http: httpx.Client) -> None:
    schema = admin_document()["paths"]["/info"]["get"]["responses"]["200"]["content"]
    info = http.get(f"{ADMIN}/info").json()
    jsonschema.validate(info, schema["application/json"]["schema"])
    assert info["document"]["title"] == http.get("/openapi.json").json()["info"]["title"]
    assert info["generated"] == 0 and info["handled"] == info["document"]["operations"]
    assert "agent" in info["graphs"]  # this module's graphs
    with LiveServer(create_app(PETSTORE)) as pets:
        other = httpx.get(f"{pets.url}{ADMIN}/info").json()
        assert httpx.get(f"{pets.url}/info").status_code == 404  # not the document's path
    jsonschema.validate(other, schema["application/json"]["schema"])
    assert other["document"]["title"] == "Swagger Petstore"
    assert (other["handled"], other["graphs"], other["stateful"]) == (0, [], True)
    assert other["generated"] == other["document"]["operations"] == 3


def test_unknown_admin_paths_and_methods(http: httpx.Client) -> None:
    assert http.get(f"{ADMIN}/nope").status_code == 404
    assert http.get(f"{ADMIN}/nope").json()["detail"].startswith("No admin endpoint")
    assert http.put(f"{ADMIN}/reset").status_code == 405


# ---- reset, seed, state ------------------------------------------------------------------


def test_seed_json_and_yaml_then_reset(http: httpx.Client) -> None:
    made = http.post(f"{ADMIN}/seed", json=SEED)
    assert made.status_code == 201
    first, second = made.json()["threads"]
    assert second == "5b1f3c4e-0000-4000-8000-000000000001"
    state = http.get(f"/threads/{first}/state").json()
    assert state["values"]["topic"] == "weather"
    assert state["next"] == ["tools"]
    assert http.get(f"/threads/{first}").json()["metadata"]["owner"] == "alice"

    as_yaml = http.post(
        f"{ADMIN}/seed",
        content=yaml.safe_dump(
            {"threads": [{"graph_id": "agent", "updates": [{"values": {"topic": "y"}}]}]}
        ),
        headers={"content-type": "application/yaml"},
    )
    assert as_yaml.status_code == 201
    assert http.post("/threads/count", json={}).json() == 3

    assert http.post(f"{ADMIN}/reset").status_code == 204
    assert http.post("/threads/search", json={}).json() == []


@pytest.mark.parametrize(
    ("body", "content_type", "detail"),
    [
        pytest.param(
            b'{"threads": 5}', "application/json", "threads must be a list", id="not-list"
        ),
        pytest.param(b'{"crons": []}', "application/json", "cannot seed crons", id="unknown"),
        pytest.param(
            b'{"threads": [{"updates": [{"values": {}, "as_node": "x"}]}]}',
            "application/json",
            "threads[0]: ",
            id="refused-update",
        ),
        pytest.param(b"{nope", "application/json", "Invalid JSON", id="bad-json"),
        pytest.param(b"a: &x [1]\nb: *x\n", "application/yaml", "aliases", id="yaml-alias"),
    ],
)
def test_a_bad_seed_is_a_422_naming_the_problem(
    http: httpx.Client, body: bytes, content_type: str, detail: str
) -> None:
    response = http.post(f"{ADMIN}/seed", content=body, headers={"content-type": content_type})
    assert response.status_code == 422
    assert detail in response.json()["detail"]


def test_the_state_dump_seeds_back_the_same_threads(http: httpx.Client) -> None:
    http.post(f"{ADMIN}/seed", json=SEED)
    before = {t["thread_id"]: t for t in http.post("/threads/search", json={}).json()}
    dumped = http.get(f"{ADMIN}/state").json()
    assert {t["thread_id"] for t in dumped["threads"]} == set(before)
    states = {tid: http.get(f"/threads/{tid}/state").json() for tid in before}

    http.post(f"{ADMIN}/reset")
    assert http.post(f"{ADMIN}/seed", json=dumped).status_code == 201
    for tid, thread in before.items():
        again = http.get(f"/threads/{tid}").json()
        assert (again["metadata"], again["values"], again["status"]) == (
            thread["metadata"],
            thread["values"],
            thread["status"],
        )
        state = http.get(f"/threads/{tid}/state").json()
        assert (state["values"], state["next"]) == (states[tid]["values"], states[tid]["next"])


def test_reset_stops_runs_in_flight_and_ends_their_streams(
    http: httpx.Client, server: LiveServer
) -> None:
    tid = http.post("/threads", json={}).json()["thread_id"]
    seen: list[dict[str, Any]] = []
    reader = threading.Thread(
        target=lambda: seen.extend(
            events_of(
                http,
                f"/threads/{tid}/runs/stream",
                {"assistant_id": "slow", "input": {}, "stream_mode": "updates"},
            )
        )
    )
    reader.start()
    deadline = time.monotonic() + 10
    while not any(e["event"] == "updates" for e in seen[:]) and not _ran_one(server, tid):
        assert time.monotonic() < deadline, "the run never started"
        time.sleep(0.01)

    assert http.post(f"{ADMIN}/reset").status_code == 204
    reader.join(timeout=10)
    assert not reader.is_alive(), "the stream did not end with the reset"
    mock = server.app.state.server
    assert mock.worker.active == {} and mock.worker.queues == {}
    assert list(mock.store.threads()) == [] and mock.store.runs_of(tid) == []
    assert [e["data"] for e in seen if e["event"] == "updates"] == [{"one": {"topic": "one"}}]


def _ran_one(server: LiveServer, tid: str) -> bool:
    mock = server.app.state.server
    with mock.lock:
        head = mock.store.history(tid).head
        return head is not None and head.values.get("topic") == "one"


# ---- the journal ----------------------------------------------------------------------------


def test_the_journal_lists_filters_and_clears(http: httpx.Client) -> None:
    tid = http.post("/threads", json={"metadata": {"graph_id": "agent"}}).json()["thread_id"]
    http.post(f"/threads/{tid}/state", json={"values": {"topic": "x"}})
    http.get(f"/threads/{tid}/state")
    http.get("/threads/not-a-uuid")

    every = http.get(f"{ADMIN}/requests").json()
    assert [(e["method"], e["route"], e["status"]) for e in every] == [
        ("POST", "/threads", 200),
        ("POST", "/threads/{thread_id}/state", 200),
        ("GET", "/threads/{thread_id}/state", 200),
        ("GET", "/threads/{thread_id}", 422),
    ]
    assert every[1]["body"] == {"values": {"topic": "x"}}
    assert every[1]["response"]["checkpoint"]["thread_id"] == tid
    assert every[3]["rejected"]
    by_op = http.get(f"{ADMIN}/requests", params={"operation_id": CREATE}).json()
    assert [e["path"] for e in by_op] == ["/threads"]
    by_template = http.get(
        f"{ADMIN}/requests", params={"method": "get", "path": "/threads/{thread_id}/state"}
    ).json()
    assert [e["path"] for e in by_template] == [f"/threads/{tid}/state"]
    by_path = http.get(f"{ADMIN}/requests", params={"path": f"/threads/{tid}/state"}).json()
    assert len(by_path) == 2
    (last,) = http.get(f"{ADMIN}/requests", params={"limit": 1}).json()
    assert last["status"] == 422
    assert http.get(f"{ADMIN}/requests", params={"limit": "x"}).status_code == 422

    assert http.delete(f"{ADMIN}/requests").status_code == 204
    assert http.get(f"{ADMIN}/requests").json() == []


# ---- fault rules ----------------------------------------------------------------------------


def test_a_status_rule_answers_then_expires(http: httpx.Client) -> None:
    rule = http.post(
        f"{ADMIN}/faults",
        json={"operation_id": CREATE, "status": 503, "times": 2, "headers": {"retry-after": "1"}},
    )
    assert rule.status_code == 201
    assert rule.json() == {
        "id": rule.json()["id"],
        "operation_id": CREATE,
        "status": 503,
        "times": 2,
        "headers": {"retry-after": "1"},
        "hits": 0,
        "remaining": 2,
    }
    for _ in range(2):
        failed = http.post("/threads", json={})
        assert (failed.status_code, failed.json()) == (503, {"detail": "Service Unavailable"})
        assert failed.headers["retry-after"] == "1"
    assert http.post("/threads", json={}).status_code == 200
    assert http.get(f"{ADMIN}/faults").json() == []
    statuses = [(e["status"], e["fault"]) for e in http.get(f"{ADMIN}/requests").json()]
    rule_id = rule.json()["id"]
    assert statuses == [(503, rule_id), (503, rule_id), (200, None)]
    assert http.post("/threads/search", json={}).json()[0]["thread_id"]  # one thread only
    assert http.post("/threads/count", json={}).json() == 1


def test_rules_match_by_method_path_template_and_body(http: httpx.Client) -> None:
    tid = http.post("/threads", json={"metadata": {"graph_id": "agent"}}).json()["thread_id"]
    http.post(
        f"{ADMIN}/faults",
        json=[
            {
                "method": "POST",
                "path": "/threads/{thread_id}/state",
                "request_body": {"values": {"topic": "boom"}},
                "status": 409,
                "body": {"detail": "busy"},
            },
            {"path": f"/threads/{tid}", "method": "PATCH", "status": 500},
        ],
    )
    assert http.post(f"/threads/{tid}/state", json={"values": {"topic": "ok"}}).status_code == 200
    refused = http.post(f"/threads/{tid}/state", json={"values": {"topic": "boom"}, "x": 1})
    assert (refused.status_code, refused.json()) == (409, {"detail": "busy"})
    assert http.get(f"/threads/{tid}").status_code == 200  # GET: not the PATCH rule
    assert http.patch(f"/threads/{tid}", json={"metadata": {}}).status_code == 500
    listed = http.get(f"{ADMIN}/faults").json()
    assert [r["hits"] for r in listed] == [1, 1]
    assert http.delete(f"{ADMIN}/faults/{listed[0]['id']}").status_code == 204
    assert http.delete(f"{ADMIN}/faults/{listed[0]['id']}").status_code == 404
    assert [r["id"] for r in http.get(f"{ADMIN}/faults").json()] == [listed[1]["id"]]
    assert http.delete(f"{ADMIN}/faults").status_code == 204
    assert http.patch(f"/threads/{tid}", json={"metadata": {}}).status_code == 200


def test_a_delay_rule_slows_the_answer(http: httpx.Client) -> None:
    http.post(f"{ADMIN}/faults", json={"path": "/threads/search", "delay_ms": 300, "times": 1})
    started = time.monotonic()
    assert http.post("/threads/search", json={}).status_code == 200
    assert time.monotonic() - started >= 0.3


def test_a_dropped_connection_gets_no_answer(http: httpx.Client) -> None:
    http.post(f"{ADMIN}/faults", json={"operation_id": CREATE, "drop_connection": True, "times": 1})
    with pytest.raises(httpx.RemoteProtocolError):
        http.post("/threads", json={})
    assert http.post("/threads", json={}).status_code == 200
    (dropped, answered) = http.get(f"{ADMIN}/requests").json()
    assert (dropped["status"], dropped["fault"] is not None) == (0, True)
    assert answered["status"] == 200


@pytest.mark.parametrize("cut", [False, True], ids=["error-event", "cut"])
def test_a_stream_stops_after_n_events(http: httpx.Client, cut: bool) -> None:
    tid = http.post("/threads", json={"metadata": {"graph_id": "agent"}}).json()["thread_id"]
    http.post(
        f"{ADMIN}/faults",
        json={
            "path": "/threads/{thread_id}/runs/stream",
            "stream_error_after": 2,
            "drop_connection": cut,
        },
    )
    events: list[dict[str, Any]] = []
    body = {"assistant_id": "agent", "input": {"topic": "t"}, "stream_mode": "updates"}
    with http.stream("POST", f"/threads/{tid}/runs/stream", json=body) as response:
        assert response.status_code == 200
        if cut:
            with pytest.raises(httpx.RemoteProtocolError):
                events.extend(parse_sse(response.iter_lines()))
        else:
            events.extend(parse_sse(response.iter_lines()))
    names = [e["event"] for e in events]
    if cut:
        assert names[:2] == ["metadata", "updates"] and "error" not in names
    else:
        assert names == ["metadata", "updates", "error"]
        assert events[-1]["data"]["error"] == "MockServerFault"


@pytest.mark.parametrize(
    ("rule", "detail"),
    [
        pytest.param({"status": 503, "colour": "red"}, "unknown fault rule key", id="unknown-key"),
        pytest.param({"path": "/threads"}, "needs an action", id="no-action"),
        pytest.param({"operation_id": "nope", "status": 500}, "not an operation", id="bad-op"),
        pytest.param({"status": 700}, "status must be", id="bad-status"),
        pytest.param({"status": 500, "probability": 0}, "probability", id="bad-probability"),
        pytest.param({"status": 500, "times": 0}, "times must be", id="bad-times"),
        pytest.param({"method": "BREW", "status": 500}, "method", id="bad-method"),
        pytest.param({"path": "/thread", "status": 500}, "not a path of the spec", id="bad-path"),
        pytest.param(
            {"path": "/threads/{id}/nope", "status": 500}, "not a path", id="bad-template"
        ),
        pytest.param([{"status": 500}, {"status": "x"}], "status must be", id="all-or-none"),
    ],
)
def test_a_bad_rule_is_a_422_and_adds_nothing(http: httpx.Client, rule: Any, detail: str) -> None:
    response = http.post(f"{ADMIN}/faults", json=rule)
    assert response.status_code == 422
    assert detail in response.json()["detail"]
    assert http.get(f"{ADMIN}/faults").json() == []


def test_a_rule_with_a_probability_acts_on_some_requests(http: httpx.Client) -> None:
    assert (
        http.post(
            f"{ADMIN}/faults", json={"path": "/ok", "status": 500, "probability": 0.5}
        ).status_code
        == 201
    )
    statuses = {http.get("/ok").status_code for _ in range(64)}
    assert statuses == {200, 500}  # all 64 alike has a chance of 2 ** -63


def test_latency_delays_every_request_but_the_admin_api() -> None:
    app = create_app(latency=Latency(150, 50))
    with LiveServer(app) as live, httpx.Client(base_url=live.url) as http:
        started = time.monotonic()
        assert http.get("/ok").status_code == 200
        assert time.monotonic() - started >= 0.1
        assert http.get(f"{ADMIN}/faults").json() == []


def test_the_admin_api_answers_loopback_clients_only() -> None:
    app = create_app()

    async def reset_from(client: tuple[str, int]) -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=client)
        async with httpx.AsyncClient(transport=transport, base_url="http://mock") as http:
            return await http.post(f"{ADMIN}/reset")

    assert asyncio.run(reset_from(("::1", 5000))).status_code == 204
    refused = asyncio.run(reset_from(("192.0.2.7", 5000)))
    assert refused.status_code == 403
    assert "loopback" in refused.json()["detail"]


def test_the_readme_fault_rules_are_valid_rules() -> None:
    from mockserver.spec import load_spec

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("## Use it in end-to-end tests", 1)[1]
    rules = yaml.safe_load(section.split("```yaml\n")[1].split("```")[0])
    faults = Faults([op.operation_id for op in load_spec().operations])
    assert [faults.add(rule).id for rule in rules] == ["f1", "f2", "f3", "f4"]


def test_pages_the_cors_settings_do_not_allow_cannot_use_the_admin_api(http: httpx.Client) -> None:
    # A cross-site page can send a simple POST to 127.0.0.1 without a preflight: refused.
    evil = http.post(
        f"{ADMIN}/reset", headers={"origin": "https://evil.example", "content-type": "text/plain"}
    )
    assert evil.status_code == 403
    assert "does not answer pages from https://evil.example" in evil.json()["detail"]
    local = "http://localhost:5173"
    preflight = http.options(
        f"{ADMIN}/faults",
        headers={
            "origin": local,
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == local
    armed = http.post(
        f"{ADMIN}/faults", json={"status": 500, "path": "/ok"}, headers={"origin": local}
    )
    assert armed.status_code == 201
    assert armed.headers["access-control-allow-origin"] == local


def test_the_plugin_helpers_are_the_admin_api(tmp_path: Path) -> None:
    """MockServer.reset() (from the test's thread) stops runs like POST /reset, and .fault()
    arms the same rules."""
    from mockserver.testing import MockServer

    (tmp_path / "slow.yaml").write_text(yaml.safe_dump(SLOW))
    with (
        MockServer.start(graphs=tmp_path / "slow.yaml") as mock,
        httpx.Client(base_url=mock.url) as http,
    ):
        rule = mock.fault({"operation_id": CREATE, "status": 503, "times": 1})
        assert http.post("/threads", json={}).status_code == 503
        assert [e.fault for e in mock.requests] == [rule["id"]]
        (tid,) = mock.seed({"threads": [{}]})
        run = http.post(f"/threads/{tid}/runs", json={"assistant_id": "slow", "input": {}})
        assert run.status_code == 200
        deadline = time.monotonic() + 10
        while mock.thread(tid)["values"] != {"topic": "one"}:  # the run waits in node `wait`
            assert time.monotonic() < deadline
            time.sleep(0.01)
        mock.reset()
        assert mock.server.worker.active == {}
        assert mock.threads() == [] and mock.requests == []
        assert http.get(f"{ADMIN}/faults").json() == []


def test_in_process_a_dropped_connection_is_an_error_for_the_client() -> None:
    app = create_app()

    async def scenario() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://mock") as http:
            await http.post(f"{ADMIN}/faults", json={"path": "/ok", "drop_connection": True})
            with pytest.raises(ConnectionAbortedError):
                await http.get("/ok")

    asyncio.run(scenario())


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_readme_curl_lines_work(server: LiveServer, http: httpx.Client) -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("## Use it in end-to-end tests", 1)[1]
    script = section.split("```bash\n")[1].split("```")[0]
    script = script.replace("localhost:2024", f"127.0.0.1:{server.port}")
    done = subprocess.run(
        ["bash", "-ec", script], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr
    seeded = json.loads(done.stdout.split("}", 1)[0] + "}")
    (tid,) = seeded["threads"]
    assert http.get(f"/threads/{tid}/state").json()["values"]["messages"][0]["content"] == "hi"
    assert done.stdout.endswith("[]")  # no run streamed yet
