"""The GraphQL edge as settings/production.py configures it: no introspection, no suggestions, no GraphiQL.

settings/production.py is loaded here as production loads it (under this process's already-imported base
settings, with the environment a deployment must provide), and its GraphQL settings are applied to the test
endpoint with ``override_settings``. Every example still runs there, in persisted-only mode too.
"""

import importlib
import importlib.util
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings
from graphql import GraphQLError

from api.http.views import GraphQLView
from tests.examples import EXAMPLES

pytestmark = pytest.mark.django_db

PRODUCTION = Path(settings.BASE_DIR) / "settings" / "production.py"
EDGE_ENV = ("GRAPHQL_INTROSPECTION", "GRAPHQL_PERSISTED_QUERIES_ONLY", "GRAPHQL_TRUSTED_DOCUMENTS_DIRS")
TYPO = "{ provders { edges { node { id } } } }"
EDGE_CODES = {"QUERY_TOO_DEEP", "QUERY_TOO_COMPLEX", "TOO_MANY_ALIASES", "TOO_MANY_SELECTIONS", "QUERY_TOO_LARGE"}


def load_production(monkeypatch: pytest.MonkeyPatch, **env: str) -> ModuleType:
    """Execute settings/production.py with the environment a deployment provides, plus ``env``."""
    for name in EDGE_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DJANGO_SECRET_KEY", "production-edge-test-secret-key-" + "x" * 40)
    monkeypatch.setenv("JWT_SIGNING_KEY", "production-edge-test-jwt-key-" + "y" * 40)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("settings.production_under_test", PRODUCTION)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def edge_settings(module: ModuleType) -> dict[str, Any]:
    """The GraphQL edge's settings of a settings module (and GRAPHIQL)."""
    return {name: getattr(module, name) for name in dir(module) if name.startswith("GRAPHQL_") or name == "GRAPHIQL"}


@pytest.fixture
def production_edge(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """The endpoint with production's GraphQL edge settings."""
    values = edge_settings(load_production(monkeypatch))
    with override_settings(**values):
        yield values


def post(client: Client, query: str, variables: dict[str, Any] | None = None) -> Any:
    return client.post("/graphql", {"query": query, "variables": variables or {}}, content_type="application/json")


def messages(response: Any) -> list[str]:
    return [error["message"] for error in response.json()["errors"]]


# --- the settings -------------------------------------------------------------------------------------------------


def test_production_switches_off_introspection_suggestions_and_graphiql(monkeypatch):
    production = load_production(monkeypatch)

    assert production.GRAPHQL_INTROSPECTION is False
    assert production.GRAPHQL_HIDE_SUGGESTIONS is True
    assert production.GRAPHIQL is False


def test_production_runs_any_document_unless_told_persisted_only(monkeypatch):
    assert load_production(monkeypatch).GRAPHQL_PERSISTED_QUERIES_ONLY is False
    assert load_production(monkeypatch, GRAPHQL_PERSISTED_QUERIES_ONLY="1").GRAPHQL_PERSISTED_QUERIES_ONLY is True


def test_production_may_turn_introspection_back_on_from_the_environment(monkeypatch):
    assert load_production(monkeypatch, GRAPHQL_INTROSPECTION="1").GRAPHQL_INTROSPECTION is True


def test_production_keeps_the_limits_of_base(monkeypatch):
    production = edge_settings(load_production(monkeypatch))
    base = edge_settings(importlib.import_module("settings.base"))

    for name in ("QUERY_BYTES", "TOKENS", "DEPTH", "SELECTIONS", "ALIASES", "COST"):
        assert production[f"GRAPHQL_MAX_{name}"] == base[f"GRAPHQL_MAX_{name}"]


def test_base_development_and_test_settings_keep_introspection_and_suggestions():
    base = importlib.import_module("settings.base")

    assert base.GRAPHQL_INTROSPECTION is True
    assert base.GRAPHQL_HIDE_SUGGESTIONS is False
    assert base.GRAPHQL_PERSISTED_QUERIES_ONLY is False
    assert settings.GRAPHQL_INTROSPECTION is True
    assert settings.GRAPHQL_HIDE_SUGGESTIONS is False


# --- introspection ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "document",
    [
        "{ __schema { types { name } } }",
        '{ __type(name: "ProviderType") { name } }',
        "{ ...F } fragment F on Query { s: __schema { queryType { name } } }",
    ],
    ids=["__schema", "__type", "in-a-fragment"],
)
def test_introspection_is_refused_in_production(client, production_edge, document):
    response = post(client, document)

    assert response.status_code == 400
    body = response.json()
    assert "data" not in body
    assert {error["extensions"]["code"] for error in body["errors"]} == {"GRAPHQL_VALIDATION_FAILED"}
    assert any("introspection" in message for message in messages(response))


