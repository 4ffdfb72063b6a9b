"""The pytest plugin, exercised the way users meet it: sample projects run by pytester."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from conftest import SPEC_PATH

pytest_plugins = ["pytester"]

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    # In-process: a new pytest session (the plugin loads from its entry point, session
    # fixtures start and stop), without paying for a new interpreter.
    return pytester.runpytest_inprocess("-p", "no:cacheprovider", *args)


def run_apart(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    # A subprocess, for runs that change the interpreter (sys.modules) or spawn workers.
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)


@pytest.mark.parametrize(
    "marker",
    [
        pytest.param("def test_chat(mockserver)", id="live"),
        # A plain `async def` test: anyio's marker (anyio comes with Starlette) is all it needs.
        pytest.param("def test_in_process(mockserver_asgi)", id="in-process"),
    ],
)
def test_the_readme_examples_pass_with_no_conftest(pytester: pytest.Pytester, marker: str) -> None:
    (example,) = [b for b in re.findall(r"```python\n(.*?)```", README, flags=re.S) if marker in b]
    pytester.makepyfile(test_readme_example=example)
    result = run(pytester)
    result.assert_outcomes(passed=1)


def test_state_does_not_leak_between_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import httpx

        def test_one(mockserver):
            assert httpx.post(mockserver.url + "/threads", json={}).status_code == 200
            assert len(mockserver.threads()) == 1

        def test_two(mockserver):
            assert mockserver.threads() == []
            assert mockserver.requests == []
    """)
    run(pytester).assert_outcomes(passed=2)


def test_the_journal_records_what_the_code_under_test_sent(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import httpx

        def test_sent(mockserver):
            (tid,) = mockserver.seed({"threads": [{"graph_id": "agent"}]})
            httpx.post(f"{mockserver.url}/threads/{tid}/state",
                       json={"values": {"topic": "x"}, "as_node": "agent"})
            (sent,) = mockserver.requests
            assert sent.operation_id == "update_thread_state_threads__thread_id__state_post"
            assert sent.route == "/threads/{thread_id}/state"
            assert sent.body == {"values": {"topic": "x"}, "as_node": "agent"}
            assert sent.status == 200
            assert sent.response["checkpoint"]["thread_id"] == tid
    """)
    run(pytester).assert_outcomes(passed=1)


def test_seed_builds_state_and_history_from_a_yaml_file(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".yaml",
        seed="""
        threads:
          - thread_id: 5b1f3c4e-0000-4000-8000-000000000001
            graph_id: agent
            metadata: {owner: alice}
            updates:
              - values: {messages: [{role: user, content: hi, id: u1}]}
              - values: {messages: [{role: ai, content: hello, id: a1}]}
                as_node: agent
    """,
    )
    pytester.makepyfile("""
        def test_seeded(mockserver):
            (tid,) = mockserver.seed("seed.yaml")
            assert tid == "5b1f3c4e-0000-4000-8000-000000000001"
            state = mockserver.state(tid)
            assert [m["id"] for m in state["values"]["messages"]] == ["u1", "a1"]
            assert state["next"] == ["tools"]
            assert len(mockserver.history(tid)) == 2
            assert mockserver.thread(tid)["metadata"] == {"owner": "alice", "graph_id": "agent"}
    """)
    run(pytester).assert_outcomes(passed=1)


def test_a_failing_test_shows_every_violation_of_what_the_mock_refused(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile("""
        import httpx

        def test_bad_request(mockserver):
            response = httpx.post(mockserver.url + "/threads",
                                  json={"if_exists": "replace", "metadata": "x"})
            assert response.status_code == 200
    """)
    result = run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*Captured mockserver call*",
            "*1 request(s) broke the spec:",
            "*POST /threads -> 422 (create_thread_threads_post)",
            '*body.if_exists: "replace" is not one of "raise" or "do_nothing"',
            '*body.metadata: "x" is not of type "object"',
        ]
    )


def test_a_wrong_expectation_fails_with_a_readable_message(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        def test_wrong(langgraph_sync_client):
            client = langgraph_sync_client
            thread = client.threads.create(graph_id="agent")
            client.threads.update_state(thread["thread_id"], {"topic": "x"}, as_node="tools")
            assert client.threads.get_state(thread["thread_id"])["next"] == ["agent"]
    """)
    result = run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*assert [] == ['agent']*"])


@pytest.fixture
def broken_spec(pytester: pytest.Pytester) -> Path:
    """The contract, with Thread requiring a field the mock never sends."""
    document = yaml.safe_load(SPEC_PATH.read_text())
    document["components"]["schemas"]["Thread"]["allOf"][1]["required"].append("owner")
    path = pytester.path / "broken.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def test_a_response_breaking_the_spec_fails_the_test(
    pytester: pytest.Pytester, broken_spec: Path
) -> None:
    pytester.makeini("[pytest]\nmockserver_spec = broken.yaml\n")
    pytester.makepyfile("""
        import httpx

        def test_create(mockserver):
            assert httpx.post(mockserver.url + "/threads", json={}).status_code == 200
    """)
    result = run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*mockserver: 1 response(s) broke *broken.yaml:",
            "*POST /threads -> 200 (create_thread_threads_post)",
            '*"owner" is a required property*',
        ]
    )


