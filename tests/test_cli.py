"""The `mockserver` console script, run for real as a subprocess.

Every process is started through the `cli` fixture, which stops it (SIGTERM, then SIGKILL) when
the test ends, whatever happened. Readiness is polled against a deadline; nothing is timed.
"""

from __future__ import annotations

import errno
import importlib.metadata
import json
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
import yaml

import mockserver
from mockserver import serving

from conftest import SPEC_PATH

DEADLINE = 30.0  # seconds a process gets to print its URL, answer, or exit
ENTRY_POINT = Path(sys.executable).with_name("mockserver")
URL_LINE = re.compile(r"^\s*URL:\s+(http://127\.0\.0\.1:(\d+))\s*$", re.MULTILINE)
PIPELINE = """\
graphs:
  pipeline:
    channels:
      items: append
      status: last_value
    nodes:
      fetch: {}
      parse: {}
      store: {}
    edges:
      - [__start__, fetch]
      - [fetch, parse]
      - [parse, store]
      - [store, __end__]
"""


def command(*args: str) -> list[str]:
    """The installed console script, or the module when the venv has no script."""
    if ENTRY_POINT.exists():
        return [str(ENTRY_POINT), *args]
    return [sys.executable, "-m", "mockserver.cli", *args]


def wait_until(condition: Callable[[], bool], what: str, deadline: float = DEADLINE) -> None:
    end = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"gave up waiting for {what} after {deadline} s")
        time.sleep(0.02)


class Served:
    """A `mockserver serve` process whose output goes to files (no pipe can fill up)."""

    def __init__(self, args: list[str], workdir: Path, name: str) -> None:
        self.out_path = workdir / f"{name}.out"
        self.err_path = workdir / f"{name}.err"
        self._out: IO[bytes] = self.out_path.open("wb")
        self._err: IO[bytes] = self.err_path.open("wb")
        self.proc = subprocess.Popen(
            command(*args),
            stdout=self._out,
            stderr=self._err,
            stdin=subprocess.DEVNULL,
            cwd=workdir,
        )

    @property
    def stdout(self) -> str:
        return self.out_path.read_text("utf-8", errors="replace")

    @property
    def stderr(self) -> str:
        return self.err_path.read_text("utf-8", errors="replace")

    def url(self) -> str:
        """The URL the banner prints; fails early if the process exits first."""

        def printed() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError(f"exited with {self.proc.returncode}: {self.stderr}")
            return URL_LINE.search(self.stdout) is not None

        wait_until(printed, "the URL banner")
        match = URL_LINE.search(self.stdout)
        assert match is not None
        return match.group(1)

    def wait_ready(self, path: str = "/ok") -> str:
        """The URL, once GET `path` answers 200 there."""
        url = self.url()

        def answers() -> bool:
            assert self.proc.poll() is None, self.stderr
            try:
                return httpx.get(f"{url}{path}", timeout=5).status_code == 200
            except httpx.TransportError:
                return False

        wait_until(answers, f"GET {url}{path}")
        return url

    def wait_exit(self) -> int:
        try:
            return self.proc.wait(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"still running after {DEADLINE} s") from None

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._out.close()
        self._err.close()
        return self.proc.returncode


