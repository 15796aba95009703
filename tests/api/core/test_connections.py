"""Relay pagination of root and nested connections, and the input checks of the list filters.

Pages hold at most 100 nodes. Walking a connection with ``first``/``after`` until ``hasNextPage`` is false
must yield every node exactly once, in order. Bad pagination or filter input (an unknown cursor, a time
without offset, a global ID of the wrong type) is a client error with ``extensions.code`` BAD_USER_INPUT,
never an internal error.
"""

from datetime import datetime, timedelta
from typing import Any

import pytest

from reservation.models import Appointment, Provider
from tests.factories import NOW, gid, make_client, make_provider, make_reservation, make_slot
from tests.graphql import GraphQL, bad_user_input, node_ids

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

DAY_AFTER = NOW + timedelta(days=2)


def make_slots(provider: Provider, count: int, start: datetime = DAY_AFTER) -> list[Appointment]:
    return [make_slot(provider, start + timedelta(minutes=15 * index)) for index in range(count)]


def node_ids_of(slots: list[Appointment]) -> list[str]:
    return [gid("AppointmentType", slot.pk) for slot in slots]


def walk(
    graphql: GraphQL, document: str, path: list[str], variables: dict[str, Any], page_size: int
) -> list[list[str]]:
    """Follow ``endCursor`` through every page of the connection at ``path``; return the pages' node IDs."""
    pages: list[list[str]] = []
    after: str | None = None
    for _ in range(100):
        body = graphql(document, {**variables, "first": page_size, "after": after})
        assert "errors" not in body, body
        connection = body["data"]
        for key in path:
            connection = connection[key]
        pages.append(node_ids(connection))
        if not connection["pageInfo"]["hasNextPage"]:
            return pages
        assert connection["pageInfo"]["endCursor"] == connection["edges"][-1]["cursor"]
        after = connection["pageInfo"]["endCursor"]
    raise AssertionError("pagination did not end")


# --- root connections --------------------------------------------------------------------------------------

PROVIDERS_PAGE = """
query($first: Int, $after: String) {
  providers(first: $first, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } }
}
"""