@pytest.mark.parametrize(
    "switch",
    [
        pytest.param(["--mockserver-no-strict"], id="flag"),
        pytest.param(["-o", "mockserver_strict=false"], id="ini"),
    ],
)
def test_strictness_can_be_turned_off(
    pytester: pytest.Pytester, broken_spec: Path, switch: list[str]
) -> None:
    pytester.makepyfile("""
        import httpx

        def test_create(mockserver):
            assert httpx.post(mockserver.url + "/threads", json={}).status_code == 200
            assert mockserver.violations()
    """)
    run(pytester, "--mockserver-spec", str(broken_spec), *switch).assert_outcomes(passed=1)


def test_a_marker_chooses_the_graphs_and_strictness(
    pytester: pytest.Pytester, broken_spec: Path
) -> None:
    pytester.makefile(
        ".yaml",
        mygraphs="""
        graphs:
          chat:
            channels: {messages: add_messages}
            nodes: {model: {}, review: {}}
            edges: [[__start__, model], [model, review], [review, __end__]]
    """,
    )
    pytester.makepyfile(f"""
        import httpx
        import pytest

        @pytest.mark.mockserver(graphs="mygraphs.yaml")
        def test_custom_graph(mockserver):
            (tid,) = mockserver.seed({{"threads": [{{"graph_id": "chat", "updates": [
                {{"values": {{}}, "as_node": "model"}}]}}]}})
            assert mockserver.state(tid)["next"] == ["review"]

        @pytest.mark.mockserver(spec={str(broken_spec)!r}, strict=False)
        def test_lenient(mockserver):
            assert httpx.post(mockserver.url + "/threads", json={{}}).status_code == 200

        def test_default_graphs(mockserver):
            assert mockserver.seed({{"threads": [{{"graph_id": "agent"}}]}})
    """)
    run(pytester).assert_outcomes(passed=3)


def test_the_in_process_fixture_needs_no_socket(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import asyncio

        def test_asgi(mockserver_asgi):
            async def scenario():
                async with mockserver_asgi.client() as http:
                    created = await http.post("/threads", json={"metadata": {"graph_id": "agent"}})
                    tid = created.json()["thread_id"]
                    await http.post(f"/threads/{tid}/state", json={"values": {"topic": "t"}})
                    return (await http.get(f"/threads/{tid}/state")).json()
            state = asyncio.run(scenario())
            assert state["values"] == {"messages": [], "topic": "t"}
            assert [e.status for e in mockserver_asgi.requests] == [200, 200, 200]
    """)
    run(pytester).assert_outcomes(passed=1)


def test_sdk_client_fixtures(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import asyncio

        def test_sync(langgraph_sync_client, mockserver):
            thread = langgraph_sync_client.threads.create(graph_id="agent")
            assert mockserver.thread(thread["thread_id"])["status"] == "idle"

        def test_async(langgraph_client):
            async def scenario():
                thread = await langgraph_client.threads.create(graph_id="agent")
                return await langgraph_client.threads.get_state(thread["thread_id"])
            assert asyncio.run(scenario())["next"] == []
    """)
    run(pytester).assert_outcomes(passed=2)


def test_sdk_fixtures_skip_with_a_reason_without_the_sdk(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("import sys\nsys.modules['langgraph_sdk'] = None\n")
    pytester.makepyfile("""
        def test_sync(langgraph_sync_client):
            pass
    """)
    result = run_apart(pytester, "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*langgraph-sdk is not installed*"])


def test_each_xdist_worker_gets_its_own_server(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import os
        import pytest

        @pytest.mark.parametrize("n", range(6))
        def test_url(mockserver, n, tmp_path_factory):
            worker = os.environ["PYTEST_XDIST_WORKER"]
            out = tmp_path_factory.getbasetemp().parent.parent / f"url-{worker}-{n}"
            out.write_text(mockserver.url)
            assert mockserver.seed({"threads": [{"graph_id": "agent"}]})
            assert len(mockserver.threads()) == 1
    """)
    run_apart(pytester, "-n", "2").assert_outcomes(passed=6)
    urls: dict[str, set[str]] = {}
    for path in pytester.path.parent.rglob("url-gw*"):
        urls.setdefault(path.name.split("-")[1], set()).add(path.read_text())
    assert len(urls) == 2
    assert all(len(u) == 1 for u in urls.values())
    assert urls["gw0"] != urls["gw1"]
