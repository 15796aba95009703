"""Persisted queries (trusted documents): the manifest, documents sent by hash, and persisted-only mode.

api/http/persisted_queries.json must be what ``manage.py build_persisted_queries`` builds now (no drift), as
examples/postman_collection.json must be what its script builds.
"""

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings

from api.http.persisted_queries import build_manifest, render
from tests.examples import EXAMPLES, example

pytestmark = pytest.mark.django_db

MANIFEST = Path(settings.BASE_DIR) / "api" / "http" / "persisted_queries.json"
REBUILD = "run `python manage.py build_persisted_queries` and commit api/http/persisted_queries.json"
TYPENAME = "query Typename { __typename }"
PROVIDERS = example("providers")
PROVIDER_CREATE = example("providerCreate")


def sha256(document: str) -> str:
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


def apq(document_hash: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """An Apollo automatic persisted query request body, without the document."""
    return {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": document_hash}}, "variables": variables or {}}


def post_json(client: Client, body: Any) -> Any:
    return client.post("/graphql", json.dumps(body), content_type="application/json")


def codes(response: Any) -> list[str]:
    return [error["extensions"]["code"] for error in response.json().get("errors", [])]


def ran(response: Any, field: str) -> bool:
    """Whether the operation was executed: HTTP 200 with ``field`` in ``data`` (whatever the caller may see)."""
    return response.status_code == 200 and field in (response.json().get("data") or {})


@pytest.fixture
def typename_manifest(tmp_path: Path) -> Any:
    """A manifest holding only `TYPENAME`, in place of api/http/persisted_queries.json."""
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({sha256(TYPENAME): TYPENAME}), encoding="utf-8")
    with override_settings(GRAPHQL_PERSISTED_QUERIES_MANIFEST=path):
        yield path


# --- the manifest -----------------------------------------------------------------------------------------------------


def test_committed_manifest_has_no_drift():
    assert MANIFEST.read_text(encoding="utf-8") == render(build_manifest()), REBUILD


def test_check_mode_of_the_command_passes():
    call_command("build_persisted_queries", "--check")


def test_manifest_holds_every_example_by_the_sha256_of_its_text():
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))

    assert manifest == {sha256(item.query): item.query for item in EXAMPLES}


def test_command_writes_the_manifest(tmp_path):
    path = tmp_path / "persisted_queries.json"

    with override_settings(GRAPHQL_PERSISTED_QUERIES_MANIFEST=path):
        call_command("build_persisted_queries")

    assert path.read_text(encoding="utf-8") == MANIFEST.read_text(encoding="utf-8")


def test_check_mode_fails_on_a_stale_manifest(tmp_path):
    path = tmp_path / "persisted_queries.json"
    path.write_text("{}\n", encoding="utf-8")

    with override_settings(GRAPHQL_PERSISTED_QUERIES_MANIFEST=path), pytest.raises(CommandError, match="out of date"):
        call_command("build_persisted_queries", "--check")


def test_trusted_documents_dirs_add_their_documents_recursively(tmp_path):
    front_end = tmp_path / "front-end"
    (front_end / "screens").mkdir(parents=True)
    (front_end / "screens" / "home.graphql").write_text(TYPENAME, encoding="utf-8")
    (front_end / "notes.txt").write_text("not a document", encoding="utf-8")

    with override_settings(GRAPHQL_TRUSTED_DOCUMENTS_DIRS=[str(front_end)]):
        manifest = build_manifest()

    assert manifest == {sha256(TYPENAME): TYPENAME, **{sha256(item.query): item.query for item in EXAMPLES}}


# --- documents sent by hash -------------------------------------------------------------------------------------------


def test_apollo_persisted_query_runs_the_document_of_its_hash(client, typename_manifest):
    response = post_json(client, apq(sha256(TYPENAME)))

    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


def test_document_id_runs_the_document_of_its_hash(client, typename_manifest):
    response = post_json(client, {"documentId": f"sha256:{sha256(TYPENAME)}"})

    assert response.json() == {"data": {"__typename": "Query"}}


def test_hash_may_be_upper_case(client, typename_manifest):
    response = post_json(client, apq(sha256(TYPENAME).upper()))

    assert response.json() == {"data": {"__typename": "Query"}}


def test_example_runs_by_hash_with_its_variables(client):
    assert ran(post_json(client, apq(sha256(PROVIDERS.query), PROVIDERS.variables)), "providers")
    assert ran(post_json(client, {"documentId": f"sha256:{sha256(PROVIDERS.query)}", "variables": {}}), "providers")


def test_persisted_query_over_get(client):
    response = client.get(
        "/graphql",
        {"extensions": json.dumps(apq(sha256(PROVIDERS.query))["extensions"]), "variables": json.dumps({"first": 1})},
        HTTP_ACCEPT="application/json",
    )

    assert ran(response, "providers")
    assert ran(
        client.get("/graphql", {"documentId": f"sha256:{sha256(PROVIDERS.query)}"}, HTTP_ACCEPT="application/json"),
        "providers",
    )


