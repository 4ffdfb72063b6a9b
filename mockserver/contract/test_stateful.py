"""Stateful scenarios from the spec's OpenAPI `links`, every check on."""

from __future__ import annotations

from mockserver.contract import stateful, target


def test_linked_scenarios() -> None:
    schema = target.schema()
    ran = stateful.run(schema, scenarios=target.settings().max_examples, seed=schema.config.seed)
    assert ran > 0, "no stateful scenario ran"
