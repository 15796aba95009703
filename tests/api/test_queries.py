"""Read queries through /graphql: `node`, the root lists, and every nested field of each type.

States and availability are judged at the request's instant under a frozen clock. Appointments are ordered
by ``timeSlot`` (ties by id), people by last then first name, root reservations newest first, a client's
reservation lists by slot start time.
"""

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reservation.models import Appointment, Provider
from tests.api import node_ids
from tests.conftest import GraphQL
from tests.factories import NOW, gid, make_client, make_provider, make_reservation, make_slot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

DAY_AFTER = NOW + timedelta(days=2)


def data(graphql: GraphQL, document: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    body = graphql(document, variables)
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]
    return result


# --- node ------------------------------------------------------------------------------------------------


def test_node_resolves_a_provider(graphql):
    provider = make_provider()

    result = data(
        graphql,
        "query($id: ID!) { node(id: $id) { id ... on ProviderType { firstName lastName } } }",
        {"id": gid("ProviderType", provider.pk)},
    )

    assert result["node"] == {"id": gid("ProviderType", provider.pk), "firstName": "Grace", "lastName": "Hopper"}


def test_node_resolves_a_client(graphql):
    patient = make_client()

    result = data(
        graphql,
        "query($id: ID!) { node(id: $id) { id ... on ClientType { firstName lastName } } }",
        {"id": gid("ClientType", patient.pk)},
    )

    assert result["node"] == {"id": gid("ClientType", patient.pk), "firstName": "Ada", "lastName": "Lovelace"}


def test_node_resolves_an_appointment(graphql):
    slot = make_slot(make_provider(), DAY_AFTER)

    result = data(
        graphql,
        "query($id: ID!) { node(id: $id) { id ... on AppointmentType { timeSlot endTime } } }",
        {"id": gid("AppointmentType", slot.pk)},
    )

    assert result["node"] == {
        "id": gid("AppointmentType", slot.pk),
        "timeSlot": "2030-01-09T09:00:00+00:00",
        "endTime": "2030-01-09T09:15:00+00:00",
    }


def test_node_resolves_a_reservation(graphql):
    hold = make_reservation(make_client(), make_slot(make_provider(), DAY_AFTER), NOW - timedelta(minutes=10))

    result = data(
        graphql,
        "query($id: ID!) { node(id: $id) { id ... on ReservationType { state expiry reservedAt } } }",
        {"id": gid("ReservationType", hold.pk)},
    )

    assert result["node"] == {
        "id": gid("ReservationType", hold.pk),
        "state": "HELD",
        "expiry": "2030-01-07T09:20:00+00:00",
        "reservedAt": "2030-01-07T08:50:00+00:00",
    }


def test_node_of_a_missing_row_is_null(graphql):
    provider = make_provider()

    result = data(graphql, "query($id: ID!) { node(id: $id) { id } }", {"id": gid("ProviderType", provider.pk + 1)})

    assert result == {"node": None}


def test_node_dispatches_on_the_type_inside_the_id(graphql):
    patient = make_client()
    # A provider with the same primary key: only the type inside the global ID tells them apart.
    Provider.objects.create(pk=patient.pk, first_name="Grace", last_name="Hopper")

    result = data(
        graphql,
        "query($id: ID!) { node(id: $id) { __typename ... on ClientType { lastName } } }",
        {"id": gid("ClientType", patient.pk)},
    )

    assert result == {"node": {"__typename": "ClientType", "lastName": "Lovelace"}}


def test_node_with_a_malformed_id_is_a_client_error(graphql):
    body = graphql('{ node(id: "garbage") { id } }')

    assert body["data"] == {"node": None}
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


# --- providers and clients ---------------------------------------------------------------------------------


def test_providers_are_ordered_by_last_then_first_name_then_id(graphql):
    turing = make_provider("Alan", "Turing")
    hopper_grace = make_provider("Grace", "Hopper")
    hopper_alice = make_provider("Alice", "Hopper")
    hopper_alice_again = make_provider("Alice", "Hopper")

    result = data(graphql, "{ providers { edges { node { id } } } }")

    assert node_ids(result["providers"]) == [
        gid("ProviderType", provider.pk) for provider in (hopper_alice, hopper_alice_again, hopper_grace, turing)
    ]


def test_clients_are_ordered_by_last_then_first_name(graphql):
    knuth = make_client("Donald", "Knuth")
    dijkstra = make_client("Edsger", "Dijkstra")
    liskov = make_client("Barbara", "Liskov")

    result = data(graphql, "{ clients { edges { node { id firstName lastName } } } }")

    assert [edge["node"]["lastName"] for edge in result["clients"]["edges"]] == ["Dijkstra", "Knuth", "Liskov"]
    assert node_ids(result["clients"]) == [gid("ClientType", client.pk) for client in (dijkstra, knuth, liskov)]


# --- appointments --------------------------------------------------------------------------------------------

APPOINTMENTS = """
query($provider: ID, $startFrom: DateTime, $startBefore: DateTime) {
  appointments(provider: $provider, startFrom: $startFrom, startBefore: $startBefore) {
    edges { node { id timeSlot provider { id } } }
  }
}
"""


@pytest.fixture
def two_schedules():
    """Hopper (created first) and Turing, each with slots at 09:00, 09:15 and 09:30 two days ahead.

    Turing's 09:00 slot is created before Hopper's, so at equal times id order differs from provider order.
    """
    hopper = make_provider("Grace", "Hopper")
    turing = make_provider("Alan", "Turing")
    turing_9 = make_slot(turing, DAY_AFTER)
    hopper_9 = make_slot(hopper, DAY_AFTER)
    hopper_930 = make_slot(hopper, DAY_AFTER + timedelta(minutes=30))
    turing_930 = make_slot(turing, DAY_AFTER + timedelta(minutes=30))
    hopper_915 = make_slot(hopper, DAY_AFTER + timedelta(minutes=15))
    turing_915 = make_slot(turing, DAY_AFTER + timedelta(minutes=15))
    return {
        "hopper": hopper,
        "turing": turing,
        "order": [turing_9, hopper_9, hopper_915, turing_915, hopper_930, turing_930],
    }


def test_appointments_are_ordered_by_time_slot_then_id(graphql, two_schedules):
    result = data(graphql, APPOINTMENTS)

    assert node_ids(result["appointments"]) == [gid("AppointmentType", slot.pk) for slot in two_schedules["order"]]


def test_appointments_filter_by_provider(graphql, two_schedules):
    hopper = two_schedules["hopper"]

    result = data(graphql, APPOINTMENTS, {"provider": gid("ProviderType", hopper.pk)})

    nodes = [edge["node"] for edge in result["appointments"]["edges"]]
    assert [node["timeSlot"] for node in nodes] == [
        "2030-01-09T09:00:00+00:00",
        "2030-01-09T09:15:00+00:00",
        "2030-01-09T09:30:00+00:00",
    ]
    assert {node["provider"]["id"] for node in nodes} == {gid("ProviderType", hopper.pk)}


def test_appointments_filter_start_from_is_inclusive_and_start_before_exclusive(graphql, two_schedules):
    result = data(
        graphql,
        APPOINTMENTS,
        {
            "provider": gid("ProviderType", two_schedules["turing"].pk),
            "startFrom": "2030-01-09T09:15:00+00:00",
            "startBefore": "2030-01-09T09:30:00+00:00",
        },
    )

    assert [edge["node"]["timeSlot"] for edge in result["appointments"]["edges"]] == ["2030-01-09T09:15:00+00:00"]


def test_appointments_filter_accepts_an_offset(graphql, two_schedules):
    # 11:15+02:00 is 09:15 UTC.
    result = data(graphql, APPOINTMENTS, {"startFrom": "2030-01-09T11:15:00+02:00"})

    assert len(result["appointments"]["edges"]) == 4


def test_appointments_include_every_state(graphql):
    provider = make_provider()
    patient = make_client()
    make_reservation(patient, make_slot(provider, DAY_AFTER), NOW, confirmed=True)
    make_reservation(patient, make_slot(provider, DAY_AFTER + timedelta(minutes=15)), NOW)
    make_slot(provider, NOW + timedelta(hours=1))

    result = data(graphql, APPOINTMENTS)

    assert len(result["appointments"]["edges"]) == 3


# --- availableAppointments ------------------------------------------------------------------------------------

