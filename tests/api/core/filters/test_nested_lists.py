"""Every nested list, with its filters and every sort order, for every parent at once (one batch per level).

The parents are listed by a root list, so each nested page comes from the batched loader (`load_page`) that
ranks each parent's children with a window function in the order asked; each parent's nodes must be exactly
what Python works out, in order. Aliases asking the same connection with different arguments in one request
must not share a batch.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from reservation.models import Appointment, Reservation, ReservationState
from tests.api.core.filters import pks
from tests.api.core.filters.conftest import DAY, SOON, World
from tests.api.core.filters.expected import ENUM_VALUES, appointments, available_appointments, ordered, reservations
from tests.factories import NOW
from tests.graphql import GraphQL

MINUTES = timedelta(minutes=1)
STATES = ["HELD", "EXPIRED", "CONFIRMED", "RELEASED", "CANCELLED", "RESCHEDULED"]
WINDOWS: list[dict[str, Any]] = [
    {},
    {"startFrom": DAY + 30 * MINUTES},
    {"startBefore": DAY + 45 * MINUTES},
    {"startFrom": DAY + 15 * MINUTES, "startBefore": DAY + 75 * MINUTES},
    {"startFrom": SOON, "startBefore": DAY},
]
ARGUMENT_TYPES = {"startFrom": "DateTime", "startBefore": "DateTime", "state": "ReservationState"}


def confirmed(reservation: Reservation) -> bool:
    return reservation.state_at(NOW) is ReservationState.CONFIRMED


def in_window(start: datetime, window: dict[str, Any]) -> bool:
    return window.get("startFrom", start) <= start and ("startBefore" not in window or start < window["startBefore"])


class Nested:
    """One nested connection: its parent list, its enum, default order, filter cases and expected children."""

    def __init__(
        self,
        parent: str,
        connection: str,
        enum: str,
        default: list[str],
        filters: list[dict[str, Any]],
        children: Callable[[int, dict[str, Any]], list[Any]],
        child_pk: Callable[[Any], int] | None = None,
    ) -> None:
        self.parent, self.connection, self.enum, self.default = parent, connection, enum, default
        self.filters, self.children, self.child_pk = filters, children, child_pk

    def __str__(self) -> str:
        return f"{self.parent}.{self.connection}"

    def document(self, arguments: list[str]) -> str:
        types = {name: ARGUMENT_TYPES.get(name, f"[{self.enum}!]") for name in arguments}
        declared = ", ".join(f"${name}: {kind}" for name, kind in types.items())
        passed = "".join(f", {name}: ${name}" for name in arguments)
        return (
            f"query{f'({declared})' if declared else ''} {{ {self.parent}(first: 50) {{ edges {{ node {{ id "
            f"{self.connection}(first: 50{passed}) {{ edges {{ node {{ id }} }} pageInfo {{ hasNextPage }} }} "
            "} } pageInfo { hasNextPage } } }"
        )

    def expected(self, parent_pk: int, filters: dict[str, Any], order: list[str] | None) -> list[int]:
        return ordered(self.children(parent_pk, filters), self.enum, order or self.default, self.child_pk)


def slots_of(source: Callable[[], list[Appointment]]) -> Callable[[int, dict[str, Any]], list[Appointment]]:
    def children(provider_pk: int, window: dict[str, Any]) -> list[Appointment]:
        return [slot for slot in source() if slot.provider_id == provider_pk and in_window(slot.start_time, window)]

    return children


def confirmed_slots() -> list[Appointment]:
    booked = {reservation.appointment_id for reservation in reservations() if confirmed(reservation)}
    return [slot for slot in appointments() if slot.pk in booked]


def reservations_in(state: ReservationState) -> Callable[[int, dict[str, Any]], list[Reservation]]:
    def children(client_pk: int, window: dict[str, Any]) -> list[Reservation]:
        return [
            reservation
            for reservation in reservations()
            if reservation.client_id == client_pk
            and reservation.state_at(NOW) is state
            and in_window(reservation.appointment.start_time, window)
        ]

    return children


def reservations_of_slot(slot_pk: int, filters: dict[str, Any]) -> list[Reservation]:
    return [
        reservation
        for reservation in reservations()
        if reservation.appointment_id == slot_pk
        and ("state" not in filters or reservation.state_at(NOW).name == filters["state"])
    ]


def clients_of(provider_pk: int, filters: dict[str, Any]) -> list[Any]:
    booked = [r for r in reservations() if confirmed(r) and r.appointment.provider_id == provider_pk]
    return list({reservation.client_id: reservation.client for reservation in booked}.values())


def providers_of(client_pk: int, filters: dict[str, Any]) -> list[Any]:
    booked = [r for r in reservations() if confirmed(r) and r.client_id == client_pk]
    return list({r.appointment.provider_id: r.appointment.provider for r in booked}.values())


NESTED = [
    Nested(
        "providers",
        "availableAppointments",
        "AppointmentOrder",
        ["TIME_SLOT_ASC"],
        WINDOWS,
        slots_of(available_appointments),
    ),
    Nested(
        "providers", "confirmedAppointments", "AppointmentOrder", ["TIME_SLOT_ASC"], WINDOWS, slots_of(confirmed_slots)
    ),
    *(
        Nested("clients", connection, "ReservationOrder", ["TIME_SLOT_ASC"], WINDOWS, reservations_in(state))
        for connection, state in (
            ("activeReservations", ReservationState.HELD),
            ("confirmedReservations", ReservationState.CONFIRMED),
            ("expiredReservations", ReservationState.EXPIRED),
        )
    ),
    Nested(
        "appointments",
        "reservations",
        "ReservationOrder",
        ["CREATED_DESC"],
        [{}, *({"state": state} for state in STATES)],
        reservations_of_slot,
    ),
    Nested("providers", "clients", "ClientOrder", ["NAME_ASC"], [{}], clients_of),
    Nested("clients", "providers", "ProviderOrder", ["NAME_ASC"], [{}], providers_of),
]
MULTI_ORDERS = {
    "AppointmentOrder": [["TIME_SLOT_DESC", "TIME_SLOT_ASC"]],
    "ReservationOrder": [["CLIENT_NAME_ASC", "TIME_SLOT_DESC"], ["CLIENT_NAME_DESC", "CREATED_ASC"]],
    "ClientOrder": [["NAME_DESC", "CREATED_ASC"]],
    "ProviderOrder": [["CREATED_DESC", "NAME_ASC"]],
}
CASES = [
    pytest.param(nested, order, id=f"{nested}-{'+'.join(order) if order else 'default'}")
    for nested in NESTED
    for order in [None, *([value] for value in ENUM_VALUES[nested.enum]), *MULTI_ORDERS[nested.enum]]
]


def variables_of(filters: dict[str, Any]) -> dict[str, Any]:
    return {name: value.isoformat() if isinstance(value, datetime) else value for name, value in filters.items()}


def fetch(graphql: GraphQL, nested: Nested, variables: dict[str, Any]) -> dict[int, list[int]]:
    """Each parent's children (primary keys, in order), from one request."""
    body = graphql(nested.document(list(variables)), variables)
    assert "errors" not in body, body
    parents = body["data"][nested.parent]
    assert not parents["pageInfo"]["hasNextPage"]
    result = {}
    for edge in parents["edges"]:
        page = edge["node"][nested.connection]
        assert not page["pageInfo"]["hasNextPage"]
        result[pks({"edges": [edge]})[0]] = pks(page)
    return result


