"""The servers under test, each started on 127.0.0.1 and stopped again, whatever happens.

- mock:  `mockserver serve --port N` (the console script of the chosen Python), as a user
         starts it: request log on (to a file).
- sqlite: the same, with `--persist FILE`: the SQLite store (every write committed to a file).
- floor: bench/floor_app.py, a bare Starlette app on the mock's own server stack (same Python,
         uvicorn, loop and parser): route, parse JSON, answer JSON, nothing else.
- real:  `langgraph dev` with the reference graphs, via scripts/real_server.py start/stop in
         its own instance folder (REAL_SERVER_INSTANCE=bench).
- prism: `prism mock openapi/agent-server.yaml` from bench/node_modules (npm-installed on demand).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench import procs

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
SPEC = ROOT / "openapi" / "agent-server.yaml"
HARNESS = ROOT / "scripts" / "real_server.py"
PRISM = BENCH / "node_modules" / ".bin" / "prism"
READY_TIMEOUT = 60.0
_READY_LINE = re.compile(r"real server ready: (\S+) \(first /ok after ([\d.]+) s\)")


class Unavailable(Exception):
    """The target cannot run on this machine; the message says why and what to install."""


@dataclass
class Server:
    name: str
    url: str
    pid: int
    startup_s: float
    stack: str  # the HTTP stack the server runs, e.g. "uvicorn 0.54.0, asyncio + h11"
    proc: subprocess.Popen[bytes] | None = None

    def stop(self) -> None:
        if self.name == "real":
            _harness("stop")
        elif self.proc is not None:
            procs.stop(self.proc)


def start(name: str, mock_python: str, log_dir: Path) -> Server:
    """Start one target and wait for its first 200 on /ok."""
    if name == "mock":
        return _start_mock(mock_python, log_dir)
    if name == "sqlite":
        return _start_mock(mock_python, log_dir, persist=log_dir / "bench-store.db")
    if name == "floor":
        return _start_floor(mock_python, log_dir)
    if name == "real":
        return _start_real()
    if name == "prism":
        return _start_prism(log_dir)
    raise ValueError(f"unknown target {name!r}")


def mock_command(python: str) -> list[str]:
    script = Path(python).with_name("mockserver")
    if script.exists():
        return [str(script)]
    return [python, "-m", "mockserver.cli"]


def _start_mock(python: str, log_dir: Path, persist: Path | None = None) -> Server:
    port = procs.free_port()
    cmd = [*mock_command(python), "serve", "--port", str(port)]
    name = "mock"
    if persist is not None:
        persist.unlink(missing_ok=True)
        cmd += ["--persist", str(persist)]
        name = "sqlite"
    proc, startup = procs.launch(cmd, log_dir / f"{name}.log", f"http://127.0.0.1:{port}")
    return Server(name, f"http://127.0.0.1:{port}", proc.pid, startup, stack_of(python), proc)


def _start_floor(python: str, log_dir: Path) -> Server:
    port = procs.free_port()
    cmd = [python, "-m", "bench.floor_app", str(port)]
    env_root = str(ROOT)
    proc, startup = procs.launch(
        cmd, log_dir / "floor-app.log", f"http://127.0.0.1:{port}", cwd=env_root
    )
    return Server("floor", f"http://127.0.0.1:{port}", proc.pid, startup, stack_of(python), proc)


def _start_real() -> Server:
    result = _harness("start")
    match = _READY_LINE.search(result.stdout)
    if result.returncode != 0 or match is None:
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise Unavailable("scripts/real_server.py start failed: " + " | ".join(tail))
    url, startup = match.group(1), float(match.group(2))
    run_dir = ROOT / ".real-server" / "instances" / _instance()
    pid = int((run_dir / "server.pid").read_text().strip())
    python = ROOT / ".real-server" / "venv" / "bin" / "python"
    return Server("real", url, pid, startup, stack_of(str(python)))


def _instance() -> str:
    return os.environ.get("REAL_SERVER_INSTANCE") or "bench"


def _harness(action: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REAL_SERVER_INSTANCE": _instance()}
    # the first start installs the pinned server into .real-server/venv (a few minutes)
    return subprocess.run(
        [sys.executable, str(HARNESS), action], env=env, text=True, capture_output=True, timeout=900
    )


def _start_prism(log_dir: Path) -> Server:
    node = shutil.which("node")
    if node is None:
        raise Unavailable("node is not installed (apt-get install -y nodejs npm)")
    if not PRISM.exists():
        _npm_install()
    port = procs.free_port()
    cmd = [
        node,
        str(PRISM),
        "mock",
        str(SPEC),
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
        "--verboseLevel",
        "error",
    ]  # its default info log writes ~10 lines per request
    proc, startup = procs.launch(cmd, log_dir / "prism.log", f"http://127.0.0.1:{port}")
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
    return Server(
        "prism",
        f"http://127.0.0.1:{port}",
        proc.pid,
        startup,
        f"prism-cli {_prism_version()}, node {version}",
        proc,
    )


def _npm_install() -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise Unavailable("npm is not installed (apt-get install -y npm)")
    print("installing Prism into bench/node_modules (npm ci) ...", file=sys.stderr, flush=True)
    started = time.monotonic()
    action = "ci" if (BENCH / "package-lock.json").exists() else "install"
    result = subprocess.run(
        [npm, action, "--no-audit", "--no-fund"],
        cwd=BENCH,
        text=True,
        capture_output=True,
        timeout=600,
    )
    if result.returncode != 0 or not PRISM.exists():
        tail = result.stderr.strip().splitlines()[-2:]
        raise Unavailable("npm could not install @stoplight/prism-cli: " + " | ".join(tail))
    print(f"installed Prism in {time.monotonic() - started:.0f} s", file=sys.stderr)


def _prism_version() -> str:
    package = BENCH / "node_modules" / "@stoplight" / "prism-cli" / "package.json"
    found = re.search(r'"version":\s*"([^"]+)"', package.read_text())
    return found.group(1) if found else "?"


_PROBE = """
import importlib.util as u, importlib.metadata as m
def has(n): return u.find_spec(n) is not None
loop = "uvloop" if has("uvloop") else "asyncio"
http = "httptools" if has("httptools") else "h11"
print(f"uvicorn {m.version('uvicorn')}, {loop} loop + {http} parser")
"""


def stack_of(python: str) -> str:
    """What uvicorn's loop="auto", http="auto" pick in that environment."""
    result = subprocess.run([python, "-c", _PROBE], capture_output=True, text=True, timeout=60)
    return result.stdout.strip() or "?"
