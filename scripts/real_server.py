#!/usr/bin/env python3
"""Install and start the REAL LangGraph Agent Server (`langgraph dev`, in-memory runtime).

The mock is checked against the real server in contract tests and benchmarks. This harness
installs the pinned server into ``<repo>/.real-server/venv`` (git-ignored), copies the
reference graph app (``scripts/reference_app``) to ``.real-server/app``, and starts the
server offline (no tracing, no analytics, no version check) on a free loopback port.

Usage:
    python scripts/real_server.py install
        Create the venv and pip-install the pinned packages (skipped when already done).
    python scripts/real_server.py run [--port N] -- CMD [ARGS...]
        Install if needed, start a fresh server, run CMD with REAL_SERVER_URL set to the
        server's URL, stop the server (also on Ctrl-C) and exit with CMD's exit code.
        Example: python scripts/real_server.py run -- python -m pytest tests/contract
    python scripts/real_server.py start [--port N]
        Start a fresh server and leave it running; prints its URL and writes
        .real-server/server.pid and .real-server/url.
    python scripts/real_server.py stop
        Stop the server left running by `start` (or orphaned by a killed `run`).

Without --port a free port is picked (never 2024, which is taken on these machines). A busy
--port is an error (exit 2): `langgraph dev` would silently move to a random port.
The server log is .real-server/server.log; .real-server/server.pid and .real-server/url
describe the server while it runs. Only one server per checkout runs at a time
(.real-server/server.lock); a second `run`/`start` fails with exit 2 while one is up.
The in-memory runtime pickles its state to app/.langgraph_api/ on shutdown (the
"disable_persistence" key of langgraph.json is dropped by langgraph-cli 0.4.40's config
validation), so every start wipes that folder: each server starts empty.

Stdlib only, Python >= 3.11.
"""

from __future__ import annotations

import argparse
import ctypes
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import venv
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, NoReturn

REPO = Path(__file__).resolve().parent.parent
REFERENCE_APP = REPO / "scripts" / "reference_app"
STATE_DIR = REPO / ".real-server"
VENV_DIR = STATE_DIR / "venv"
INSTALL_LOCK_FILE = STATE_DIR / "install.lock"
# REAL_SERVER_INSTANCE=name runs a second server beside the default one (its own app, log,
# pid and lock under .real-server/instances/name), sharing the installed venv.
_INSTANCE = os.environ.get("REAL_SERVER_INSTANCE", "")
RUN_DIR = STATE_DIR / "instances" / _INSTANCE if _INSTANCE else STATE_DIR
APP_DIR = RUN_DIR / "app"
LOG_FILE = RUN_DIR / "server.log"
PID_FILE = RUN_DIR / "server.pid"
URL_FILE = RUN_DIR / "url"
LOCK_FILE = RUN_DIR / "server.lock"
PINS_MARKER = VENV_DIR / "real-server-pins.txt"

PINS = (
    "langgraph-cli[inmem]==0.4.40",
    "langgraph-api==0.16.7",
    "langgraph-runtime-inmem==0.36.7",
    "langgraph==1.2.22",
)
HOST = "127.0.0.1"
TAKEN_PORTS = frozenset({2024})  # another service owns it on these machines
READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0
LOG_TAIL_LINES = 40
PORT_MOVED_MARKER = "is already in use, using port"  # langgraph_api.cli._resolve_port

# Keep the server off the network (see langgraph_cli/analytics.py, langgraph_api/cli.py).
OFFLINE_ENV = {
    "LANGSMITH_TRACING": "false",
    "LANGCHAIN_TRACING_V2": "false",
    "LANGSMITH_API_KEY": "",
    "LANGCHAIN_API_KEY": "",
    "LANGGRAPH_CLI_NO_ANALYTICS": "1",
    "LANGGRAPH_NO_VERSION_CHECK": "true",
}

EXIT_USAGE = 2
PR_SET_PDEATHSIG = 1  # linux/prctl.h