AVAILABLE = """
query($provider: ID) { availableAppointments(provider: $provider) { edges { node { id timeSlot } } } }
"""


@pytest.fixture
def availability():
    """Slots of one provider in every situation, named by what a client should see now (NOW)."""
    provider = make_provider()
    patient = make_client()
    other = make_client("Edsger", "Dijkstra")

    def slot(minutes: int) -> Appointment:
        return make_slot(provider, DAY_AFTER + timedelta(minutes=minutes))

    free = slot(0)
    held = slot(15)
    make_reservation(patient, held, NOW - timedelta(minutes=10))
    held_for_29_59 = slot(30)
    make_reservation(other, held_for_29_59, NOW - timedelta(minutes=29, seconds=59))
    expired_exactly = slot(45)
    make_reservation(patient, expired_exactly, NOW - timedelta(minutes=30))
    expired_long_ago = slot(60)
    make_reservation(other, expired_long_ago, NOW - timedelta(hours=5))
    booked = slot(75)
    make_reservation(patient, booked, NOW - timedelta(hours=1), confirmed=True)
    too_soon = make_slot(provider, NOW + timedelta(hours=23, minutes=45))
    exactly_24h = make_slot(provider, NOW + timedelta(hours=24))
    return {
        "provider": provider,
        "held_for_29_59": held_for_29_59,
        "exactly_24h": exactly_24h,
        "available": [exactly_24h, free, expired_exactly, expired_long_ago],
        "unavailable": [held, held_for_29_59, booked, too_soon],
    }


def test_available_appointments_include_free_and_expired_hold_slots_only(graphql, availability):
    result = data(graphql, AVAILABLE)

    assert node_ids(result["availableAppointments"]) == [
        gid("AppointmentType", slot.pk) for slot in availability["available"]
    ]


def test_available_appointments_filter_by_provider(graphql, availability):
    other_provider = make_provider("Alan", "Turing")
    make_slot(other_provider, DAY_AFTER)

    mine = data(graphql, AVAILABLE, {"provider": gid("ProviderType", availability["provider"].pk)})
    theirs = data(graphql, AVAILABLE, {"provider": gid("ProviderType", other_provider.pk)})

    assert len(mine["availableAppointments"]["edges"]) == 4
    assert len(theirs["availableAppointments"]["edges"]) == 1


def test_one_second_later_a_hold_expires_and_a_slot_falls_inside_the_notice_period(graphql, frozen, availability):
    frozen.tick(timedelta(seconds=1))

    result = data(graphql, AVAILABLE)

    ids = node_ids(result["availableAppointments"])
    # The 29:59-old hold reaches 30:00 and frees its slot; the slot 24 h ahead is now 23:59:59 ahead.
    assert gid("AppointmentType", availability["held_for_29_59"].pk) in ids
    assert gid("AppointmentType", availability["exactly_24h"].pk) not in ids
    assert len(ids) == 4


# --- reservations ------------------------------------------------------------------------------------------

RESERVATIONS = """
query($client: ID, $provider: ID, $state: String) {
  reservations(client: $client, provider: $provider, state: $state) { edges { node { id state } } }
}
"""


@pytest.fixture
def bookings():
    """Ada and Edsger each hold, let expire and confirm a slot with Hopper or Turing."""
    hopper = make_provider("Grace", "Hopper")
    turing = make_provider("Alan", "Turing")
    ada = make_client("Ada", "Lovelace")
    edsger = make_client("Edsger", "Dijkstra")
    rows = {
        "ada_held": make_reservation(ada, make_slot(hopper, DAY_AFTER), NOW - timedelta(minutes=5)),
        "ada_expired": make_reservation(ada, make_slot(turing, DAY_AFTER), NOW - timedelta(minutes=30)),
        "ada_confirmed": make_reservation(
            ada, make_slot(hopper, DAY_AFTER + timedelta(hours=1)), NOW - timedelta(hours=3), confirmed=True
        ),
        "edsger_held": make_reservation(edsger, make_slot(turing, DAY_AFTER + timedelta(hours=2)), NOW),
        "edsger_expired": make_reservation(
            edsger, make_slot(hopper, DAY_AFTER + timedelta(hours=3)), NOW - timedelta(hours=2)
        ),
        "edsger_confirmed": make_reservation(
            edsger, make_slot(turing, DAY_AFTER + timedelta(hours=4)), NOW - timedelta(hours=1), confirmed=True
        ),
    }
    return {"hopper": hopper, "turing": turing, "ada": ada, "edsger": edsger, "rows": rows}


