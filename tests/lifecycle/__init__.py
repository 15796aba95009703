"""Tests of a reservation's life after the hold: release, cancel, reschedule, the hold limit and the history.

Shared here: the operation documents, as a client sends them, and small helpers that send them through
/graphql with the ``graphql`` fixture and read the payload. Every document asks for the lifecycle fields of
`ReservationType` (``state``, ``endedAt``, ``cancelReason``, ``rescheduledTo``, ``history``), so every test
sees the whole contract.
"""

from typing import Any

from django.contrib.auth.models import User

from reservation.models import Appointment, Client, Reservation
from tests.conftest import STAFF, GraphQL
from tests.factories import gid

ERRORS = "errors { code field message }"

LIFECYCLE_FIELDS = """
  id state confirmed expired reservedAt expiry confirmedAt endedAt cancelReason
  rescheduledTo { id state appointment { id } }
  client { id } appointment { id timeSlot }
  history { kind at note }
"""

RESERVATION_CREATE = f"""
mutation($clientId: ID, $appointmentId: ID!) {{
  reservationCreate(input: {{clientId: $clientId, appointmentId: $appointmentId}}) {{
    reservation {{ {LIFECYCLE_FIELDS} }}
    {ERRORS}
  }}
}}
"""

RESERVATION_CONFIRM = f"""
mutation($reservationId: ID!) {{
  reservationConfirm(input: {{reservationId: $reservationId}}) {{
    reservation {{ {LIFECYCLE_FIELDS} }}
    {ERRORS}
  }}
}}
"""

RESERVATION_RELEASE = f"""
mutation($reservationId: ID!) {{
  reservationRelease(input: {{reservationId: $reservationId}}) {{
    reservation {{ {LIFECYCLE_FIELDS} }}
    {ERRORS}
  }}
}}
"""

RESERVATION_CANCEL = f"""
mutation($reservationId: ID!, $reason: String) {{
  reservationCancel(input: {{reservationId: $reservationId, reason: $reason}}) {{
    reservation {{ {LIFECYCLE_FIELDS} }}
    {ERRORS}
  }}
}}
"""

RESERVATION_RESCHEDULE = f"""
mutation($reservationId: ID!, $appointmentId: ID!) {{
  reservationReschedule(input: {{reservationId: $reservationId, appointmentId: $appointmentId}}) {{
    reservation {{ {LIFECYCLE_FIELDS} }}
    {ERRORS}
  }}
}}
"""

NODE = f"query($id: ID!) {{ node(id: $id) {{ ... on ReservationType {{ {LIFECYCLE_FIELDS} }} }} }}"

AVAILABLE = """
query($provider: ID) {
  availableAppointments(provider: $provider, first: 100) { edges { node { id } } }
}
"""


def reservation_gid(reservation: Reservation | int) -> str:
    return gid("ReservationType", reservation if isinstance(reservation, int) else reservation.pk)


def slot_gid(slot: Appointment) -> str:
    return gid("AppointmentType", slot.pk)


def client_gid(client: Client) -> str:
    return gid("ClientType", client.pk)


def send(graphql: GraphQL, document: str, variables: dict[str, Any], as_user: User | None = STAFF) -> dict[str, Any]:
    """The payload of the one mutation in ``document``, asserting the response has no top-level errors."""
    body = graphql(document, variables, as_user=as_user)
    assert "errors" not in body, body
    (payload,) = body["data"].values()
    assert isinstance(payload, dict)
    return payload


def succeeded(payload: dict[str, Any]) -> dict[str, Any]:
    """The reservation of a payload that reported no error."""
    assert payload["errors"] == [], payload["errors"]
    reservation: dict[str, Any] = payload["reservation"]
    assert reservation is not None
    return reservation


def refused(payload: dict[str, Any]) -> tuple[str, str | None]:
    """The (code, field) of a payload refused with exactly one error, asserting its reservation is null."""
    assert payload["reservation"] is None, payload
    (error,) = payload["errors"]
    assert error["message"]
    return error["code"], error["field"]


def hold(graphql: GraphQL, client: Client, slot: Appointment, as_user: User | None = STAFF) -> dict[str, Any]:
    """The payload of ``client`` reserving ``slot`` (sent by ``as_user``: staff unless told)."""
    variables = {"clientId": client_gid(client), "appointmentId": slot_gid(slot)}
    return send(graphql, RESERVATION_CREATE, variables, as_user=as_user)


def confirm(graphql: GraphQL, reservation_id: str, as_user: User | None = STAFF) -> dict[str, Any]:
    return send(graphql, RESERVATION_CONFIRM, {"reservationId": reservation_id}, as_user=as_user)


def release(graphql: GraphQL, reservation_id: str, as_user: User | None = STAFF) -> dict[str, Any]:
    return send(graphql, RESERVATION_RELEASE, {"reservationId": reservation_id}, as_user=as_user)


def cancel(
    graphql: GraphQL, reservation_id: str, reason: str | None = None, as_user: User | None = STAFF
) -> dict[str, Any]:
    return send(graphql, RESERVATION_CANCEL, {"reservationId": reservation_id, "reason": reason}, as_user=as_user)


def reschedule(
    graphql: GraphQL, reservation_id: str, slot: Appointment, as_user: User | None = STAFF
) -> dict[str, Any]:
    variables = {"reservationId": reservation_id, "appointmentId": slot_gid(slot)}
    return send(graphql, RESERVATION_RESCHEDULE, variables, as_user=as_user)


def book(graphql: GraphQL, client: Client, slot: Appointment, as_user: User | None = STAFF) -> dict[str, Any]:
    """Hold ``slot`` for ``client`` and confirm it at once (both sent by ``as_user``); the confirmed reservation."""
    held = succeeded(hold(graphql, client, slot, as_user=as_user))
    return succeeded(confirm(graphql, held["id"], as_user=as_user))


def node(graphql: GraphQL, global_id: str) -> dict[str, Any]:
    """The reservation ``global_id`` as staff read it (asserting it exists)."""
    body = graphql(NODE, {"id": global_id})
    assert "errors" not in body, body
    found: dict[str, Any] = body["data"]["node"]
    assert found is not None, global_id
    return found


def is_available(graphql: GraphQL, slot: Appointment) -> bool:
    """Whether ``slot`` is listed by availableAppointments now (asked anonymously, as a booking page does)."""
    body = graphql(AVAILABLE, {"provider": gid("ProviderType", slot.provider_id)}, as_user=None)
    assert "errors" not in body, body
    return slot_gid(slot) in {edge["node"]["id"] for edge in body["data"]["availableAppointments"]["edges"]}


def kinds(reservation: dict[str, Any]) -> list[str]:
    """The event kinds of a reservation's ``history``, oldest first."""
    return [event["kind"] for event in reservation["history"]]
