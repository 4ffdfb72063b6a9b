"""`mockserver contract`'s runner: where a run writes, and which files it reads.

The suite itself runs in CI (scripts/contract-ci) and from an installed wheel
(scripts/wheel-check); here only what decides its command line.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from mockserver.contract import DEVIATIONS_DIR
from mockserver.contract.runner import build_parser, default_output, pytest_args


@pytest.mark.parametrize(
    ("base_url", "pattern"),
    [
        pytest.param(None, r"contract-mock-\d{8}-\d{6}", id="the-mock"),
        pytest.param(
            "https://staging.example.com:8443/api/",
            r"contract-staging\.example\.com-8443-api"
            r"-\d{8}-\d{6}",
            id="a-deployment",
        ),
    ],
)
def test_each_run_gets_a_folder_named_for_its_target(base_url: str | None, pattern: str) -> None:
    output = default_output(base_url)
    assert output.parent == Path(".")
    assert re.fullmatch(pattern, output.name), output


@pytest.mark.parametrize("name", ["langgraph-api", "mockserver"])
def test_deviations_by_name_are_the_packaged_lists(
    tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "mockserver").mkdir()  # a folder of that name here changes nothing
    monkeypatch.chdir(tmp_path)
    args = build_parser().parse_args(["--deviations", name])
    assert args.deviations == DEVIATIONS_DIR / f"{name}.yaml"
    assert args.deviations.is_file()
    own = tmp_path / "mine.yaml"
    assert build_parser().parse_args(["--deviations", str(own)]).deviations == own


def test_the_suite_ignores_the_current_directorys_pytest_setup(tmp_path: Path) -> None:
    args = build_parser().parse_args(["--output", str(tmp_path)])
    args.drift_report, args.junit = tmp_path / "drift.md", tmp_path / "junit.xml"
    argv = pytest_args(args)
    # no ini file, no cache: nothing of the user's project is read, nothing written there
    assert argv[argv.index("-c") + 1] == os.devnull
    assert argv[argv.index("-p") + 1] == "no:cacheprovider"
    assert argv[argv.index("--junitxml") + 1] == str(tmp_path / "junit.xml")


def test_the_suite_sends_allowed_run_delays_as_a_second_at_most() -> None:
    # A run delayed for an hour holds its thread: a wait on it would wait an hour.
    from types import SimpleNamespace

    from mockserver.contract.target import LONGEST_DELAY, short_delays

    body = [{"after_seconds": 3600}, {"after_seconds": 0.5}, {"after_seconds": 1e12}, {}]
    short_delays(None, SimpleNamespace(body=body), {})
    assert [item.get("after_seconds") for item in body] == [LONGEST_DELAY, 0.5, 1e12, None]
    single = {"assistant_id": "agent", "after_seconds": 1e11}
    short_delays(None, SimpleNamespace(body=single), {})
    assert single["after_seconds"] == LONGEST_DELAY