class HarnessError(Exception):
    """A failure to report in one line and exit with ``code``."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


# --------------------------------------------------------------------------- install


def langgraph_executable() -> Path:
    return VENV_DIR / "bin" / "langgraph"


def pins_text() -> str:
    return "\n".join(PINS) + "\n"


def is_installed() -> bool:
    exe = langgraph_executable()
    if not (exe.is_file() and os.access(exe, os.X_OK)):
        return False
    try:
        return PINS_MARKER.read_text() == pins_text()
    except OSError:
        return False


def create_venv() -> None:
    if not (VENV_DIR / "bin" / "python").is_file():
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV_DIR)


def pip_install_pins() -> None:
    PINS_MARKER.unlink(missing_ok=True)
    python = VENV_DIR / "bin" / "python"
    cmd = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *PINS]
    if subprocess.run(cmd).returncode != 0:
        raise HarnessError("pip install of the pinned real server failed")
    PINS_MARKER.write_text(pins_text())


def install() -> None:
    """Create the venv and install the pins; a no-op when already installed."""
    if is_installed():
        return
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    with open(INSTALL_LOCK_FILE, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # concurrent installs wait for each other
        if is_installed():
            return
        print(f"installing the real server into {VENV_DIR} ...", flush=True)
        started = time.monotonic()
        create_venv()
        pip_install_pins()
        print(f"installed in {time.monotonic() - started:.1f} s", flush=True)


# --------------------------------------------------------------------------- ports


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def pick_free_port() -> int:
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((HOST, 0))
            port: int = sock.getsockname()[1]
        if port not in TAKEN_PORTS:
            return port


def choose_port(requested: int | None) -> int:
    if requested is None:
        return pick_free_port()
    if requested in TAKEN_PORTS:
        raise HarnessError(f"port {requested} is taken on these machines; pick another", EXIT_USAGE)
    if not port_is_free(requested):
        raise HarnessError(
            f"port {requested} is busy on {HOST} (langgraph dev would silently move to "
            "another port); pick another or omit --port",
            EXIT_USAGE,
        )
    return requested


# --------------------------------------------------------------------------- server


def acquire_server_lock() -> IO[str]:
    """Hold the per-checkout lock; the server inherits it and keeps it while it lives."""
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    lock = open(LOCK_FILE, "a+")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        raise HarnessError(
            f"a real server from this checkout is already running ({describe_running()}); "
            "stop it with `python scripts/real_server.py stop` or wait for its run to end",
            EXIT_USAGE,
        ) from None
    return lock


def describe_running() -> str:
    try:
        return f"pid {PID_FILE.read_text().strip()}, {URL_FILE.read_text().strip()}"
    except OSError:
        return f"lock {LOCK_FILE}"


def prepare_app() -> None:
    """Fresh copy of the reference app, without the in-memory runtime's pickled state."""
    shutil.rmtree(APP_DIR, ignore_errors=True)
    shutil.copytree(REFERENCE_APP, APP_DIR, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.rmtree(APP_DIR / ".langgraph_api", ignore_errors=True)


def server_env() -> dict[str, str]:
    env = {**os.environ, **OFFLINE_ENV}
    env.pop("REAL_SERVER_URL", None)
    return env


def die_with_parent_hook() -> Callable[[], None] | None:
    """A preexec_fn asking Linux to SIGTERM the server when the harness dies (even by SIGKILL)."""
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None  # not Linux: `stop` cleans up after a killed harness
    return lambda: prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def launch_server(port: int, lock: IO[str], *, detached: bool) -> subprocess.Popen[bytes]:
    cmd = [
        str(langgraph_executable()),
        "dev",
        "--no-browser",
        "--no-reload",
        "--host",
        HOST,
        "--port",
        str(port),
    ]
    with open(LOG_FILE, "wb") as log:
        return subprocess.Popen(
            cmd,
            cwd=APP_DIR,
            env=server_env(),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: stopped as a whole, spared Ctrl-C
            pass_fds=(lock.fileno(),),
            preexec_fn=None if detached else die_with_parent_hook(),
        )


def url_for(port: int) -> str:
    return f"http://{HOST}:{port}"


def get_ok(url: str) -> bool:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url + "/ok", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def log_tail() -> str:
    try:
        lines = LOG_FILE.read_text(errors="replace").splitlines()
    except OSError:
        return "(no log)"
    return "\n".join(lines[-LOG_TAIL_LINES:])


def server_moved_port() -> bool:
    try:
        return PORT_MOVED_MARKER in LOG_FILE.read_text(errors="replace")
    except OSError:
        return False


def wait_until_ready(proc: subprocess.Popen[bytes], url: str, started: float) -> float:
    """Poll GET /ok until 200; return the seconds since ``started``."""
    deadline = started + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise HarnessError(
                f"real server exited with code {proc.returncode} before answering /ok; "
                f"last lines of {LOG_FILE}:\n{log_tail()}"
            )
        if server_moved_port():
            raise HarnessError(
                f"the port of {url} was taken before the server bound it, so it moved to "
                f"another port; try again. Last lines of {LOG_FILE}:\n{log_tail()}",
                EXIT_USAGE,
            )
        if get_ok(url):
            return time.monotonic() - started
        time.sleep(0.05)
    raise HarnessError(
        f"real server did not answer {url}/ok within {READY_TIMEOUT_S:.0f} s; "
        f"last lines of {LOG_FILE}:\n{log_tail()}"
    )


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def signal_group(pgid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


def wait_group_gone(pgid: int, proc: subprocess.Popen[bytes] | None, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None:
            proc.poll()  # reap our child, or its zombie keeps the group alive
        if not group_alive(pgid):
            return True
        time.sleep(0.05)
    return False


def stop_group(pgid: int, proc: subprocess.Popen[bytes] | None = None) -> None:
    """SIGTERM the server's process group, then SIGKILL after STOP_TIMEOUT_S."""
    started = time.monotonic()
    signal_group(pgid, signal.SIGTERM)
    if not wait_group_gone(pgid, proc, STOP_TIMEOUT_S):
        print(f"real server did not stop in {STOP_TIMEOUT_S:.0f} s; killing it", file=sys.stderr)
        signal_group(pgid, signal.SIGKILL)
        wait_group_gone(pgid, proc, STOP_TIMEOUT_S)
    if proc is not None:
        proc.wait()
    print(f"real server stopped in {time.monotonic() - started:.2f} s", file=sys.stderr)


def record_server(pid: int, url: str) -> None:
    PID_FILE.write_text(f"{pid}\n")
    URL_FILE.write_text(url + "\n")


def forget_server() -> None:
    PID_FILE.unlink(missing_ok=True)
    URL_FILE.unlink(missing_ok=True)


def start_server(
    port: int | None, lock: IO[str], *, detached: bool
) -> tuple[subprocess.Popen[bytes], str]:
    """Start a fresh server and wait for /ok; stops it again if it never gets ready."""
    install()
    chosen = choose_port(port)
    prepare_app()
    url = url_for(chosen)
    started = time.monotonic()
    proc = launch_server(chosen, lock, detached=detached)
    record_server(proc.pid, url)
    try:
        elapsed = wait_until_ready(proc, url, started)
    except BaseException:
        stop_server(proc)
        raise
    print(f"real server ready: {url} (first /ok after {elapsed:.2f} s)", flush=True)
    return proc, url


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    stop_group(proc.pid, proc)
    forget_server()


# --------------------------------------------------------------------------- commands


def exit_code_of(returncode: int) -> int:
    return 128 - returncode if returncode < 0 else returncode


def raise_system_exit(signum: int, _frame: object) -> NoReturn:
    raise SystemExit(128 + signum)


def run_command(command: Sequence[str], url: str) -> int:
    env = {**os.environ, "REAL_SERVER_URL": url}
    try:
        return exit_code_of(subprocess.run(command, env=env).returncode)
    except FileNotFoundError:
        print(f"command not found: {command[0]}", file=sys.stderr)
        return 127


def cmd_install() -> int:
    if is_installed():
        print(f"real server already installed in {VENV_DIR}")
    install()
    return 0


def cmd_run(port: int | None, command: Sequence[str]) -> int:
    previous = signal.signal(signal.SIGTERM, raise_system_exit)
    lock = acquire_server_lock()
    try:
        proc, url = start_server(port, lock, detached=False)
        try:
            return run_command(command, url)
        except KeyboardInterrupt:
            return 130
        finally:
            stop_server(proc)
    finally:
        lock.close()
        signal.signal(signal.SIGTERM, previous)


def cmd_start(port: int | None) -> int:
    lock = acquire_server_lock()
    try:
        _, url = start_server(port, lock, detached=True)
    finally:
        lock.close()  # the server keeps its inherited copy of the lock
    print(url)
    print(f"log: {LOG_FILE}; stop with: python scripts/real_server.py stop", file=sys.stderr)
    return 0


def is_our_server(pid: int) -> bool:
    """Guard against a recycled PID: it must lead its group and run our venv's langgraph."""
    try:
        if os.getpgid(pid) != pid:
            return False
    except ProcessLookupError:
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # no procfs: trust the pid file
    return str(langgraph_executable()).encode() in cmdline


def cmd_stop() -> int:
    try:
        pid = int(PID_FILE.read_text().strip())
    except (OSError, ValueError):
        print("no real server recorded in .real-server/server.pid")
        return 0
    if is_our_server(pid):
        stop_group(pid)
        print(f"stopped real server (pid {pid})")
    else:
        print(f"real server (pid {pid}) was not running")
    forget_server()
    return 0


# --------------------------------------------------------------------------- CLI


def split_command(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """Split ``argv`` at the first ``--`` into harness options and the command to run."""
    args = list(argv)
    if "--" in args:
        at = args.index("--")
        return args[:at], args[at + 1 :]
    return args, []


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="real_server.py",
        description="Install/start the real LangGraph Agent Server for tests and benchmarks.",
    )
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("install", help="create the venv and install the pinned server")
    run = sub.add_parser("run", help="start a server, run `-- CMD ARGS...`, stop the server")
    run.add_argument("--port", type=int, help="port on 127.0.0.1 (default: a free one)")
    start = sub.add_parser("start", help="start a server and leave it running")
    start.add_argument("--port", type=int, help="port on 127.0.0.1 (default: a free one)")
    sub.add_parser("stop", help="stop the server left running by `start`")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    options, command = split_command(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(options)
    if args.action == "run" and not command:
        parser.error("run needs a command after `--`, e.g. run -- pytest tests/contract")
    if args.action != "run" and command:
        parser.error(f"`{args.action}` takes no command after `--`")
    try:
        if args.action == "install":
            return cmd_install()
        if args.action == "run":
            return cmd_run(args.port, command)
        if args.action == "start":
            return cmd_start(args.port)
        return cmd_stop()
    except HarnessError as error:
        print(f"real_server: {error}", file=sys.stderr)
        return error.code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
