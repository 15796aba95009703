"""Bad filter and sort input is a typed client error, never an internal one.

An ``orderBy`` value that is not in the list's enum (a typo, another list's value, lower case) is refused by
GraphQL validation before anything runs: GRAPHQL_VALIDATION_FAILED, HTTP 400. A value GraphQL cannot check,
such as an unknown ``state`` or a time without offset, is BAD_USER_INPUT on the list concerned, which is null,
while the rest of the response is kept.
"""

from typing import Any

import pytest

from tests.api.core.filters.conftest import World
from tests.api.core.filters.expected import ENUM_VALUES
from tests.graphql import GraphQL, bad_user_input, error_codes

pytestmark = pytest.mark.usefixtures("frozen")

# Every list taking orderBy: (root list, nested list under each of its nodes or None, the enum).
SORTABLE = {
    "providers": ("providers", None, "ProviderOrder"),
    "clients": ("clients", None, "ClientOrder"),
    "appointments": ("appointments", None, "AppointmentOrder"),
    "availableAppointments": ("availableAppointments", None, "AppointmentOrder"),
    "reservations": ("reservations", None, "ReservationOrder"),
    "ProviderType.clients": ("providers", "clients", "ClientOrder"),
    "ProviderType.availableAppointments": ("providers", "availableAppointments", "AppointmentOrder"),
    "ProviderType.confirmedAppointments": ("providers", "confirmedAppointments", "AppointmentOrder"),
    "ClientType.providers": ("clients", "providers", "ProviderOrder"),
    "ClientType.activeReservations": ("clients", "activeReservations", "ReservationOrder"),
    "ClientType.confirmedReservations": ("clients", "confirmedReservations", "ReservationOrder"),
    "ClientType.expiredReservations": ("clients", "expiredReservations", "ReservationOrder"),
    "AppointmentType.reservations": ("appointments", "reservations", "ReservationOrder"),
}


def sorted_document(listing: str, order: str) -> str:
    """A query of ``listing`` (a key of `SORTABLE`) with ``orderBy: order`` (a literal or a variable)."""
    root, nested, _ = SORTABLE[listing]
    ids = "{ edges { node { id } } }"
    if nested is None:
        return "{ " + root + "(orderBy: " + order + ") " + ids + " }"
    return "{ " + root + " { edges { node { " + nested + "(orderBy: " + order + ") " + ids + " } } } }"


# Values that are in no list's enum, or in another list's only.
FOREIGN_VALUE = {
    "ProviderOrder": "TIME_SLOT_ASC",
    "ClientOrder": "TIME_SLOT_DESC",
    "AppointmentOrder": "NAME_ASC",
    "ReservationOrder": "NAME_DESC",
}


def validation_failed(body: dict[str, Any]) -> str:
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"], body
    assert "data" not in body
    message: str = body["errors"][0]["message"]
    return message


@pytest.mark.parametrize("listing", SORTABLE)
@pytest.mark.parametrize("value", ["NAME_UP", "name_asc", "foreign", '"NAME_ASC"'])
def test_an_unknown_order_literal_is_a_validation_error(graphql: GraphQL, listing: str, value: str) -> None:
    enum = SORTABLE[listing][2]
    order = FOREIGN_VALUE[enum] if value == "foreign" else value

    message = validation_failed(graphql(sorted_document(listing, f"[{order}]"), expect_status=400))

    assert enum in message


@pytest.mark.parametrize("listing", SORTABLE)
def test_an_unknown_order_variable_is_a_validation_error(graphql: GraphQL, listing: str) -> None:
    enum = SORTABLE[listing][2]
    query = "query($order: [" + enum + "!]) " + sorted_document(listing, "$order")

    message = validation_failed(graphql(query, {"order": ["SIDEWAYS"]}, expect_status=400))

    assert "SIDEWAYS" in message
    assert "errors" not in graphql(query, {"order": ENUM_VALUES[enum]})  # every value of its own enum is fine


def test_a_null_inside_the_order_list_is_a_validation_error(graphql: GraphQL) -> None:
    body = graphql(
        "query($order: [ProviderOrder]) { providers(orderBy: $order) { edges { node { id } } } }",
        {"order": [None]},
        expect_status=400,
    )

    validation_failed(body)


