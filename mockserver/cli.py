"""The `mockserver` command line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from mockserver import __version__
from mockserver.serving import DEFAULT_PORT, url_of


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
    # `mockserver serve spec.yaml` is Prism's habit: caught, with a hint (see serve).
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
        f"  Deployment URL: {url_of('127.0.0.1', DEFAULT_PORT)}  (the URL serve prints)\n"
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
        help="requests the journal keeps (GET /__mockserver/requests; 0: none), within 64 MB "
        "of bodies",
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


def _serve(args: argparse.Namespace) -> int:
    from mockserver.serving import serve

    return serve(args)


if __name__ == "__main__":
    sys.exit(main())
