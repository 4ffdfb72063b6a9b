"""Stateful CRUD inferred from a document's paths (crud.py): create, read, list, replace,
update, delete, on the Petstores and a users document; every answer checked against the
document (`check_responses`); and Schemathesis's plain run, stateful phase included, passing
on them and on real-world documents (Box, bunq, the Rat Genome Database, Azure Service Fabric:
slow tests)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.crud import Role, infer
from mockserver.live import LiveServer
from mockserver.spec import load_spec

SPECS = Path(__file__).parent / "data" / "specs"
PETSTORE = SPECS / "petstore.yaml"
EXPANDED = SPECS / "petstore-expanded-3.1.yaml"
USERS = SPECS / "users-3.1.yaml"
LINKS = SPECS / "links-3.0.yaml"
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
BOX = SPECS / "box-openapi.json"  # Box's 260 operations (Apache-2.0: box-openapi.NOTICE.md)
RGD = SPECS / "rgd-openapi.json"  # the Rat Genome Database's 100 (CC BY 4.0: its NOTICE.md)
BUNQ = SPECS / "bunq-openapi.json"  # bunq's 429 operations (Apache-2.0: its NOTICE.md)
# Azure Service Fabric's 234 operations (MIT: servicefabric-openapi.NOTICE.md)
FABRIC = SPECS / "servicefabric-openapi.json"


def client(spec: Path, **options: object) -> TestClient:
    return TestClient(create_app(spec, check_responses=True, **options))  # type: ignore[arg-type]


@pytest.fixture
def users() -> Iterator[TestClient]:
    yield client(USERS)


def new_user(users: TestClient, name: str = "Ann") -> dict[str, object]:
    response = users.post("/users", json={"name": name, "email": f"{name.lower()}@example.org"})
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_collections_and_items_are_recognised_from_paths_and_methods() -> None:
    assert infer(load_spec(USERS)) == {
        "listUsers": Role("list", "/users"),
        "createUser": Role("create", "/users"),
        "getUser": Role("read", "/users", "userId"),
        "replaceUser": Role("replace", "/users", "userId"),
        "updateUser": Role("update", "/users", "userId"),
        "deleteUser": Role("delete", "/users", "userId"),
        "listNotes": Role("list", "/users/{userId}/notes"),
        "addNote": Role("create", "/users/{userId}/notes"),
        "getNote": Role("read", "/users/{userId}/notes", "noteId"),
    }


def test_the_petstore_lists_creates_and_reads(tmp_path: Path) -> None:
    pets = client(PETSTORE)
    assert pets.get("/pets").json() == []
    created = pets.post("/pets", json={"id": 5, "name": "Rex"})
    assert (created.status_code, created.content) == (201, b"")  # "Null response"
    assert pets.get("/pets").json() == [{"id": 5, "name": "Rex"}]
    assert pets.get("/pets/5").json() == {"id": 5, "name": "Rex"}
    missing = pets.get("/pets/6")
    assert missing.status_code == 404  # the `default` response documents it
    assert missing.json() == {"code": 404, "message": "showPetById: no record 6 at /pets"}


def test_ids_are_counted_where_the_body_has_none_and_a_delete_is_final() -> None:
    pets = client(EXPANDED)
    first = pets.post("/pets", json={"name": "Tom", "tag": "cat"}).json()
    second = pets.post("/pets", json={"name": "Felix"}).json()
    assert (first, second) == ({"name": "Tom", "tag": "cat", "id": 1}, {"name": "Felix", "id": 2})
    assert pets.get("/pets", params={"limit": 1}).json() == [first]
    assert pets.delete("/pets/1").status_code == 204
    assert pets.get("/pets/1").status_code == 404
    assert pets.delete("/pets/1").status_code == 404
    assert pets.get("/pets").json() == [second]


def test_a_created_record_gets_its_generated_read_only_fields_and_a_location(
    users: TestClient,
) -> None:
    response = users.post("/users", json={"name": "Ann", "email": "ann@example.org"})
    user = response.json()
    assert list(user) == ["userId", "name", "email", "createdAt"]  # the schema's order
    uuid.UUID(user["userId"])
    assert response.headers["location"] == f"/users/{user['userId']}"
    assert users.get(f"/users/{user['userId']}").json() == user


def test_put_replaces_patch_merges_and_read_only_fields_stay(users: TestClient) -> None:
    user = new_user(users)
    path = f"/users/{user['userId']}"
    patched = users.patch(path, json={"name": "Anne"}).json()
    assert patched == {**user, "name": "Anne"}
    replaced = users.put(path, json={"name": "A", "email": "a@example.org"}).json()
    assert replaced == {**user, "name": "A", "email": "a@example.org"}
    assert users.get(path).json() == replaced


def test_a_wrapped_list_pages_with_offset_and_limit_and_counts_every_record(
    users: TestClient,
) -> None:
    made = [new_user(users, name) for name in ("Ann", "Bob", "Cy")]
    page = users.get("/users", params={"offset": 1, "limit": 1}).json()
    assert page == {"items": [made[1]], "total": 3}


def test_nested_collections_are_kept_apart_by_their_parents(users: TestClient) -> None:
    ann, bob = new_user(users, "Ann"), new_user(users, "Bob")
    note = users.post(f"/users/{ann['userId']}/notes", json={"text": "hi"}).json()
    assert note == {"id": 1, "text": "hi"}
    assert users.get(f"/users/{ann['userId']}/notes").json() == [note]
    assert users.get(f"/users/{bob['userId']}/notes").json() == []
    assert users.get(f"/users/{ann['userId']}/notes/1").json() == note


def test_a_deleted_record_takes_its_nested_collections_with_it(users: TestClient) -> None:
    ann = new_user(users)
    notes = f"/users/{ann['userId']}/notes"
    assert users.post(notes, json={"text": "hi"}).status_code == 201
    assert users.delete(f"/users/{ann['userId']}").status_code == 204
    assert users.get(notes).status_code == 404
    assert users.post(notes, json={"text": "again"}).status_code == 404


def test_an_unknown_item_without_a_documented_404_is_generated_with_its_id() -> None:
    item = {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}
    answer = {"content": {"application/json": {"schema": item}}, "description": "ok"}
    document = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/things": {"post": {"responses": {"201": answer}}},
            "/things/{id}": {
                "get": {
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer"},
                        }
                    ],
                    "responses": {"200": answer},  # no 404, no default
                }
            },
        },
    }
    things = TestClient(create_app(document, check_responses=True))
    response = things.get("/things/7")
    assert (response.status_code, response.json()) == (200, {"id": 7})
    assert things.post("/things").json() == {"id": 1}
    assert things.get("/things/1").json() == {"id": 1}


def test_a_deleted_records_id_is_not_given_again(users: TestClient) -> None:
    first = new_user(users)
    assert users.delete(f"/users/{first['userId']}").status_code == 204
    assert new_user(users)["userId"] != first["userId"]


def test_errors_take_the_documents_problem_shape(users: TestClient) -> None:
    missing = users.get(f"/users/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert missing.json()["title"] == "Not Found" and missing.json()["status"] == 404
    refused = users.post("/users", json={"name": ""})
    assert refused.status_code == 400  # createUser declares 400, not 422
    assert refused.json()["title"] == "Bad Request"
    assert '"email" is a required property' in refused.json()["detail"]


def test_prisms_controls_and_stateless_skip_the_state(users: TestClient) -> None:
    missing = f"/users/{uuid.uuid4()}"
    assert users.get(missing, headers={"Prefer": "code=200"}).status_code == 200
    stateless = client(USERS, stateful=False)
    assert stateless.get(missing).status_code == 200
    assert stateless.get("/users").json()["items"]  # generated, not the (empty) state


def test_a_reset_forgets_every_record(users: TestClient) -> None:
    new_user(users)
    users.app.state.server.reset()  # type: ignore[attr-defined]
    assert users.get("/users").json() == {"items": [], "total": 0}


def test_links_name_the_field_that_identifies_a_created_record() -> None:
    """The document's links (one by operationId, one by operationRef) say the create's
    `slug` feeds the item's `{key}`; without them the id would be guessed as `ownerId`."""
    assert [role.id_param for role in infer(load_spec(LINKS)).values() if role.id_param] == [
        "key",
        "key",
    ]
    shelves = client(LINKS)
    created = shelves.post("/shelves", json={"slug": "novels", "ownerId": 7})
    assert created.json() == {"slug": "novels", "ownerId": 7}
    assert shelves.get("/shelves/novels").json() == created.json()
    assert shelves.delete("/shelves/novels").status_code == 204
    assert shelves.get("/shelves/novels").status_code == 404
    unlinked = yaml.safe_load(LINKS.read_text())
    del unlinked["paths"]["/shelves"]["post"]["responses"]["201"]["links"]
    guessed = TestClient(create_app(unlinked, check_responses=True))
    guessed.post("/shelves", json={"slug": "novels", "ownerId": 7})
    assert guessed.get("/shelves/novels").status_code == 404  # kept under "7", its ownerId


