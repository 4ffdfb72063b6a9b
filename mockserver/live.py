"""A live mock on a real socket: uvicorn serving the app from a background thread."""

from __future__ import annotations

import socket
import sys
import threading
import time
from typing import Any

import uvicorn

from mockserver.connection import HEADER_TIMEOUT, guarded_protocol

_START_TIMEOUT = 10.0


class LiveServer:
    """Serve an ASGI app over HTTP on 127.0.0.1 (a free port by default) until stopped.

    with LiveServer(create_app()) as server:
        httpx.get(server.url + "/ok")
    """

    def __init__(
        self,
        app: Any,
        host: str = "127.0.0.1",
        port: int = 0,
        header_timeout: float = HEADER_TIMEOUT,
        keep_alive: float = 5.0,
    ) -> None:
        self.app = app
        self.host = host
        self._socket = bind_socket(host, port)
        self.port: int = self._socket.getsockname()[1]
        # A mock's own URL goes into its runs' metadata (any other ASGI app is served as is).
        server = getattr(getattr(app, "state", None), "server", None)
        if server is not None:
            server.serving_at(self.url)
        config = uvicorn.Config(
            app,
            lifespan="off",
            log_level="warning",
            access_log=False,
            proxy_headers=False,
            http=guarded_protocol(header_timeout, keep_alive),
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            daemon=True,
            name=f"mockserver:{self.port}",
        )

    @property
    def url(self) -> str:
        """The base URL, e.g. http://127.0.0.1:41234."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> LiveServer:
        """Start serving; returns once the server accepts connections. (It leaves the
        process's garbage collector as it is: this process is the user's test run.)"""
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"mock server on {self.url} did not start")
            time.sleep(0.001)
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=_START_TIMEOUT)
        self._socket.close()

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port (port 0: any free port); OSError if it is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must say TCP: asyncio sets TCP_NODELAY on accepted connections only then, and
    # without it every keep-alive response waits ~40 ms for a delayed ACK (Nagle).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if sys.platform != "win32":
        # On POSIX this only skips TIME_WAIT; a port another socket listens on still reads busy.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock
