"""ARCHITECTURE.md's import rules are checked by import-linter (scripts/check): they hold, and
the check fails when an import breaks them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint(where: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": str(where), "PATH": str(LINT_IMPORTS.parent)},
    )


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """The package and its import rules, in a folder of the test's."""
    shutil.copytree(
        ROOT / "mockserver", tmp_path / "mockserver", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def test_the_import_rules_hold(copy: Path) -> None:
    result = lint(copy)
    assert result.returncode == 0, result.stdout
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "rule"),
    [
        ("store.py", "from mockserver import state", "each layer imports only the layers below"),
        ("state.py", "import starlette", "knows nothing about HTTP"),
        ("threads.py", "from mockserver import handlers", "knows nothing about HTTP"),
        ("validation.py", "from mockserver import store", "spec side"),
    ],
)
def test_an_import_against_the_rules_fails_the_check(
    copy: Path, module: str, line: str, rule: str
) -> None:
    path = copy / "mockserver" / module
    path.write_text(path.read_text("utf-8") + f"\n{line}  # noqa\n", "utf-8")
    result = lint(copy)
    assert result.returncode == 1
    assert rule in result.stdout and "BROKEN" in result.stdout
