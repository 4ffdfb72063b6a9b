"""Answers generated from any OpenAPI document (generate.py): examples first, else values of
the schemas; Prism's `Prefer` controls; errors in the document's own shape. Every answer here
comes from an app that checks it against the document (`check_responses`)."""

from __future__ import annotations

import json
import random
import re
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from starlette.testclient import TestClient

from mockserver import app as app_module
from mockserver.app import create_app
from mockserver.generate import Preferences, Responder
from mockserver.live import LiveServer
from mockserver.spec import load_spec
from mockserver.spec_check import SpecError

SPECS = Path(__file__).parent / "data" / "specs"
PETSTORE = SPECS / "petstore.yaml"  # OpenAPI 3.0
EXPANDED = SPECS / "petstore-expanded-3.1.yaml"  # OpenAPI 3.1
OWNER = "/owners/0b9a5b3c-3d0e-4a51-9d49-0f4c61f0a2f7"
CHECKED: dict[str, Any] = {"check_responses": True, "stateful": False}


def client(spec: Path, **options: Any) -> TestClient:
    """The mock of `spec`, stateless (test_crud.py has the stateful one)."""
    return TestClient(create_app(spec, check_responses=True, stateful=False, **options))


@pytest.fixture
def petstore() -> TestClient:
    return client(PETSTORE)


@pytest.fixture
def expanded() -> TestClient:
    return client(EXPANDED)


def test_the_lowest_2xx_with_a_body_of_its_schema_and_its_declared_headers(
    petstore: TestClient,
) -> None:
    response = petstore.get("/pets")
    assert response.status_code == 200
    assert response.headers["x-next"]
    pets = response.json()
    assert pets and all(isinstance(p["id"], int) and isinstance(p["name"], str) for p in pets)


def test_a_response_without_content_has_no_body(petstore: TestClient) -> None:
    response = petstore.post("/pets", json={"id": 1, "name": "Rex"})
    assert (response.status_code, response.content) == (201, b"")
    assert "content-type" not in response.headers


def test_answers_are_the_same_for_a_path_and_seed_and_differ_across_them() -> None:
    first, again = client(PETSTORE).get("/pets/1").json(), client(PETSTORE).get("/pets/1").json()
    assert first == again
    assert client(PETSTORE).get("/pets/2").json() != first
    assert client(PETSTORE, seed=7).get("/pets/1").json() != first


def test_the_responses_examples_come_first_in_order_and_by_name(expanded: TestClient) -> None:
    assert expanded.get("/pets").json() == [
        {"id": 1, "name": "Tom", "tag": "cat"},
        {"id": 2, "name": "Felix", "tag": "cat"},
    ]
    chosen = expanded.get("/pets", headers={"Prefer": "example=none"})  # a $ref'd example
    assert (chosen.status_code, chosen.json()) == (200, [])
    # The required integer header, generated within its bounds.
    assert 0 <= int(chosen.headers["x-rate-limit"]) <= 1000


def test_an_unknown_example_name_is_refused_in_the_documents_error_shape(
    expanded: TestClient,
) -> None:
    response = expanded.get("/pets", headers={"Prefer": "example=dogs"})
    assert response.status_code == 422
    assert response.json() == {
        "code": 422,
        "message": "Prefer: example=dogs is not an example of the 200 response "
        "(examples: cats, none)",
    }


def test_prefer_code_picks_a_declared_response_and_refuses_an_undeclared_one(
    expanded: TestClient,
) -> None:
    missing = expanded.get("/pets/3", headers={"Prefer": "code=404"})
    assert missing.status_code == 404
    assert set(missing.json()) == {"code", "message"}
    by_default = expanded.get("/pets/3", headers={"Prefer": "code=503"})  # `default` covers it
    assert by_default.status_code == 503
    # getOwner declares neither 422 nor a default: the refusal is undocumented (unchecked).
    unchecked = TestClient(create_app(EXPANDED, stateful=False))
    undeclared = unchecked.get(OWNER, headers={"Prefer": "code=500"})
    assert undeclared.status_code == 422
    assert undeclared.json() == {
        "detail": "Prefer: code=500 is not declared for getOwner (declared: 200, 404)"
    }


def test_prefer_dynamic_skips_examples_and_varies_per_call(expanded: TestClient) -> None:
    dynamic = {"Prefer": "dynamic=true"}
    answers = [expanded.get("/pets", headers=dynamic).json() for _ in range(4)]
    assert all(a != [{"id": 1, "name": "Tom", "tag": "cat"}] for a in answers)
    assert len({repr(a) for a in answers}) > 1


def test_the_clis_defaults_for_prefer_are_overridden_by_the_header() -> None:
    mock = client(EXPANDED, prefer=Preferences(example="none"))
    assert mock.get("/pets").json() == []
    assert len(mock.get("/pets", headers={"Prefer": "example=cats"}).json()) == 2


def test_formats_patterns_enums_unique_items_and_one_of_are_respected(
    expanded: TestClient,
) -> None:
    owner = expanded.get(OWNER).json()
    uuid.UUID(owner["id"])
    datetime.fromisoformat(owner["since"])
    datetime.fromisoformat(owner["birthday"])
    assert re.fullmatch(r"[^@]+@example\.com", owner["email"])
    assert owner["website"].startswith("https://")
    assert re.fullmatch(r"[A-Z]{3}-\d{4}", owner["code"])
    assert owner["kind"] in ("person", "shelter")
    assert len(set(owner["pets"])) == len(owner["pets"]) >= 2


def test_a_request_breaking_the_document_is_refused_in_its_error_shape(
    petstore: TestClient, expanded: TestClient
) -> None:
    response = petstore.get("/pets", params={"limit": "abc"})
    assert response.status_code == 422
    assert response.json() == {
        "code": 422,
        "message": 'query.limit: "abc" is not of type "integer"',
    }
    # An operation declaring 404 but neither 422 nor 400 refuses with the 4xx it declares.
    assert expanded.get("/owners/not-a-uuid").status_code == 404


def test_openapi_30_integer_formats_and_nullable_are_enforced() -> None:
    mock = client(PETSTORE)
    assert mock.post("/pets", json={"id": 2**63, "name": "Rex"}).status_code == 422
    assert mock.get("/pets", params={"limit": -(2**31) - 1}).status_code == 422
    document = {
        "openapi": "3.0.3",
        "info": {"title": "n", "version": "1"},
        "paths": {
            "/n": {
                "post": {
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "number",
                                    "nullable": True,
                                    "minimum": 0,
                                    "exclusiveMinimum": True,
                                }
                            }
                        }
                    },
                    "responses": {"204": {"description": "ok"}},
                }
            }
        },
    }
    nullable = TestClient(create_app(document, stateful=False))  # its 422 is undocumented
    assert nullable.post("/n", json=None).status_code == 204
    assert nullable.post("/n", json=0).status_code == 422
    assert nullable.post("/n", json=0.5).status_code == 204


def test_swagger_2_is_refused_with_one_line(tmp_path: Path) -> None:
    old = tmp_path / "old.yaml"
    old.write_text('swagger: "2.0"\ninfo: {title: t, version: "1"}\npaths: {}\n')
    with pytest.raises(SpecError) as refused:
        load_spec(old)
    assert "is Swagger 2.0; mockserver serves OpenAPI 3.0 and 3.1" in str(refused.value)
    assert "\n" not in str(refused.value)


def test_the_agent_server_document_never_makes_a_responder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: Any) -> None:
        raise AssertionError("the Agent Server spec has a handler for every operation")

    monkeypatch.setattr(app_module, "Responder", refuse)
    assert TestClient(create_app()).get("/ok").status_code == 200


SCHEMAS: list[dict[str, Any]] = [
    {"type": "string", "minLength": 30},
    {"type": "string", "maxLength": 3},
    {"type": "string", "pattern": r"^(ab|cd)[0-9a-f]{4,6}\.x?$"},
    {"type": "integer", "minimum": -5, "maximum": -3},
    {"type": "integer", "multipleOf": 7, "minimum": 10},
    {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
    {"type": "number", "multipleOf": 0.25, "minimum": 2, "maximum": 3},
    {"type": ["null", "boolean"]},
    {"type": "array", "items": {"enum": [1, 2, 3]}, "minItems": 3, "uniqueItems": True},
    {"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}], "minItems": 2},
    {"oneOf": [{"type": "integer"}, {"type": "number", "multipleOf": 0.5}]},
    {"anyOf": [{"type": "string", "format": "ipv4"}, {"type": "null"}]},
    {
        "allOf": [
            {"type": "object", "required": ["a"], "properties": {"a": {"const": 1}}},
            {"required": ["b"], "properties": {"b": {"format": "date-time", "type": "string"}}},
        ]
    },
    {"type": "object", "required": ["x"], "additionalProperties": {"type": "integer"}},
    {"$ref": "#/components/schemas/Tree"},
]
COMPONENTS = {
    "schemas": {
        "Tree": {
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string"},
                "children": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}},
            },
        }
    }
}


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda s: str(s)[:40])
@pytest.mark.parametrize("seed", range(5))
def test_every_generated_value_validates_against_its_schema(
    schema: dict[str, Any], seed: int
) -> None:
    value = Responder(COMPONENTS).value(schema, random.Random(seed), examples=False)
    jsonschema.Draft202012Validator(
        {**schema, "components": COMPONENTS}, format_checker=jsonschema.FormatChecker()
    ).validate(value)


def test_other_body_media_are_accepted_and_cookie_parameters_ignored() -> None:
    body = {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "object", "required": ["name"]}},
            "application/xml": {"schema": {"type": "object"}},
        },
    }
    upload = {"content": {"image/*": {"schema": {"type": "string", "format": "binary"}}}}
    cookie = {"name": "session", "in": "cookie", "required": True, "schema": {"type": "string"}}
    done = {"204": {"description": "done"}, "4XX": {"description": "refused"}}
    document = {
        "openapi": "3.0.3",
        "info": {"title": "media", "version": "1"},
        "paths": {
            "/pets": {"post": {"requestBody": body, "responses": done, "parameters": [cookie]}},
            "/photos": {"put": {"requestBody": upload, "responses": done}},
        },
    }
    mock = TestClient(create_app(document, check_responses=True, stateful=False))
    xml = {"content-type": "application/xml"}
    assert mock.post("/pets", content=b"<p><name>Rex</name></p>", headers=xml).status_code == 204
    assert mock.post("/pets", json={}).status_code == 422  # JSON is still checked
    assert (
        mock.post("/pets", content=b"x", headers={"content-type": "text/plain"}).status_code == 415
    )
    png = {"content-type": "image/png"}
    assert mock.put("/photos", content=b"\x89PNG", headers=png).status_code == 204


def test_security_requirements_need_their_credentials_and_forms_are_checked() -> None:
    pet = {
        "type": "object",
        "required": ["name", "photoUrls"],
        "properties": {
            "name": {"type": "string"},
            "age": {"type": "integer", "maximum": 30},
            "photoUrls": {"type": "array", "items": {"type": "string"}},
        },
    }
    form = "application/x-www-form-urlencoded"
    body = {"content": {"application/json": {"schema": pet}, form: {"schema": pet}}}
    done = {"204": {"description": "done"}, "4XX": {"description": "refused"}}
    document = {
        "openapi": "3.0.3",
        "info": {"title": "secure", "version": "1"},
        "security": [{"key": []}, {"oauth": ["write"]}],
        "paths": {
            "/pets": {"post": {"requestBody": body, "responses": done}},
            "/open": {"get": {"security": [{}], "responses": done}},
            "/basic": {"get": {"security": [{"basic": []}], "responses": done}},
        },
        "components": {
            "securitySchemes": {
                "key": {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
                "oauth": {"type": "oauth2", "flows": {}},
                "basic": {"type": "http", "scheme": "basic"},
            }
        },
    }
    mock = TestClient(create_app(document, check_responses=True, stateful=False))
    sent = {"content": b"name=Rex&age=3", "headers": {"content-type": form}}
    refused = mock.post("/pets", **sent)  # type: ignore[arg-type]
    assert (refused.status_code, refused.content) == (401, b"")  # 4XX: declared bodiless
    with_key = {"content-type": form, "x-api-key": "anything"}
    assert mock.post("/pets", content=b"name=Rex&age=3", headers=with_key).status_code == 204
    bearer = {"content-type": form, "authorization": "Bearer t"}
    assert mock.post("/pets", content=b"name=Rex&photoUrls=a", headers=bearer).status_code == 204
    too_old = mock.post("/pets", content=b"name=Rex&age=31", headers=bearer)
    assert too_old.status_code == 422
    assert (
        "body.age: 31 is greater than the maximum of 30"
        in too_old.headers["x-mockserver-violations"]
    )
    assert mock.get("/open").status_code == 204
    assert mock.get("/basic", headers={"authorization": "Bearer t"}).status_code == 401
    assert mock.get("/basic", headers={"authorization": "Basic dTpw"}).status_code == 204


def test_xml_bodies_are_read_as_their_schemas_value_and_checked() -> None:
    tag = {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}
    pet = {
        "type": "object",
        "required": ["name", "photoUrls"],
        "xml": {"name": "pet"},
        "properties": {
            "id": {"type": "integer", "xml": {"attribute": True}},
            "name": {"type": "string"},
            "photoUrls": {
                "type": "array",
                "xml": {"wrapped": True},
                "items": {"type": "string", "xml": {"name": "photoUrl"}},
            },
            "tags": {"type": "array", "items": {"$ref": "#/components/schemas/Tag"}},
        },
    }
    xml = "application/xml"
    body = {"content": {"application/json": {"schema": pet}, xml: {"schema": pet}}}
    done = {"204": {"description": "done"}, "4XX": {"description": "refused"}}
    document = {
        "openapi": "3.0.3",
        "info": {"title": "xml", "version": "1"},
        "paths": {"/pets": {"put": {"requestBody": body, "responses": done}}},
        "components": {"schemas": {"Tag": tag}},
    }
    mock = TestClient(create_app(document, check_responses=True, stateful=False))

    def put(text: str) -> Any:
        return mock.put("/pets", content=text.encode(), headers={"content-type": xml})

    good = '<pet id="3"><name>Rex</name><photoUrls><photoUrl>a</photoUrl></photoUrls>'
    assert put(good + "<tags><id>1</id></tags><tags><id>2</id></tags></pet>").status_code == 204
    assert put("<pet><name>Rex</name></pet>").status_code == 204  # photoUrls: an empty list
    bad_tag = put(good + "<tags><id>one</id></tags></pet>")
    assert bad_tag.status_code == 422
    assert bad_tag.headers["x-mockserver-violations"] == (
        '["body.tags[0].id: \\"one\\" is not of type \\"integer\\""]'
    )
    assert put("<pet>true</pet>").status_code == 422
    assert put("<pet>").status_code == 422  # not XML


def test_examples_breaking_their_schema_are_passed_over_and_files_keep_their_type() -> None:
    folder = {"type": "object", "required": ["type"], "properties": {"type": {"const": "folder"}}}
    wrong = {"content": {"application/json": {"schema": folder, "example": {"type": "file"}}}}
    image = {"content": {"image/png": {"schema": {"type": "string", "format": "binary"}}}}
    document = {
        "openapi": "3.0.3",
        "info": {"title": "files", "version": "1"},
        "paths": {
            "/folder": {"get": {"responses": {"200": {"description": "a folder", **wrong}}}},
            "/thumbnail": {"get": {"responses": {"200": {"description": "png", **image}}}},
        },
    }
    mock = TestClient(create_app(document, check_responses=True, stateful=False))
    assert mock.get("/folder").json() == {"type": "folder"}
    thumbnail = mock.get("/thumbnail")
    assert (thumbnail.status_code, thumbnail.headers["content-type"]) == (200, "image/png")
    assert thumbnail.content == b""


def _document(paths: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths, **extra}


def test_info_is_not_served_unless_the_document_declares_it_and_then_as_it_says() -> None:
    """Another document's mock says nothing of LangGraph: no /info (nor /ok) of its own, and a
    document's own `GET /info`, even under the Agent Server's operationId, answers from it."""
    petstore = TestClient(create_app(PETSTORE))
    assert [petstore.get(p).status_code for p in ("/info", "/ok", "/openapi.json")] == [404] * 3
    about = {"type": "object", "required": ["service"], "properties": {"service": {"const": "x"}}}
    ok = {"200": {"description": "ok", "content": {"application/json": {"schema": about}}}}
    own = _document(
        {
            "/info": {"get": {"operationId": "server_info_info_get", "responses": ok}},
            "/things": {"get": {"operationId": "listThings", "responses": ok}},
        }
    )
    assert TestClient(create_app(own, check_responses=True)).get("/info").json() == {"service": "x"}


def test_a_document_is_checked_as_written_against_the_openapi_schema(tmp_path: Path) -> None:
    """3.0's `nullable` beside a type, a `$ref` or an allOf is valid OpenAPI (checked before the
    rewrite into JSON Schema) and lets null through; a document breaking the OpenAPI schema, or
    of another version, is refused in one line."""
    item = {"type": "object", "properties": {"n": {"type": "integer"}}}
    body = {
        "type": "object",
        "properties": {
            "plain": {"type": "string", "nullable": True},
            "ref": {"$ref": "#/components/schemas/Item", "nullable": True},
            "all": {"allOf": [{"$ref": "#/components/schemas/Item"}], "nullable": True},
        },
    }
    put = {
        "requestBody": {"content": {"application/json": {"schema": body}}},
        "responses": {"204": {"description": "done"}, "4XX": {"description": "refused"}},
    }
    document = _document({"/things": {"put": put}}, components={"schemas": {"Item": item}})
    path = tmp_path / "nullable.json"
    path.write_text(json.dumps(document))
    mock = TestClient(create_app(path, check_responses=True))
    nulls = {"plain": None, "ref": None, "all": None}
    assert mock.put("/things", json=nulls).status_code == 204
    refused = mock.put("/things", json={"ref": {"n": "x"}})
    assert refused.status_code == 422
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(_document({"/things": {"put": {"responses": 5}}})))
    with pytest.raises(SpecError) as refused:
        load_spec(broken)
    assert str(refused.value).endswith(
        'broken.json: not valid OpenAPI at paths//things/put/responses: 5 is not of type "object"'
    )
    null_type = {"Gone": {"anyOf": [{"type": "string"}, {"type": "null"}]}}  # not 3.0's
    broken.write_text(json.dumps(_document({}, components={"schemas": null_type})))
    with pytest.raises(SpecError, match='at components/schemas/Gone/anyOf/1/type: "null" is not'):
        load_spec(broken)  # the reason a oneOf of the OpenAPI schema refused it, not the oneOf
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps({**_document({}), "openapi": "4.0.0"}))
    with pytest.raises(SpecError, match="is OpenAPI 4.0.0; mockserver serves OpenAPI 3.0 and 3.1"):
        load_spec(newer)


def test_array_parameters_in_each_style_content_parameters_and_objects() -> None:
    """`explode: false` arrays come comma-separated, `spaceDelimited`/`pipeDelimited` by their
    separator, header and path arrays comma-separated; a `content` parameter is JSON; an
    object (or an array of objects or of arrays) has no one encoding and is taken as sent."""
    ints = {"type": "array", "items": {"type": "integer"}}
    objects = {"type": "array", "items": {"type": "object", "required": ["a"]}}
    pairs = {"type": "array", "items": {**ints, "minItems": 2, "maxItems": 2}}
    parameters = [
        {"name": "csv", "in": "query", "explode": False, "schema": ints},
        {"name": "spaced", "in": "query", "style": "spaceDelimited", "explode": False,
         "schema": ints},
        {"name": "piped", "in": "query", "style": "pipeDelimited", "explode": False,
         "schema": ints},
        {"name": "multi", "in": "query", "schema": ints},
        {"name": "x-ids", "in": "header", "schema": ints},
        {"name": "filter", "in": "query",
         "content": {"application/json": {"schema": {"type": "object", "required": ["q"]}}}},
        {"name": "shapes", "in": "query", "schema": objects},
        {"name": "pairs", "in": "query", "explode": False, "schema": pairs},
    ]  # fmt: skip
    done = {"204": {"description": "done"}}
    mock = TestClient(
        create_app(_document({"/find": {"get": {"parameters": parameters, "responses": done}}}))
    )
    fine = "csv=1,2&spaced=3%204&piped=5|6&multi=7&multi=8&filter=%7B%22q%22%3A1%7D&shapes=junk"
    fine += "&pairs=%5B0%2C%201%5D"  # [0, 1], as Schemathesis writes one pair
    assert mock.get(f"/find?{fine}", headers={"x-ids": "1,2"}).status_code == 204
    for wrong in ("csv=1,x", "spaced=3%20x", "piped=x|6", "multi=1,2", "filter=%7B%7D", "filter=x"):
        assert mock.get(f"/find?{wrong}").status_code == 422, wrong
    assert mock.get("/find", headers={"x-ids": "1,x"}).status_code == 422


def test_refusals_take_a_status_the_operation_declares() -> None:
    """A bad request is 422 where the operation declares it or a `default`, else 400 or its
    lowest 4xx; missing credentials are 401 (or 403) where declared, and let through where the
    operation declares neither; an error declared without JSON is sent empty, of its type."""
    key = {"key": {"type": "apiKey", "in": "header", "name": "k"}}
    query = [{"name": "n", "in": "query", "required": True, "schema": {"type": "integer"}}]

    def get(*statuses: str) -> dict[str, Any]:
        responses: dict[str, Any] = {"200": {"description": "ok"}}
        responses.update({s: {"description": s} for s in statuses})
        return {"get": {"parameters": query, "responses": responses}}

    page = {"description": "a page", "content": {"text/html": {"schema": {"type": "string"}}}}
    document = _document(
        {
            "/default": get("409", "default"),
            "/conflict": get("409", "412"),
            "/forbidden": get("403"),
            "/silent": get("404"),
            "/page": {"get": {"parameters": query, "responses": {"200": page, "422": page}}},
        },
        security=[{"key": []}],
        components={"securitySchemes": key},
    )
    mock = TestClient(create_app(document, check_responses=True))
    signed = {"k": "anything"}
    assert mock.get("/default", headers=signed).status_code == 422
    assert mock.get("/conflict", headers=signed).status_code == 409
    assert mock.get("/default?n=1").status_code == 401
    assert mock.get("/forbidden?n=1").status_code == 403
    assert mock.get("/silent?n=1").status_code == 200  # no refusal declared: let through
    page_refused = mock.get("/page", headers=signed)
    assert (page_refused.status_code, page_refused.content) == (422, b"")
    assert page_refused.headers["content-type"].startswith("text/html")


def test_path_keys_with_a_fragment_are_variants_of_one_url() -> None:
    """Box's document writes `/files/{id}#add_shared_link` beside `/files/{id}`: no request
    carries a fragment, so both are routed as the URL, and a request goes to the first variant
    (the plain key first) that accepts it."""
    file_id = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]

    def put(schema: dict[str, Any], answer: str) -> dict[str, Any]:
        said = {"type": "object", "properties": {"by": {"const": answer}}, "required": ["by"]}
        return {
            "parameters": file_id,
            "requestBody": {"content": {"application/json": {"schema": schema}}},
            "responses": {
                "200": {"description": "ok", "content": {"application/json": {"schema": said}}},
                "400": {"description": "refused"},
            },
        }

    named = {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}
    link = {"type": "object", "required": ["link"], "properties": {"link": {"type": "boolean"}}}
    mock = TestClient(
        create_app(
            _document(
                {
                    "/files/{id}#add_link": {"put": put(link, "link")},
                    "/files/{id}": {"put": put(named, "plain")},
                }
            ),
            check_responses=True,
        )
    )
    assert mock.put("/files/1", json={"name": "a"}).json() == {"by": "plain"}
    assert mock.put("/files/1", json={"link": True}).json() == {"by": "link"}
    assert mock.put("/files/1", json={"other": 1}).status_code == 400  # the plain key's refusal


def test_multipart_bodies_are_read_as_their_schemas_value_and_checked() -> None:
    """A multipart/form-data body (its only media): a JSON part as its value, a file as its
    text, a text field as its type; a missing required part or a bad value is refused."""
    upload = {
        "type": "object",
        "required": ["file", "attributes"],
        "properties": {
            "file": {"type": "string", "format": "binary"},
            "attributes": {"type": "object", "required": ["name"]},
            "count": {"type": "integer"},
        },
    }
    body = {"content": {"multipart/form-data": {"schema": upload}}}
    done = {"204": {"description": "done"}, "422": {"description": "refused"}}
    mock = TestClient(
        create_app(_document({"/files": {"post": {"requestBody": body, "responses": done}}}))
    )

    def send(attributes: Any = None, count: str = "2", file: bool = True) -> int:
        parts: dict[str, Any] = {"count": (None, count)}
        if file:
            parts["file"] = ("a.png", b"\x89PNG\r\n", "image/png")
        if attributes is not None:
            parts["attributes"] = (None, json.dumps(attributes), "application/json")
        return mock.post("/files", files=parts).status_code

    assert send({"name": "a.png"}) == 204
    assert send({"name": "a.png"}, file=False) == 422
    assert send({}) == 422
    assert send({"name": "a.png"}, count="x") == 422
    assert send() == 422


def test_a_property_two_all_of_parts_describe_keeps_both() -> None:
    """A node type as Figma's document writes it: the subtype pins `type` to one value, the
    base after it says `type` is a string; the generated `type` is that value, in either
    order."""
    base = {
        "type": "object",
        "required": ["type", "id"],
        "properties": {"type": {"type": "string"}, "id": {"type": "string"}},
    }
    pinned = {"type": "object", "properties": {"type": {"enum": ["CANVAS"]}}}
    for parts in ([pinned, {"$ref": "#/components/schemas/Base"}], [base, pinned]):
        responder = Responder({"schemas": {"Base": base}})
        for seed in range(5):
            value = responder.value({"allOf": parts}, random.Random(seed), examples=False)
            assert value["type"] == "CANVAS"


def test_keys_differing_only_in_parameter_names_share_a_url_and_any_name_routes() -> None:
    """Reverb's document writes `/offer/{id}` and `/offer/{conversation_id}` (OpenAPI forbids
    it): one URL, each key a variant a request goes to as Box's fragment keys do. And
    bunq's names parameters `{monetary-accountID}`, which Starlette alone would read as
    literal text: such a path is still routed, its value under the document's name."""

    def post(name: str, field: str, answer: str) -> dict[str, Any]:
        said = {"type": "object", "required": ["by"], "properties": {"by": {"const": answer}}}
        wants = {"type": "object", "required": [field], "properties": {field: {"type": "string"}}}
        where = {"type": "object", "required": ["at"], "properties": {"at": {"const": "7"}}}
        return {
            "parameters": [{"name": name, "in": "path", "required": True, "schema": {}}],
            "requestBody": {"content": {"application/json": {"schema": wants}}},
            "responses": {
                "200": {
                    "description": "ok",
                    "content": {"application/json": {"schema": {"allOf": [said, where]}}},
                },
                "default": {"description": "refused"},
            },
        }

    echo = {"type": "object", "properties": {"by": {"const": "hyphen"}}, "required": ["by"]}
    hyphen = [{"name": "account-ID", "in": "path", "required": True, "schema": {"const": "7"}}]
    document = _document(
        {
            "/offer/{id}": {"post": post("id", "price", "id")},
            "/offer/{conversation_id}": {"post": post("conversation_id", "amount", "conv")},
            "/accounts/{account-ID}": {
                "get": {
                    "parameters": hyphen,
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": echo}},
                        },
                        "default": {"description": "refused"},
                    },
                }
            },
        }
    )
    mock = TestClient(create_app(document, check_responses=True, stateful=False))
    assert mock.post("/offer/7", json={"price": "1"}).json()["by"] == "id"
    assert mock.post("/offer/7", json={"amount": "1"}).json()["by"] == "conv"
    assert mock.post("/offer/7", json={"other": "1"}).status_code == 422
    assert mock.get("/accounts/7").json() == {"by": "hyphen"}
    assert mock.get("/accounts/8").status_code == 422  # checked under its own name


def test_a_path_parameter_may_hold_an_encoded_slash() -> None:
    """Service Fabric's ids are names like `fabric:/app` (sent `fabric:%2Fapp`): routed as one
    segment of the URL, not as the decoded path's two, the value decoded after (a "%" too),
    under a uvicorn server as under the test client. The Agent Server's document keeps the
    real server's routing on the decoded path: its `/threads/a%2Fb` is a 404, and
    `/threads/{id}%2Fstate` is that thread's state (checked on langgraph dev)."""
    ok = {"type": "object", "required": ["ok"], "properties": {"ok": {"const": True}}}
    answers = {
        "200": {"description": "ok", "content": {"application/json": {"schema": ok}}},
        "default": {"description": "refused"},
    }

    def get(name: str) -> dict[str, Any]:
        value = {"type": "string", "enum": ["fabric:/app", "a/b%2F%"]}
        parameter = {"name": name, "in": "path", "required": True, "schema": value}
        return {"get": {"parameters": [parameter], "responses": answers}}

    document = _document(
        {"/apps/{app}": get("app"), "/apps/{app-id}/health": get("app-id"), "/apps/x/y": get("z")}
    )
    mock = TestClient(create_app(document, **CHECKED))
    assert mock.get("/apps/fabric:%2Fapp").json() == {"ok": True}
    assert mock.get("/apps/fabric%3A%2fapp/health").json() == {"ok": True}  # renamed: `p0`
    assert mock.get("/apps/a%2Fb%252F%25").status_code == 200
    assert mock.get("/apps/fabric:/app").status_code == 404  # two segments: no such path
    refused = mock.get("/apps/x%2Fy")  # a value, not the literal path /apps/x/y
    assert refused.status_code == 422
    assert "x/y" in refused.headers["x-mockserver-violations"]
    with LiveServer(create_app(document, **CHECKED)) as live:
        assert httpx.get(f"{live.url}/apps/fabric:%2Fapp/health").json() == {"ok": True}
    agent = TestClient(create_app())
    thread_id = agent.post("/threads", json={}).json()["thread_id"]
    assert agent.get("/threads/a%2Fb").json() == {"detail": "Not Found"}
    assert agent.get(f"/threads/{thread_id}%2Fstate").json()["values"] == {}


