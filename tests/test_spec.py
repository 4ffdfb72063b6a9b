"""The contract file itself: valid OpenAPI 3.1, official operationIds, a handler for each."""

from __future__ import annotations

import pytest
import yaml
from openapi_spec_validator import validate

from mockserver import wording
from mockserver.handlers import HANDLERS
from mockserver.spec import default_spec_path, load_spec, with_graphs
from mockserver.spec_check import SpecError

from conftest import SPEC_PATH

# operationIds of the official Agent Server document (langgraph-api 0.16.7) for these routes.
OFFICIAL = {
    ("POST", "/threads"): "create_thread_threads_post",
    ("POST", "/threads/search"): "search_threads_threads_search_post",
    ("POST", "/threads/count"): "count_threads_threads_count_post",
    ("GET", "/threads/{thread_id}"): "get_thread_threads__thread_id__get",
    ("PATCH", "/threads/{thread_id}"): "patch_thread_threads__thread_id__patch",
    ("DELETE", "/threads/{thread_id}"): "delete_thread_threads__thread_id__delete",
    ("POST", "/threads/{thread_id}/copy"): "copy_thread_post_threads__thread_id__copy_post",
    ("GET", "/threads/{thread_id}/state"): "get_latest_thread_state_threads__thread_id__state_get",
    ("POST", "/threads/{thread_id}/state"): "update_thread_state_threads__thread_id__state_post",
    (
        "GET",
        "/threads/{thread_id}/state/{checkpoint_id}",
    ): "get_thread_state_at_checkpoint_threads__thread_id__state__checkpoint_id__get",
    (
        "POST",
        "/threads/{thread_id}/state/checkpoint",
    ): "post_thread_state_at_checkpoint_threads__thread_id__state__checkpoint_id__get",
    ("GET", "/threads/{thread_id}/history"): "get_thread_history_threads__thread_id__history_get",
    (
        "POST",
        "/threads/{thread_id}/history",
    ): "get_thread_history_post_threads__thread_id__history_post",
    ("PUT", "/store/items"): "put_item",
    ("GET", "/store/items"): "get_item",
    ("DELETE", "/store/items"): "delete_item",
    ("POST", "/store/items/search"): "search_items",
    ("POST", "/store/namespaces"): "list_namespaces",
    ("POST", "/assistants"): "create_assistant_assistants_post",
    ("PATCH", "/assistants/{assistant_id}"): "patch_assistant_assistants__assistant_id__patch",
    ("DELETE", "/assistants/{assistant_id}"): "delete_assistant_assistants__assistant_id__delete",
    (
        "POST",
        "/assistants/{assistant_id}/versions",
    ): "get_assistant_versions_assistants__assistant_id__versions_get",
    (
        "POST",
        "/assistants/{assistant_id}/latest",
    ): "set_latest_assistant_version_assistants__assistant_id__versions_post",
    (
        "GET",
        "/assistants/{assistant_id}/subgraphs",
    ): "get_assistant_subgraphs_assistants__assistant_id__subgraphs_get",
    (
        "GET",
        "/assistants/{assistant_id}/subgraphs/{namespace}",
    ): "get_assistant_subgraphs_assistants__assistant_id__subgraphs__namespace__get",
    ("GET", "/ok"): "health_check_ok_get",
    ("GET", "/info"): "server_info_info_get",
    ("POST", "/runs/crons"): "create_cron_runs_crons_post",
    ("POST", "/threads/{thread_id}/runs/crons"): (
        "create_thread_cron_threads__thread_id__runs_crons_post"
    ),
    ("GET", "/runs/crons/{cron_id}"): "get_cron_runs_crons__cron_id__get",
    ("PATCH", "/runs/crons/{cron_id}"): "patch_cron_runs_crons__cron_id__patch",
    ("DELETE", "/runs/crons/{cron_id}"): "delete_cron_runs_crons__cron_id__delete",
    ("POST", "/runs/crons/search"): "search_crons_runs_crons_post",
    ("POST", "/runs/crons/count"): "count_crons_runs_crons_count_post",
    ("POST", "/threads/prune"): "prune_threads_threads_prune_post",
    ("GET", "/threads/{thread_id}/storage"): "get_thread_storage_threads__thread_id__storage_get",
    ("POST", "/runs/batch"): "run_batch_stateless_runs_post",
    ("POST", "/runs/cancel"): "cancel_runs_post",
    ("GET", "/metrics"): "system_metrics_metrics_get",
    ("GET", "/docs"): "docs_get",
}


def test_the_contract_is_valid_openapi_3_1() -> None:
    document = yaml.safe_load(SPEC_PATH.read_text())
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_the_default_spec_is_the_repositorys_contract() -> None:
    assert default_spec_path().read_text() == SPEC_PATH.read_text()


@pytest.mark.parametrize("route, operation_id", OFFICIAL.items(), ids=lambda x: str(x))
def test_operation_ids_are_the_official_ones(route: tuple[str, str], operation_id: str) -> None:
    spec = load_spec()
    op = spec.operation(operation_id)
    assert (op.method, op.path) == route


def test_every_operation_has_a_handler_and_every_handler_an_operation() -> None:
    ids = {op.operation_id for op in load_spec().operations}
    assert ids == set(HANDLERS)


def test_the_real_servers_schemas_named_are_known() -> None:
    # x-validated-as and x-then-validated name the real server's request schemas
    # (mockserver/data/request_schemas.json): a typo would word 422s by the mock's own text
    for operation in load_spec(default_spec_path()).operations:
        named = [operation.validated_as] + [c.get("as") for c in operation.then_validated]
        for name in filter(None, named):
            assert wording.known_schema(name), (operation.operation_id, name)
        if operation.then_validated:
            assert operation.validated_as, operation.operation_id


# ---- the deployment's graph names ------------------------------------------------------------


def _assistant_schemas(document: dict) -> tuple[dict, dict]:
    schemas, parameters = document["components"]["schemas"], document["components"]["parameters"]
    return schemas["RunCreate"]["properties"]["assistant_id"], parameters["AssistantIdOrGraph"]


def test_assistant_ids_are_uuids_or_the_packaged_graph_names() -> None:
    # A plain Schemathesis run generates only assistant ids the mock knows: a uuid (an unknown
    # one is a 404) or a graph name, never a name that draws the real server's 422.
    document = load_spec().document
    assert document["components"]["schemas"]["GraphName"]["enum"] == [
        "agent",
        "interrupter",
        "slow",
    ]
    for schema in _assistant_schemas(document):
        if "schema" in schema:  # the path parameter
            schema = schema["schema"]
        assert schema["anyOf"] == [
            {"format": "uuid"},
            {"$ref": "#/components/schemas/GraphName"},
        ]


def test_a_spec_for_other_graphs_names_them() -> None:
    spec = with_graphs(load_spec(), ["chat", "review"])
    document = spec.document
    assert document["components"]["schemas"]["GraphName"]["enum"] == ["chat", "review"]
    run_body, _ = _assistant_schemas(document)
    assert run_body["x-error"]["detail"].endswith("One of the registered graphs: chat, review")
    # the operations are indexed anew from the new document
    body = spec.operation("run_stateless_runs_post").body_schema
    assert body == {"$ref": "#/components/schemas/RunCreateStateless"}
    assert load_spec().document["components"]["schemas"]["GraphName"]["enum"][0] == "agent"


def test_a_spec_naming_no_graphs_is_left_as_it_is() -> None:
    spec = load_spec({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}})
    assert with_graphs(spec, ["chat"]) is spec


