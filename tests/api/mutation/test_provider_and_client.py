"""`providerCreate` and `clientCreate` through /graphql.

Both take ``firstName`` and ``lastName``, strip them, and refuse a blank or over-long name with an INVALID
error naming the camelCase field; a refused mutation returns a null object, HTTP 200, and creates nothing.
"""

import pytest

from reservation.models import Client, Provider
from tests.graphql import CLIENT_CREATE, PROVIDER_CREATE, error_codes, pk_of

pytestmark = pytest.mark.django_db

# (document, payload field, object field, node type, model)
PEOPLE = [
    pytest.param(PROVIDER_CREATE, "providerCreate", "provider", "ProviderType", Provider, id="provider"),
    pytest.param(CLIENT_CREATE, "clientCreate", "client", "ClientType", Client, id="client"),
]


@pytest.mark.parametrize(("document", "mutation", "field", "type_name", "model"), PEOPLE)
def test_create_returns_the_new_record(graphql, document, mutation, field, type_name, model):
    body = graphql(document, {"firstName": "Grace", "lastName": "Hopper"})

    payload = body["data"][mutation]
    assert payload["errors"] == []
    assert payload[field]["firstName"] == "Grace"
    assert payload[field]["lastName"] == "Hopper"
    record = model.objects.get()
    assert pk_of(payload[field]["id"], type_name) == record.pk
    assert (record.first_name, record.last_name) == ("Grace", "Hopper")


@pytest.mark.parametrize(("document", "mutation", "field", "type_name", "model"), PEOPLE)
def test_names_are_stripped(graphql, document, mutation, field, type_name, model):
    body = graphql(document, {"firstName": "  Grace ", "lastName": "\tHopper\n"})

    assert body["data"][mutation][field]["firstName"] == "Grace"
    assert body["data"][mutation][field]["lastName"] == "Hopper"
    assert model.objects.get().first_name == "Grace"


@pytest.mark.parametrize(("document", "mutation", "field", "type_name", "model"), PEOPLE)
@pytest.mark.parametrize(
    ("first_name", "last_name", "bad_field"),
    [
        ("", "Hopper", "firstName"),
        ("   ", "Hopper", "firstName"),
        ("Grace", "", "lastName"),
        ("Grace", " \t ", "lastName"),
        ("x" * 151, "Hopper", "firstName"),
        ("Grace", "x" * 151, "lastName"),
    ],
    ids=["empty-first", "blank-first", "empty-last", "blank-last", "long-first", "long-last"],
)
def test_invalid_name_is_refused(
    graphql, document, mutation, field, type_name, model, first_name, last_name, bad_field
):
    body = graphql(document, {"firstName": first_name, "lastName": last_name})

    assert "errors" not in body
    payload = body["data"][mutation]
    assert payload[field] is None
    assert [(error["code"], error["field"]) for error in payload["errors"]] == [("INVALID", bad_field)]
    assert payload["errors"][0]["message"]
    assert model.objects.count() == 0


@pytest.mark.parametrize(("document", "mutation", "field", "type_name", "model"), PEOPLE)
def test_name_of_150_characters_is_accepted(graphql, document, mutation, field, type_name, model):
    body = graphql(document, {"firstName": "x" * 150, "lastName": "Hopper"})

    assert body["data"][mutation]["errors"] == []
    assert model.objects.get().first_name == "x" * 150


@pytest.mark.parametrize("mutation", ["providerCreate", "clientCreate"])
def test_missing_name_is_a_validation_error(graphql, mutation):
    body = graphql(
        f'mutation {{ {mutation}(input: {{firstName: "Grace"}}) {{ errors {{ code }} }} }}', expect_status=400
    )

    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
    assert Provider.objects.count() + Client.objects.count() == 0


def test_provider_and_client_ids_are_of_their_own_types(graphql):
    provider = graphql(PROVIDER_CREATE, {"firstName": "Grace", "lastName": "Hopper"})["data"]["providerCreate"]
    client = graphql(CLIENT_CREATE, {"firstName": "Ada", "lastName": "Lovelace"})["data"]["clientCreate"]

    assert pk_of(provider["provider"]["id"], "ProviderType") == Provider.objects.get().pk
    assert pk_of(client["client"]["id"], "ClientType") == Client.objects.get().pk
