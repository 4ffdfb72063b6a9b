"""`contract`: run the contract suite against the mock (default) or a deployment.

    python -m contracts.runner                                   # the mock, in-process
    python -m contracts.runner --base-url https://my-deployment --api-key "$LANGSMITH_API_KEY" \\
        --deviations contracts/deviations/langgraph-api.yaml

Runs the pytest suite in `contracts/` (property tests per operation, stateful scenarios from the
spec's links, the thread life cycle), prints progress and a summary grouped by operation and
check, writes a Markdown drift report, and exits 0 (only listed deviations) or 1.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from contracts import API_KEY_ENV, DEFAULT_MAX_EXAMPLES, URL_ENV

SUITE = Path(__file__).resolve().parent
DEFAULT_DRIFT_REPORT = Path("contract-drift.md")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="contract",
        description="Check a target against openapi/agent-server.yaml with Schemathesis: "
                    "the mock in-process by default, or any deployment with --base-url.")
    add = parser.add_argument
    add("--base-url", metavar="URL", default=os.environ.get(URL_ENV) or None,
        help=f"the deployment to check (env {URL_ENV}); default: the mock, in-process")
    add("--api-key", metavar="KEY", default=os.environ.get(API_KEY_ENV) or None,
        help=f"sent as x-api-key, as LangSmith deployments expect (env {API_KEY_ENV})")
    add("--header", action="append", default=[], metavar="NAME:VALUE",
        help="a header for every request (repeatable)")
    add("--max-examples", type=int, default=DEFAULT_MAX_EXAMPLES, metavar="N",
        help=f"fuzzed cases per operation, and stateful scenarios (default {DEFAULT_MAX_EXAMPLES})")
    add("--seed", type=int, metavar="S", help="seed, to repeat a run")
    add("--deviations", type=Path, metavar="FILE",
        help="the target's known deviations, e.g. contracts/deviations/langgraph-api.yaml")
    add("--drift-report", type=Path, default=DEFAULT_DRIFT_REPORT, metavar="FILE",
        help=f"where to write the Markdown drift report (default {DEFAULT_DRIFT_REPORT})")
    add("--junit", type=Path, metavar="FILE", help="also write a JUnit XML report")
    add("--allow-stale", action="store_true",
        help="report deviation entries that did not occur without failing the run")
    add("--keep-going", action="store_true",
        help="record new failures and keep generating, for a complete drift report "
             "(the run still fails); useful to write a new target's deviations file")
    add("-q", "--quiet", action="store_true", help="dots instead of one line per test")
    return parser


def pytest_args(args: argparse.Namespace) -> list[str]:
    """The pytest command line for these options."""
    argv = [str(SUITE), "-p", "no:cacheprovider", "-q" if args.quiet else "-v",
            # schemathesis may be imported already (a second run, the `mockserver` CLI)
            "-W", "ignore::pytest.PytestAssertRewriteWarning",
            "--contract-max-examples", str(args.max_examples),
            "--contract-drift-report", str(args.drift_report)]
    for flag, value in (("--contract-url", args.base_url), ("--contract-api-key", args.api_key),
                        ("--contract-seed", args.seed), ("--contract-deviations", args.deviations),
                        ("--junitxml", args.junit)):
        if value is not None:
            argv += [flag, str(value)]
    for header in args.header:
        argv += ["--contract-header", header]
    argv += [flag for flag, on in (("--contract-allow-stale", args.allow_stale),
                                   ("--contract-keep-going", args.keep_going)) if on]
    return argv


def _forget_suite_modules() -> None:
    """Let a second run in one process import the suite afresh (its schema is per run)."""
    for name in [n for n in sys.modules if n.startswith(("contracts.test_", "contracts.conftest"))]:
        del sys.modules[name]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the suite; 0 when only listed deviations occurred, 1 otherwise (2: bad usage)."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    if args.max_examples < 1:
        print("contract: --max-examples must be at least 1", file=sys.stderr)
        return 2
    _forget_suite_modules()
    code = pytest.main(pytest_args(args))
    return 0 if code == pytest.ExitCode.OK else 1


if __name__ == "__main__":
    sys.exit(main())
