"""Request validation: every violation with its location, and two validators that agree."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.errors import UnsupportedMediaType, ValidationFailed
from mockserver.reading import INVALID_JSON, MAX_DEPTH, parse_json
from mockserver.schemas import FORMATS, compile_schema, is_uuid
from mockserver.spec import load_spec
from mockserver.validation import OperationValidator

DATA = Path(__file__).parent / "data" / "transcripts.json"
SPEC = load_spec()
COMPONENTS = SPEC.document["components"]
UPDATE = SPEC.operation("update_thread_state_threads__thread_id__state_post")
HISTORY = SPEC.operation("get_thread_history_threads__thread_id__history_get")
TID = "01a1fe64-564b-7048-9207-d83b9c0ca7a1"


def validate(
    op: Any,
    path: dict[str, str],
    query: list[tuple[str, str]] | None = None,
    body: bytes = b"{}",
    content_type: str | None = "application/json",
) -> Any:
    validator = OperationValidator(op, COMPONENTS)
    return validator.validate_request(path, query or [], {}, body, content_type)


# ---- uuid format ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, valid",
    [
        pytest.param(TID, True, id="canonical"),
        pytest.param(TID.upper(), True, id="uppercase"),
        pytest.param(TID.replace("-", ""), True, id="no dashes"),
        pytest.param("not-a-uuid", False, id="words"),
        pytest.param(TID[:-1], False, id="one short"),
        pytest.param(TID + "0", False, id="one long"),
        pytest.param("../" + TID, False, id="path traversal"),
        pytest.param("01a1fe64-564b-7048-9207-d83b9c0ca7aé", False, id="unicode"),
        pytest.param("", False, id="empty"),
    ],
)
def test_uuid_format_accepts_what_the_real_server_parses(value: str, valid: bool) -> None:
    assert is_uuid(value) is valid


# ---- request parts --------------------------------------------------------------------------


def test_a_valid_request_gives_coerced_parameters_with_defaults() -> None:
    request = validate(HISTORY, {"thread_id": TID}, [("limit", "5"), ("before", "x")], b"")
    assert request.query == {"limit": 5, "before": "x"}
    assert validate(HISTORY, {"thread_id": TID}, [], b"").query == {"limit": 1}


def test_a_parameter_text_read_again_reads_the_same_and_a_bad_one_is_refused_each_time() -> None:
    """A validator remembers the parameter texts that passed (a client polls one thread): the
    second reading of a text gives the same values, and a text that failed fails again."""
    validator = OperationValidator(HISTORY, COMPONENTS)
    query = [("limit", "5")]
    first = validator.validate_request({"thread_id": TID}, query, {}, b"", None)
    again = validator.validate_request({"thread_id": TID}, query, {}, b"", None)
    assert (
        (again.path, again.query) == (first.path, first.query) == ({"thread_id": TID}, {"limit": 5})
    )
    for _ in range(2):
        with pytest.raises(ValidationFailed) as caught:
            validator.validate_request({"thread_id": "nope"}, [("limit", "x")], {}, b"", None)
        assert [v.location for v in caught.value.violations] == ["path.thread_id", "query.limit"]


def test_every_violation_is_named_with_its_location() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate(
            UPDATE,
            {"thread_id": "nope"},
            [],
            json.dumps({"values": "x", "as_node": 5, "checkpoint": []}).encode(),
        )
    locations = [v.location for v in caught.value.violations]
    assert sorted(locations) == ["body.as_node", "body.checkpoint", "body.values", "path.thread_id"]
    # The detail is the real server's, for the first part it checks: the path's id.
    assert caught.value.detail == "Invalid thread ID: must be a UUID"


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"{not json", id="broken"),
        pytest.param(b"NaN", id="NaN"),
        pytest.param(b'{"values": {"x": Infinity}}', id="Infinity"),
        pytest.param(b"\xff\xfe", id="invalid UTF-8"),
    ],
)
def test_a_body_that_is_not_json_gets_the_real_servers_words(raw: bytes) -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate(UPDATE, {"thread_id": TID}, [], raw)
    assert caught.value.detail == INVALID_JSON


def test_a_body_as_text_plain_is_unsupported() -> None:
    with pytest.raises(UnsupportedMediaType):
        validate(UPDATE, {"thread_id": TID}, [], b"{}", "text/plain")


@pytest.mark.parametrize(
    "content_type", [None, "application/json; charset=utf-8", "application/merge-patch+json"]
)
def test_json_media_types_and_no_content_type_are_read_as_json(content_type: str | None) -> None:
    assert validate(UPDATE, {"thread_id": TID}, [], b"{}", content_type).body == {}


def test_json_deeper_than_the_limit_is_refused() -> None:
    ok = b"[" * MAX_DEPTH + b"]" * MAX_DEPTH
    assert parse_json(ok) is not None
    with pytest.raises(ValueError, match="nested deeper"):
        parse_json(b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1))


@pytest.mark.parametrize(
    "raw, value",
    [
        pytest.param(b'{"n": 18446744073709551615}', 18446744073709551615, id="max uint64"),
        pytest.param(b'{"n": 18446744073709551616}', 1.8446744073709552e19, id="past uint64"),
        pytest.param(
            b'{"n": "123456789012345678901234567890"}',
            "123456789012345678901234567890",
            id="digits in a string",
        ),
    ],
)
def test_integers_past_64_bits_read_as_doubles_like_javascript(raw: bytes, value: Any) -> None:
    assert parse_json(raw) == {"n": value}


# ---- the same verdicts from jsonschema-rs and python-jsonschema -----------------------------


def _python_validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    checker = jsonschema.FormatChecker()
    for name, check in FORMATS.items():
        checker.checks(name)(check)
    for name in ("date-time",):
        checker.checkers[name] = jsonschema.Draft202012Validator.FORMAT_CHECKER.checkers[name]
    return jsonschema.Draft202012Validator(
        {**schema, "components": COMPONENTS}, format_checker=checker
    )


def _corpus() -> list[tuple[str, dict[str, Any], Any]]:
    """(label, schema, instance): every body and response of the recordings, with its schema."""
    cases = []
    for exchange in json.loads(DATA.read_text()):
        op = next((o for o in SPEC.operations if _matches(o, exchange)), None)
        if op is None:
            continue
        body = (exchange.get("request_body") or {}).get("json")
        if op.body_schema is not None and body is not None:
            cases.append((f"#{exchange['n']} request", dict(op.body_schema), body))
        response = op.responses.get(str(exchange["status"]))
        answer = (exchange.get("response_body") or {}).get("json")
        if response is not None and response.schema is not None and answer is not None:
            cases.append((f"#{exchange['n']} response", dict(response.schema), answer))
    return cases


def _matches(op: Any, exchange: dict[str, Any]) -> bool:
    if op.method != exchange["method"]:
        return False
    template = op.path.strip("/").split("/")
    actual = exchange["path"].split("?")[0].strip("/").split("/")
    return len(template) == len(actual) and all(
        t.startswith("{") or t == a for t, a in zip(template, actual, strict=True)
    )


CORPUS = _corpus()


def test_the_corpus_is_large_and_mixed() -> None:
    verdicts = [compile_schema(s, COMPONENTS).is_valid(i) for _, s, i in CORPUS]
    assert len(CORPUS) > 150
    assert any(verdicts) and not all(verdicts)


@pytest.mark.parametrize("label, schema, instance", CORPUS, ids=[c[0] for c in CORPUS])
def test_both_validators_agree_on_the_recordings(
    label: str, schema: dict[str, Any], instance: Any
) -> None:
    fast = compile_schema(schema, COMPONENTS).is_valid(instance)
    assert fast == _python_validator(schema).is_valid(instance)


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63)
    | st.text(max_size=8)
    | st.sampled_from([TID, "agent", "__end__", "raise", "do_nothing", "idle"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "values",
                    "as_node",
                    "checkpoint",
                    "checkpoint_id",
                    "thread_id",
                    "metadata",
                    "if_exists",
                    "supersteps",
                    "updates",
                    "limit",
                    "before",
                    "status",
                    "ids",
                    "messages",
                    "x",
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)
_BODY_SCHEMAS = sorted({op.operation_id for op in SPEC.operations if op.body_schema is not None})


@settings(max_examples=300, deadline=None)
@given(operation_id=st.sampled_from(_BODY_SCHEMAS), instance=_JSON)
def test_both_validators_agree_on_generated_bodies(operation_id: str, instance: Any) -> None:
    schema = dict(SPEC.operation(operation_id).body_schema or {})
    fast = compile_schema(schema, COMPONENTS).is_valid(instance)
    assert fast == _python_validator(schema).is_valid(instance)


def test_a_schema_is_compiled_with_only_the_components_it_refers_to() -> None:
    from mockserver.schemas import used

    a, b = {"$ref": "#/components/schemas/B"}, {"type": "integer"}
    components = {"schemas": {"A": a, "B": b, "C": {"type": "string"}}, "parameters": {}}
    assert used({"items": {"$ref": "#/components/schemas/A"}}, components) == {
        "schemas": {"A": a, "B": b}
    }
    assert used({"type": "string"}, components) == {}
    assert used({"$ref": "#/components/parameters/P"}, components) is components


def test_operations_taking_one_component_body_share_its_validator() -> None:
    """A body that is a component (`$ref`) is compiled once per document, not once per
    operation taking it (what DocuSign's 400 operations spend their start-up on)."""
    item = {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}
    body = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}}
    made = {"201": {"description": "made"}}
    spec = load_spec(
        {
            "openapi": "3.0.3",
            "info": {"title": "shared", "version": "1"},
            "paths": {
                f"/{name}": {"post": {"requestBody": body, "responses": made}}
                for name in ("a", "b")
            },
            "components": {"schemas": {"Item": item}},
        }
    )
    components = spec.document["components"]
    first, second = (OperationValidator(op, components) for op in spec.operations)
    assert first._body is second._body
    assert first.validate_request({}, [], {}, b'{"name": "x"}', "application/json").body == {
        "name": "x"
    }


def test_a_required_read_only_property_need_not_be_sent() -> None:
    """OpenAPI: a readOnly property's `required` "will take effect on the response only"
    (Velo's payees require a read-only `dateOfBirth`): a request without it is valid, one
    without a required writable property is not."""
    person = {
        "type": "object",
        "required": ["born", "name"],
        "properties": {"born": {"type": "string", "readOnly": True}, "name": {"type": "string"}},
    }
    body = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/P"}}}}
    spec = load_spec(
        {
            "openapi": "3.0.3",
            "info": {"title": "read-only", "version": "1"},
            "paths": {
                "/p": {"post": {"requestBody": body, "responses": {"201": {"description": "made"}}}}
            },
            "components": {"schemas": {"P": person}},
        }
    )
    (op,) = spec.operations
    validator = OperationValidator(op, spec.document["components"])
    assert validator.validate_request({}, [], {}, b'{"name": "a"}', "application/json").body == {
        "name": "a"
    }
    with pytest.raises(ValidationFailed):
        validator.validate_request({}, [], {}, b'{"born": "x"}', "application/json")
    assert spec.document["components"]["schemas"]["P"]["required"] == ["born", "name"]  # as written
