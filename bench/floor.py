"""The client's floor: the sequential client against a server that does no work at all.

A blocking one-connection server in its own process answers every request with the same canned
bytes, so what the client measures there is the client plus the loopback round trip: the
overhead that is inside every sequential number of the table.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bench import procs
from bench.stats import Sample
from bench.workloads import Plan, get_ok

_SERVER = r"""
import socket, sys
OK = b'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\n\r\n{"ok":true}'
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
srv.bind(("127.0.0.1", int(sys.argv[1])))
srv.listen(64)
while True:
    conn, _ = srv.accept()
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    pending = b""
    while True:
        data = conn.recv(65536)
        if not data:
            break
        pending += data
        while b"\r\n\r\n" in pending:  # requests without a body only
            _, pending = pending.split(b"\r\n\r\n", 1)
            conn.sendall(OK)
    conn.close()
"""


def client_floor(plan: Plan, log_dir: Path) -> Sample:
    """GET /ok against the canned server, exactly as workload 0 runs it against a target."""
    port = procs.free_port()
    url = f"http://127.0.0.1:{port}"
    proc, _ = procs.launch([sys.executable, "-c", _SERVER, str(port)], log_dir / "floor.log", url)
    try:
        return get_ok(url, plan)
    finally:
        procs.stop(proc)
