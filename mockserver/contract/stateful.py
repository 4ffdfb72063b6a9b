"""Stateful runs: scenarios that follow the OpenAPI `links` of the spec.

`schema.as_state_machine()` builds a Hypothesis state machine whose rules are the links
(create thread → update state → get state → history → state at checkpoint → copy → delete, and
the links Schemathesis infers). Responses depend on the server, so Hypothesis may find a
replay inconsistent (`Flaky`) and end a suite early; like `schemathesis run`, the runner then
starts a new suite with the next seed until enough scenarios have run.
"""

from __future__ import annotations

import random
from typing import Any

import hypothesis
from hypothesis.errors import Flaky

from mockserver.contract import ledger

MAX_SUITES = 20


def machine_for(schema: Any) -> Any:
    """The spec's state machine, judged by the ledger and sending the run's headers."""
    base = schema.as_state_machine()
    headers = dict(schema.config.headers_for() or {})

    class ContractStateMachine(base):  # type: ignore[misc, valid-type]
        completed = 0

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": dict(headers)} if headers else {}

        def validate_response(
            self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any
        ) -> None:
            __tracebackhide__ = True
            ledger.validate(
                case,
                response,
                recorder=self.recorder,
                headers=kwargs.get("headers"),
                transport_kwargs=kwargs or None,
            )

        def teardown(self) -> None:
            type(self).completed += 1
            super().teardown()

    return ContractStateMachine


def settings_for(schema: Any, scenarios: int) -> hypothesis.settings:
    configured = schema.config.get_hypothesis_settings(phase="stateful", apply_ci_profile=False)
    return hypothesis.settings(
        configured,
        max_examples=scenarios,
        phases=[hypothesis.Phase.generate],
        deadline=None,
        suppress_health_check=list(hypothesis.HealthCheck),
        stateful_step_count=schema.config.phases.stateful.max_steps,
    )


def run(schema: Any, scenarios: int, seed: int | None = None) -> int:
    """Run at least `scenarios` scenarios (over up to MAX_SUITES suites); return how many ran.
    A new failure raises, as in any test; a suite Hypothesis ends as inconsistent does not."""
    machine = machine_for(schema)
    rng = random.Random(seed)
    for _ in range(MAX_SUITES):
        remaining = scenarios - machine.completed
        if remaining <= 0:
            break
        before = _new_failures()
        seeded = hypothesis.seed(rng.getrandbits(64))(machine)
        try:
            seeded.run(settings=settings_for(schema, remaining))
        except Flaky:
            pass  # the server answered a replay differently; the next suite goes on
        except AssertionError as exc:
            if not _inconsistent_replay(exc):
                raise
        if _new_failures() > before and not ledger.current().keep_going:
            # found, then lost when Hypothesis replayed the scenario inconsistently
            found = ledger.current().new_findings()
            raise AssertionError(
                "stateful scenarios found new failures (see the summary):\n"
                + "\n".join(f"- {f.operation} [{f.check}] {f.summary}" for f in found)
            )
    return int(machine.completed)


def _new_failures() -> int:
    return sum(f.count for f in ledger.current().new_findings())


def _inconsistent_replay(exc: BaseException) -> bool:
    """Hypothesis asserts (instead of raising Flaky) on some inconsistent replays."""
    traceback = exc.__traceback__
    while traceback is not None and traceback.tb_next is not None:
        traceback = traceback.tb_next
    return traceback is not None and (
        traceback.tb_frame.f_globals.get("__name__") == "hypothesis.internal.conjecture.datatree"
    )