SCHEMATHESIS = shutil.which("schemathesis") or str(Path(sys.executable).parent / "schemathesis")


@pytest.mark.parametrize("spec", [PETSTORE, EXPANDED, USERS, LINKS], ids=lambda p: p.stem)
def test_schemathesis_passes_against_the_mock(spec: Path, tmp_path: Path) -> None:
    """`schemathesis run SPEC --url URL` with its default checks and phases (stateful
    included; it checks every answer against the document itself), fewer examples and a
    fixed seed to stay fast and repeatable."""
    with LiveServer(create_app(spec)) as live:
        result = subprocess.run(
            [SCHEMATHESIS, "run", str(spec), "--url", live.url, "--max-examples", "25"]
            + ["--seed", "1", "--no-color"],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=tmp_path,
        )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "No issues found" in result.stdout


def test_a_large_real_world_document_is_served() -> None:
    """Box's OpenAPI 3.0 document (0.9 MB, 260 operations; 3.0 `nullable` beside `$ref`s,
    path keys with fragments, parameters inside a segment, JSON Patch and multipart bodies)
    is accepted and answers as documented."""
    box = TestClient(create_app(BOX, check_responses=True))
    signed = {"authorization": "Bearer token"}
    assert box.get("/files/12345", headers=signed).status_code == 200
    assert box.get("/files/12345").status_code == 401  # it declares OAuth 2 and a 401
    thumbnail = box.get("/files/12345/thumbnail.png", headers=signed)
    assert (thumbnail.status_code, thumbnail.headers["content-type"]) == (200, "image/jpg")
    search = "/search?size_range=1000000,5000000&content_types=name,description"
    assert box.get(search, headers=signed).status_code == 200  # `explode: false` arrays
    unshared = box.put(
        "/files/12345?fields=shared_link", json={"shared_link": None}, headers=signed
    )
    assert unshared.status_code == 200  # `#remove_shared_link`: null is its shared_link
    no_file = box.post("/files/content", files={"attributes": (None, "{}")}, headers=signed)
    assert no_file.status_code == 422  # multipart: the required `file` part is missing


