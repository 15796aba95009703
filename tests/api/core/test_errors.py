"""Top-level errors of /graphql: masking of unexpected exceptions, DataLoader failures, parse and validation.

An unexpected exception reaches the client only as ``INTERNAL_SERVER_ERROR`` with an ``errorId`` (the same id
is logged with the traceback); its text never leaks. A failing DataLoader batch fails only the fields that
waited for it, each reported with its ``path``, and the rest of ``data`` is still returned. Malformed
documents are GRAPHQL_PARSE_FAILED, invalid ones GRAPHQL_VALIDATION_FAILED, both HTTP 400.
"""

import json
import logging
import re
from datetime import timedelta
from typing import Any

import pytest
from django.db.models import QuerySet

from reservation.errors import ErrorCode
from reservation.models import Provider, ReservationQuerySet
from tests.factories import NOW, gid, make_client, make_provider, make_reservation, make_slot
from tests.graphql import PROVIDER_CREATE, error_codes

pytestmark = pytest.mark.django_db

SECRET = "secret detail"


def boom(*args, **kwargs):
    raise RuntimeError(SECRET)


def assert_masked(error: dict[str, Any]) -> str:
    """Assert ``error`` is an opaque INTERNAL_SERVER_ERROR naming its id; return the id."""
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    error_id: str = error["extensions"]["errorId"]
    assert re.fullmatch(r"[0-9a-f]{32}", error_id)
    assert error_id in error["message"]
    assert SECRET not in error["message"]
    assert "Traceback" not in error["message"]
    assert set(error["extensions"]) == {"code", "errorId"}
    return error_id


# --- unexpected exceptions ------------------------------------------------------------------------------------


def test_unexpected_exception_in_a_mutation_is_masked(graphql, monkeypatch):
    monkeypatch.setattr("api.mutation.provider.provider_create", boom)

    body = graphql(PROVIDER_CREATE, {"firstName": "Grace", "lastName": "Hopper"})

    assert body["data"] == {"providerCreate": None}
    assert len(body["errors"]) == 1
    assert_masked(body["errors"][0])
    assert body["errors"][0]["path"] == ["providerCreate"]
    assert SECRET not in json.dumps(body)
    assert "Traceback" not in json.dumps(body)
    assert Provider.objects.count() == 0


def test_unexpected_exception_is_logged_with_its_error_id_and_traceback(graphql, monkeypatch, caplog):
    monkeypatch.setattr("api.mutation.provider.provider_create", boom)

    with caplog.at_level(logging.ERROR, logger="api"):
        body = graphql(PROVIDER_CREATE, {"firstName": "Grace", "lastName": "Hopper"})

    error_id = assert_masked(body["errors"][0])
    records = [record for record in caplog.records if error_id in record.getMessage()]
    assert len(records) == 1
    assert records[0].exc_info is not None
    assert str(records[0].exc_info[1]) == SECRET


def test_each_unexpected_error_gets_its_own_id(graphql, monkeypatch):
    monkeypatch.setattr("api.mutation.provider.provider_create", boom)

    first = graphql(PROVIDER_CREATE, {"firstName": "Grace", "lastName": "Hopper"})
    second = graphql(PROVIDER_CREATE, {"firstName": "Grace", "lastName": "Hopper"})

    assert assert_masked(first["errors"][0]) != assert_masked(second["errors"][0])


def test_unexpected_exception_in_a_query_resolver_is_masked_and_siblings_survive(graphql, monkeypatch):
    make_provider()
    monkeypatch.setattr("reservation.models.AppointmentQuerySet.available", boom)

    body = graphql("{ availableAppointments { edges { node { id } } } providers { edges { node { lastName } } } }")

    assert [error["path"] for error in body["errors"]] == [["availableAppointments"]]
    assert_masked(body["errors"][0])
    assert body["data"] == {
        "availableAppointments": None,
        "providers": {"edges": [{"node": {"lastName": "Hopper"}}]},
    }


# --- DataLoader failures --------------------------------------------------------------------------------------


@pytest.fixture
def two_slots():
    provider = make_provider()
    return [make_slot(provider, NOW + timedelta(days=2, minutes=15 * index)) for index in range(2)]


BATCH_QUERY = """{
  appointments { edges { node { id timeSlot provider { id } } } pageInfo { hasNextPage } }
  clients { edges { node { lastName } } }
}"""


def test_failing_record_batch_is_a_masked_field_error_with_its_path(graphql, monkeypatch, two_slots):
    make_client()
    monkeypatch.setattr(QuerySet, "in_bulk", boom)

    body = graphql(BATCH_QUERY)

    assert body["errors"][0]["path"] == ["appointments", "edges", 0, "node", "provider"]
    for error in body["errors"]:
        assert_masked(error)
    assert SECRET not in json.dumps(body)