def reservation_names(bookings: dict[str, Any], connection: dict[str, Any]) -> list[str]:
    names = {gid("ReservationType", row.pk): name for name, row in bookings["rows"].items()}
    return [names[node_id] for node_id in node_ids(connection)]


def test_reservations_are_listed_newest_first(graphql, bookings):
    result = data(graphql, RESERVATIONS)

    assert reservation_names(bookings, result["reservations"]) == [
        "edsger_held",
        "ada_held",
        "ada_expired",
        "edsger_confirmed",
        "edsger_expired",
        "ada_confirmed",
    ]


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("HELD", ["edsger_held", "ada_held"]),
        ("EXPIRED", ["ada_expired", "edsger_expired"]),
        ("CONFIRMED", ["edsger_confirmed", "ada_confirmed"]),
    ],
)
def test_reservations_filter_by_state(graphql, bookings, state, expected):
    result = data(graphql, RESERVATIONS, {"state": state})

    assert reservation_names(bookings, result["reservations"]) == expected
    assert {edge["node"]["state"] for edge in result["reservations"]["edges"]} == {state}


def test_reservations_filter_by_client(graphql, bookings):
    result = data(graphql, RESERVATIONS, {"client": gid("ClientType", bookings["ada"].pk)})

    assert reservation_names(bookings, result["reservations"]) == ["ada_held", "ada_expired", "ada_confirmed"]


def test_reservations_filter_by_provider(graphql, bookings):
    result = data(graphql, RESERVATIONS, {"provider": gid("ProviderType", bookings["turing"].pk)})

    assert reservation_names(bookings, result["reservations"]) == ["edsger_held", "ada_expired", "edsger_confirmed"]


def test_reservations_filters_combine(graphql, bookings):
    result = data(
        graphql,
        RESERVATIONS,
        {"client": gid("ClientType", bookings["edsger"].pk), "provider": gid("ProviderType", bookings["hopper"].pk)},
    )

    assert reservation_names(bookings, result["reservations"]) == ["edsger_expired"]


def test_reservation_state_filter_moves_with_the_clock(graphql, frozen, bookings):
    frozen.tick(timedelta(minutes=25))  # Ada's hold (5 min old) reaches 30:00; Edsger's is 25 min old.

    result = data(graphql, RESERVATIONS, {"state": "EXPIRED"})

    assert reservation_names(bookings, result["reservations"]) == ["ada_held", "ada_expired", "edsger_expired"]


# --- nested fields ---------------------------------------------------------------------------------------------


def test_provider_clients_are_clients_with_a_confirmed_booking_once_each(graphql, bookings):
    hopper = bookings["hopper"]
    # A second booking of Ada with Hopper must not list her twice.
    make_reservation(bookings["ada"], make_slot(hopper, DAY_AFTER + timedelta(hours=5)), NOW, confirmed=True)

    result = data(
        graphql,
        "query($id: ID!) { node(id: $id) { ... on ProviderType { clients { edges { node { id } } } } } }",
        {"id": gid("ProviderType", hopper.pk)},
    )

    # Edsger only let his Hopper hold expire, so only Ada is a client of Hopper.
    assert node_ids(result["node"]["clients"]) == [gid("ClientType", bookings["ada"].pk)]


def test_provider_clients_are_ordered_by_name(graphql):
    provider = make_provider()
    liskov = make_client("Barbara", "Liskov")
    dijkstra = make_client("Edsger", "Dijkstra")
    for minutes, patient in enumerate((liskov, dijkstra)):
        make_reservation(patient, make_slot(provider, DAY_AFTER + timedelta(minutes=15 * minutes)), NOW, True)

    result = data(
        graphql,
        "query($id: ID!) { node(id: $id) { ... on ProviderType { clients { edges { node { lastName } } } } } }",
        {"id": gid("ProviderType", provider.pk)},
    )

    assert [edge["node"]["lastName"] for edge in result["node"]["clients"]["edges"]] == ["Dijkstra", "Liskov"]


