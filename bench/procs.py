"""Processes the bench starts: free ports, launch until the first /ok, stop, resident memory."""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from bench.client import Connection, HttpError

TAKEN_PORTS = frozenset({2024})  # another service owns it on these machines
READY_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
PR_SET_PDEATHSIG = 1


def free_port() -> int:
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
        if port not in TAKEN_PORTS:
            return port


def _die_with_parent() -> Callable[[], None] | None:
    """A preexec_fn asking Linux to SIGTERM the child if the bench dies (even by SIGKILL)."""
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return lambda: prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def launch(
    cmd: list[str], log: Path, url: str, cwd: str | None = None
) -> tuple[subprocess.Popen[bytes], float]:
    """Start `cmd` and poll GET /ok every 2 ms; return it and the seconds to the first 200."""
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=cwd,
            preexec_fn=_die_with_parent(),
        )
    try:
        while not ok(url):
            if proc.poll() is not None:
                raise RuntimeError(
                    f"{cmd[0]} exited with {proc.returncode} before /ok; see {log}:\n{_tail(log)}"
                )
            if time.perf_counter() - started > READY_TIMEOUT:
                raise RuntimeError(f"{url}/ok did not answer in {READY_TIMEOUT:.0f} s; see {log}")
            time.sleep(0.002)
    except BaseException:
        stop(proc)
        raise
    return proc, time.perf_counter() - started


def ok(url: str) -> bool:
    """One GET /ok on a fresh connection: True for a 200."""
    try:
        conn = Connection(url, timeout=2.0)
    except OSError:
        return False
    try:
        return conn.request(conn.build("GET", "/ok"))[0] == 200
    except (OSError, HttpError):
        return False
    finally:
        conn.close()


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group, SIGKILL it if it lingers, and reap the process."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=STOP_TIMEOUT)
            break
        except subprocess.TimeoutExpired:
            continue
    proc.wait()


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (VmRSS from /proc), NaN where there is no procfs."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return float("nan")
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _tail(log: Path, lines: int = 15) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
