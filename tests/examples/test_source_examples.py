"""The source service's documented example operations run unchanged, for a signed-in staff user, with data present.

``source-examples.graphql`` beside this file is a copy of the source service's examples (retyped from its README),
exactly as its clients send them: nested connections without ``first``. The whole document is sent, as a client
holding it would, with the name of one operation at a time. Each returns data and no error: none is refused as too
complex any more, because a nested connection without ``first`` returns (and costs) its default page of 20 nodes,
not 100.
"""

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from graphql import OperationDefinitionNode, parse

from api.http.limits import measure_document
from api.schema import schema
from reservation.models import Client, Provider
from tests.factories import NOW, gid, make_reservation, make_slot

pytestmark = pytest.mark.django_db

DOCUMENT = (Path(__file__).parent / "source-examples.graphql").read_text()
OPERATIONS = [
    definition.name.value
    for definition in parse(DOCUMENT).definitions
    if isinstance(definition, OperationDefinitionNode) and definition.name is not None
]


def test_the_copy_holds_the_five_documented_operations():
    assert OPERATIONS == ["AvailableAppointments", "Clients", "Providers", "Reservations", "AppointmentBulkCreate"]


@pytest.fixture
def clinic(frozen) -> dict[str, Any]:
    """Two providers with free, held, booked and expired slots, and two clients with reservations of each kind."""
    grace = Provider.objects.create(first_name="Grace", last_name="Hopper")
    alan = Provider.objects.create(first_name="Alan", last_name="Turing")
    ada = Client.objects.create(first_name="Ada", last_name="Lovelace")
    edsger = Client.objects.create(first_name="Edsger", last_name="Dijkstra")
    slots = [
        make_slot(provider, NOW + timedelta(days=2, minutes=15 * index))
        for provider in (grace, alan)
        for index in range(30)
    ]
    make_reservation(ada, slots[0], NOW - timedelta(minutes=5))  # held
    make_reservation(ada, slots[1], NOW - timedelta(hours=1), confirmed=True)
    make_reservation(edsger, slots[2], NOW - timedelta(hours=2))  # expired
    make_reservation(edsger, slots[31], NOW - timedelta(hours=1), confirmed=True)
    return {"grace": grace}


def variables_for(operation: str, clinic: dict[str, Any]) -> dict[str, Any]:
    if operation == "AppointmentBulkCreate":
        start = NOW + timedelta(days=5)
        return {
            "input": {
                "providerId": gid("ProviderType", clinic["grace"].pk),
                "startTime": start.isoformat(),
                "endTime": (start + timedelta(hours=2)).isoformat(),
            }
        }
    return {}


def send(client, staff_user, operation: str, variables: dict[str, Any]) -> dict[str, Any]:
    from tests.conftest import bearer

    response = client.post(
        "/graphql",
        json.dumps({"query": DOCUMENT, "operationName": operation, "variables": variables}),
        content_type="application/json",
        headers=bearer(staff_user),
    )
    assert response.status_code == 200, response.content[:2000]
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize("operation", OPERATIONS)
def test_each_source_example_returns_data_and_no_error_for_staff(client, staff_user, clinic, operation):
    body = send(client, staff_user, operation, variables_for(operation, clinic))

    assert "errors" not in body, body["errors"]
    (result,) = body["data"].values()
    assert result is not None
    payload = json.dumps(result)
    assert '"edges": [{' in payload, "the example returned no rows: the data of the fixture should show in it"


def test_the_clients_example_shows_each_kind_of_reservation(client, staff_user, clinic):
    body = send(client, staff_user, "Clients", {})

    clients = {edge["node"]["firstName"]: edge["node"] for edge in body["data"]["clients"]["edges"]}
    assert len(clients["Ada"]["activeReservations"]["edges"]) == 1
    assert len(clients["Ada"]["confirmedReservations"]["edges"]) == 1
    assert len(clients["Edsger"]["expiredReservations"]["edges"]) == 1
    assert [edge["node"]["lastName"] for edge in clients["Edsger"]["providers"]["edges"]] == ["Turing"]


def test_a_nested_connection_without_first_returns_its_default_page_and_says_there_is_more(graphql, clinic):
    body = graphql(
        "{ providers(first: 1) { edges { node { availableAppointments { pageInfo { hasNextPage } edges { node { id } }"
        " } } } } }"
    )

    (provider,) = body["data"]["providers"]["edges"]
    page = provider["node"]["availableAppointments"]
    assert len(page["edges"]) == settings.GRAPHQL_NESTED_PAGE_SIZE == 20
    assert page["pageInfo"]["hasNextPage"] is True


@pytest.mark.parametrize("operation", OPERATIONS)
def test_each_source_example_is_within_the_signed_in_ceiling_with_room(operation, clinic):
    document = parse(DOCUMENT)
    costs = dict(zip(OPERATIONS, (m.cost for m in measure_document(schema.graphql_schema, document)), strict=True))

    assert costs[operation] * 2 <= settings.GRAPHQL_MAX_COST, costs


def test_the_clients_example_was_the_one_refused_at_100_nodes_per_nested_connection():
    document = parse(DOCUMENT)
    at_100 = [m.cost for m in measure_document(schema.graphql_schema, document)]

    assert dict(zip(OPERATIONS, at_100, strict=True))["Clients"] == 17_781  # 88,181 when nested pages counted 100