PROVIDER_SLOTS = """
query($id: ID!, $startFrom: DateTime, $startBefore: DateTime) {
  node(id: $id) {
    ... on ProviderType {
      availableAppointments(startFrom: $startFrom, startBefore: $startBefore) { edges { node { id } } }
      confirmedAppointments(startFrom: $startFrom, startBefore: $startBefore) { edges { node { id } } }
    }
  }
}
"""


def test_provider_available_and_confirmed_appointments(graphql, availability):
    provider = availability["provider"]
    other = make_provider("Alan", "Turing")
    make_slot(other, DAY_AFTER)

    result = data(graphql, PROVIDER_SLOTS, {"id": gid("ProviderType", provider.pk)})

    assert node_ids(result["node"]["availableAppointments"]) == [
        gid("AppointmentType", slot.pk) for slot in availability["available"]
    ]
    booked = availability["unavailable"][2]
    assert node_ids(result["node"]["confirmedAppointments"]) == [gid("AppointmentType", booked.pk)]


def test_provider_appointments_respect_the_start_window(graphql, availability):
    provider = availability["provider"]

    result = data(
        graphql,
        PROVIDER_SLOTS,
        {
            "id": gid("ProviderType", provider.pk),
            "startFrom": "2030-01-09T09:00:00+00:00",
            "startBefore": "2030-01-09T10:00:00+00:00",
        },
    )

    # exactly_24h (2030-01-08 09:00) is before the window; expired_long_ago (10:00) is at its exclusive end.
    assert node_ids(result["node"]["availableAppointments"]) == [
        gid("AppointmentType", slot.pk) for slot in availability["available"][1:3]
    ]
    assert node_ids(result["node"]["confirmedAppointments"]) == []


CLIENT_FIELDS = """
query($id: ID!) {
  node(id: $id) {
    ... on ClientType {
      providers { edges { node { id } } }
      activeReservations { edges { node { id state } } }
      confirmedReservations { edges { node { id state } } }
      expiredReservations { edges { node { id state } } }
    }
  }
}
"""


def test_client_nested_reservations_by_state(graphql, bookings):
    ada = bookings["ada"]
    rows = bookings["rows"]

    result = data(graphql, CLIENT_FIELDS, {"id": gid("ClientType", ada.pk)})["node"]

    assert node_ids(result["activeReservations"]) == [gid("ReservationType", rows["ada_held"].pk)]
    assert node_ids(result["expiredReservations"]) == [gid("ReservationType", rows["ada_expired"].pk)]
    assert node_ids(result["confirmedReservations"]) == [gid("ReservationType", rows["ada_confirmed"].pk)]
    assert result["activeReservations"]["edges"][0]["node"]["state"] == "HELD"
    assert result["expiredReservations"]["edges"][0]["node"]["state"] == "EXPIRED"
    assert result["confirmedReservations"]["edges"][0]["node"]["state"] == "CONFIRMED"


def test_client_providers_are_providers_with_a_confirmed_booking(graphql, bookings):
    result = data(graphql, CLIENT_FIELDS, {"id": gid("ClientType", bookings["edsger"].pk)})["node"]

    assert node_ids(result["providers"]) == [gid("ProviderType", bookings["turing"].pk)]


def test_client_providers_are_ordered_by_name_once_each(graphql):
    patient = make_client()
    turing = make_provider("Alan", "Turing")
    hopper = make_provider("Grace", "Hopper")
    for index, provider in enumerate((turing, hopper, turing)):
        make_reservation(patient, make_slot(provider, DAY_AFTER + timedelta(hours=index)), NOW, confirmed=True)

    result = data(graphql, CLIENT_FIELDS, {"id": gid("ClientType", patient.pk)})["node"]

    assert node_ids(result["providers"]) == [gid("ProviderType", hopper.pk), gid("ProviderType", turing.pk)]