@pytest.mark.parametrize(("nested", "order"), CASES)
def test_nested_list_filters_and_order(graphql: GraphQL, world: World, nested: Nested, order: list[str] | None) -> None:
    non_empty = 0
    for filters in nested.filters:
        variables = variables_of(filters)
        if order is not None:
            variables["orderBy"] = order

        found = fetch(graphql, nested, variables)

        expected = {parent_pk: nested.expected(parent_pk, filters, order) for parent_pk in found}
        assert found == expected, (str(nested), filters, order)
        non_empty += sum(1 for children in expected.values() if len(children) > 1)
    assert non_empty, "no parent has two children to order"


def test_aliases_with_different_arguments_do_not_share_a_batch(graphql: GraphQL, world: World) -> None:
    body = graphql(
        """query($from: DateTime) { providers(first: 10) { edges { node { id
            asc: availableAppointments(first: 3, orderBy: [TIME_SLOT_ASC]) { edges { node { id } } }
            desc: availableAppointments(first: 3, orderBy: [TIME_SLOT_DESC]) { edges { node { id } } }
            late: availableAppointments(first: 3, orderBy: [TIME_SLOT_DESC], startFrom: $from) { edges { node { id } } }
            byName: clients(orderBy: [NAME_ASC]) { edges { node { id } } }
            byNameDesc: clients(orderBy: [NAME_DESC]) { edges { node { id } } }
        } } } }""",
        {"from": (DAY + 60 * MINUTES).isoformat()},
    )

    assert "errors" not in body, body
    available = available_appointments()
    for edge in body["data"]["providers"]["edges"]:
        provider_pk = pks({"edges": [edge]})[0]
        node = edge["node"]
        own = [slot for slot in available if slot.provider_id == provider_pk]
        late = [slot for slot in own if slot.start_time >= DAY + 60 * MINUTES]
        assert pks(node["asc"]) == ordered(own, "AppointmentOrder", ["TIME_SLOT_ASC"])[:3]
        assert pks(node["desc"]) == ordered(own, "AppointmentOrder", ["TIME_SLOT_DESC"])[:3]
        assert pks(node["late"]) == ordered(late, "AppointmentOrder", ["TIME_SLOT_DESC"])[:3]
        assert pks(node["byNameDesc"]) == pks(node["byName"])[::-1]


@pytest.mark.parametrize("nested", NESTED, ids=str)
def test_the_default_order_is_unchanged_without_order_by(graphql: GraphQL, world: World, nested: Nested) -> None:
    """``orderBy: []`` and no ``orderBy`` give the connection's documented order."""
    assert fetch(graphql, nested, {"orderBy": []}) == fetch(graphql, nested, {})
