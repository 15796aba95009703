"""Every root list, with every filter and every sort order, against what Python works out from the same rows.

Each test takes one list and one ``orderBy`` (absent: the list's default order) and runs it with each of the
list's filter cases, alone and combined; the nodes must be exactly the matching rows, in exactly that order.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from reservation.models import Appointment, Reservation
from tests.api.core.filters import ORDER_TYPES, pks, root_document
from tests.api.core.filters.conftest import DAY, SOON, World
from tests.api.core.filters.expected import (
    ENUM_VALUES,
    appointments,
    available_appointments,
    clients,
    name_matches,
    ordered,
    providers,
    reservations,
)
from tests.factories import NOW
from tests.graphql import GraphQL

MINUTES = timedelta(minutes=1)
STATES = ["HELD", "EXPIRED", "CONFIRMED", "RELEASED", "CANCELLED", "RESCHEDULED"]

# Each list's filter cases: argument name -> value (a person's label, a state name, a time or a search text).
SEARCHES = ["hopper", "HOP grace", "ada", "o", "Dijkstra", "anna dij", "zzz", "  "]
SLOT_WINDOWS: list[dict[str, Any]] = [
    {},
    {"provider": "A"},
    {"provider": "D"},
    {"startFrom": DAY + 30 * MINUTES},
    {"startBefore": DAY + 45 * MINUTES},
    {"provider": "B", "startFrom": DAY + 15 * MINUTES, "startBefore": DAY + 75 * MINUTES},
    {"startFrom": SOON, "startBefore": SOON + 15 * MINUTES},
]
FILTERS: dict[str, list[dict[str, Any]]] = {
    "providers": [{}, *({"search": text} for text in SEARCHES)],
    "clients": [{}, *({"search": text} for text in SEARCHES)],
    "appointments": SLOT_WINDOWS,
    "availableAppointments": SLOT_WINDOWS,
    "reservations": [
        {},
        {"client": "X"},
        {"client": "W"},
        {"provider": "B"},
        {"provider": "D"},
        *({"state": state} for state in STATES),
        {"startFrom": DAY + 60 * MINUTES},
        {"startBefore": DAY + 30 * MINUTES},
        {"startFrom": SOON, "startBefore": DAY},
        {"client": "Y", "provider": "B", "state": "CONFIRMED"},
        {"provider": "A", "state": "HELD", "startFrom": DAY + 90 * MINUTES},
        {"client": "X", "startFrom": DAY + 30 * MINUTES, "startBefore": DAY + 90 * MINUTES},
    ],
}
ROWS: dict[str, Callable[[], list[Any]]] = {
    "providers": providers,
    "clients": clients,
    "appointments": appointments,
    "availableAppointments": available_appointments,
    "reservations": reservations,
}
DEFAULT_ORDER = {
    "providers": ["NAME_ASC"],
    "clients": ["NAME_ASC"],
    "appointments": ["TIME_SLOT_ASC"],
    "availableAppointments": ["TIME_SLOT_ASC"],
    "reservations": ["CREATED_DESC"],
}
# Orders of several values, most significant first (a value repeating a key is ignored).
MULTI_ORDERS = {
    "providers": [["NAME_DESC", "CREATED_ASC"], ["CREATED_DESC", "NAME_ASC"]],
    "clients": [["NAME_DESC", "CREATED_ASC"]],
    "appointments": [["TIME_SLOT_DESC", "TIME_SLOT_ASC"]],
    "availableAppointments": [["TIME_SLOT_DESC"]],
    "reservations": [
        ["CLIENT_NAME_ASC", "TIME_SLOT_DESC"],
        ["TIME_SLOT_ASC", "CLIENT_NAME_DESC"],
        ["CLIENT_NAME_DESC", "CREATED_ASC"],
    ],
}

CASES = [
    (field, order)
    for field in FILTERS
    for order in [None, *([value] for value in ENUM_VALUES[ORDER_TYPES[field]]), *MULTI_ORDERS[field]]
]


def matches(row: Any, filters: dict[str, Any], world: World) -> bool:
    """Whether ``row`` (a provider, client, slot or reservation) passes every filter of ``filters``."""
    slot: Any = row if isinstance(row, Appointment) else getattr(row, "appointment", None)
    checks: dict[str, Callable[[Any], bool]] = {
        "search": lambda text: name_matches(row, text),
        "provider": lambda label: slot.provider_id == world.providers[label].pk,
        "client": lambda label: row.client_id == world.clients[label].pk,
        "state": lambda name: isinstance(row, Reservation) and row.state_at(NOW).name == name,
        "startFrom": lambda time: slot.start_time >= time,
        "startBefore": lambda time: slot.start_time < time,
    }
    return all(checks[name](value) for name, value in filters.items())


def variables_of(filters: dict[str, Any], world: World) -> dict[str, Any]:
    """The GraphQL variables of ``filters``: global IDs for labels, ISO 8601 for times."""
    variables = {}
    for name, value in filters.items():
        if name in ("provider", "client"):
            value = world.id(value)
        elif isinstance(value, datetime):
            value = value.isoformat()
        variables[name] = value
    return variables


def fetch(graphql: GraphQL, field: str, variables: dict[str, Any]) -> list[int]:
    body = graphql(root_document(field, variables), {**variables, "first": 100})
    assert "errors" not in body, body
    assert not body["data"][field]["pageInfo"]["hasNextPage"]
    return pks(body["data"][field])


@pytest.mark.parametrize(("field", "order"), CASES, ids=lambda value: "+".join(value) if value else "default")
def test_root_list_filters_and_order(graphql: GraphQL, world: World, field: str, order: list[str] | None) -> None:
    rows = ROWS[field]()
    seen_nodes = set()
    for filters in FILTERS[field]:
        variables = variables_of(filters, world)
        if order is not None:
            variables["orderBy"] = order
        expected = ordered(
            [row for row in rows if matches(row, filters, world)], ORDER_TYPES[field], order or DEFAULT_ORDER[field]
        )

        assert fetch(graphql, field, variables) == expected, (field, filters, order)
        seen_nodes.update(expected)
    # The cases are not vacuous: together they show some nodes, and some case filters some out.
    assert seen_nodes
    assert any(len([row for row in rows if matches(row, filters, world)]) < len(rows) for filters in FILTERS[field][1:])


def test_an_empty_order_is_the_default(graphql: GraphQL, world: World) -> None:
    for field, default in DEFAULT_ORDER.items():
        assert fetch(graphql, field, {"orderBy": []}) == ordered(ROWS[field](), ORDER_TYPES[field], default), field


def test_orders_really_differ(graphql: GraphQL, world: World) -> None:
    """The world makes each sort value give its own order, so a value mapped to the wrong fields would show."""
    for field in FILTERS:
        results = {tuple(fetch(graphql, field, {"orderBy": [value]})) for value in ENUM_VALUES[ORDER_TYPES[field]]}
        assert len(results) == len(ENUM_VALUES[ORDER_TYPES[field]]), field


def test_the_state_filter_knows_every_state(graphql: GraphQL, world: World) -> None:
    found = {state: fetch(graphql, "reservations", {"state": state}) for state in STATES}

    assert all(found.values()), found
    assert sorted(pk for pks_ in found.values() for pk in pks_) == sorted(row.pk for row in reservations())


def test_last_and_before_follow_the_chosen_order(graphql: GraphQL, world: World) -> None:
    document = """query($before: String) {
        providers(last: 2, before: $before, orderBy: [CREATED_DESC]) { edges { cursor node { id } } }
    }"""
    everything = ordered(providers(), "ProviderOrder", ["CREATED_DESC"])

    body = graphql(document)
    assert pks(body["data"]["providers"]) == everything[-2:]
    cursor = body["data"]["providers"]["edges"][0]["cursor"]
    assert pks(graphql(document, {"before": cursor})["data"]["providers"]) == everything[-4:-2]
