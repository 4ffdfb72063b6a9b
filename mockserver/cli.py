"""The `mockserver` command line."""

from __future__ import annotations

import argparse
import errno
import json
import logging
import socket
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
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
    # `mockserver serve spec.yaml` is Prism's habit: caught, with a hint (see _serve).
    serve.add_argument("document", nargs="?", type=Path, help=argparse.SUPPRESS)
    serve.add_argument("--spec", type=Path, help="OpenAPI document (default: the packaged one)")
    serve.add_argument("--graphs", type=Path, help="graph model YAML (default: the packaged one)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument(
        "--port",
        type=_port,
        default=None,
        help=f"port (default {DEFAULT_PORT}, or the next free one after it)",
    )
    serve.add_argument("--max-body-size", type=int, default=10 * 1024 * 1024, metavar="BYTES")
    _add_control_options(serve)
    serve.add_argument(
        "--check-responses",
        action="store_true",
        help="validate every response against the spec (500 on a violation)",
    )
    _add_generation_options(serve)
    serve.add_argument("--quiet", action="store_true", help="no access log")
    serve.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="also allow this browser origin (repeatable; '*' for any); "
        "localhost, agentchat.vercel.app and smith.langchain.com "
        "are allowed by default",
    )
    serve.add_argument("--no-cors", action="store_true", help="no CORS headers at all")
    serve.set_defaults(func=_serve)
    init = commands.add_parser(
        "init",
        help="write a graphs.yaml to start from: a chat agent that streams, calls a "
        "tool and asks for approval",
    )
    init.add_argument(
        "directory",
        nargs="?",
        type=Path,
        default=Path("."),
        help="where to write graphs.yaml (default: here)",
    )
    init.add_argument("--force", action="store_true", help="overwrite an existing graphs.yaml")
    init.set_defaults(func=_init)
    spec = commands.add_parser("spec", help="print the packaged OpenAPI document")
    spec.add_argument(
        "--format",
        choices=("yaml", "json"),
        default=None,
        help="default: yaml, or json for an -o FILE ending in .json",
    )
    spec.add_argument(
        "--graphs",
        type=Path,
        metavar="FILE",
        help="the document as `serve --graphs FILE` serves it: assistant ids are those "
        "graphs' names or uuids (default: the packaged graphs)",
    )
    spec.add_argument(
        "--schemathesis-config",
        action="store_true",
        help="print the schemathesis.toml the contract suite uses instead: the "
        "refusals of valid data that depend on the server's state",
    )
    spec.add_argument(
        "--no-schemathesis-config",
        dest="with_config",
        action="store_false",
        help="with -o FILE, do not write schemathesis.toml beside it",
    )
    spec.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FILE",
        help="write it to FILE instead of standard output, and the schemathesis.toml of "
        "--schemathesis-config beside it (unless one is there) for a plain `schemathesis run`",
    )
    spec.set_defaults(func=_spec)
    contract = commands.add_parser(
        "contract",
        add_help=False,
        help="run the contract suite against the mock or a deployment (--help for options)",
    )
    contract.set_defaults(func=lambda args: _contract([]))
    return parser


def _contract(runner_args: list[str]) -> int:
    """`mockserver contract ...`: the packaged suite (mockserver.contract, the `contract` extra)."""
    from mockserver.contract.runner import main as run_contracts

    return int(run_contracts(runner_args))


def _init(args: argparse.Namespace) -> int:
    """`mockserver init [DIR]`: a commented graph model, and how to serve it to a chat UI."""
    from importlib import resources

    target = args.directory / "graphs.yaml"
    if target.exists() and not args.force:
        print(f"mockserver: {target} exists; --force overwrites it", file=sys.stderr)
        return 2
    template = resources.files("mockserver").joinpath("data/chat-graphs.yaml")
    try:
        args.directory.mkdir(parents=True, exist_ok=True)
        target.write_text(template.read_text("utf-8"), "utf-8")
    except OSError as exc:
        print(f"mockserver: cannot write {target}: {exc.strerror}", file=sys.stderr)
        return 2
    print(
        f"wrote {target}: a chat agent that streams its reply, calls a tool and asks for "
        f"approval\n\n"
        f"  mockserver serve --graphs {target}\n\n"
        f"then in agent-chat-ui (or any useStream app):\n"
        f"  Deployment URL: {_url('127.0.0.1', DEFAULT_PORT)}  (the URL serve prints)\n"
        f"  Assistant ID:   agent"
    )
    return 0