def test_failing_record_batch_keeps_the_rest_of_the_data(graphql, monkeypatch, two_slots):
    make_client()
    monkeypatch.setattr(QuerySet, "in_bulk", boom)

    body = graphql(BATCH_QUERY)

    assert sorted(error["path"] for error in body["errors"]) == [
        ["appointments", "edges", 0, "node", "provider"],
        ["appointments", "edges", 1, "node", "provider"],
    ]
    # Loader-backed relations are nullable: only `provider` is nulled; the nodes and their siblings survive.
    assert body["data"] == {
        "appointments": {
            "edges": [
                {
                    "node": {
                        "id": gid("AppointmentType", slot.pk),
                        "timeSlot": slot.start_time.isoformat(),
                        "provider": None,
                    }
                }
                for slot in two_slots
            ],
            "pageInfo": {"hasNextPage": False},
        },
        "clients": {"edges": [{"node": {"lastName": "Lovelace"}}]},
    }


def test_failing_nullable_loader_field_keeps_the_rest_of_its_node(graphql, monkeypatch, two_slots):
    make_reservation(make_client(), two_slots[0], NOW, confirmed=True)
    monkeypatch.setattr(ReservationQuerySet, "confirmed", boom)

    body = graphql("{ appointments { edges { node { id confirmedReservation { id } } } } }")

    assert sorted(error["path"] for error in body["errors"]) == [
        ["appointments", "edges", 0, "node", "confirmedReservation"],
        ["appointments", "edges", 1, "node", "confirmedReservation"],
    ]
    for error in body["errors"]:
        assert_masked(error)
    assert body["data"]["appointments"]["edges"] == [
        {"node": {"id": gid("AppointmentType", slot.pk), "confirmedReservation": None}} for slot in two_slots
    ]


def test_failing_batch_behind_a_chained_loader_reports_its_path(graphql, monkeypatch, two_slots):
    hold = make_reservation(make_client(), two_slots[0], NOW)
    real_in_bulk = QuerySet.in_bulk

    def in_bulk_failing_for_providers(self, *args, **kwargs):
        if self.model is Provider:
            raise RuntimeError(SECRET)
        return real_in_bulk(self, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "in_bulk", in_bulk_failing_for_providers)

    body = graphql(
        "query($id: ID!) { node(id: $id) { id ... on ReservationType { appointment { id } provider { id } } } }",
        {"id": gid("ReservationType", hold.pk)},
    )

    assert [error["path"] for error in body["errors"]] == [["node", "provider"]]
    assert_masked(body["errors"][0])


# --- parse, validation and introspection ------------------------------------------------------------------------


@pytest.mark.parametrize("document", ["{ providers { edges ", "query {", "mutation { providerCreate(input: }"])
def test_syntax_error_is_graphql_parse_failed(graphql, document):
    body = graphql(document, expect_status=400)

    assert error_codes(body) == ["GRAPHQL_PARSE_FAILED"]
    assert body["errors"][0]["message"].startswith("Syntax Error")
    assert "data" not in body


def test_unknown_field_is_graphql_validation_failed(graphql):
    body = graphql("{ providers { edges { node { id secretField } } } }", expect_status=400)

    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "secretField" in body["errors"][0]["message"]
    assert "data" not in body


def test_variable_of_the_wrong_type_is_graphql_validation_failed(graphql):
    body = graphql(
        "query($first: Int) { providers(first: $first) { edges { node { id } } } }", {"first": "ten"}, expect_status=400
    )

    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]


def test_introspection_lists_the_schema_types(graphql):
    body = graphql("{ __schema { types { name } } }")

    names = {entry["name"] for entry in body["data"]["__schema"]["types"]}
    assert {"ProviderType", "ClientType", "AppointmentType", "ReservationType", "ErrorCode", "MutationError"} <= names


def test_error_code_enum_exposes_every_domain_error_code(graphql):
    body = graphql('{ __type(name: "ErrorCode") { enumValues { name } } }')

    assert {value["name"] for value in body["data"]["__type"]["enumValues"]} == {code.name for code in ErrorCode}


def test_graphiql_is_served_to_browsers(client):
    response = client.get("/graphql", HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"graphiql" in response.content.lower()


# --- HTTP-level errors --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected_text"),
    [(json.dumps({"variables": {}}), "query"), ("{not json", "JSON")],
    ids=["no-query", "malformed-json"],
)
def test_bad_http_request_is_a_client_error_with_its_reason(client, body, expected_text):
    response = client.post("/graphql", body, content_type="application/json")

    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] != "INTERNAL_SERVER_ERROR"
    assert expected_text.lower() in error["message"].lower()


def test_bad_http_request_is_refused_with_a_4xx_status(client):
    response = client.post("/graphql", json.dumps({"variables": {}}), content_type="application/json")

    assert response.status_code == 400
    assert "errors" in response.json()


def test_mutation_over_get_is_refused(client):
    response = client.get(
        "/graphql",
        {"query": 'mutation { providerCreate(input: {firstName: "G", lastName: "H"}) { errors { code } } }'},
        HTTP_ACCEPT="application/json",
    )

    assert response.status_code == 405
    assert Provider.objects.count() == 0


def test_query_over_get_works(client):
    make_provider()

    response = client.get(
        "/graphql", {"query": "{ providers { edges { node { lastName } } } }"}, HTTP_ACCEPT="application/json"
    )

    assert response.status_code == 200
    assert response.json() == {"data": {"providers": {"edges": [{"node": {"lastName": "Hopper"}}]}}}
