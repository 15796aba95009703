"""The HTTP side of /graphql's edge: media types, batches, document size and token count, GET and GraphiQL.

The endpoint is csrf_exempt, so a POST runs only with an ``application/json`` body, which a cross-site form or
a "simple" fetch cannot send without a CORS preflight; anything else is 415. Refusals are JSON with a code.
"""

import json
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings

from reservation.models import Provider

pytestmark = pytest.mark.django_db

MUTATION = 'mutation { providerCreate(input: {firstName: "Grace", lastName: "Hopper"}) { errors { code } } }'
TYPENAME = "{ __typename }"


def post_json(client: Client, body: Any) -> Any:
    return client.post("/graphql", json.dumps(body), content_type="application/json")


def error_of(response: Any, status: int, code: str) -> dict[str, Any]:
    """Assert ``response`` is a JSON refusal with ``status`` and a single error of ``code``; return it."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert "data" not in body
    assert [error["extensions"]["code"] for error in body["errors"]] == [code], body
    error: dict[str, Any] = body["errors"][0]
    return error


# --- media types ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", f"query={MUTATION}"),
        ("text/plain", json.dumps({"query": MUTATION})),
        ("text/plain;charset=UTF-8", json.dumps({"query": MUTATION})),
        ("application/graphql", MUTATION),
        ("application/xml", "<query/>"),
        ("", json.dumps({"query": MUTATION})),
    ],
)
def test_post_that_is_not_json_is_unsupported_media_type(client, content_type, body):
    response = client.post("/graphql", body, content_type=content_type)

    error = error_of(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert "application/json" in error["message"]
    assert Provider.objects.count() == 0


def test_multipart_form_post_is_unsupported_media_type(client):
    response = client.post("/graphql", {"query": MUTATION})  # Django's test client sends multipart/form-data

    error_of(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert Provider.objects.count() == 0


def test_json_with_a_charset_is_accepted(client):
    response = client.post("/graphql", json.dumps({"query": TYPENAME}), content_type="application/json; charset=utf-8")

    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


# --- body -------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("batch", [[{"query": TYPENAME}], [{"query": TYPENAME}, {"query": TYPENAME}], []])
def test_batched_request_is_refused(client, batch):
    error = error_of(post_json(client, batch), 400, "BATCHED_REQUESTS_NOT_SUPPORTED")

    assert "batch" in error["message"].lower()


@pytest.mark.parametrize("body", ["a string", 42, None])
def test_json_body_that_is_not_an_object_is_a_bad_request(client, body):
    error_of(post_json(client, body), 400, "BAD_REQUEST")


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_body_over_djangos_upload_limit_is_too_large(client):
    response = post_json(client, {"query": TYPENAME, "variables": {"padding": "x" * 1000}})

    error = error_of(response, 413, "QUERY_TOO_LARGE")
    assert "1000" in error["message"]


def test_body_that_is_not_utf8_is_a_bad_request(client):
    error_of(client.post("/graphql", b"\xff\xfe{}", content_type="application/json"), 400, "BAD_REQUEST")


@pytest.mark.parametrize(
    "body",
    [
        {"query": 42},
        {"query": ["{ __typename }"]},
        {"query": TYPENAME, "variables": [1, 2]},
        {"query": TYPENAME, "variables": "[1]"},
        {"query": TYPENAME, "operationName": 7},
    ],
    ids=["query-number", "query-list", "variables-list", "variables-json-list", "operation-name-number"],
)
def test_parameters_of_the_wrong_type_are_a_bad_request_not_an_internal_error(client, body):
    error_of(post_json(client, body), 400, "BAD_REQUEST")


@pytest.mark.parametrize("variables", [None, {}, ""], ids=["null", "empty-object", "empty-string"])
def test_variables_may_be_null_or_empty(client, variables):
    response = post_json(client, {"query": TYPENAME, "variables": variables})

    assert response.status_code == 200, response.content


# --- document size and tokens -----------------------------------------------------------------------------------------


def padded(size: int, filler: str = "x") -> str:
    """``{ __typename }`` padded with a comment to ``size`` bytes of UTF-8 (``filler`` is 1 or 2 bytes)."""
    head = TYPENAME + "\n#"
    count = (size - len(head.encode())) // len(filler.encode())
    document = head + filler * count
    assert len(document.encode()) == size
    return document


def test_document_over_the_byte_limit_is_refused_before_parsing(client):
    limit = settings.GRAPHQL_MAX_QUERY_BYTES

    error = error_of(post_json(client, {"query": padded(limit + 1)}), 413, "QUERY_TOO_LARGE")

    assert str(limit + 1) in error["message"]
    assert str(limit) in error["message"]


def test_document_at_the_byte_limit_runs(client):
    response = post_json(client, {"query": padded(settings.GRAPHQL_MAX_QUERY_BYTES)})

    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


def test_byte_limit_counts_utf8_bytes_not_characters(client):
    document = padded(settings.GRAPHQL_MAX_QUERY_BYTES + 2, filler="é")  # two bytes each

    assert len(document) < settings.GRAPHQL_MAX_QUERY_BYTES
    error_of(post_json(client, {"query": document}), 413, "QUERY_TOO_LARGE")


def test_byte_limit_applies_to_get_too(client):
    response = client.get(
        "/graphql", {"query": padded(settings.GRAPHQL_MAX_QUERY_BYTES + 1)}, HTTP_ACCEPT="application/json"
    )

    error_of(response, 413, "QUERY_TOO_LARGE")


@override_settings(GRAPHQL_MAX_QUERY_BYTES=100)
def test_byte_limit_comes_from_settings(client):
    error_of(post_json(client, {"query": padded(101)}), 413, "QUERY_TOO_LARGE")


def test_document_with_more_tokens_than_the_limit_is_refused(client):
    limit = settings.GRAPHQL_MAX_TOKENS
    document = "{" + " a" * limit + " }"  # limit + 2 tokens, in 2 bytes each: well under the byte limit

    assert len(document.encode()) < settings.GRAPHQL_MAX_QUERY_BYTES
    error = error_of(post_json(client, {"query": document}), 413, "QUERY_TOO_LARGE")

    assert str(limit) in error["message"]
    assert "token" in error["message"]


def test_comments_count_as_tokens(client):
    document = "#\n" * settings.GRAPHQL_MAX_TOKENS + TYPENAME

    error_of(post_json(client, {"query": document}), 413, "QUERY_TOO_LARGE")


@override_settings(GRAPHQL_MAX_TOKENS=3)
def test_token_limit_comes_from_settings(client):
    assert post_json(client, {"query": TYPENAME}).status_code == 200  # {, __typename, }
    error_of(post_json(client, {"query": "{ __typename __typename }"}), 413, "QUERY_TOO_LARGE")


def test_document_nested_too_deeply_to_parse_is_a_parse_error(client):
    document = "{ a" * 300 + " }" * 300

    error_of(post_json(client, {"query": document}), 400, "GRAPHQL_PARSE_FAILED")


# --- GET and GraphiQL -------------------------------------------------------------------------------------------------


def test_get_runs_queries(client):
    response = client.get("/graphql", {"query": TYPENAME}, HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


def test_get_refuses_mutations(client):
    response = client.get("/graphql", {"query": MUTATION}, HTTP_ACCEPT="application/json")

    assert response.status_code == 405
    assert "mutation" in response.json()["errors"][0]["message"]
    assert Provider.objects.count() == 0


def test_get_ignores_a_body(client):
    response = client.generic(
        "GET", "/graphql?query=%7B__typename%7D", json.dumps({"query": MUTATION}), content_type="application/json"
    )

    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_other_methods_are_not_allowed(client, method):
    response = client.generic(method, "/graphql", json.dumps({"query": TYPENAME}), content_type="application/json")

    assert response.status_code == 405


def test_graphiql_page_is_served_to_browsers_when_enabled(client):
    response = client.get("/graphql", HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"graphiql" in response.content.lower()


@override_settings(GRAPHIQL=False)
def test_no_graphiql_page_when_disabled(client):
    response = client.get("/graphql", HTTP_ACCEPT="text/html")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert b"graphiql" not in response.content.lower()