def test_introspection_works_outside_production(client):
    response = post(client, "{ __schema { queryType { name } } }")

    assert response.status_code == 200
    assert response.json() == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


def test_typename_still_works_in_production(client, production_edge):
    response = post(client, "{ __typename providers(first: 1) { __typename edges { node { __typename } } } }")

    assert response.status_code == 200
    assert response.json()["data"]["__typename"] == "Query"


# --- suggestions ----------------------------------------------------------------------------------------------------


def test_suggestions_are_given_outside_production(client):
    assert "Did you mean 'providers'?" in messages(post(client, TYPO))[0]


@pytest.mark.parametrize(
    ("document", "variables", "expected"),
    [
        (TYPO, None, "Cannot query field 'provders' on type 'Query'."),
        (
            "{ providers(frist: 1) { edges { node { id } } } }",
            None,
            "Unknown argument 'frist' on field 'Query.providers'.",
        ),
        (
            "{ providers { edges { node { firstNam } } } }",
            None,
            "Cannot query field 'firstNam' on type 'ProviderType'.",
        ),
        (
            'mutation { providerCreate(input: { firstNam: "G", lastName: "H" }) { errors { code } } }',
            None,
            "Field 'firstNam' is not defined by type 'ProviderCreateInput'.",
        ),
        (
            "mutation($input: ProviderCreateInput!) { providerCreate(input: $input) { errors { code } } }",
            {"input": {"firstNam": "G", "lastName": "H"}},
            "Field 'firstNam' is not defined by type 'ProviderCreateInput'.",
        ),
    ],
    ids=["field", "argument", "nested-field", "input-field", "variable"],
)
def test_suggestions_are_hidden_in_production(client, production_edge, document, variables, expected):
    response = post(client, document, variables)

    assert response.status_code == 400
    found = messages(response)
    assert not any("Did you mean" in message for message in found), found
    assert any(expected in message for message in found), found


@override_settings(GRAPHQL_HIDE_SUGGESTIONS=True)
def test_suggestions_are_cut_from_any_error_message_when_hidden():
    error = GraphQLError("Cannot query field 'provders' on type 'Query'. Did you mean 'providers' or 'provider'?")

    assert GraphQLView.format_error(error)["message"] == "Cannot query field 'provders' on type 'Query'."


# --- GraphiQL and the examples --------------------------------------------------------------------------------------


def test_no_graphiql_page_in_production(client, production_edge):
    response = client.get("/graphql", HTTP_ACCEPT="text/html")

    assert response["Content-Type"] == "application/json"
    assert b"graphiql" not in response.content.lower()


@pytest.mark.parametrize("persisted_only", [False, True], ids=["any-document", "persisted-only"])
@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_every_example_passes_the_production_edge(graphql, production_edge, example, persisted_only):
    with override_settings(GRAPHQL_PERSISTED_QUERIES_ONLY=persisted_only):
        body = graphql(example.query, example.variables)

    assert example.field in body["data"]
    codes = {error.get("extensions", {}).get("code") for error in body.get("errors", [])}
    assert not codes & (EDGE_CODES | {"GRAPHQL_VALIDATION_FAILED", "PERSISTED_QUERY_NOT_FOUND"}), body
