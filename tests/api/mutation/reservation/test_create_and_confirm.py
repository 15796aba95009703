"""`reservationCreate` (a 30-minute hold) and `reservationConfirm` through /graphql.

The payload exposes ``expiry``, ``expired``, ``confirmed``, ``state``, ``reservedAt``, ``confirmedAt`` and the
client, provider and slot. Rule failures come back in ``errors`` (code and camelCase field) with a null
``reservation`` and HTTP 200, and change nothing.
"""

from datetime import timedelta
from typing import Any

import pytest

from reservation.models import Appointment, Client, Reservation
from tests.factories import NOW, gid, make_client, make_provider, make_reservation, make_slot
from tests.graphql import RESERVATION_CONFIRM, RESERVATION_CREATE, GraphQL, pk_of

pytestmark = pytest.mark.django_db

SLOT_START = NOW + timedelta(days=2)


def reserve(graphql: GraphQL, patient: Client, slot: Appointment) -> dict[str, Any]:
    body = graphql(
        RESERVATION_CREATE,
        {"clientId": gid("ClientType", patient.pk), "appointmentId": gid("AppointmentType", slot.pk)},
    )
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["reservationCreate"]
    return payload


def confirm(graphql: GraphQL, reservation_id: str) -> dict[str, Any]:
    body = graphql(RESERVATION_CONFIRM, {"reservationId": reservation_id})
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["reservationConfirm"]
    return payload


def refusal(payload: dict[str, Any]) -> list[tuple[str, str | None]]:
    """The (code, field) pairs of a refused payload, asserting its reservation is null."""
    assert payload["reservation"] is None
    assert all(error["message"] for error in payload["errors"])
    return [(error["code"], error["field"]) for error in payload["errors"]]


def test_reserve_returns_the_hold(graphql, frozen, provider, patient, slot):
    payload = reserve(graphql, patient, slot)

    assert payload["errors"] == []
    reservation = payload["reservation"]
    stored = Reservation.objects.get()
    assert reservation == {
        "id": gid("ReservationType", stored.pk),
        "expiry": "2030-01-07T09:30:00+00:00",
        "expired": False,
        "confirmed": False,
        "state": "HELD",
        "reservedAt": "2030-01-07T09:00:00+00:00",
        "confirmedAt": None,
        "client": {"id": gid("ClientType", patient.pk)},
        "provider": {"id": gid("ProviderType", provider.pk)},
        "appointment": {"id": gid("AppointmentType", slot.pk)},
    }


def test_reserve_exactly_24_hours_ahead_is_allowed(graphql, frozen, patient, slot):
    frozen.move_to(SLOT_START - timedelta(hours=24))

    payload = reserve(graphql, patient, slot)

    assert payload["errors"] == []
    assert payload["reservation"]["state"] == "HELD"


def test_reserve_23_59_59_ahead_is_insufficient_notice(graphql, frozen, patient, slot):
    frozen.move_to(SLOT_START - timedelta(hours=23, minutes=59, seconds=59))

    payload = reserve(graphql, patient, slot)

    assert refusal(payload) == [("INSUFFICIENT_NOTICE", "appointmentId")]
    assert Reservation.objects.count() == 0


def test_reserve_a_held_slot_is_slot_unavailable(graphql, frozen, patient, slot):
    reserve(graphql, patient, slot)

    payload = reserve(graphql, make_client("Edsger", "Dijkstra"), slot)

    assert refusal(payload) == [("SLOT_UNAVAILABLE", "appointmentId")]
    assert Reservation.objects.count() == 1


def test_reserve_a_slot_whose_hold_expired_succeeds(graphql, frozen, patient, slot):
    reserve(graphql, patient, slot)
    frozen.tick(timedelta(minutes=30))
    other = make_client("Edsger", "Dijkstra")

    payload = reserve(graphql, other, slot)

    assert payload["errors"] == []
    assert payload["reservation"]["client"] == {"id": gid("ClientType", other.pk)}
    assert payload["reservation"]["reservedAt"] == "2030-01-07T09:30:00+00:00"


def test_reserve_overlapping_another_providers_slot_is_client_overlap(graphql, frozen, patient, slot):
    reserve(graphql, patient, slot)
    same_time = make_slot(make_provider("Alan", "Turing"), SLOT_START)

    payload = reserve(graphql, patient, same_time)

    assert refusal(payload) == [("CLIENT_OVERLAP", "appointmentId")]
    assert Reservation.objects.count() == 1


def test_reserve_overlapping_slot_is_allowed_once_the_first_hold_expired(graphql, frozen, patient, slot):
    reserve(graphql, patient, slot)
    same_time = make_slot(make_provider("Alan", "Turing"), SLOT_START)
    frozen.tick(timedelta(minutes=30))

    payload = reserve(graphql, patient, same_time)

    assert payload["errors"] == []


@pytest.mark.parametrize(
    ("client_id", "appointment_id", "expected"),
    [
        pytest.param("garbage", "slot", [("INVALID", "clientId")], id="garbage-client"),
        pytest.param("provider", "slot", [("INVALID", "clientId")], id="provider-id-as-client"),
        pytest.param("client", "garbage", [("INVALID", "appointmentId")], id="garbage-slot"),
        pytest.param("client", "client", [("INVALID", "appointmentId")], id="client-id-as-slot"),
        pytest.param("missing", "slot", [("NOT_FOUND", "clientId")], id="unknown-client"),
        pytest.param("client", "missing", [("NOT_FOUND", "appointmentId")], id="unknown-slot"),
    ],
)
def test_reserve_with_bad_ids(graphql, frozen, provider, patient, slot, client_id, appointment_id, expected):
    ids = {
        "garbage": "not-a-global-id",
        "provider": gid("ProviderType", provider.pk),
        "client": gid("ClientType", patient.pk),
        "slot": gid("AppointmentType", slot.pk),
    }
    missing = {"clientId": gid("ClientType", patient.pk + 100), "appointmentId": gid("AppointmentType", slot.pk + 100)}
    variables = {
        "clientId": missing["clientId"] if client_id == "missing" else ids[client_id],
        "appointmentId": missing["appointmentId"] if appointment_id == "missing" else ids[appointment_id],
    }

    payload = graphql(RESERVATION_CREATE, variables)["data"]["reservationCreate"]

    assert refusal(payload) == expected
    assert Reservation.objects.count() == 0


def test_confirm_within_the_hold_confirms(graphql, frozen, patient, slot):
    hold = reserve(graphql, patient, slot)["reservation"]
    frozen.tick(timedelta(minutes=29, seconds=59))

    payload = confirm(graphql, hold["id"])

    assert payload["errors"] == []
    reservation = payload["reservation"]
    assert reservation["id"] == hold["id"]
    assert reservation["state"] == "CONFIRMED"
    assert reservation["confirmed"] is True
    assert reservation["expired"] is False
    assert reservation["confirmedAt"] == "2030-01-07T09:29:59+00:00"
    assert reservation["expiry"] == "2030-01-07T09:30:00+00:00"
    assert Reservation.objects.get().confirmed_at == NOW + timedelta(minutes=29, seconds=59)


def test_confirm_at_30_00_is_reservation_expired_and_changes_nothing(graphql, frozen, patient, slot):
    hold = reserve(graphql, patient, slot)["reservation"]
    frozen.tick(timedelta(minutes=30))

    payload = confirm(graphql, hold["id"])

    assert refusal(payload) == [("RESERVATION_EXPIRED", "reservationId")]
    stored = Reservation.objects.get()
    assert stored.confirmed_at is None
    assert stored.expires_at == NOW + timedelta(minutes=30)


def test_confirm_twice_is_harmless(graphql, frozen, patient, slot):
    hold = reserve(graphql, patient, slot)["reservation"]
    frozen.tick(timedelta(minutes=1))
    first = confirm(graphql, hold["id"])
    frozen.tick(timedelta(hours=1))

    second = confirm(graphql, hold["id"])

    assert second["errors"] == []
    assert second["reservation"] == first["reservation"]
    assert second["reservation"]["confirmedAt"] == "2030-01-07T09:01:00+00:00"
    assert Reservation.objects.count() == 1


def test_booked_slot_stays_unavailable_after_the_hold_period(graphql, frozen, patient, slot):
    hold = reserve(graphql, patient, slot)["reservation"]
    confirm(graphql, hold["id"])
    frozen.tick(timedelta(hours=1))

    payload = reserve(graphql, make_client("Edsger", "Dijkstra"), slot)

    assert refusal(payload) == [("SLOT_UNAVAILABLE", "appointmentId")]


@pytest.mark.parametrize(
    ("reservation_id", "expected"),
    [
        pytest.param("garbage", [("INVALID", "reservationId")], id="garbage"),
        pytest.param("client", [("INVALID", "reservationId")], id="client-id"),
        pytest.param("missing", [("NOT_FOUND", "reservationId")], id="unknown"),
    ],
)
def test_confirm_with_bad_id(graphql, frozen, patient, slot, reservation_id, expected):
    hold = make_reservation(patient, slot, NOW)
    ids = {
        "garbage": "not-a-global-id",
        "client": gid("ClientType", patient.pk),
        "missing": gid("ReservationType", hold.pk + 1),
    }

    payload = confirm(graphql, ids[reservation_id])

    assert refusal(payload) == expected
    hold.refresh_from_db()
    assert hold.confirmed_at is None


def test_reservation_state_is_judged_at_request_time(graphql, frozen, patient, slot):
    hold = reserve(graphql, patient, slot)["reservation"]
    frozen.tick(timedelta(minutes=30))
    document = "query($id: ID!) { node(id: $id) { ... on ReservationType { state expired confirmed } } }"

    body = graphql(document, {"id": hold["id"]})

    assert body == {"data": {"node": {"state": "EXPIRED", "expired": True, "confirmed": False}}}
    assert pk_of(hold["id"], "ReservationType") == Reservation.objects.get().pk
