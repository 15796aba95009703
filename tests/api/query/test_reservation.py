"""`ReservationType` and the `reservations` root list through /graphql: newest first, filtered by state,
client and provider, with its nested relations."""

from datetime import timedelta
from typing import Any

import pytest

from tests.factories import NOW, SLOT_DAY, gid, make_client, make_provider, make_reservation, make_slot
from tests.graphql import data, node_ids

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

DAY_AFTER = SLOT_DAY


# --- reservations ------------------------------------------------------------------------------------------

RESERVATIONS = """
query($client: ID, $provider: ID, $state: ReservationState) {
  reservations(client: $client, provider: $provider, state: $state) { edges { node { id state } } }
}
"""


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