def test_client_reservations_are_ordered_by_slot_start(graphql):
    patient = make_client()
    provider = make_provider()
    late = make_reservation(patient, make_slot(provider, DAY_AFTER + timedelta(hours=2)), NOW - timedelta(minutes=1))
    early = make_reservation(patient, make_slot(provider, DAY_AFTER), NOW - timedelta(minutes=2))
    middle = make_reservation(patient, make_slot(provider, DAY_AFTER + timedelta(hours=1)), NOW)

    result = data(graphql, CLIENT_FIELDS, {"id": gid("ClientType", patient.pk)})["node"]

    assert node_ids(result["activeReservations"]) == [gid("ReservationType", r.pk) for r in (early, middle, late)]


APPOINTMENT_FIELDS = """
query($id: ID!) {
  node(id: $id) {
    ... on AppointmentType {
      provider { id firstName }
      reservations { edges { node { id state client { id } } } }
      confirmedReservation { id confirmedAt }
    }
  }
}
"""


def test_appointment_nested_fields(graphql):
    provider = make_provider()
    slot = make_slot(provider, DAY_AFTER)
    ada = make_client()
    edsger = make_client("Edsger", "Dijkstra")
    expired = make_reservation(ada, slot, NOW - timedelta(hours=2))
    booked = make_reservation(edsger, slot, NOW - timedelta(hours=1), confirmed=True)

    result = data(graphql, APPOINTMENT_FIELDS, {"id": gid("AppointmentType", slot.pk)})["node"]

    assert result["provider"] == {"id": gid("ProviderType", provider.pk), "firstName": "Grace"}
    assert [edge["node"] for edge in result["reservations"]["edges"]] == [
        {"id": gid("ReservationType", booked.pk), "state": "CONFIRMED", "client": {"id": gid("ClientType", edsger.pk)}},
        {"id": gid("ReservationType", expired.pk), "state": "EXPIRED", "client": {"id": gid("ClientType", ada.pk)}},
    ]
    assert result["confirmedReservation"] == {
        "id": gid("ReservationType", booked.pk),
        "confirmedAt": "2030-01-07T08:01:00+00:00",
    }


def test_appointment_without_a_booking_has_no_confirmed_reservation(graphql):
    slot = make_slot(make_provider(), DAY_AFTER)
    make_reservation(make_client(), slot, NOW)

    result = data(graphql, APPOINTMENT_FIELDS, {"id": gid("AppointmentType", slot.pk)})["node"]

    assert result["confirmedReservation"] is None
    assert len(result["reservations"]["edges"]) == 1


def test_reservation_nested_client_provider_and_appointment(graphql):
    provider = make_provider()
    patient = make_client()
    slot = make_slot(provider, DAY_AFTER)
    hold = make_reservation(patient, slot, NOW)

    result = data(
        graphql,
        """query($id: ID!) { node(id: $id) { ... on ReservationType {
            client { id lastName } provider { id lastName } appointment { id timeSlot }
        } } }""",
        {"id": gid("ReservationType", hold.pk)},
    )["node"]

    assert result == {
        "client": {"id": gid("ClientType", patient.pk), "lastName": "Lovelace"},
        "provider": {"id": gid("ProviderType", provider.pk), "lastName": "Hopper"},
        "appointment": {"id": gid("AppointmentType", slot.pk), "timeSlot": "2030-01-09T09:00:00+00:00"},
    }


# --- batching ----------------------------------------------------------------------------------------------

BATCHED = """
{
  reservations {
    edges { node { client { id } provider { id } appointment { id provider { id } } } }
  }
  providers {
    edges { node { clients { edges { node { id } } } availableAppointments(first: 2) { edges { node { id } } } } }
  }
}
"""


def make_busy_providers(count: int) -> None:
    for index in range(count):
        provider = make_provider("Grace", f"Hopper{index}")
        patient = make_client("Ada", f"Lovelace{index}")
        make_slot(provider, DAY_AFTER + timedelta(minutes=15))
        make_reservation(patient, make_slot(provider, DAY_AFTER), NOW, confirmed=True)


def count_queries(graphql: GraphQL) -> int:
    with CaptureQueriesContext(connection) as queries:
        data(graphql, BATCHED)
    return len(queries)


def test_nested_fields_are_batched_so_query_count_does_not_grow_with_rows(graphql):
    make_busy_providers(2)
    few = count_queries(graphql)
    make_busy_providers(6)

    many = count_queries(graphql)

    assert many == few
