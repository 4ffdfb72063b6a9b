"""`mockserver serve`: load the documents, listen (2024 or the next free port), build the app,
print the banner and run uvicorn with the mock's own request log. The command line (cli.py)
reads the options; this module does the serving."""

from __future__ import annotations

import argparse
import errno
import logging
import socket
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any

from mockserver import __version__

DEFAULT_PORT = 2024  # what `langgraph dev` uses, so clients need no new URL

_PORT_SEARCH = 100


def serve(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    if args.document is not None:
        option = "--graphs" if "graph" in args.document.name else "--spec"
        print(
            f"mockserver: serve takes no file argument; did you mean "
            f"`mockserver serve {option} {args.document}`?",
            file=sys.stderr,
        )
        return 2
    from mockserver.graph import GraphModelError, load_graphs
    from mockserver.spec import load_spec
    from mockserver.spec_check import SpecError

    try:  # before the web stack is imported: a broken file fails in a fraction of a second
        spec, graphs = load_spec(args.spec), load_graphs(args.graphs)
    except (SpecError, GraphModelError) as exc:
        print(f"mockserver: {exc}", file=sys.stderr)
        return 2
    try:
        sock, note = listen(args.host, args.port)
    except OSError as exc:
        print(
            f"mockserver: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr
        )
        return 2
    import uvicorn
    from yaml import YAMLError

    from mockserver.app import create_app
    from mockserver.connection import guarded_protocol
    from mockserver.cors import HOSTED_ORIGINS, LOCAL_ORIGINS
    from mockserver.errors import MockError

    try:
        store = _store(args.persist)
        app = create_app(
            spec,
            graphs,
            check_responses=args.check_responses,
            max_body_size=args.max_body_size,
            cors_origins=[] if args.no_cors else [*HOSTED_ORIGINS, *args.cors_origin],
            cors_origin_regex=None if args.no_cors else LOCAL_ORIGINS,
            store=store,
            seed=args.generation_seed,
            prefer=_preferences(args),
            stateful=not args.stateless,
            **_control_settings(args),
        )
        app.state.control.start_with(seed=args.seed, faults=args.faults)
    except (SpecError, GraphModelError, ValueError, OSError, MockError, YAMLError) as exc:
        print(f"mockserver: {exc}", file=sys.stderr)
        return 2
    server = app.state.server
    port = sock.getsockname()[1]
    server.serving_at(url_of(args.host, port))
    if note:
        print(note, file=sys.stderr)
    print(
        f"{_banner(server.spec)}\n"
        f"  URL:     {url_of(args.host, port)}\n"
        f"  spec:    {server.spec.source} ({len(server.spec.operations)} operations)\n"
        f"{_graphs_line(server, args.graphs)}"
        f"{_docs_line(server, url_of(args.host, port))}"
        f"  admin:   http://{args.host}:{port}/__mockserver/"
        f" ({'x-api-key' if args.api_key else 'loopback clients only'})\n"
        f"  ready in {time.perf_counter() - started:.2f} s — Ctrl-C to stop",
        flush=True,
    )
    _tune_gc()
    _tune_malloc()
    _log_rejections(quiet=args.quiet)
    # proxy_headers off: the mock is never behind a proxy, and the middleware wraps every request.
    # The request log is the app's own (uvicorn's format, a few µs a line): uvicorn's access log
    # goes through the logging module, ~30 µs a request.
    request_log = None if args.quiet else _request_log(app)
    config = uvicorn.Config(
        request_log or app,
        lifespan="off",
        access_log=False,
        proxy_headers=False,
        log_level="warning" if args.quiet else "info",
        http=guarded_protocol(),
    )
    try:
        _server(config, server).run(sockets=[sock])
    except KeyboardInterrupt:
        # uvicorn shuts down gracefully on Ctrl-C, then re-raises it; the traceback is noise.
        return 130
    finally:
        if request_log is not None:
            request_log.flush()  # its last lines
        server.close()
    return 0


def _banner(spec: Any) -> str:
    """The banner's first line: the Agent Server mock, or the mock of the document served."""
    from mockserver.handlers import HANDLERS

    if all(op.operation_id in HANDLERS for op in spec.operations):
        return f"mockserver {__version__} — LangGraph Agent Server mock"
    info = spec.document.get("info") or {}
    title, version = info.get("title", "an OpenAPI document"), info.get("version", "")
    dialect = spec.document.get("openapi")
    return f"mockserver {__version__} — mock of {title} {version} (OpenAPI {dialect})"


def _graphs_line(server: Any, graphs: Path | None) -> str:
    """The graph models, for the Agent Server's operations (none in another document)."""
    from mockserver.handlers import HANDLERS

    if not any(op.operation_id in HANDLERS for op in server.spec.operations):
        return ""
    return f"  graphs:  {', '.join(server.graphs)} ({graphs or 'packaged default'})\n"


def _docs_line(server: Any, url: str) -> str:
    """The API reference page, where the document served has it (the Agent Server's does)."""
    if not any(op.operation_id == "docs_get" for op in server.spec.operations):
        return ""
    return f"  docs:    {url}/docs (the API reference; works offline)\n"


def _preferences(args: argparse.Namespace) -> Any:
    from mockserver.generate import Preferences

    return Preferences(code=args.code, example=args.example, dynamic=args.dynamic)


def _store(path: Path | None) -> Any:
    """The store `--persist` asks for: None (in memory), or the SQLite file; ValueError when
    the file is not one this mock can use."""
    if path is None:
        return None
    import sqlite3

    from mockserver.sqlite import SqliteStore

    try:
        return SqliteStore(path)
    except (sqlite3.Error, ValueError, TypeError, KeyError) as exc:
        raise ValueError(f"{path}: not a store this mock can open ({exc})") from None


def _tune_gc() -> None:
    """Collect less often: the store is a large, long-lived heap of small objects, and a full
    collection over it paused requests for up to 250 ms (bench/PROFILE.md). What exists now
    (imports, the app) is frozen out of collections. Only `serve` does this, in its own
    process: the pytest plugin's live server runs inside the user's test process."""
    import gc

    gc.freeze()
    gc.set_threshold(50_000, 50, 100)


# glibc's mallopt parameters (malloc.h): M_TRIM_THRESHOLD, M_MMAP_THRESHOLD.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def _tune_malloc() -> None:
    """Keep large buffers in the heap: glibc maps each allocation over its mmap threshold
    afresh (page faults to fill it, an unmap to free it) and raises the threshold only to the
    largest size freed so far, so the answers of a growing thread (a GET of its state is a
    new, slightly larger buffer each time) were mapped afresh every time: about half of a
    400 KB answer's cost (bench workload 2). Only `serve` does this, in its own process; on
    a C library without mallopt (musl, macOS) nothing changes."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(name).mallopt if name else None
    except (OSError, AttributeError):
        return
    if mallopt is not None:
        mallopt(_M_MMAP_THRESHOLD, 32 * 1024 * 1024)  # glibc's largest dynamic threshold
        mallopt(_M_TRIM_THRESHOLD, 64 * 1024 * 1024)  # give memory back past 64 MB free


def _control_settings(args: argparse.Namespace) -> dict[str, Any]:
    from mockserver.guard import default_hosts

    return {
        "latency": args.latency,
        "journal_size": args.journal_size,
        "api_key": args.api_key,
        "max_threads": args.max_threads,
        "allowed_hosts": default_hosts(args.host, args.allowed_host),
        "cron_interval": args.cron_interval,
    }


def _request_log(app: Any) -> Any:
    """`app` writing one line per request to stdout, as uvicorn's access log did."""
    from mockserver.requestlog import RequestLog

    return RequestLog(app, sys.stdout)


def _log_rejections(quiet: bool) -> None:
    """The app's own log (each refused request with every violation) beside uvicorn's access
    log, in its format."""
    import logging

    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s:     %(message)s"))
    log = logging.getLogger("mockserver")
    log.addHandler(handler)
    log.setLevel(logging.WARNING if quiet else logging.INFO)
    log.propagate = False


def _server(config: Any, mock: Any) -> Any:
    """uvicorn's server, whose Ctrl-C first silences the ERROR uvicorn logs for each stream
    that shutting down cuts ("ASGI callable returned without completing response"): then it
    is the point, not an error; before the signal the line still shows a real bug. (A bound
    method stays the signal handler: sse-starlette finds the server through it.) Once it
    serves, the mock's cron scheduler starts if the store brought crons back (--persist)."""
    import uvicorn

    class Server(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets)
            with mock.lock:
                mock.scheduler.wake()

        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            logging.getLogger("uvicorn.error").addFilter(_not_a_cut_stream)
            super().handle_exit(sig, frame)

    return Server(config)


def _not_a_cut_stream(record: logging.LogRecord) -> bool:
    return "without completing response" not in record.getMessage()


def listen(host: str, port: int | None) -> tuple[socket.socket, str]:
    """A listening socket: the explicit port or fail; else 2024 or the next free port after it."""
    from mockserver.live import bind_socket

    if port is not None:
        return bind_socket(host, port), ""
    for candidate in range(DEFAULT_PORT, DEFAULT_PORT + _PORT_SEARCH):
        try:
            sock = bind_socket(host, candidate)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            continue
        note = (
            ""
            if candidate == DEFAULT_PORT
            else box(
                f"Port {DEFAULT_PORT} is in use: serving on port {candidate} instead.",
                f"Point your client at {url_of(host, candidate)}",
            )
        )
        return sock, note
    raise OSError(
        errno.EADDRINUSE, f"ports {DEFAULT_PORT}-{DEFAULT_PORT + _PORT_SEARCH - 1} are all in use"
    )


def url_of(host: str, port: int) -> str:
    """The URL a client uses; an IPv6 address goes in brackets."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def box(*lines: str) -> str:
    """Lines framed by `!!`, every right edge in one column."""
    width = max(map(len, lines))
    return "\n" + "".join(f"  !! {line.ljust(width)} !!\n" for line in lines)