def _failing_operations(report: str) -> set[str]:
    """The operations a Schemathesis report lists under FAILURES (`GET /path`, or `Stateful
    tests`)."""
    failures = report.split("= FAILURES =", 1)[-1].split("= WARNINGS =", 1)[0]
    failures = failures.split("= SUMMARY =", 1)[0]
    return {
        match.strip("_ ").strip()
        for match in re.findall(r"^[_ ]*((?:[A-Z]+ /\S*)|Stateful tests)[_ ]*$", failures, re.M)
    }


@pytest.mark.slow
def test_schemathesis_on_the_large_document_fails_only_where_no_server_can_pass(
    tmp_path: Path,
) -> None:
    """`schemathesis run box-openapi.json --url URL`, plain (default checks, every phase,
    stateful included; 5 examples, seed 1: about 80 s). Box writes some paths twice, as
    `/files/{file_id}` and `/files/{file_id}#add_shared_link`: no request carries a fragment,
    so one URL answers both, and Schemathesis's checks of the two keys (`Allow` on OPTIONS,
    a request one variant refuses and another accepts) contradict each other for any
    server. Every failure must be one of these (`POST /oauth2/revoke`, once excused too for
    a form field it requires but does not describe, no longer fails at this seed)."""
    document = json.loads(BOX.read_text())
    twins = {path.split("#", 1)[0] for path in document["paths"] if "#" in path}
    with LiveServer(create_app(BOX)) as live:
        result = subprocess.run(
            [SCHEMATHESIS, "run", str(BOX), "--url", live.url, "--max-examples", "5"]
            + ["--seed", "1", "--no-color"],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=tmp_path,
        )
    failing = _failing_operations(result.stdout)
    operations = sum(len([m for m in item if m in METHODS]) for item in document["paths"].values())
    assert f"Tested: {operations}" in result.stdout, result.stdout[-3000:]
    unexplained = sorted(
        label for label in failing if label.split(" ", 1)[-1].split("#", 1)[0] not in twins
    )
    assert unexplained == [], result.stdout[-6000:]