def _spec(args: argparse.Namespace) -> int:
    """`mockserver spec`: the packaged contract, for Schemathesis, Prism or a code generator."""
    from mockserver.spec import default_spec_path

    path = default_spec_path()
    fmt = args.format or ("json" if args.output and args.output.suffix == ".json" else "yaml")
    if args.schemathesis_config:
        from mockserver.contract import CONFIG_PATH

        text = CONFIG_PATH.read_text("utf-8")
    elif fmt == "yaml" and args.graphs is None:
        text = path.read_text("utf-8")
    else:
        import json

        import yaml

        document = yaml.safe_load(path.read_text("utf-8"))
        if args.graphs is not None:
            from mockserver.graph import GraphModelError, load_graphs
            from mockserver.spec import load_spec, with_graphs

            try:
                names = list(load_graphs(args.graphs))
            except GraphModelError as exc:
                print(f"mockserver: {exc}", file=sys.stderr)
                return 2
            document = with_graphs(load_spec(document), names).document
        if fmt == "yaml":
            text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
        else:
            text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        args.output.write_text(text, "utf-8")
    except OSError as exc:
        print(f"mockserver: cannot write {args.output}: {exc.strerror}", file=sys.stderr)
        return 2
    print(f"wrote {args.output}", file=sys.stderr)
    if not args.schemathesis_config and args.with_config:
        _config_beside(args.output)
    return 0


def _config_beside(document: Path) -> None:
    """Write the contract suite's schemathesis.toml beside a written document, where a plain
    `schemathesis run` started in that folder reads it: what a schema cannot say (valid
    requests the server refuses because of what it holds, as the real server refuses them).
    An existing file is kept."""
    from mockserver.contract import CONFIG_PATH

    target = document.parent / "schemathesis.toml"
    if target.exists():
        print(f"kept the {target} already there", file=sys.stderr)
        return
    hooks = document.parent.resolve() / "schemathesis_hooks.py"
    config = f"hooks = {json.dumps(str(hooks))}  # a run's allowed delay cut to 1 s\n\n"
    try:
        hooks.write_text((Path(__file__).parent / "contract" / "delays.py").read_text("utf-8"))
        target.write_text(config + CONFIG_PATH.read_text("utf-8"), "utf-8")
    except OSError as exc:
        print(f"mockserver: cannot write {target}: {exc.strerror}", file=sys.stderr)
        return
    print(
        f"wrote {target} and {hooks.name}: Schemathesis reads them from this folder "
        "(--no-schemathesis-config: do not write them)",
        file=sys.stderr,
    )


def _port(text: str) -> int:
    port = int(text) if text.isdigit() else -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0-65535)")
    return port


