"""Stateful CRUD inferred from a document's paths (crud.py): create, read, list, replace,
update, delete, on the Petstores and a users document; every answer checked against the
document (`check_responses`); and Schemathesis's plain run, stateful phase included, passing."""

from __future__ import annotations

import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.crud import Role, infer
from mockserver.live import LiveServer
from mockserver.spec import load_spec

SPECS = Path(__file__).parent / "data" / "specs"
PETSTORE = SPECS / "petstore.yaml"
EXPANDED = SPECS / "petstore-expanded-3.1.yaml"
USERS = SPECS / "users-3.1.yaml"


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


SCHEMATHESIS = shutil.which("schemathesis") or str(Path(sys.executable).parent / "schemathesis")


@pytest.mark.parametrize("spec", [PETSTORE, EXPANDED, USERS], ids=lambda p: p.stem)
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
