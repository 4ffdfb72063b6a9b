"""`mockserver serve` with the options of end-to-end suites and shared instances: --seed,
--faults, --latency, --api-key, --allowed-host, --max-threads, run for real as a subprocess."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from test_cli import Served, cli, run  # noqa: F401  (cli: the fixture that stops processes)

KEY = {"x-api-key": "k3y"}
SEED = """\
threads:
  - thread_id: 5b1f3c4e-0000-4000-8000-000000000001
    graph_id: agent
    updates: [{values: {topic: seeded}}]
"""
FAULTS = """\
- {operation_id: count_threads_threads_count_post, status: 503, times: 1}
- {path: /threads/search, delay_ms: 1}
"""


def test_serve_with_seed_faults_latency_and_an_api_key(
    cli: Callable[..., Served],  # noqa: F811
    tmp_path: Path,
) -> None:
    (tmp_path / "seed.yaml").write_text(SEED)
    (tmp_path / "faults.yaml").write_text(FAULTS)
    served = cli(
        "serve",
        "--port",
        "0",
        "--quiet",
        "--seed",
        "seed.yaml",
        "--faults",
        "faults.yaml",
        "--latency",
        "60:10",
        "--api-key",
        "k3y",
        "--max-threads",
        "2",
    )
    url = served.wait_ready()
    assert f"admin:   {url}/__mockserver/ (x-api-key)" in served.stdout
    with httpx.Client(base_url=url, timeout=10) as http:
        assert http.get("/info").status_code == 200
        assert http.post("/threads/search", json={}).status_code == 401
        assert http.get("/__mockserver/state").status_code == 401
        assert http.get("/ok", headers={"host": "evil.example"}).status_code == 403

        started = time.monotonic()
        found = http.post("/threads/search", json={}, headers=KEY)
        assert time.monotonic() - started >= 0.05  # 60 ms give or take 10
        assert [t["values"]["topic"] for t in found.json()] == ["seeded"]
        assert http.post("/threads/count", json={}, headers=KEY).status_code == 503
        assert http.post("/threads/count", json={}, headers=KEY).json() == 1

        assert http.post("/threads", json={}, headers=KEY).status_code == 200
        assert http.post("/threads", json={}, headers=KEY).status_code == 507

        # A reset goes back to the start: the seed again, the fault rules armed again.
        assert http.post("/__mockserver/reset", headers=KEY).status_code == 204
        assert http.post("/threads/count", json={}, headers=KEY).status_code == 503
        assert http.post("/threads/count", json={}, headers=KEY).json() == 1
        rules = http.get("/__mockserver/faults", headers=KEY).json()
        assert [r["path"] for r in rules] == ["/threads/search"]
    assert served.stop() in (0, -15)
    assert "Traceback" not in served.stderr


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        pytest.param(
            "seed.yaml",
            "threads: [{updates: [{values: {}, as_node: nope}]}]",
            "threads[0]:",
            id="seed-refused",
        ),
        pytest.param("seed.yaml", "crons: []", "cannot seed crons", id="seed-unknown"),
        pytest.param("faults.yaml", "- {status: 99}", "status must be", id="fault-status"),
        pytest.param("faults.yaml", "{status: 500}", "expected a list", id="fault-not-list"),
    ],
)
def test_a_bad_start_file_exits_2_naming_it(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    (tmp_path / name).write_text(content)
    option = "--seed" if name.startswith("seed") else "--faults"
    result = run("serve", "--port", "0", option, name, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("mockserver: ") and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("latency", ["fast", "10:", ":5", "-3"])
def test_a_bad_latency_is_a_usage_error(tmp_path: Path, latency: str) -> None:
    result = run("serve", "--port", "0", f"--latency={latency}", cwd=tmp_path)
    assert result.returncode == 2
    assert "MS:JITTER" in result.stderr


def test_a_template_with_attribute_access_is_refused_at_start(tmp_path: Path) -> None:
    (tmp_path / "g.yaml").write_text(
        "graphs:\n  g:\n    channels: {messages: add_messages}\n"
        "    nodes: {a: {reply: '{last_human.__class__}'}}\n"
        "    edges: [[__start__, a], [a, __end__]]\n"
    )
    result = run("serve", "--port", "0", "--graphs", "g.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert "is not a plain name" in result.stderr, result.stderr
