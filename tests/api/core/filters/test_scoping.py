"""Filters and sort orders never widen what a caller sees: `scope` applies first, whatever the arguments.

A client sorting or filtering reservations sees only their own (a filter naming another client gives
nothing); a provider sees those of their slots; an anonymous caller sees no client and no reservation, but
may search and sort providers and slots. The same holds in nested lists.
"""

from typing import Any

import pytest

from reservation.models import Reservation
from tests.api.core.filters import pks, root_document
from tests.api.core.filters.conftest import World
from tests.api.core.filters.expected import ENUM_VALUES, clients, ordered, providers, reservations
from tests.graphql import GraphQL

RESERVATION_ORDERS = [[value] for value in ENUM_VALUES["ReservationOrder"]] + [["CLIENT_NAME_DESC", "TIME_SLOT_ASC"]]


def fetch(graphql: GraphQL, field: str, variables: dict[str, Any], as_user: Any) -> list[int]:
    body = graphql(root_document(field, variables), {**variables, "first": 100}, as_user=as_user)
    assert "errors" not in body, body
    return pks(body["data"][field])


def visible_to(world: World, label: str) -> list[Reservation]:
    """The reservations person ``label`` may see: a client's own, or those of a provider's slots."""
    if label in world.clients:
        return [row for row in reservations() if row.client_id == world.clients[label].pk]
    return [row for row in reservations() if row.appointment.provider_id == world.providers[label].pk]


@pytest.mark.parametrize("order", RESERVATION_ORDERS, ids="+".join)
@pytest.mark.parametrize("person", ["X", "W", "B", "D"])
def test_sorting_reservations_shows_only_ones_own(
    graphql: GraphQL, world: World, person: str, order: list[str]
) -> None:
    found = fetch(graphql, "reservations", {"orderBy": order}, world.user(person))

    assert found == ordered(visible_to(world, person), "ReservationOrder", order)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"client": "Y"}, lambda row, world: False),
        ({"client": "X"}, lambda row, world: True),
        ({"provider": "B"}, lambda row, world: row.appointment.provider_id == world.providers["B"].pk),
        ({"state": "CANCELLED"}, lambda row, world: row.end_reason == "cancelled"),
    ],
)
def test_a_client_filtering_reservations_stays_within_their_own(
    graphql: GraphQL, world: World, filters: dict[str, str], expected: Any
) -> None:
    variables: dict[str, Any] = {
        name: world.id(value) if name in ("client", "provider") else value for name, value in filters.items()
    }
    variables["orderBy"] = ["TIME_SLOT_DESC"]

    found = fetch(graphql, "reservations", variables, world.user("X"))

    own = [row for row in visible_to(world, "X") if expected(row, world)]
    assert found == ordered(own, "ReservationOrder", ["TIME_SLOT_DESC"])
    assert set(found) <= {row.pk for row in visible_to(world, "X")}


def test_anonymous_callers_may_sort_and_search_providers_but_see_no_people(graphql: GraphQL, world: World) -> None:
    assert fetch(graphql, "providers", {"search": "hopper", "orderBy": ["NAME_DESC"]}, None) == ordered(
        [provider for provider in providers() if provider.last_name == "Hopper"], "ProviderOrder", ["NAME_DESC"]
    )
    assert fetch(graphql, "clients", {"search": "dijkstra", "orderBy": ["NAME_DESC"]}, None) == []
    assert fetch(graphql, "reservations", {"state": "CONFIRMED", "orderBy": ["CLIENT_NAME_ASC"]}, None) == []


def test_searching_clients_finds_only_the_visible_ones(graphql: GraphQL, world: World) -> None:
    # X may see only X; provider D, whose slots nobody reserved, no one; provider A everyone who reserved there.
    assert fetch(graphql, "clients", {"search": "dijkstra", "orderBy": ["NAME_DESC"]}, world.user("X")) == [
        world.clients["X"].pk
    ]
    assert fetch(graphql, "clients", {"orderBy": ["CREATED_ASC"]}, world.user("D")) == []
    seen_by_a = {row.client_id for row in visible_to(world, "A")}
    assert fetch(graphql, "clients", {"orderBy": ["CREATED_DESC"]}, world.user("A")) == ordered(
        [client for client in clients() if client.pk in seen_by_a], "ClientOrder", ["CREATED_DESC"]
    )


NESTED = """query($id: ID!) { node(id: $id) { ... on AppointmentType {
    reservations(orderBy: [CLIENT_NAME_ASC]) { edges { node { id } } }
} } }"""
PROVIDER_CLIENTS = """query { providers(orderBy: [NAME_ASC]) { edges { node { id
    clients(orderBy: [NAME_DESC]) { edges { node { id } } }
} } } }"""


@pytest.mark.parametrize("person", ["X", "Y", "A", "B"])
def test_nested_sorted_lists_are_scoped_too(graphql: GraphQL, world: World, person: str) -> None:
    body = graphql(NESTED, {"id": world.id("A6")}, as_user=world.user(person))

    on_a6 = [row for row in visible_to(world, person) if row.appointment_id == world.slots["A6"].pk]
    assert pks(body["data"]["node"]["reservations"]) == ordered(on_a6, "ReservationOrder", ["CLIENT_NAME_ASC"])

    listed = graphql(PROVIDER_CLIENTS, as_user=world.user(person))["data"]["providers"]["edges"]
    seen = {client for edge in listed for client in pks(edge["node"]["clients"])}
    if person in world.clients:
        assert seen <= {world.clients[person].pk}
    else:
        assert seen <= {row.client_id for row in visible_to(world, person)}