def test_a_ref_is_a_uri_fragment_into_any_part_of_the_document() -> None:
    # `{` percent-encoded in the fragment, a list index: as APIs.guru's DigitalOcean document
    # refers to another operation's parameter (RFC 6901, sections 4 and 6).
    shared = {"name": "key_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    elsewhere = {"$ref": "#/paths/~1keys~1%7Bkey_id%7D/get/parameters/0"}
    answer = {"200": {"description": "ok"}}
    document = {
        "openapi": "3.0.3",
        "info": {"title": "refs", "version": "1"},
        "paths": {
            "/keys/{key_id}": {
                "get": {"parameters": [shared], "responses": answer},
                "delete": {"parameters": [elsewhere], "responses": answer},
            }
        },
    }
    operations = {op.method: op for op in load_spec(document).operations}
    assert operations["DELETE"].parameters[0].name == "key_id"


def test_a_schema_ref_into_an_operation_is_served_from_components() -> None:
    """DigitalOcean's document `$ref`s a schema written inside another operation's response
    (`#/paths/...`): it is put among the component schemas, so the validators and the
    generator find it; refs to parameters stay where they are."""
    key = {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}
    content = {"application/json": {"schema": {"type": "array", "items": key}}}
    inner = "#/paths/~1keys/get/responses/200/content/application~1json/schema/items"
    document = {
        "openapi": "3.0.3",
        "info": {"title": "refs", "version": "1"},
        "paths": {
            "/keys": {
                "get": {"responses": {"200": {"description": "ok", "content": content}}},
                "post": {
                    "requestBody": {"content": {"application/json": {"schema": {"$ref": inner}}}},
                    "responses": {"201": {"description": "made"}},
                },
            }
        },
    }
    spec = load_spec(document)
    post = next(op for op in spec.operations if op.method == "POST")
    assert post.body_schema is not None
    hoisted = post.body_schema["$ref"]
    assert hoisted.startswith("#/components/schemas/")
    assert spec.document["components"]["schemas"][hoisted.rsplit("/", 1)[1]] == key


def test_a_response_of_any_media_type_with_a_schema_is_answered_as_json() -> None:
    """`*/*` with a schema (as springdoc writes every response, the Rat Genome Database's
    document among them): a JSON answer is one of those, so it is generated as JSON."""
    schema = {"type": "object", "additionalProperties": {"type": "object"}}
    document = {
        "openapi": "3.0.1",
        "info": {"title": "any", "version": "1"},
        "paths": {
            "/x": {
                "get": {
                    "responses": {
                        "200": {"description": "ok", "content": {"*/*": {"schema": schema}}}
                    }
                }
            }
        },
    }
    (operation,) = load_spec(document).operations
    answer = operation.responses["200"]
    assert answer.schema == schema
    assert answer.media_types[0] == "application/json"


def test_a_default_response_is_read_as_a_response_not_as_a_default_value() -> None:
    """`responses.default` is a response (DigitalOcean's refer into another operation's):
    its schema's `$ref`s are checked and followed and its 3.0 `nullable` rewritten, as any
    response's; a schema's own `default` stays data."""
    error = {"type": "object", "properties": {"id": {"type": "string"}}}
    elsewhere = "#/paths/~1a/get/responses/401/content/application~1json/schema"
    code = {"type": "integer", "nullable": True, "default": {"nullable": True}}
    schema = {"allOf": [{"$ref": elsewhere}, {"properties": {"code": code}}]}
    answer = {"description": "error", "content": {"application/json": {"schema": error}}}
    default = {"description": "any", "content": {"application/json": {"schema": schema}}}
    document = {
        "openapi": "3.0.3",
        "info": {"title": "default", "version": "1"},
        "paths": {
            "/a": {"get": {"responses": {"200": {"description": "ok"}, "401": answer}}},
            "/b": {"get": {"responses": {"200": {"description": "ok"}, "default": default}}},
        },
    }
    spec = load_spec(document)
    b = next(op for op in spec.operations if op.path == "/b")
    first, second = b.responses["default"].schema["allOf"]
    assert spec.document["components"]["schemas"][first["$ref"].rsplit("/", 1)[1]] == error
    assert second["properties"]["code"]["type"] == ["integer", "null"]
    assert second["properties"]["code"]["default"] == {"nullable": True}  # data, as written
    schema["allOf"][0] = {"$ref": "#/paths/~1nowhere"}
    with pytest.raises(SpecError, match="unresolved"):
        load_spec(document)