def _serve(args: argparse.Namespace) -> int:
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
    from mockserver.spec import SpecError, load_spec

    try:  # before the web stack is imported: a broken file fails in a fraction of a second
        spec, graphs = load_spec(args.spec), load_graphs(args.graphs)
    except (SpecError, GraphModelError) as exc:
        print(f"mockserver: {exc}", file=sys.stderr)
        return 2
    try:
        sock, note = _listen(args.host, args.port)
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
    server.serving_at(_url(args.host, port))
    if note:
        print(note, file=sys.stderr)
    print(
        f"{_banner(server.spec)}\n"
        f"  URL:     {_url(args.host, port)}\n"
        f"  spec:    {server.spec.source} ({len(server.spec.operations)} operations)\n"
        f"{_graphs_line(server, args.graphs)}"
        f"{_docs_line(server, _url(args.host, port))}"
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


def _add_generation_options(serve: argparse.ArgumentParser) -> None:
    """Prism's controls, as defaults for operations answered from the document (a request's
    `Prefer: code=N, example=NAME, dynamic=true` overrides them)."""
    serve.add_argument(
        "--dynamic",
        action="store_true",
        help="generate answers from the schemas, skipping the document's examples, "
        "different on each call (Prefer: dynamic=true)",
    )
    serve.add_argument(
        "--code",
        type=int,
        metavar="STATUS",
        help="answer with this declared status instead of the lowest 2xx (Prefer: code=N)",
    )
    serve.add_argument(
        "--example",
        metavar="NAME",
        help="answer with the response example of this name (Prefer: example=NAME)",
    )
    serve.add_argument(
        "--stateless",
        action="store_true",
        help="no CRUD state inferred from the document's paths: every answer generated",
    )
    serve.add_argument(
        "--generation-seed",
        type=int,
        default=0,
        metavar="N",
        help="vary the values generated from schemas (the same N, the same answers)",
    )


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


def _add_control_options(serve: argparse.ArgumentParser) -> None:
    """The options for end-to-end suites and shared instances (the admin API's start state)."""
    serve.add_argument(
        "--seed",
        type=Path,
        metavar="FILE",
        help="seed the mock from this YAML/JSON file (again on each reset)",
    )
    serve.add_argument(
        "--faults",
        type=Path,
        metavar="FILE",
        help="fault rules (a YAML list) armed at start and on each reset",
    )
    serve.add_argument(
        "--latency",
        type=_latency,
        metavar="MS[:JITTER]",
        help="delay every request by MS milliseconds, give or take JITTER",
    )
    serve.add_argument(
        "--journal-size",
        type=int,
        default=1000,
        metavar="N",
        help="requests the journal keeps (GET /__mockserver/requests; 0: none)",
    )
    serve.add_argument(
        "--api-key",
        metavar="KEY",
        help="require x-api-key: KEY on every request but /ok and /info, as a "
        "deployment does (the admin API too, then open to any client)",
    )
    serve.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="HOST",
        help="also answer requests with this Host header (repeatable; .example.com "
        "for its subdomains, * for any); localhost, IP addresses and the "
        "bound host are allowed",
    )
    serve.add_argument(
        "--persist",
        type=Path,
        metavar="FILE",
        help="keep threads, checkpoints, runs and crons in this SQLite file across restarts "
        "(made if missing; every answered write is in it)",
    )
    serve.add_argument(
        "--max-threads",
        type=int,
        metavar="N",
        help="hold at most N threads; creating more answers 507",
    )
    serve.add_argument(
        "--cron-interval",
        type=_seconds,
        default=5.0,
        metavar="SECONDS",
        help="look for due crons every SECONDS (default 5, as langgraph dev)",
    )


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


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < seconds < float("inf"):
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds: {text!r}")
    return seconds


def _latency(text: str) -> object:
    from mockserver.faults import FaultError, Latency

    try:
        return Latency.parse(text)
    except FaultError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


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
        note = (
            ""
            if candidate == DEFAULT_PORT
            else _box(
                f"Port {DEFAULT_PORT} is in use: serving on port {candidate} instead.",
                f"Point your client at {_url(host, candidate)}",
            )
        )
        return sock, note
    raise OSError(
        errno.EADDRINUSE, f"ports {DEFAULT_PORT}-{DEFAULT_PORT + _PORT_SEARCH - 1} are all in use"
    )


def _url(host: str, port: int) -> str:
    """The URL a client uses; an IPv6 address goes in brackets."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _box(*lines: str) -> str:
    """Lines framed by `!!`, every right edge in one column."""
    width = max(map(len, lines))
    return "\n" + "".join(f"  !! {line.ljust(width)} !!\n" for line in lines)


if __name__ == "__main__":
    sys.exit(main())
