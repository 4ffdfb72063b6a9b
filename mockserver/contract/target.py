"""What the suite runs against, and the Schemathesis schema configured for it.

One spec, any target: the schema always comes from `openapi/agent-server.yaml`; the target is
either the mock in-process (an ASGI app, no socket) or a deployment's base URL. Pytest options
(see `conftest.py`) fill `Settings` before the test modules are imported, which then call
`schema()` at import time.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import schemathesis
import yaml
from schemathesis.config import SchemathesisConfig
from schemathesis.hooks import GLOBAL_HOOK_DISPATCHER

from mockserver.contract import CONFIG_PATH, DEFAULT_MAX_EXAMPLES, SPEC_PATH, ledger

STATEFUL_MAX_STEPS = 10
# A run delayed by `after_seconds` holds its thread: a wait or a stream on it, or on any later
# run of the thread, lasts as long, on any server. The suite sends delays the spec allows as
# at most this long; values past the spec's range still go as generated (negative data).
LONGEST_DELAY = 1.0
MAX_DELAY = 1e11  # openapi/agent-server.yaml, RunCreate.after_seconds
API_KEY_HEADER = "x-api-key"  # what LangSmith deployments read
# An API key guards every operation but these (/ok, /info, /openapi.json).
OPEN_TAG = "System"


@dataclass(frozen=True)
class Settings:
    """The run's options; `base_url=None` means the in-process mock."""

    base_url: str | None = None
    api_key: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    max_examples: int = DEFAULT_MAX_EXAMPLES
    seed: int | None = None
    deviations: Path | None = None
    drift_report: Path | None = None
    allow_stale: bool = False
    keep_going: bool = False

    @property
    def target_name(self) -> str:
        return self.base_url or "the mock, in-process (mockserver.app.create_app())"

    def all_headers(self) -> dict[str, str]:
        """Headers every request carries: --header values and the API key."""
        headers = dict(self.headers)
        if self.api_key:
            headers[API_KEY_HEADER] = self.api_key
        return headers


_AUTH_ERROR = {
    "description": "Missing or invalid API key.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
}

_settings = Settings()
_schema: Any = None


def configure(settings: Settings) -> None:
    """Set the run's options; the next `schema()` call builds a fresh schema for them."""
    global _settings, _schema
    _settings, _schema = settings, None


def settings() -> Settings:
    return _settings


def schema() -> Any:
    """The run's schema (built once per run): spec + schemathesis.toml + the target."""
    global _schema
    if _schema is None:
        _schema = load_schema(_settings)
    return _schema


def load_schema(options: Settings) -> Any:
    config = SchemathesisConfig.from_path(CONFIG_PATH)
    # A short seed, printed with the summary, repeats the run's data (`--seed`).
    seed = options.seed if options.seed is not None else random.randrange(2**32)
    config.update(seed=seed, max_failures=None)
    raw = _spec_document(with_api_key=bool(options.api_key))
    loaded = schemathesis.openapi.from_dict(raw, config=config)
    loaded.location = SPEC_PATH.as_uri()
    loaded.hooks.register_hook_with_name(ledger.after_validate, "after_validate")
    # Schemathesis dispatches `before_call` to global hooks only (every phase goes through it).
    if short_delays not in GLOBAL_HOOK_DISPATCHER.get_all_by_name("before_call"):
        GLOBAL_HOOK_DISPATCHER.register_hook_with_name(short_delays, "before_call")
    project = loaded.config
    project.generation.update(max_examples=options.max_examples, database="none")
    project.phases.examples.fill_missing = True  # the spec has no examples of its own
    project.phases.stateful.max_steps = STATEFUL_MAX_STEPS
    if options.all_headers():
        project.update(headers=options.all_headers())
    if options.base_url is None:
        from mockserver.app import create_app

        loaded.app = create_app()
    else:
        project.update(base_url=options.base_url.rstrip("/"))
    return loaded


def short_delays(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """Cut a run's allowed `after_seconds` to LONGEST_DELAY before the request goes out (a
    batch's runs too)."""
    body = case.body
    for item in body if isinstance(body, list) else [body]:
        delay = item.get("after_seconds") if isinstance(item, dict) else None
        if isinstance(delay, int | float) and LONGEST_DELAY < delay <= MAX_DELAY:
            item["after_seconds"] = LONGEST_DELAY


def _spec_document(*, with_api_key: bool) -> dict[str, Any]:
    """The spec as a dict; with an API key, the thread operations declare it as their security
    (and the 401/403 a deployment answers without it), so that `ignored_auth` has something
    to verify."""
    raw: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    if not with_api_key:
        return raw
    raw = copy.deepcopy(raw)
    schemes = raw.setdefault("components", {}).setdefault("securitySchemes", {})
    schemes["ApiKey"] = {"type": "apiKey", "in": "header", "name": API_KEY_HEADER}
    for item in raw["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and OPEN_TAG not in operation.get("tags", []):
                operation.setdefault("security", [{"ApiKey": []}])
                for status in ("401", "403"):
                    operation["responses"].setdefault(status, _AUTH_ERROR)
    return raw