@pytest.fixture
def cli(tmp_path: Path) -> Iterator[Callable[..., Served]]:
    """Start `mockserver <args>`; every process started is stopped when the test ends."""
    started: list[Served] = []

    def start(*args: str) -> Served:
        served = Served(list(args), tmp_path, f"run{len(started)}")
        started.append(served)
        return served

    try:
        yield start
    finally:
        for served in started:
            served.stop()


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the command to completion (killed if it outlives the deadline)."""
    return subprocess.run(
        command(*args),
        capture_output=True,
        text=True,
        timeout=DEADLINE,
        stdin=subprocess.DEVNULL,
        cwd=cwd,
    )


def listening_socket(port: int = 0) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", port))
        sock.listen(1)
    except OSError:
        sock.close()
        raise
    return sock


@pytest.fixture
def port_2024_busy() -> Iterator[None]:
    """Make sure 127.0.0.1:2024 is taken: hold it ourselves unless something else already does."""
    try:
        held = listening_socket(2024)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        yield  # another process has it; that is all the test needs
        return
    try:
        yield
    finally:
        held.close()


# ---- serve ------------------------------------------------------------------------------------


def test_serve_on_port_0_prints_url_and_spec_and_answers(cli: Callable[..., Served]) -> None:
    served = cli("serve", "--port", "0", "--quiet")
    url = served.wait_ready()
    banner = served.stdout
    assert banner.startswith(f"mockserver {mockserver.__version__}")
    port = int(url.rsplit(":", 1)[1])
    assert port != 0
    spec = re.search(r"^\s*spec:\s+(\S+) \((\d+) operations\)$", banner, re.MULTILINE)
    assert spec is not None, banner
    assert spec.group(1).endswith("agent-server.yaml") and Path(spec.group(1)).is_file()
    assert int(spec.group(2)) > 0
    assert re.search(
        r"^\s*graphs:\s+agent, interrupter, slow \(packaged default\)$", banner, re.MULTILINE
    ), banner
    docs = re.search(r"^\s*docs:\s+(\S+) \(the API reference; works offline\)$", banner, re.M)
    assert docs is not None and docs.group(1) == f"{url}/docs", banner

    with httpx.Client(base_url=url, timeout=10) as http:
        assert http.get("/ok").json() == {"ok": True, "services": {}}
        assert http.get(docs.group(1)).headers["content-type"].startswith("text/html")
        created = http.post("/threads", json={"metadata": {"graph_id": "agent"}})
        assert created.status_code == 200
        tid = created.json()["thread_id"]
        assert (
            http.post(f"/threads/{tid}/state", json={"values": {"topic": "a"}}).status_code == 200
        )
        assert http.get(f"/threads/{tid}/state").json()["next"] == ["agent"]

    assert served.stop() in (0, -signal.SIGTERM)
    assert "Traceback" not in served.stderr
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/ok", timeout=5)


@pytest.mark.parametrize(
    ("args", "allowed", "refused"),
    [
        pytest.param(
            (),
            ["https://agentchat.vercel.app", "http://localhost:3000"],
            ["https://my.app"],
            id="default: hosted UIs and localhost",
        ),
        pytest.param(
            ("--cors-origin", "https://my.app"),
            ["https://my.app", "http://localhost"],
            ["https://other.app"],
            id="--cors-origin adds one",
        ),
        pytest.param(("--cors-origin", "*"), ["https://other.app"], [], id="--cors-origin '*'"),
        pytest.param(
            ("--no-cors",),
            [],
            ["http://localhost:3000", "https://agentchat.vercel.app"],
            id="--no-cors",
        ),
    ],
)
def test_serve_cors_options(
    cli: Callable[..., Served], args: tuple[str, ...], allowed: list[str], refused: list[str]
) -> None:
    url = cli("serve", "--port", "0", "--quiet", *args).wait_ready()
    preflight = {"Access-Control-Request-Method": "POST"}
    with httpx.Client(base_url=url, timeout=10) as http:
        for origin in allowed:
            answer = http.options("/threads", headers={"Origin": origin, **preflight})
            assert answer.status_code == 200, origin
            assert answer.headers["access-control-allow-origin"] in (origin, "*")
        for origin in refused:
            answer = http.options("/threads", headers={"Origin": origin, **preflight})
            assert "access-control-allow-origin" not in answer.headers, origin


@pytest.mark.usefixtures("port_2024_busy")
def test_default_port_busy_moves_on_and_says_so(cli: Callable[..., Served]) -> None:
    served = cli("serve", "--quiet")
    url = served.wait_ready()
    port = int(url.rsplit(":", 1)[1])
    assert 2024 < port < 2124
    err = served.stderr
    assert "!! Port 2024 is in use" in err, err
    assert f"serving on port {port} instead" in err
    assert f"http://127.0.0.1:{port}" in err
    with httpx.Client(base_url=url, timeout=10) as http:
        assert http.post("/threads", json={}).status_code == 200


def test_explicit_busy_port_exits_2(tmp_path: Path) -> None:
    holder = listening_socket()
    try:
        port = holder.getsockname()[1]
        result = run("serve", "--port", str(port), cwd=tmp_path)
    finally:
        holder.close()
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"mockserver: cannot listen on 127.0.0.1:{port}: Address already in use"
    )
    assert "Traceback" not in result.stderr
    assert "URL:" not in result.stdout


@pytest.mark.parametrize(
    "port", [pytest.param("-1", id="negative"), pytest.param("70000", id="past-65535")]
)
def test_port_out_of_range_is_a_usage_error(tmp_path: Path, port: str) -> None:
    result = run("serve", "--port", port, cwd=tmp_path)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2
    assert "port" in result.stderr


def test_ctrl_c_stops_without_a_traceback(cli: Callable[..., Served]) -> None:
    served = cli("serve", "--port", "0", "--quiet")
    served.wait_ready()
    served.proc.send_signal(signal.SIGINT)
    code = served.wait_exit()
    assert code in (0, 130, -signal.SIGINT)
    assert "Traceback" not in served.stderr, served.stderr


def test_ctrl_c_with_a_stream_open_logs_no_error(
    cli: Callable[..., Served], tmp_path: Path
) -> None:
    (tmp_path / "slow.yaml").write_text(
        "graphs:\n  slow:\n    nodes: {a: {delay: 60}}\n    edges: [[__start__, a]]\n"
    )
    served = cli("serve", "--port", "0", "--graphs", "slow.yaml")
    url = served.wait_ready()
    with (
        httpx.Client(base_url=url, timeout=10) as http,
        http.stream("POST", "/runs/stream", json={"assistant_id": "slow", "input": {}}) as stream,
    ):
        assert stream.status_code == 200
        served.proc.send_signal(signal.SIGINT)
        assert served.wait_exit() in (0, 130, -signal.SIGINT)
    assert "ERROR" not in served.stderr, served.stderr
    assert "Traceback" not in served.stderr, served.stderr


def test_serve_with_a_file_argument_hints_at_the_option(tmp_path: Path) -> None:
    # Prism's habit: `prism mock spec.yaml`.
    result = run("serve", "spec.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        "mockserver: serve takes no file argument; did you mean "
        "`mockserver serve --spec spec.yaml`?\n"
    )


@pytest.mark.parametrize(
    ("host", "url"), [("127.0.0.1", "http://127.0.0.1:2025"), ("::1", "http://[::1]:2025")]
)
def test_printed_urls_bracket_ipv6_hosts(host: str, url: str) -> None:
    assert serving.url_of(host, 2025) == url


def test_the_port_fallback_box_is_aligned() -> None:
    box = serving.box(
        "Port 2024 is in use: serving on port 2025 instead.",
        "Point your client at http://127.0.0.1:2025",
    )
    lines = box.strip("\n").splitlines()
    assert len({len(line) for line in lines}) == 1 and all(line.endswith(" !!") for line in lines)


# ---- graph models -----------------------------------------------------------------------------


def test_custom_graph_model_is_used(cli: Callable[..., Served], tmp_path: Path) -> None:
    graphs = tmp_path / "pipeline.yaml"
    graphs.write_text(PIPELINE, "utf-8")
    served = cli("serve", "--port", "0", "--quiet", "--graphs", str(graphs))
    url = served.wait_ready()
    assert re.search(
        rf"^\s*graphs:\s+pipeline \({re.escape(str(graphs))}\)$", served.stdout, re.MULTILINE
    ), served.stdout

    with httpx.Client(base_url=url, timeout=10) as http:
        tid = http.post("/threads", json={"metadata": {"graph_id": "pipeline"}}).json()["thread_id"]
        first = http.post(f"/threads/{tid}/state", json={"values": {"items": ["a"]}})
        assert first.status_code == 200
        assert http.get(f"/threads/{tid}/state").json()["next"] == ["fetch"]

        fetched = http.post(
            f"/threads/{tid}/state",
            json={"values": {"items": ["b"], "status": "fetched"}, "as_node": "fetch"},
        )
        assert fetched.status_code == 200
        state = http.get(f"/threads/{tid}/state").json()
        assert state["next"] == ["parse"]
        assert [t["name"] for t in state["tasks"]] == ["parse"]
        assert state["values"] == {"items": ["a", "b"], "status": "fetched"}

        http.post(f"/threads/{tid}/state", json={"values": {"items": ["c"]}, "as_node": "parse"})
        assert http.get(f"/threads/{tid}/state").json()["next"] == ["store"]
        http.post(f"/threads/{tid}/state", json={"values": None, "as_node": "store"})
        state = http.get(f"/threads/{tid}/state").json()
        assert state["next"] == []
        assert state["values"]["items"] == ["a", "b", "c"]
        assert http.get(f"/threads/{tid}").json()["status"] == "idle"

        # The packaged graphs are gone: `agent` is not a node here, nor a graph.
        wrong_node = http.post(f"/threads/{tid}/state", json={"values": {}, "as_node": "agent"})
        assert (wrong_node.status_code, wrong_node.json()["detail"]) == (
            400,
            "Node agent does not exist",
        )
        agent_tid = http.post("/threads", json={"metadata": {"graph_id": "agent"}}).json()[
            "thread_id"
        ]
        no_graph = http.post(f"/threads/{agent_tid}/state", json={"values": {"topic": "a"}})
        assert no_graph.status_code == 400
        assert "agent" in no_graph.json()["detail"]


# "billion laughs": 9 ** 9 values from a few hundred bytes
ALIAS_BOMB = b"a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + b"".join(
    b"%c: &%c [%s]\n" % (name, name, b", ".join([b"*%c" % (name - 1)] * 9))
    for name in range(ord("b"), ord("j"))
)

BAD_GRAPHS = [
    pytest.param(b"graphs: [\n", "cannot read graph model", id="yaml-syntax-error"),
    pytest.param(b"", "invalid graph model", id="empty-file"),
    pytest.param(
        b"graphs:\n  x:\n    nodes: {a: {}}\n    edges: [[__start__, b]]\n",
        "edge to unknown node b",
        id="edge-to-unknown-node",
    ),
    pytest.param(
        b"graphs:\n  x:\n    nodes: {a: {}}\n    edges: [[__start__, a]]\n"
        b"    channels: {t: bogus}\n",
        "bogus",
        id="unknown-reducer",
    ),
    pytest.param(
        b"graphs:\n  x:\n    nodes: {__end__: {}}\n    edges: [[__start__, __end__]]\n",
        "reserved",
        id="reserved-node-name",
    ),
    pytest.param(
        b"graphs: !!python/object:os.system {}\n", "cannot read graph model", id="python-tag"
    ),
    pytest.param(None, "cannot read graph model", id="missing-file"),
    pytest.param(
        b"graphs:\n  x:\n    nodes: {1: {}}\n    edges: [[__start__, '1']]\n",
        "graph model",
        id="integer-node-name",
    ),
    pytest.param(b"\xff\xfegraphs: {}\n", "cannot read graph model", id="not-utf8"),
    # The message names the file and line, and the closest known key.
    pytest.param(
        b"graphs:\n  x:\n    nodes:\n      a: {replyy: hi}\n    edges: [[__start__, a]]\n",
        "graphs.yaml:4: unknown node option graphs/x/nodes/a/replyy (did you mean reply?)",
        id="misspelt-node-option",
    ),
    pytest.param(
        b"graphs:\n  x:\n    nodes: {a: {}}\n    edgs: [[__start__, a]]\n",
        "graphs.yaml:4: unknown graph key graphs/x/edgs (did you mean edges?)",
        id="misspelt-graph-key",
    ),
    pytest.param(
        b"graphs:\n  x:\n    nodes: {a: {}\n",
        "graphs.yaml:4:1: did not find expected",
        id="yaml-error-names-file-and-line",
    ),
    pytest.param(
        b"graphs:\n  x:\n    nodes: {a: {}}\n    edges: [[__start__, b]]\n",
        "graphs.yaml:4: graph x: edge to unknown node b",
        id="edge-names-its-line",
    ),
    pytest.param(ALIAS_BOMB, "expands to more than", id="alias-bomb"),
]


@pytest.mark.parametrize(("content", "message"), BAD_GRAPHS)
def test_malformed_graph_model_exits_2(tmp_path: Path, content: bytes | None, message: str) -> None:
    graphs = tmp_path / "graphs.yaml"
    if content is not None:
        graphs.write_bytes(content)
    result = run("serve", "--port", "0", "--graphs", str(graphs), cwd=tmp_path)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2
    assert result.stderr.startswith("mockserver: "), result.stderr
    assert message in result.stderr
    assert result.stderr.count("\n") == 1 and len(result.stderr) < 400, result.stderr
    assert "URL:" not in result.stdout


def _spec_with(change: Callable[[dict[str, Any]], None]) -> bytes:
    document = yaml.safe_load(SPEC_PATH.read_text())
    change(document)
    return yaml.safe_dump(document).encode()


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        *parents, last = path.split("/")
        for part in parents:
            document = document[part]
        document[last] = value

    return change


def _both(*changes: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        for one in changes:
            one(document)

    return change


RUN_ID = "components/schemas/RunFields/properties/run_id"
PARAMETERS = "components/parameters"
BAD_SPECS = [
    pytest.param(
        _spec_with(
            _both(
                _set(f"{PARAMETERS}/AssistantId", {"$ref": f"#/{PARAMETERS}/AssistantIdOrGraph"}),
                _set(f"{PARAMETERS}/AssistantIdOrGraph", {"$ref": f"#/{PARAMETERS}/AssistantId"}),
            )
        ),
        "$ref cycle: #/components/parameters/",
        id="parameter-ref-cycle",
    ),
    pytest.param(
        _spec_with(_set(RUN_ID, {"allOf": [{"$ref": f"#/{RUN_ID}"}]})),
        "$ref cycle: #/components/schemas/RunFields/properties/run_id",
        id="schema-ref-cycle",
    ),
    pytest.param(
        _spec_with(_set(RUN_ID, {"$ref": "#/components/schemas/Nope"})),
        "unresolved $ref #/components/schemas/Nope (at #/components/schemas/RunFields",
        id="unresolved-ref",
    ),
    pytest.param(
        _spec_with(_set(f"{RUN_ID}/type", "strng")),
        "invalid schema at #/components/schemas/RunFields/properties/run_id/type",
        id="invalid-schema-type",
    ),
    pytest.param(ALIAS_BOMB, "expands to more than", id="alias-bomb"),
    pytest.param(
        b"openapi: 3.1.0\npaths: {/a: {get: {responses: {200: {}}}\n",
        "spec.yaml:3:1: did not find expected",
        id="yaml-error-names-file-and-line",
    ),
]


@pytest.mark.parametrize(("content", "message"), BAD_SPECS)
def test_broken_spec_exits_2_with_one_line(tmp_path: Path, content: bytes, message: str) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_bytes(content)
    result = run("serve", "--port", "0", "--spec", str(spec), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"mockserver: {spec}") or result.stderr.startswith(
        "mockserver: cannot read OpenAPI document"
    ), result.stderr
    assert message in result.stderr
    assert result.stderr.count("\n") == 1 and len(result.stderr) < 400, result.stderr
    assert "URL:" not in result.stdout


# ---- spec ------------------------------------------------------------------------------------


def test_spec_prints_the_packaged_contract(tmp_path: Path) -> None:
    printed = run("spec", cwd=tmp_path)
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout == SPEC_PATH.read_text("utf-8")
    assert run("spec", "-o", "s.json", cwd=tmp_path).returncode == 0
    assert json.loads((tmp_path / "s.json").read_text()) == yaml.safe_load(printed.stdout)
    config = run("spec", "--schemathesis-config", cwd=tmp_path)
    assert "positive_data_acceptance" in config.stdout
    # -o writes the configuration beside the document, for a plain `schemathesis run` there,
    # and keeps one that is already there
    written = (tmp_path / "schemathesis.toml").read_text("utf-8")
    hooks = tmp_path.resolve() / "schemathesis_hooks.py"
    assert written.startswith(f'hooks = "{hooks}"') and written.endswith(config.stdout)
    assert "def before_call" in hooks.read_text("utf-8")  # an allowed delay cut to 1 s
    (tmp_path / "schemathesis.toml").write_text("# mine\n")
    assert run("spec", "-o", "s.yaml", cwd=tmp_path).returncode == 0
    assert (tmp_path / "schemathesis.toml").read_text("utf-8") == "# mine\n"
    elsewhere = tmp_path / "other"
    elsewhere.mkdir()
    assert run("spec", "-o", "s.yaml", "--no-schemathesis-config", cwd=elsewhere).returncode == 0
    assert sorted(p.name for p in elsewhere.iterdir()) == ["s.yaml"]


def test_spec_for_other_graphs_names_them(tmp_path: Path) -> None:
    (tmp_path / "graphs.yaml").write_text(
        "graphs:\n  chat:\n    channels: {messages: add_messages}\n    nodes: {model: {}}\n"
        "    edges: [[__start__, model], [model, __end__]]\n"
    )
    printed = run("spec", "--graphs", "graphs.yaml", cwd=tmp_path)
    assert printed.returncode == 0, printed.stderr
    document = yaml.safe_load(printed.stdout)
    assert document["components"]["schemas"]["GraphName"]["enum"] == ["chat"]
    assert run("spec", "--graphs", "graphs.yaml", "-o", "s.json", cwd=tmp_path).returncode == 0
    assert json.loads((tmp_path / "s.json").read_text()) == document
    broken = run("spec", "--graphs", "missing.yaml", cwd=tmp_path)
    assert (broken.returncode, broken.stdout) == (2, "")
    assert broken.stderr.startswith("mockserver: ")


# ---- init ------------------------------------------------------------------------------------


def test_init_writes_a_chat_agent_that_serves(cli: Callable[..., Served], tmp_path: Path) -> None:
    result = run("init", "demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "mockserver serve --graphs demo/graphs.yaml" in result.stdout
    assert "Assistant ID:   agent" in result.stdout
    assert run("init", "demo", cwd=tmp_path).returncode == 2  # never overwrites unasked

    url = cli("serve", "--port", "0", "--quiet", "--graphs", "demo/graphs.yaml").wait_ready()
    with httpx.Client(base_url=url, timeout=10) as http:
        tid = http.post("/threads", json={}).json()["thread_id"]
        asked = http.post(
            f"/threads/{tid}/runs/wait",
            json={
                "assistant_id": "agent",
                "input": {"messages": [{"role": "user", "content": "hi"}]},
            },
        )
        assert asked.status_code == 200
        assert asked.json()["messages"][-1]["tool_calls"][0]["name"] == "search"
        assert asked.json()["__interrupt__"][0]["value"][0]["action_request"]["action"] == "search"
        resumed = http.post(
            f"/threads/{tid}/runs/wait",
            json={"assistant_id": "agent", "command": {"resume": {"type": "accept"}}},
        )
        assert [m["type"] for m in resumed.json()["messages"]] == ["human", "ai", "tool", "ai"]
        assert resumed.json()["messages"][-1]["content"].startswith("You asked: hi.")


# ---- the listening socket ----------------------------------------------------------------------


def test_served_connections_have_tcp_nodelay() -> None:
    # `mockserver serve` listens on serving.listen(), i.e. live.bind_socket(); so does LiveServer.
    # Without TCP_NODELAY on the accepted connection, each keep-alive response (headers and
    # body are written separately) waits for a delayed ACK: ~44 ms instead of ~0.5 ms per
    # request. Checked on the accepted connection itself, so no timing is involved.
    from mockserver.app import create_app
    from mockserver.live import LiveServer

    with LiveServer(create_app()) as server, httpx.Client(base_url=server.url) as http:
        assert http.get("/ok").status_code == 200
        connections = list(server._server.server_state.connections)
        assert connections
        for connection in connections:
            sock = connection.transport.get_extra_info("socket")
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


# ---- other commands ---------------------------------------------------------------------------


def test_version(tmp_path: Path) -> None:
    result = run("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout == f"mockserver {mockserver.__version__}\n"
    assert mockserver.__version__ == importlib.metadata.version("mockserver")


def test_no_command_prints_help_and_exits_2(tmp_path: Path) -> None:
    result = run(cwd=tmp_path)
    assert result.returncode == 2
    assert "serve" in result.stdout


def test_contract_hands_its_arguments_to_the_contract_runner(tmp_path: Path) -> None:
    result = run("contract", "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: mockserver contract")
    assert "--base-url URL" in result.stdout
    assert "--deviations FILE" in result.stdout


def test_serve_persist_survives_kill_9(cli: Callable[..., Served], tmp_path: Path) -> None:
    """500 acknowledged updates and a run, kill -9, restart: all there, history intact."""
    path = tmp_path / "state.db"
    served = cli("serve", "--port", "0", "--quiet", "--persist", str(path))
    url = served.wait_ready()
    with httpx.Client(base_url=url, timeout=10) as http:
        tid = http.post("/threads", json={"metadata": {"graph_id": "agent"}}).json()["thread_id"]
        for i in range(500):
            update = {
                "values": {
                    "messages": [{"type": "human", "content": f"n{i}", "id": f"id{i}"}],
                    "topic": str(i),
                }
            }
            assert http.post(f"/threads/{tid}/state", json=update).status_code == 200
        ran = http.post(
            f"/threads/{tid}/runs/wait",
            json={
                "assistant_id": "agent",
                "input": {"messages": [{"type": "human", "content": "hi"}]},
            },
        )
        assert ran.status_code == 200
        before = _everything(http, tid)
    served.stop(signal.SIGKILL)

    again = cli("serve", "--port", "0", "--quiet", "--persist", str(path))
    with httpx.Client(base_url=again.wait_ready(), timeout=10) as http:
        after = _everything(http, tid)
    assert [s["metadata"]["source"] for s in after["history"]].count("update") == 500
    assert after == before
    again.stop(signal.SIGINT)

    # and once more after a normal stop
    third = cli("serve", "--port", "0", "--quiet", "--persist", str(path))
    with httpx.Client(base_url=third.wait_ready(), timeout=10) as http:
        assert _everything(http, tid) == before


def test_serve_persist_keeps_crons_and_fires_them_after_a_restart(
    cli: Callable[..., Served], tmp_path: Path
) -> None:
    path = tmp_path / "state.db"
    options = ("serve", "--port", "0", "--quiet", "--persist", str(path))
    served = cli(*options)
    with httpx.Client(base_url=served.wait_ready(), timeout=10) as http:
        tid = http.post("/threads", json={}).json()["thread_id"]
        body = {"assistant_id": "agent", "schedule": "* * * * * *", "input": {"topic": "t"}}
        cron = http.post(f"/threads/{tid}/runs/crons", json=body).json()
        assert http.get(f"/threads/{tid}/runs").json() == []  # its next poll is 5 s away
    served.stop(signal.SIGKILL)

    again = cli(*options, "--cron-interval", "0.05")
    with httpx.Client(base_url=again.wait_ready(), timeout=10) as http:
        assert http.get(f"/runs/crons/{cron['cron_id']}").json()["schedule"] == "* * * * * *"
        # No cron request is needed: serving starts the scheduler for the crons it found.
        wait_until(lambda: bool(http.get(f"/threads/{tid}/runs").json()), "a run of the cron")
        run = http.get(f"/threads/{tid}/runs").json()[-1]
        assert run["kwargs"]["config"]["configurable"]["cron_id"] == cron["cron_id"]


def test_serve_refuses_a_cron_interval_that_is_not_positive(cli: Callable[..., Served]) -> None:
    served = cli("serve", "--port", "0", "--cron-interval", "0")
    assert served.wait_exit() == 2
    assert "must be more than 0 seconds" in served.stderr


def _everything(http: httpx.Client, tid: str) -> dict[str, Any]:
    return {
        "thread": http.get(f"/threads/{tid}").json(),
        "state": http.get(f"/threads/{tid}/state").json(),
        "history": http.post(f"/threads/{tid}/history", json={"limit": 1000}).json(),
        "runs": http.get(f"/threads/{tid}/runs").json(),
        "search": http.post("/threads/search", json={}).json(),
    }


# ---- any other OpenAPI document ------------------------------------------------------------

PETSTORE = Path(__file__).parent / "data" / "specs" / "petstore-expanded-3.1.yaml"


def test_serving_another_document_names_it_and_takes_prisms_defaults(
    cli: Callable[..., Served],
) -> None:
    served = cli("serve", "--port", "0", "--quiet", "--spec", str(PETSTORE), "--example", "none")
    url = served.wait_ready("/pets")
    first = served.stdout.splitlines()[0]
    assert first == (
        f"mockserver {mockserver.__version__} — mock of Swagger Petstore (expanded, 3.1) "
        "1.0.0 (OpenAPI 3.1.0)"
    )
    assert "graphs:" not in served.stdout and "docs:" not in served.stdout
    with httpx.Client(base_url=url, timeout=10) as http:
        assert http.get("/pets").json() == []  # --example none
        assert len(http.get("/pets", headers={"Prefer": "example=cats"}).json()) == 2
        assert http.get("/ok").status_code == 404  # not in this document
    assert served.stop() in (0, -signal.SIGTERM)


def test_swagger_2_exits_2_with_one_line(tmp_path: Path) -> None:
    spec = tmp_path / "swagger.yaml"
    spec.write_text('swagger: "2.0"\ninfo: {title: t, version: "1"}\npaths: {}\n')
    result = run("serve", "--port", "0", "--spec", str(spec), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        f"mockserver: {spec} is Swagger 2.0; mockserver serves OpenAPI 3.0 and 3.1 "
        "(convert it first, e.g. with swagger2openapi)\n"
    )
