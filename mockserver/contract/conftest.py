"""Pytest wiring of the contract suite: options, the run's ledger, the summary and drift report.

mockserver contract --base-url URL ...           # the suite, with friendly options
pytest mockserver/contract --contract-url URL ...  # in a clone; options --contract-*
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from schemathesis.checks import CHECKS, load_all_checks

import mockserver.contract.checks  # noqa: F401  (registers the semantic checks)
from mockserver.contract import (
    API_KEY_ENV,
    DEFAULT_MAX_EXAMPLES,
    SPEC_PATH,
    URL_ENV,
    ledger,
    report,
    target,
)
from mockserver.contract.deviations import DeviationsError, load
from mockserver.contract.verdict import decide

_STARTED = pytest.StashKey[float]()
_FAILED: list[str] = []  # node ids of failed tests in this run
_STATE: dict[str, Any] = {"failed": _FAILED, "partial": False}
_RUN = pytest.StashKey[report.Run]()
SUITE_MODULES = {"test_lifecycle.py", "test_operations.py", "test_stateful.py", "test_verdict.py"}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("contract", "contract suite (mockserver.contract)")
    add = group.addoption
    add(
        "--contract-url",
        default=os.environ.get(URL_ENV) or None,
        help=f"base URL of the deployment to check (env {URL_ENV}); default: the mock, in-process",
    )
    add(
        "--contract-api-key",
        default=os.environ.get(API_KEY_ENV) or None,
        help=f"API key, sent as x-api-key (env {API_KEY_ENV})",
    )
    add(
        "--contract-header",
        action="append",
        default=[],
        metavar="NAME:VALUE",
        help="a header for every request (repeatable)",
    )
    add(
        "--contract-max-examples",
        type=int,
        default=DEFAULT_MAX_EXAMPLES,
        help="fuzzed cases per operation, and stateful scenarios",
    )
    add("--contract-seed", type=int, default=None, help="seed, to repeat a run")
    add("--contract-deviations", type=Path, default=None, help="the target's deviations file")
    add("--contract-drift-report", type=Path, default=None, help="write the drift report here")
    add(
        "--contract-allow-stale",
        action="store_true",
        help="report stale deviation entries without failing the run",
    )
    add(
        "--contract-keep-going",
        action="store_true",
        help="record new failures and keep generating (the run still fails): a full report",
    )


def _headers(values: list[str]) -> dict[str, str]:
    headers = {}
    for value in values:
        name, sep, content = value.partition(":")
        if not sep or not name.strip():
            raise pytest.UsageError(f"--contract-header wants NAME:VALUE, got {value!r}")
        headers[name.strip()] = content.strip()
    return headers


def pytest_configure(config: pytest.Config) -> None:
    option = config.option
    settings = target.Settings(
        base_url=option.contract_url,
        api_key=option.contract_api_key,
        headers=_headers(option.contract_header),
        max_examples=option.contract_max_examples,
        seed=option.contract_seed,
        deviations=option.contract_deviations,
        drift_report=option.contract_drift_report,
        allow_stale=option.contract_allow_stale,
        keep_going=option.contract_keep_going,
    )
    target.configure(settings)
    schema = target.schema()
    load_all_checks()
    operations = [result.ok().label for result in schema.get_all_operations()]
    try:
        deviations = load(settings.deviations, operations=operations, checks=CHECKS.get_all_names())
    except DeviationsError as exc:
        raise pytest.UsageError(str(exc)) from None
    ledger.reset(deviations, keep_going=settings.keep_going)
    config.stash[_STARTED] = time.monotonic()
    _FAILED.clear()
    _STATE["partial"] = False


@pytest.fixture
def contract_run_state() -> dict[str, Any]:
    """What the verdict test needs: failed tests so far, and whether tests were deselected."""
    return _STATE


def pytest_deselected(items: list[pytest.Item]) -> None:
    if items:
        _STATE["partial"] = True


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The verdict test runs last, after everything it judges; a run without every test module
    is partial (its verdict does not judge staleness)."""
    items.sort(key=lambda item: item.path.name == "test_verdict.py")
    if {item.path.name for item in items} != SUITE_MODULES:
        _STATE["partial"] = True


def pytest_report_header(config: pytest.Config) -> list[str]:
    settings = target.settings()
    return [
        f"contract target: {settings.target_name}",
        f"contract spec: {SPEC_PATH}; deviations: "
        f"{settings.deviations or '(none)'}; max examples {settings.max_examples}; "
        f"seed {target.schema().config.seed}",
    ]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.failed and report.nodeid not in _FAILED:
        _FAILED.append(report.nodeid)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    settings = target.settings()
    verdict = decide(
        ledger.current(),
        [t for t in _FAILED if "test_verdict" not in t],
        allow_stale=settings.allow_stale,
        complete=not _STATE["partial"],
    )
    seconds = time.monotonic() - session.config.stash.get(_STARTED, time.monotonic())
    seed = target.schema().config.seed
    run = report.Run(settings, ledger.current(), verdict, seconds, seed)
    session.config.stash[_RUN] = run
    if settings.drift_report is not None:
        settings.drift_report.parent.mkdir(parents=True, exist_ok=True)
        settings.drift_report.write_text(report.drift_markdown(run, settings.deviations))
    if not verdict.passed and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    run = config.stash.get(_RUN, None)
    if run is None:
        return
    terminalreporter.section("contract summary")
    for line in report.text_summary(run):
        terminalreporter.write_line(line)
    if run.settings.drift_report is not None:
        terminalreporter.write_line(f"drift report: {run.settings.drift_report}")
