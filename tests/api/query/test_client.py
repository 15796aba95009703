"""`ClientType` and the `clients` root list through /graphql: their order and nested fields."""

from datetime import timedelta

import pytest

from tests.factories import NOW, SLOT_DAY, gid, make_client, make_provider, make_reservation, make_slot
from tests.graphql import data, node_ids

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

DAY_AFTER = SLOT_DAY


def test_clients_are_ordered_by_last_then_first_name(graphql):
    knuth = make_client("Donald", "Knuth")
    dijkstra = make_client("Edsger", "Dijkstra")
    liskov = make_client("Barbara", "Liskov")

    result = data(graphql, "{ clients { edges { node { id firstName lastName } } } }")

    assert [edge["node"]["lastName"] for edge in result["clients"]["edges"]] == ["Dijkstra", "Knuth", "Liskov"]
    assert node_ids(result["clients"]) == [gid("ClientType", client.pk) for client in (dijkstra, knuth, liskov)]


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
