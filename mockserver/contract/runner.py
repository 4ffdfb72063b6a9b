"""`mockserver contract`: run the contract suite against the mock (default) or a deployment.

    mockserver contract                                          # the mock, in-process
    mockserver contract --base-url https://my-deployment --api-key "$LANGSMITH_API_KEY" \\
        --deviations langgraph-api

Runs the pytest suite in this package (property tests per operation, stateful scenarios from the
spec's links, the thread life cycle), prints progress and a summary grouped by operation and
check, writes a Markdown drift report, and exits 0 (only listed deviations) or 1. Everything it
writes (drift report, JUnit, Hypothesis's data) goes to one folder, `--output`.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from mockserver.contract import API_KEY_ENV, DEFAULT_MAX_EXAMPLES, DEVIATIONS_DIR, SUITE, URL_ENV

DRIFT_REPORT = "drift.md"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mockserver contract",
        description="Check a target against the packaged agent-server.yaml with Schemathesis: "
        "the mock in-process by default, or any deployment with --base-url.",
    )
    add = parser.add_argument
    add(
        "--base-url",
        metavar="URL",
        default=os.environ.get(URL_ENV) or None,
        help=f"the deployment to check (env {URL_ENV}); default: the mock, in-process",
    )
    add(
        "--api-key",
        metavar="KEY",
        default=os.environ.get(API_KEY_ENV) or None,
        help=f"sent as x-api-key, as LangSmith deployments expect (env {API_KEY_ENV})",
    )
    add(
        "--header",
        action="append",
        default=[],
        metavar="NAME:VALUE",
        help="a header for every request (repeatable)",
    )
    add(
        "--max-examples",
        type=int,
        default=DEFAULT_MAX_EXAMPLES,
        metavar="N",
        help=f"fuzzed cases per operation, and stateful scenarios (default {DEFAULT_MAX_EXAMPLES})",
    )
    add("--seed", type=int, metavar="S", help="seed, to repeat a run")
    add(
        "--deviations",
        type=_deviations,
        metavar="FILE|NAME",
        help="the target's known deviations: a YAML file, or a packaged list by name "
        f"({', '.join(sorted(p.stem for p in DEVIATIONS_DIR.glob('*.yaml')))})",
    )
    add(
        "--output",
        type=Path,
        metavar="DIR",
        help="folder for everything the run writes: drift.md, junit.xml, hypothesis/ "
        "(default: ./contract-<target>-<date>-<time>/)",
    )
    add(
        "--drift-report",
        type=Path,
        metavar="FILE",
        help=f"where to write the Markdown drift report (default OUTPUT/{DRIFT_REPORT})",
    )
    add(
        "--junit", type=Path, metavar="FILE", help="the JUnit XML report (default OUTPUT/junit.xml)"
    )
    add(
        "--allow-stale",
        action="store_true",
        help="report deviation entries that did not occur without failing the run",
    )
    add(
        "--keep-going",
        action="store_true",
        help="record new failures and keep generating, for a complete drift report "
        "(the run still fails); useful to write a new target's deviations file",
    )
    add("-q", "--quiet", action="store_true", help="dots instead of one line per test")
    return parser


def _deviations(text: str) -> Path:
    """A deviations file: a path, or the name of a packaged list (`langgraph-api`)."""
    packaged = DEVIATIONS_DIR / f"{text}.yaml"
    return packaged if not Path(text).is_file() and packaged.is_file() else Path(text)


def default_output(base_url: str | None) -> Path:
    """`contract-<target>-<date>-<time>` in the current directory: one folder per run."""
    name = (
        "mock"
        if base_url is None
        else re.sub(r"[^A-Za-z0-9.-]+", "-", base_url.split("://", 1)[-1]).strip("-")
    )
    return Path(f"contract-{name}-{time.strftime('%Y%m%d-%H%M%S')}")


def pytest_args(args: argparse.Namespace) -> list[str]:
    """The pytest command line for these options."""
    # The suite's own folder as rootdir, no ini file: the current directory's pytest
    # configuration (addopts, plugins) is not the suite's, and nothing is cached there.
    argv = [
        str(SUITE),
        "--rootdir",
        str(SUITE),
        "-c",
        os.devnull,
        "-p",
        "no:cacheprovider",
        "-q" if args.quiet else "-v",
        # schemathesis may be imported already (a second run, the `mockserver` CLI)
        "-W",
        "ignore::pytest.PytestAssertRewriteWarning",
        "--contract-max-examples",
        str(args.max_examples),
        "--contract-drift-report",
        str(args.drift_report),
    ]
    for flag, value in (
        ("--contract-url", args.base_url),
        ("--contract-api-key", args.api_key),
        ("--contract-seed", args.seed),
        ("--contract-deviations", args.deviations),
        ("--junitxml", args.junit),
    ):
        if value is not None:
            argv += [flag, str(value)]
    for header in args.header:
        argv += ["--contract-header", header]
    argv += [
        flag
        for flag, on in (
            ("--contract-allow-stale", args.allow_stale),
            ("--contract-keep-going", args.keep_going),
        )
        if on
    ]
    return argv


def _forget_suite_modules() -> None:
    """Let a second run in one process import the suite afresh (its schema is per run)."""
    prefixes = ("mockserver.contract.test_", "mockserver.contract.conftest")
    for name in [n for n in sys.modules if n.startswith(prefixes)]:
        del sys.modules[name]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the suite; 0 when only listed deviations occurred, 1 otherwise (2: bad usage)."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    if args.max_examples < 1:
        print("mockserver contract: --max-examples must be at least 1", file=sys.stderr)
        return 2
    output = args.output or default_output(args.base_url)
    args.drift_report = args.drift_report or output / DRIFT_REPORT
    args.junit = args.junit or output / "junit.xml"
    try:
        import pytest
        import schemathesis  # noqa: F401  (the suite's conftest needs it)
        from hypothesis.configuration import set_hypothesis_home_dir
    except ImportError as exc:
        print(
            f"mockserver contract: {exc.name} is missing; install the suite with "
            'pip install "mockserver[contract]"',
            file=sys.stderr,
        )
        return 2
    output.mkdir(parents=True, exist_ok=True)
    set_hypothesis_home_dir(output / "hypothesis")
    _forget_suite_modules()
    code = pytest.main(pytest_args(args))
    print(f"contract reports: {output}/")
    return 0 if code == pytest.ExitCode.OK else 1


if __name__ == "__main__":
    sys.exit(main())