@pytest.mark.slow
@pytest.mark.parametrize("spec", [RGD, FABRIC], ids=["rgd", "servicefabric"])
def test_schemathesis_finds_no_failure_on_a_real_world_document(tmp_path: Path, spec: Path) -> None:
    """`schemathesis run SPEC --url URL`, plain (default checks, every phase, stateful
    included; 5 examples, seed 1) passes with no failure at all: the Rat Genome Database's
    document (100 operations, written by a generator: springdoc's `*/*` answers; about 30 s)
    and Azure Service Fabric's (234 operations, ids like `fabric:/app` sent with an encoded
    slash; about 90 s)."""
    document = json.loads(spec.read_text())
    with LiveServer(create_app(spec)) as live:
        result = subprocess.run(
            [SCHEMATHESIS, "run", str(spec), "--url", live.url, "--max-examples", "5"]
            + ["--seed", "1", "--no-color"],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=tmp_path,
        )
    operations = sum(len([m for m in item if m in METHODS]) for item in document["paths"].values())
    assert f"Tested: {operations}" in result.stdout, result.stdout[-3000:]
    assert result.returncode == 0, result.stdout[-6000:]
    assert _failing_operations(result.stdout) == set(), result.stdout[-6000:]


@pytest.mark.slow
def test_schemathesis_on_the_largest_document_fails_only_for_its_user_agent(
    tmp_path: Path,
) -> None:
    """`schemathesis run bunq-openapi.json --url URL`, plain (default checks, every phase,
    stateful included; 2 examples, seed 1: about 60 s). Every one of bunq's 429 operations
    requires a `User-Agent` header; Schemathesis's client sends its own (`schemathesis/...`)
    in the requests it means to leave without one, so a server checking the header cannot
    tell them apart from any other: every failure must be that one."""
    document = json.loads(BUNQ.read_text())
    with LiveServer(create_app(BUNQ)) as live:
        result = subprocess.run(
            [SCHEMATHESIS, "run", str(BUNQ), "--url", live.url, "--max-examples", "2"]
            + ["--seed", "1", "--no-color"],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=tmp_path,
        )
    operations = sum(len([m for m in item if m in METHODS]) for item in document["paths"].values())
    assert f"Tested: {operations}" in result.stdout, result.stdout[-3000:]
    failures = result.stdout.split("= FAILURES =", 1)[-1].split("= WARNINGS =", 1)[0]
    failures = failures.split("= SUMMARY =", 1)[0]
    checks = re.split(r"^- (?=ST\d+)", failures, flags=re.M)[1:]
    assert checks, result.stdout[-3000:]  # the report read as expected: those failures are there
    unexplained = [
        check.split("\n", 1)[0]
        for check in checks
        if not check.startswith(("ST201 ", "ST203 ")) or "User-Agent" not in check
    ]
    assert unexplained == [], result.stdout[-6000:]