def test_a_segment_with_text_beside_its_parameter_is_tried_before_a_bare_parameter() -> None:
    """Gitea's `/commits/{sha}.{diffType}` beside `/commits/{sha}`: `5.diff` is the first's,
    as a literal segment would be (a wrong method there is a 405 naming its own methods, not
    the other's 422 for a `sha` that is no integer); `5` is the second's."""
    sha = {"name": "sha", "in": "path", "required": True, "schema": {"type": "integer"}}
    kind = {"name": "kind", "in": "path", "required": True, "schema": {"enum": ["diff"]}}

    def answers(schema: dict[str, Any]) -> dict[str, Any]:
        ok = {"description": "ok", "content": {"application/json": {"schema": schema}}}
        return {"200": ok, "default": {"description": "refused"}}

    commit = {"parameters": [sha], "responses": answers({"type": "object"})}
    text = {"parameters": [sha, kind], "responses": answers({"type": "string"})}
    document = _document(
        {"/commits/{sha}": {"get": commit, "patch": commit}, "/commits/{sha}.{kind}": {"get": text}}
    )
    mock = TestClient(create_app(document, **CHECKED))
    assert isinstance(mock.get("/commits/5").json(), dict)
    assert isinstance(mock.get("/commits/5.diff").json(), str)
    wrong = mock.patch("/commits/5.diff")
    assert (wrong.status_code, wrong.headers["allow"]) == (405, "GET")
    assert mock.patch("/commits/5").status_code == 200


def test_a_head_operation_the_document_declares_is_served() -> None:
    """DRACOON's downloads declare HEAD beside GET: HEAD answers as its operation says (its
    headers, no body); where only GET is declared, HEAD is still a 405, as any undeclared
    method is."""
    token = [{"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}]
    size = {"X-Size": {"schema": {"type": "integer"}}}
    body = {"application/json": {"schema": {"type": "object"}}}
    refused = {"default": {"description": "refused"}}
    document = _document(
        {
            "/downloads/{token}": {
                "get": {
                    "parameters": token,
                    "responses": {"200": {"description": "ok", "content": body}, **refused},
                },
                "head": {
                    "parameters": token,
                    "responses": {"200": {"description": "ok", "headers": size}, **refused},
                },
            },
            "/files": {"get": {"responses": {"200": {"description": "ok", "content": body}}}},
        }
    )
    mock = TestClient(create_app(document, **CHECKED))
    head = mock.head("/downloads/t")
    assert (head.status_code, head.content) == (200, b"")
    assert int(head.headers["x-size"]) >= 0
    assert mock.head("/files").status_code == 405


def test_a_missing_authorization_header_parameter_is_missing_credentials() -> None:
    """PayRun.io declares `Authorization` as a required header parameter, not a security
    scheme: a request without it lacks credentials, 401 where the operation declares it (an
    HTTP client is told to authenticate), not the 400 of a malformed request; where only 400
    is declared it stays that."""
    authorization = {"name": "Authorization", "in": "header", "required": True, "schema": {}}
    count = {"name": "n", "in": "query", "schema": {"type": "integer"}}

    def delete(*statuses: str) -> dict[str, Any]:
        responses = {"204": {"description": "done"}}
        responses.update({s: {"description": s} for s in statuses})
        return {"delete": {"parameters": [authorization, count], "responses": responses}}

    document = _document({"/employers/{id}": delete("400", "401"), "/plain": delete("400")})
    document["paths"]["/employers/{id}"]["parameters"] = [
        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    ]
    mock = TestClient(create_app(document, **CHECKED))
    signed = {"Authorization": "Bearer x"}
    assert mock.delete("/employers/1").status_code == 401
    assert mock.delete("/employers/1?n=x").status_code == 401
    assert mock.delete("/employers/1?n=x", headers=signed).status_code == 400
    assert mock.delete("/employers/1", headers=signed).status_code == 204
    assert mock.delete("/plain").status_code == 400


def test_a_property_no_value_can_have_is_left_out_of_generated_answers() -> None:
    """A subtype forbidding a property of its base (`not: {}`, `false`), as bunq's accounts
    do: never generated, or the answer would break its own schema."""
    schema = {
        "type": "object",
        "properties": {
            "kept": {"type": "string"},
            "gone": {"not": {}},
            "never": False,
            "both": {"allOf": [{"type": "string"}, {"not": {}}]},
        },
    }
    responder = Responder({})
    for seed in range(10):
        value = responder.value(schema, random.Random(seed), examples=False)
        assert set(value) <= {"kept"}
        jsonschema.validate(value, schema)


def test_a_header_echoing_a_path_outside_latin_1_is_sent_percent_encoded() -> None:
    """A created record's Location names the request's path, which may hold any character
    (Schemathesis sends them): sent as a URL is, never a 500."""
    made = {"type": "object", "properties": {"id": {"type": "string"}}}
    created = {
        "201": {
            "description": "made",
            "headers": {"Location": {"schema": {"type": "string"}}},
            "content": {"application/json": {"schema": made}},
        }
    }
    owner = [{"name": "owner", "in": "path", "required": True, "schema": {"type": "string"}}]
    item = [*owner, {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
    document = _document(
        {
            "/users/{owner}/keys": {
                "post": {
                    "parameters": owner,
                    "requestBody": {"content": {"application/json": {"schema": made}}},
                    "responses": created,
                }
            },
            "/users/{owner}/keys/{id}": {
                "get": {"parameters": item, "responses": {"200": created["201"]}}
            },
        }
    )
    mock = TestClient(create_app(document, check_responses=True))
    answer = mock.post("/users/%E2%98%83%1F/keys", json={})
    assert answer.status_code == 201
    assert answer.headers["location"] == f"/users/%E2%98%83%1F/keys/{answer.json()['id']}"


def test_a_form_body_is_checked_against_its_own_media_types_schema() -> None:
    """JSON and multipart each with their schema (Velo's payouts): a multipart body is read
    and checked as the multipart schema says, a JSON part holding the whole array."""
    row = {"type": "object", "required": ["amount"], "properties": {"amount": {"type": "integer"}}}
    form = {"type": "object", "properties": {"file": {"type": "array", "items": row}}}
    as_json = {"type": "object", "required": ["payments"], "properties": {"payments": {}}}
    body = {
        "content": {
            "application/json": {"schema": as_json},
            "multipart/form-data": {"schema": form},
        }
    }
    done = {"204": {"description": "done"}, "400": {"description": "refused"}}
    mock = TestClient(
        create_app(_document({"/payouts": {"post": {"requestBody": body, "responses": done}}}))
    )

    def send(rows: Any) -> int:
        parts = {"file": (None, json.dumps(rows), "application/json")}
        return mock.post("/payouts", files=parts).status_code

    assert send([{"amount": 1}, {"amount": 2}]) == 204
    assert send([{"amount": "x"}]) == 400
    assert mock.post("/payouts", json={"payments": []}).status_code == 204
    assert mock.post("/payouts", json={"file": []}).status_code == 400


def test_an_answer_of_any_media_type_is_json_of_its_schema() -> None:
    schema = {"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}}
    ok = {"200": {"description": "ok", "content": {"*/*": {"schema": schema}}}}
    mock = TestClient(create_app(_document({"/n": {"get": {"responses": ok}}})))
    answer = mock.get("/n")
    assert answer.headers["content-type"] == "application/json"
    assert isinstance(answer.json()["n"], int)


def test_a_required_write_only_property_is_never_in_an_answer() -> None:
    """OpenAPI: a writeOnly property's `required` "will take effect on the request only"
    (bunq's accounts require their `service`): the answer leaves it out, and the mock's own
    check of its answers (check_responses) agrees."""
    account = {
        "type": "object",
        "required": ["currency", "service"],
        "properties": {
            "currency": {"type": "string"},
            "service": {"type": "string", "writeOnly": True},
        },
    }
    ok = {"200": {"description": "ok", "content": {"application/json": {"schema": account}}}}
    mock = TestClient(create_app(_document({"/account": {"get": {"responses": ok}}}), **CHECKED))
    answer = mock.get("/account")
    assert answer.status_code == 200
    assert set(answer.json()) == {"currency"}


def test_declared_framing_headers_are_the_answers_own() -> None:
    """GitHub's document declares `Content-Length` (example 279) on its rendered markdown:
    the length sent is the body's, never a generated one (which would break the answer)."""
    framing = {n: {"schema": {"type": "string"}, "example": "279"} for n in ("Content-Length",)}
    said = {"schema": {"type": "string"}}
    ok = {
        "200": {
            "description": "ok",
            "headers": {**framing, "X-Version": said},
            "content": {"text/html": {"schema": {"type": "string"}}},
        }
    }
    mock = TestClient(create_app(_document({"/markdown": {"post": {"responses": ok}}}), **CHECKED))
    answer = mock.post("/markdown")
    assert answer.status_code == 200
    assert answer.headers["content-length"] == str(len(answer.content))
    assert "x-version" in answer.headers


def test_a_required_body_of_another_media_type_must_be_sent() -> None:
    """GitHub's `DELETE /setup/api/settings/authorized-keys` requires a form body: a request
    without any body (nor a Content-Type) is refused, as a missing JSON body is."""
    form = {"type": "object", "properties": {"key": {"type": "string"}}}
    text = {"schema": {"type": "string"}}
    done = {"204": {"description": "done"}, "422": {"description": "refused"}}
    paths = {
        f"/{name}": {
            "delete": {
                "requestBody": {"required": True, "content": {media: {"schema": schema}}},
                "responses": done,
            }
        }
        for name, media, schema in (
            ("form", "application/x-www-form-urlencoded", form),
            ("text", "text/plain", text["schema"]),
        )
    }
    mock = TestClient(create_app(_document(paths), **CHECKED))
    assert mock.request("DELETE", "/form").status_code == 422
    assert mock.request("DELETE", "/text").status_code == 422
    sent = {"content-type": "application/x-www-form-urlencoded"}
    assert mock.request("DELETE", "/form", content=b"key=a", headers=sent).status_code == 204
    text_sent = {"content-type": "text/plain"}
    assert mock.request("DELETE", "/text", content=b"a", headers=text_sent).status_code == 204
    # Gitea's `POST /markdown/raw`: an empty text with its media type is a body, the empty text
    assert mock.request("DELETE", "/text", content=b"", headers=text_sent).status_code == 204
