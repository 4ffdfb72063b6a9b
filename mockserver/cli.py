"""The `mockserver` command line."""

from __future__ import annotations

import argparse
import errno
import socket
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mockserver import __version__

DEFAULT_PORT = 2024  # what `langgraph dev` uses, so clients need no new URL
_PORT_SEARCH = 100


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `mockserver` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["contract"]:
        # Everything after `contract` is the runner's own (argparse's REMAINDER would keep
        # options such as --help for itself).
        return _contract(argv[1:])
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    return int(args.func(args))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mockserver",
        description="A spec-driven, stateful mock of the LangGraph Agent Server API.",
    )
    parser.add_argument("--version", action="version", version=f"mockserver {__version__}")
    commands = parser.add_subparsers(dest="command")
    serve = commands.add_parser("serve", help="serve the mock over HTTP")
    serve.add_argument("--spec", type=Path, help="OpenAPI document (default: the packaged one)")
    serve.add_argument("--graphs", type=Path, help="graph model YAML (default: the packaged one)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_port, default=None,
                       help=f"port (default {DEFAULT_PORT}, or the next free one after it)")
    serve.add_argument("--max-body-size", type=int, default=10 * 1024 * 1024, metavar="BYTES")
    serve.add_argument("--check-responses", action="store_true",
                       help="validate every response against the spec (500 on a violation)")
    serve.add_argument("--quiet", action="store_true", help="no access log")
    serve.add_argument("--cors-origin", action="append", default=[], metavar="ORIGIN",
                       help="also allow this browser origin (repeatable; '*' for any); "
                            "localhost, agentchat.vercel.app and smith.langchain.com "
                            "are allowed by default")
    serve.add_argument("--no-cors", action="store_true", help="no CORS headers at all")
    serve.set_defaults(func=_serve)
    contract = commands.add_parser(
        "contract", add_help=False,
        help="run the contract suite against the mock or a deployment (--help for options)")
    contract.set_defaults(func=lambda args: _contract([]))
    return parser


def _contract(runner_args: list[str]) -> int:
    """`mockserver contract ...`: contracts/runner.py, from the source checkout."""
    checkout = Path(__file__).resolve().parent.parent
    if not (checkout / "contracts" / "runner.py").is_file():
        print("mockserver: the contract suite ships with the source checkout "
              "(contracts/); install the project from a clone to run it", file=sys.stderr)
        return 2
    if str(checkout) not in sys.path:
        sys.path.insert(0, str(checkout))
    from contracts.runner import main as run_contracts

    return int(run_contracts(runner_args))


def _port(text: str) -> int:
    port = int(text) if text.isdigit() else -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0-65535)")
    return port


def _serve(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    try:
        sock, note = _listen(args.host, args.port)
    except OSError as exc:
        print(f"mockserver: cannot listen on {args.host}:{args.port}: {exc.strerror}",
              file=sys.stderr)
        return 2
    import uvicorn

    from mockserver.app import HOSTED_ORIGINS, LOCAL_ORIGINS, create_app
    from mockserver.graph import GraphModelError
    from mockserver.live import tune_gc
    from mockserver.spec import SpecError

    try:
        app = create_app(args.spec, args.graphs, check_responses=args.check_responses,
                         max_body_size=args.max_body_size,
                         cors_origins=[] if args.no_cors else [*HOSTED_ORIGINS,
                                                               *args.cors_origin],
                         cors_origin_regex=None if args.no_cors else LOCAL_ORIGINS)
    except (SpecError, GraphModelError) as exc:
        print(f"mockserver: {exc}", file=sys.stderr)
        return 2
    context = app.state.context
    port = sock.getsockname()[1]
    if note:
        print(note, file=sys.stderr)
    print(f"mockserver {__version__} — LangGraph Agent Server mock\n"
          f"  URL:     http://{args.host}:{port}\n"
          f"  spec:    {context.spec.source} ({len(context.spec.operations)} operations)\n"
          f"  graphs:  {', '.join(context.graphs)}"
          f" ({args.graphs or 'packaged default'})\n"
          f"  ready in {time.perf_counter() - started:.2f} s — Ctrl-C to stop", flush=True)
    tune_gc()
    _log_rejections(quiet=args.quiet)
    # proxy_headers off: the mock is never behind a proxy, and the middleware wraps every request.
    # The request log is the app's own (uvicorn's format, a few µs a line): uvicorn's access log
    # goes through the logging module, ~30 µs a request.
    request_log = None if args.quiet else _request_log(app)
    config = uvicorn.Config(request_log or app, lifespan="off", access_log=False,
                            proxy_headers=False, log_level="warning" if args.quiet else "info")
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:
        # uvicorn shuts down gracefully on Ctrl-C, then re-raises it; the traceback is noise.
        return 130
    finally:
        if request_log is not None:
            request_log.flush()  # its last lines
    return 0


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


def _listen(host: str, port: int | None) -> tuple[socket.socket, str]:
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
        note = "" if candidate == DEFAULT_PORT else (
            f"\n  !! Port {DEFAULT_PORT} is in use: serving on port {candidate} instead. !!\n"
            f"  !! Point your client at http://{host}:{candidate}                 !!\n")
        return sock, note
    raise OSError(errno.EADDRINUSE, f"ports {DEFAULT_PORT}-{DEFAULT_PORT + _PORT_SEARCH - 1} "
                                    "are all in use")


if __name__ == "__main__":
    sys.exit(main())