APPOINTMENTS_PAGE = """
query($first: Int, $after: String, $provider: ID) {
  appointments(first: $first, after: $after, provider: $provider) {
    edges { cursor node { id } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


@pytest.fixture
def many_providers():
    Provider.objects.bulk_create(Provider(first_name="Grace", last_name=f"Hopper{index:03}") for index in range(101))


def test_root_connection_gives_100_nodes_when_asked_for_100(graphql, many_providers):
    body = graphql(PROVIDERS_PAGE, {"first": 100})

    assert len(body["data"]["providers"]["edges"]) == 100
    assert body["data"]["providers"]["pageInfo"]["hasNextPage"] is True


def test_root_connection_without_first_is_capped_at_100(graphql, many_providers):
    body = graphql("{ providers { edges { node { id } } pageInfo { hasNextPage } } }")

    assert len(body["data"]["providers"]["edges"]) == 100
    assert body["data"]["providers"]["pageInfo"]["hasNextPage"] is True


@pytest.mark.parametrize("first", [101, 1000])
def test_root_connection_refuses_more_than_100_without_failing_the_request(graphql, many_providers, first):
    body = graphql(PROVIDERS_PAGE, {"first": first})  # HTTP 200: asserted by the fixture

    assert body["data"] == {"providers": None}
    assert [error["path"] for error in body["errors"]] == [["providers"]]


@pytest.mark.parametrize("first", [101, -1])
def test_root_connection_out_of_range_first_is_bad_user_input(graphql, many_providers, first):
    body = graphql(PROVIDERS_PAGE, {"first": first})

    bad_user_input(body, ["providers"])


def test_walking_a_root_connection_yields_every_node_once_in_order(graphql):
    provider = make_provider()
    slots = make_slots(provider, 7)

    pages = walk(graphql, APPOINTMENTS_PAGE, ["appointments"], {}, page_size=3)

    assert [len(page) for page in pages] == [3, 3, 1]
    assert [node for page in pages for node in page] == node_ids_of(slots)


def test_walking_a_filtered_root_connection(graphql):
    provider = make_provider()
    other = make_provider("Alan", "Turing")
    make_slots(other, 4)
    slots = make_slots(provider, 4)

    pages = walk(graphql, APPOINTMENTS_PAGE, ["appointments"], {"provider": gid("ProviderType", provider.pk)}, 2)

    assert pages == [node_ids_of(slots[:2]), node_ids_of(slots[2:])]


def test_root_connection_with_an_invalid_cursor_is_bad_user_input(graphql):
    make_slots(make_provider(), 3)

    body = graphql(APPOINTMENTS_PAGE, {"first": 1, "after": "garbage"})

    bad_user_input(body, ["appointments"])


# --- nested connections --------------------------------------------------------------------------------------

PROVIDER_AVAILABLE_PAGE = """
query($id: ID!, $first: Int, $after: String) {
  node(id: $id) {
    ... on ProviderType {
      availableAppointments(first: $first, after: $after) {
        edges { cursor node { id } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
}
"""

PROVIDER_CLIENTS_PAGE = """
query($id: ID!, $first: Int, $after: String) {
  node(id: $id) {
    ... on ProviderType {
      clients(first: $first, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } }
    }
  }
}
"""

APPOINTMENT_RESERVATIONS_PAGE = """
query($id: ID!, $first: Int, $after: String) {
  node(id: $id) {
    ... on AppointmentType {
      reservations(first: $first, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } }
    }
  }
}
"""

CLIENT_EXPIRED_PAGE = """
query($id: ID!, $first: Int, $after: String) {
  node(id: $id) {
    ... on ClientType {
      expiredReservations(first: $first, after: $after) {
        edges { cursor node { id } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
}
"""


@pytest.mark.parametrize(("count", "page_size", "sizes"), [(5, 2, [2, 2, 1]), (4, 2, [2, 2]), (3, 5, [3]), (0, 2, [0])])
def test_walking_nested_available_appointments(graphql, count, page_size, sizes):
    provider = make_provider()
    slots = make_slots(provider, count)

    pages = walk(
        graphql,
        PROVIDER_AVAILABLE_PAGE,
        ["node", "availableAppointments"],
        {"id": gid("ProviderType", provider.pk)},
        page_size,
    )

    assert [len(page) for page in pages] == sizes
    assert [node for page in pages for node in page] == node_ids_of(slots)


def test_nested_page_info_of_a_middle_page(graphql):
    provider = make_provider()
    make_slots(provider, 5)
    first_page = graphql(PROVIDER_AVAILABLE_PAGE, {"id": gid("ProviderType", provider.pk), "first": 2})

    cursor = first_page["data"]["node"]["availableAppointments"]["pageInfo"]["endCursor"]
    body = graphql(PROVIDER_AVAILABLE_PAGE, {"id": gid("ProviderType", provider.pk), "first": 2, "after": cursor})

    page = body["data"]["node"]["availableAppointments"]
    assert page["pageInfo"] == {"hasNextPage": True, "endCursor": page["edges"][-1]["cursor"]}
    assert page["edges"][0]["cursor"] != cursor


def test_walking_provider_clients_yields_each_client_once(graphql):
    provider = make_provider()
    names = ["Dijkstra", "Hoare", "Knuth", "Liskov", "Lovelace"]
    clients = [make_client("X", name) for name in names]
    slots = iter(make_slots(provider, 10))
    for patient in clients:
        # Two bookings each: the connection must still list every client once.
        make_reservation(patient, next(slots), NOW, confirmed=True)
        make_reservation(patient, next(slots), NOW, confirmed=True)

    pages = walk(graphql, PROVIDER_CLIENTS_PAGE, ["node", "clients"], {"id": gid("ProviderType", provider.pk)}, 2)

    assert [len(page) for page in pages] == [2, 2, 1]
    assert [node for page in pages for node in page] == [gid("ClientType", patient.pk) for patient in clients]


def test_walking_appointment_reservations_newest_first(graphql):
    slot = make_slot(make_provider(), DAY_AFTER)
    patient = make_client()
    holds = [make_reservation(patient, slot, NOW - timedelta(hours=hours)) for hours in (5, 4, 3, 2, 1)]

    pages = walk(
        graphql, APPOINTMENT_RESERVATIONS_PAGE, ["node", "reservations"], {"id": gid("AppointmentType", slot.pk)}, 2
    )

    assert [node for page in pages for node in page] == [gid("ReservationType", hold.pk) for hold in reversed(holds)]


def test_walking_client_expired_reservations(graphql):
    patient = make_client()
    provider = make_provider()
    expired = [make_reservation(patient, slot, NOW - timedelta(hours=1)) for slot in make_slots(provider, 3)]
    make_reservation(patient, make_slot(provider, DAY_AFTER + timedelta(hours=3)), NOW)  # still held

    pages = walk(
        graphql, CLIENT_EXPIRED_PAGE, ["node", "expiredReservations"], {"id": gid("ClientType", patient.pk)}, 2
    )

    assert pages == [
        [gid("ReservationType", hold.pk) for hold in expired[:2]],
        [gid("ReservationType", expired[2].pk)],
    ]


def test_nested_pages_are_per_parent(graphql):
    hopper = make_provider("Grace", "Hopper")
    turing = make_provider("Alan", "Turing")
    hopper_slots = make_slots(hopper, 3)
    turing_slots = make_slots(turing, 1)

    body = graphql(
        """{ providers { edges { node { id
            availableAppointments(first: 2) { edges { node { id } } pageInfo { hasNextPage } }
        } } } }"""
    )

    by_provider = {
        edge["node"]["id"]: edge["node"]["availableAppointments"] for edge in body["data"]["providers"]["edges"]
    }
    assert node_ids(by_provider[gid("ProviderType", hopper.pk)]) == node_ids_of(hopper_slots[:2])
    assert by_provider[gid("ProviderType", hopper.pk)]["pageInfo"]["hasNextPage"] is True
    assert node_ids(by_provider[gid("ProviderType", turing.pk)]) == node_ids_of(turing_slots)
    assert by_provider[gid("ProviderType", turing.pk)]["pageInfo"]["hasNextPage"] is False


def test_nested_first_zero_returns_no_edges_but_reports_a_next_page(graphql):
    provider = make_provider()
    make_slots(provider, 1)

    body = graphql(PROVIDER_AVAILABLE_PAGE, {"id": gid("ProviderType", provider.pk), "first": 0})

    assert body["data"]["node"]["availableAppointments"] == {
        "edges": [],
        "pageInfo": {"hasNextPage": True, "endCursor": None},
    }


def test_nested_first_100_is_allowed(graphql):
    provider = make_provider()
    Appointment.objects.bulk_create(
        Appointment(provider=provider, start_time=start, end_time=start + timedelta(minutes=15))
        for start in (DAY_AFTER + timedelta(minutes=15 * index) for index in range(101))
    )

    body = graphql(PROVIDER_AVAILABLE_PAGE, {"id": gid("ProviderType", provider.pk), "first": 100})

    assert len(body["data"]["node"]["availableAppointments"]["edges"]) == 100
    assert body["data"]["node"]["availableAppointments"]["pageInfo"]["hasNextPage"] is True


@pytest.mark.parametrize("first", [101, -1])
def test_nested_first_out_of_range_is_bad_user_input(graphql, first):
    provider = make_provider()

    body = graphql(PROVIDER_AVAILABLE_PAGE, {"id": gid("ProviderType", provider.pk), "first": first})

    message = bad_user_input(body, ["node", "availableAppointments"])
    assert "between 0 and 100" in message
    # Nested connections are nullable: only the connection is nulled, its parent node survives.
    assert body["data"] == {"node": {"availableAppointments": None}}


@pytest.mark.parametrize(
    "cursor",
    ["garbage", "YXJyYXljb25uZWN0aW9uOi0x", "Zm9vOjE="],
    ids=["not-base64", "negative-offset", "foreign-prefix"],
)
def test_nested_invalid_cursor_is_bad_user_input(graphql, cursor):
    provider = make_provider()
    make_slots(provider, 3)

    body = graphql(PROVIDER_AVAILABLE_PAGE, {"id": gid("ProviderType", provider.pk), "first": 1, "after": cursor})

    assert "cursor" in bad_user_input(body, ["node", "availableAppointments"])


def test_nested_error_keeps_the_rest_of_the_response(graphql):
    provider = make_provider()
    make_slots(provider, 2)

    body = graphql(
        """query($id: ID!) {
            broken: node(id: $id) {
                ... on ProviderType { availableAppointments(after: "garbage") { edges { cursor } } }
            }
            fine: node(id: $id) { ... on ProviderType { availableAppointments { edges { cursor } } } }
        }""",
        {"id": gid("ProviderType", provider.pk)},
    )

    bad_user_input(body, ["broken", "availableAppointments"])
    assert body["data"]["broken"] == {"availableAppointments": None}
    assert len(body["data"]["fine"]["availableAppointments"]["edges"]) == 2


# --- filters -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["appointments", "availableAppointments"])
@pytest.mark.parametrize("argument", ["startFrom", "startBefore"])
def test_root_time_filter_without_offset_is_bad_user_input(graphql, field, argument):
    body = graphql(f'{{ {field}({argument}: "2030-01-09T09:00:00") {{ edges {{ node {{ id }} }} }} }}')

    assert bad_user_input(body, [field]).startswith(f"{argument}:")
    assert body["data"] == {field: None}


@pytest.mark.parametrize("connection", ["availableAppointments", "confirmedAppointments"])
@pytest.mark.parametrize("argument", ["startFrom", "startBefore"])
def test_nested_time_filter_without_offset_is_bad_user_input(graphql, connection, argument):
    provider = make_provider()

    body = graphql(
        f"""query($id: ID!) {{ node(id: $id) {{ ... on ProviderType {{
            {connection}({argument}: "2030-01-09T09:00:00") {{ edges {{ node {{ id }} }} }}
        }} }} }}""",
        {"id": gid("ProviderType", provider.pk)},
    )

    assert f"`{argument}`" in bad_user_input(body, ["node", connection])


@pytest.mark.parametrize(
    ("field", "argument", "value"),
    [
        ("appointments", "provider", "client"),
        ("appointments", "provider", "garbage"),
        ("availableAppointments", "provider", "client"),
        ("reservations", "provider", "client"),
        ("reservations", "client", "provider"),
        ("reservations", "client", "garbage"),
    ],
)
def test_filter_by_an_id_of_the_wrong_type_is_bad_user_input(graphql, field, argument, value):
    provider = make_provider()
    patient = make_client()
    ids = {"client": gid("ClientType", patient.pk), "provider": gid("ProviderType", provider.pk), "garbage": "garbage"}

    body = graphql(f'{{ {field}({argument}: "{ids[value]}") {{ edges {{ node {{ id }} }} }} }}')

    assert bad_user_input(body, [field]).startswith(f"{argument}:")


def test_filter_by_an_unknown_state_fails_validation_and_lists_the_states(graphql):
    body = graphql("{ reservations(state: PENDING) { edges { node { id } } } }", expect_status=400)

    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "Allowed values: HELD, EXPIRED, CONFIRMED" in body["errors"][0]["message"]