ALLOWED_STATES = "Allowed values: HELD, EXPIRED, CONFIRMED, RELEASED, CANCELLED, RESCHEDULED."


@pytest.mark.parametrize("state", ["PENDING", "held", "", "BOOKED"])
def test_an_unknown_state_on_the_root_list_fails_validation_listing_the_states(graphql: GraphQL, state: str) -> None:
    body = graphql(
        "query($state: ReservationState) { reservations(state: $state) { edges { node { id } } } }",
        {"state": state},
        expect_status=400,
    )

    validation_failed(body)
    assert body["errors"][0]["message"].endswith(ALLOWED_STATES)


@pytest.mark.parametrize("literal", ["PENDING", '"held"', '"HELD"'])
def test_an_unknown_state_literal_on_a_slots_reservations_lists_the_states(
    graphql: GraphQL, world: World, literal: str
) -> None:
    body = graphql(
        f"""query($id: ID!) {{ node(id: $id) {{ ... on AppointmentType {{ id
            reservations(state: {literal}) {{ edges {{ node {{ id }} }} }}
        }} }} }}""",
        {"id": world.id("A6")},
        expect_status=400,
    )

    validation_failed(body)
    assert body["errors"][0]["message"].endswith(ALLOWED_STATES)


def test_an_unknown_order_lists_the_orders(graphql: GraphQL) -> None:
    body = graphql("{ providers(orderBy: [NAME]) { edges { node { id } } } }", expect_status=400)

    assert body["errors"][0]["message"].endswith("Allowed values: NAME_ASC, NAME_DESC, CREATED_ASC, CREATED_DESC.")


@pytest.mark.parametrize("nested", [False, True])
def test_a_state_is_an_enum_value(graphql: GraphQL, world: World, nested: bool) -> None:
    if nested:
        document = """query($id: ID!) { node(id: $id) { ... on AppointmentType {
            reservations(state: EXPIRED) { edges { node { state } } } } } }"""
        body = graphql(document, {"id": world.id("A6")})
        edges = body["data"]["node"]["reservations"]["edges"]
    else:
        body = graphql("{ reservations(state: EXPIRED) { edges { node { state } } } }")
        edges = body["data"]["reservations"]["edges"]

    assert "errors" not in body, body
    assert edges
    assert {edge["node"]["state"] for edge in edges} == {"EXPIRED"}


@pytest.mark.parametrize("argument", ["startFrom", "startBefore"])
def test_a_reservation_window_without_offset_is_bad_user_input(graphql: GraphQL, argument: str) -> None:
    body = graphql(f'{{ reservations({argument}: "2030-01-09T09:00:00") {{ edges {{ node {{ id }} }} }} }}')

    assert bad_user_input(body, ["reservations"]).startswith(f"{argument}:")


@pytest.mark.parametrize("connection", ["activeReservations", "confirmedReservations", "expiredReservations"])
@pytest.mark.parametrize("argument", ["startFrom", "startBefore"])
def test_a_nested_reservation_window_without_offset_is_bad_user_input(
    graphql: GraphQL, world: World, connection: str, argument: str
) -> None:
    body = graphql(
        f"""query($id: ID!) {{ node(id: $id) {{ ... on ClientType {{
            {connection}({argument}: "2030-01-09T09:00:00") {{ edges {{ node {{ id }} }} }}
        }} }} }}""",
        {"id": world.id("X")},
    )

    assert f"`{argument}`" in bad_user_input(body, ["node", connection])


@pytest.mark.parametrize("field", ["providers", "clients"])
def test_a_search_is_not_a_pattern(graphql: GraphQL, world: World, field: str) -> None:
    """``%`` and ``_`` are matched literally (Django escapes them in ``icontains``)."""
    for text in ("%", "_", "Hop%er"):
        body = graphql(
            f"query($text: String) {{ {field}(search: $text) {{ edges {{ node {{ id }} }} }} }}", {"text": text}
        )
        assert body == {"data": {field: {"edges": []}}}