def test_persisted_mutation_over_get_is_refused(client):
    response = client.get(
        "/graphql",
        {"documentId": f"sha256:{sha256(PROVIDER_CREATE.query)}", "variables": json.dumps(PROVIDER_CREATE.variables)},
        HTTP_ACCEPT="application/json",
    )

    assert response.status_code == 405


@pytest.mark.parametrize(
    "body",
    [apq("0" * 64), {"documentId": "sha256:" + "0" * 64}],
    ids=["apq", "documentId"],
)
def test_unknown_hash_is_persisted_query_not_found(client, body):
    response = post_json(client, body)

    # HTTP 200, as Apollo Server answers, so that an APQ client then sends the whole document.
    assert response.status_code == 200
    assert codes(response) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert response.json()["errors"][0]["message"] == "PersistedQueryNotFound"
    assert "data" not in response.json()
    assert "no-cache" in response["Cache-Control"]


def test_hash_sent_with_its_document_runs(client):
    body = {"query": PROVIDERS.query, **apq(sha256(PROVIDERS.query), PROVIDERS.variables)}

    assert ran(post_json(client, body), "providers")


def test_unknown_hash_sent_with_its_document_runs_when_not_persisted_only(client):
    # An APQ client's second attempt: documents are never registered, but this one may run as any other.
    response = post_json(client, {"query": TYPENAME, **apq(sha256(TYPENAME))})

    assert response.json() == {"data": {"__typename": "Query"}}


def test_hash_that_does_not_match_the_document_sent_is_a_bad_request(client):
    response = post_json(client, {"query": TYPENAME, **apq(sha256(PROVIDERS.query))})

    assert response.status_code == 400
    assert codes(response) == ["BAD_REQUEST"]
    assert "hash" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    "body",
    [
        {"documentId": "md5:0123"},
        {"documentId": "sha256:xyz"},
        {"documentId": 42},
        {"extensions": {"persistedQuery": {"version": 2, "sha256Hash": "0" * 64}}},
        {"extensions": {"persistedQuery": {"version": 1}}},
        {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 63}}},
        {"extensions": {"persistedQuery": "yes"}},
        {"documentId": "sha256:" + "0" * 64, **apq("1" * 64)},
    ],
    ids=["md5", "not-hex", "number", "version-2", "no-hash", "short-hash", "not-an-object", "two-hashes"],
)
def test_malformed_persisted_query_is_a_bad_request(client, body):
    response = post_json(client, body)

    assert response.status_code == 400
    assert codes(response) == ["BAD_REQUEST"]


def test_missing_manifest_knows_no_hash(client, tmp_path):
    with override_settings(GRAPHQL_PERSISTED_QUERIES_MANIFEST=tmp_path / "missing.json"):
        response = post_json(client, apq(sha256(PROVIDERS.query)))

    assert codes(response) == ["PERSISTED_QUERY_NOT_FOUND"]


# --- persisted-only mode ----------------------------------------------------------------------------------------------


def test_any_document_runs_when_not_persisted_only(client):
    assert settings.GRAPHQL_PERSISTED_QUERIES_ONLY is False
    assert post_json(client, {"query": "{ __typename }"}).json() == {"data": {"__typename": "Query"}}


@override_settings(GRAPHQL_PERSISTED_QUERIES_ONLY=True)
def test_persisted_only_refuses_a_document_not_in_the_manifest(client):
    response = post_json(client, {"query": "{ __typename }"})

    assert response.status_code == 400
    assert codes(response) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert "data" not in response.json()


@override_settings(GRAPHQL_PERSISTED_QUERIES_ONLY=True)
def test_persisted_only_refuses_a_document_that_differs_from_the_manifest_by_one_byte(client):
    response = post_json(client, {"query": PROVIDERS.query + " ", "variables": PROVIDERS.variables})

    assert codes(response) == ["PERSISTED_QUERY_NOT_FOUND"]


@override_settings(GRAPHQL_PERSISTED_QUERIES_ONLY=True)
def test_persisted_only_refuses_over_get_too(client):
    response = client.get("/graphql", {"query": "{ __typename }"}, HTTP_ACCEPT="application/json")

    assert codes(response) == ["PERSISTED_QUERY_NOT_FOUND"]


@override_settings(GRAPHQL_PERSISTED_QUERIES_ONLY=True)
@pytest.mark.parametrize("item", EXAMPLES, ids=str)
def test_persisted_only_runs_every_example_sent_in_full_or_by_hash(graphql, client, item):
    in_full = graphql(item.query, item.variables)
    by_hash = post_json(client, apq(sha256(item.query), item.variables))

    assert item.field in in_full["data"]
    assert ran(by_hash, item.field)


@override_settings(GRAPHQL_PERSISTED_QUERIES_ONLY=True)
def test_persisted_only_refuses_an_unknown_hash(client):
    assert codes(post_json(client, apq("0" * 64))) == ["PERSISTED_QUERY_NOT_FOUND"]
