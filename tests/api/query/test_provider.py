"""`ProviderType` and the `providers` root list through /graphql: their order and nested fields."""

from datetime import timedelta

import pytest

from tests.factories import NOW, SLOT_DAY, gid, make_client, make_provider, make_reservation, make_slot
from tests.graphql import data, node_ids

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

DAY_AFTER = SLOT_DAY


def test_providers_are_ordered_by_last_then_first_name_then_id(graphql):
    turing = make_provider("Alan", "Turing")
    hopper_grace = make_provider("Grace", "Hopper")
    hopper_alice = make_provider("Alice", "Hopper")
    hopper_alice_again = make_provider("Alice", "Hopper")

    result = data(graphql, "{ providers { edges { node { id } } } }")

    assert node_ids(result["providers"]) == [
        gid("ProviderType", provider.pk) for provider in (hopper_alice, hopper_alice_again, hopper_grace, turing)
    ]


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