def test_the_largest_document_routes_its_hyphenated_parameters() -> None:
    """bunq's document names path parameters `{monetary-accountID}` (no identifier, which
    Starlette alone reads as literal text): routed all the same, the value checked under its
    own name; the `User-Agent` header every operation requires is checked too."""
    bunq = TestClient(create_app(BUNQ, check_responses=True))
    del bunq.headers["user-agent"]  # the client's own
    path = "/user/1/monetary-account/2/bunqme-fundraiser-result/3/note-text/4"
    headers = {
        "user-agent": "tests",
        "x-bunq-client-authentication": "token",
        **{h: "x" for h in ("cache-control", "x-bunq-language", "x-bunq-region")},
        **{h: "x" for h in ("x-bunq-client-request-id", "x-bunq-geolocation")},
    }
    assert bunq.get(path, headers=headers).status_code == 200
    assert bunq.get(path.replace("/2/", "/x/"), headers=headers).status_code == 400
    del headers["user-agent"]
    assert bunq.get(path, headers=headers).status_code == 400


def test_a_real_world_documents_ids_may_hold_an_encoded_slash() -> None:
    """Service Fabric names applications `fabric:/app` and a client sends the id as
    `fabric:%2Fapp`: one segment of the URL, routed to the item's operations; the same path
    with the slash as sent unencoded is another path, which the document does not have."""
    fabric = TestClient(create_app(FABRIC, check_responses=True))
    health = "/Applications/fabric:%2Fapp/$/GetHealth?api-version=6.0"
    answer = fabric.get(health)
    assert (answer.status_code, answer.headers["content-type"]) == (200, "application/json")
    assert fabric.get(health.replace("%2F", "/")).status_code == 404


def test_the_real_world_documents_answers_are_json_of_their_schemas() -> None:
    """The Rat Genome Database's document answers everything as `*/*` with a schema: the
    mock answers JSON of that schema (checked against the document), and refuses what
    breaks it with a status the operation declares."""
    rgd = TestClient(create_app(RGD, check_responses=True))
    genes = rgd.get("/genes/2004")
    assert (genes.status_code, genes.headers["content-type"]) == (200, "application/json")
    # rgdId is an integer; of 401, 403 and 404 declared, the lowest (Responder's rule)
    assert rgd.get("/genes/x").status_code == 401


def test_a_created_record_the_answer_cannot_show_is_kept_as_answered() -> None:
    """Box's folder locks: the create's body (`folder_id`) is not the answer's shape (no
    other properties allowed), so the answer is the documented example; what is kept, and
    read or deleted later, is that answer, under the id the mock gave it."""
    lock = {
        "type": "object",
        "required": ["id", "folder"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "integer"},
            "folder": {"type": "object", "properties": {"name": {"type": "string"}}},
        },
    }
    example = {"id": 12345678, "folder": {"name": "Contracts"}}
    answer = {"content": {"application/json": {"schema": lock, "example": example}}}
    lock_id = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
    document = {
        "openapi": "3.0.3",
        "info": {"title": "locks", "version": "1"},
        "paths": {
            "/locks": {
                "post": {
                    "requestBody": {
                        "content": {"application/json": {"schema": {"type": "object"}}}
                    },
                    "responses": {"201": {"description": "made", **answer}},
                }
            },
            "/locks/{id}": {
                "parameters": lock_id,
                "get": {
                    "responses": {
                        "200": {"description": "it", **answer},
                        "404": {"description": "no"},
                    }
                },
                "delete": {
                    "responses": {"204": {"description": "gone"}, "404": {"description": "no"}}
                },
            },
        },
    }
    locks = TestClient(create_app(document, check_responses=True))
    made = locks.post("/locks", json={"folder_id": "42"}).json()
    assert made == {"id": 1, "folder": {"name": "Contracts"}}
    assert locks.get("/locks/1").json() == made
    assert locks.delete("/locks/1").status_code == 204
    assert locks.get("/locks/1").status_code == 404
