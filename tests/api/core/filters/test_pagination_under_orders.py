"""Pages stay stable under every order: walking a sorted list with ``after`` yields each node once, in order.

Many rows tie on the sort key (slots of different providers start at the same time, reservations are made in
the same minute, two clients are both Dijkstra), so without the ID as tiebreaker an offset could name a
different row from one request to the next and a node could repeat or go missing between pages.
"""

from datetime import timedelta
from typing import Any

import pytest

from reservation.models import Appointment, Client, Provider, ReservationState
from tests.api.core.filters import ORDER_TYPES, root_document, walk
from tests.api.core.filters.conftest import World, reserve
from tests.api.core.filters.expected import ENUM_VALUES, ordered
from tests.api.core.filters.test_root_lists import DEFAULT_ORDER, ROWS
from tests.factories import NOW
from tests.graphql import GraphQL

ROOT_CASES = [
    pytest.param(field, order, id=f"{field}-{'+'.join(order) if order else 'default'}")
    for field in ORDER_TYPES
    for order in [None, *([value] for value in ENUM_VALUES[ORDER_TYPES[field]])]
]


@pytest.fixture
def ties(world: World) -> World:
    """More rows with equal sort keys: people registered at the same instant, reservations made at the same one."""
    Provider.objects.update(created_at=NOW - timedelta(days=1))
    Client.objects.update(created_at=NOW - timedelta(days=1))
    for slot, client in (("D0", "X"), ("D1", "Y"), ("D2", "Z"), ("D3", "X")):
        reserve(world.clients[client], world.slots[slot], ReservationState.EXPIRED, 180)
    return world


@pytest.mark.parametrize(("field", "order"), ROOT_CASES)
def test_walking_a_sorted_root_list(graphql: GraphQL, ties: World, field: str, order: list[str] | None) -> None:
    variables: dict[str, Any] = {} if order is None else {"orderBy": order}

    found = walk(graphql, root_document(field, variables), [field], variables, page_size=2)

    assert found == ordered(ROWS[field](), ORDER_TYPES[field], order or DEFAULT_ORDER[field])
    assert len(set(found)) == len(found)


NESTED_PAGE = """query($id: ID!, $first: Int, $after: String, $orderBy: [{enum}!]) {{ node(id: $id) {{ ... on {type} {{
    {connection}(first: $first, after: $after, orderBy: $orderBy) {{
        edges {{ cursor node {{ id }} }} pageInfo {{ hasNextPage endCursor }}
    }}
}} }} }}"""
NESTED_CASES = [
    # (parent label, its type, connection, enum)
    ("A6", "AppointmentType", "reservations", "ReservationOrder"),
    ("B", "ProviderType", "clients", "ClientOrder"),
    ("A", "ProviderType", "availableAppointments", "AppointmentOrder"),
    ("Y", "ClientType", "providers", "ProviderOrder"),
]


@pytest.mark.parametrize(
    ("parent", "type_name", "connection", "enum", "value"),
    [(*case, value) for case in NESTED_CASES for value in ENUM_VALUES[case[3]]],
)
def test_walking_a_sorted_nested_list(
    graphql: GraphQL, ties: World, parent: str, type_name: str, connection: str, enum: str, value: str
) -> None:
    document = NESTED_PAGE.format(enum=enum, type=type_name, connection=connection)
    variables = {"id": ties.id(parent), "orderBy": [value]}

    everything = walk(graphql, document, ["node", connection], variables, page_size=50)
    pages = walk(graphql, document, ["node", connection], variables, page_size=1)

    assert len(everything) > 1
    assert pages == everything
    if connection == "availableAppointments":
        rows: list[Any] = list(Appointment.objects.available(NOW).filter(provider=ties.providers[parent]))
        assert everything == ordered(rows, enum, [value])
