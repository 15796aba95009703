"""The GraphQL side of the tests: operation documents as clients send them, and helpers to send them and read
their payloads. The one place for them (data builders are in `tests.factories`, fixtures in ``tests/conftest.py``).

The documents spell out the public contract of each payload, so every test asks for exactly the fields a client
would. Families: the basic mutations (issue 2's contract); the lifecycle's (`HOLD` ... `RESERVATION_RESCHEDULE`,
each asking for every lifecycle field of `ReservationType`); the scheduling operations; and the ``KEYED_``
documents, which send an ``idempotencyKey`` (``$key``).
"""

import json
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User
from django.test import Client as HttpClient
from graphql_relay import from_global_id

from api.auth.tokens import issue_access_token
from reservation.models import Appointment, Client, Reservation
from tests.factories import gid

GraphQL = Callable[..., dict[str, Any]]
"""The ``graphql`` fixture: ``graphql(query, variables=None, expect_status=200, as_user=STAFF)`` -> body."""

STAFF: Any = object()  # the ``graphql`` fixture's default ``as_user``: act as the ``staff_user`` fixture

ERRORS = "errors { code field message }"


def bearer(user: User) -> dict[str, str]:
    """HTTP headers authenticating as ``user`` with a freshly issued access token."""
    return {"Authorization": f"Bearer {issue_access_token(user)[0]}"}


# --- reading responses ----------------------------------------------------------------------------------------


def data(graphql: GraphQL, document: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """The ``data`` of ``document`` sent through the ``graphql`` fixture, asserting it has no errors."""
    body = graphql(document, variables)
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]
    return result


def pk_of(global_id: str, type_name: str) -> int:
    """The primary key inside ``global_id``, asserting that it names a node of ``type_name``."""
    decoded_type, raw_id = from_global_id(global_id)
    assert decoded_type == type_name
    return int(raw_id)


def error_codes(body: dict[str, Any]) -> list[str | None]:
    """The ``extensions.code`` of each top-level error of a response body."""
    return [error.get("extensions", {}).get("code") for error in body["errors"]]


def node_ids(connection: dict[str, Any]) -> list[str]:
    """The node IDs of a connection's edges, in order."""
    return [edge["node"]["id"] for edge in connection["edges"]]


def bad_user_input(body: dict[str, Any], path: list[str | int]) -> str:
    """Assert one BAD_USER_INPUT error at ``path``; return its message."""
    assert [(error["extensions"]["code"], error["path"]) for error in body["errors"]] == [("BAD_USER_INPUT", path)]
    message: str = body["errors"][0]["message"]
    return message


def payload(body: dict[str, Any], field: str) -> dict[str, Any]:
    """The payload of mutation ``field``, with no top-level errors."""
    assert "errors" not in body, body["errors"]
    result: dict[str, Any] = body["data"][field]
    return result


def codes(body: dict[str, Any], field: str) -> list[tuple[str, str | None]]:
    """The payload errors of ``field`` as (code, field) pairs."""
    return [(error["code"], error["field"]) for error in payload(body, field)["errors"]]


def post(
    query: str, variables: dict[str, Any], user: User | None, http: HttpClient | None = None, **extra: Any
) -> dict[str, Any]:
    """POST ``query`` as ``user`` (None: anonymously; ``extra`` such as ``REMOTE_ADDR=...``); the HTTP 200 body.

    Unlike the ``graphql`` fixture, usable from threads and without the test's fixtures.
    """
    response = (http or HttpClient()).post(
        "/graphql",
        json.dumps({"query": query, "variables": variables}),
        content_type="application/json",
        headers=bearer(user) if user is not None else {},
        **extra,
    )
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


# --- the basic mutations ----------------------------------------------------------------------------------------

PROVIDER_CREATE = f"""
mutation($firstName: String!, $lastName: String!) {{
  providerCreate(input: {{firstName: $firstName, lastName: $lastName}}) {{
    provider {{ id firstName lastName }}
    {ERRORS}
  }}
}}
"""

CLIENT_CREATE = f"""
mutation($firstName: String!, $lastName: String!) {{
  clientCreate(input: {{firstName: $firstName, lastName: $lastName}}) {{
    client {{ id firstName lastName }}
    {ERRORS}
  }}
}}
"""

APPOINTMENT_BULK_CREATE = f"""
mutation($providerId: ID!, $startTime: DateTime!, $endTime: DateTime!, $first: Int, $after: String) {{
  appointmentBulkCreate(input: {{providerId: $providerId, startTime: $startTime, endTime: $endTime}}) {{
    appointments(first: $first, after: $after) {{
      edges {{ node {{ id timeSlot endTime provider {{ id }} }} }}
      pageInfo {{ hasNextPage endCursor }}
    }}
    {ERRORS}
  }}
}}
"""

RESERVATION_FIELDS = """
  id expiry expired confirmed state reservedAt confirmedAt
  client { id } provider { id } appointment { id }
"""

RESERVATION_CREATE = f"""
mutation($clientId: ID!, $appointmentId: ID!) {{
  reservationCreate(input: {{clientId: $clientId, appointmentId: $appointmentId}}) {{
    reservation {{ {RESERVATION_FIELDS} }}
    {ERRORS}
  }}
}}
"""

RESERVATION_CONFIRM = f"""
mutation($reservationId: ID!) {{
  reservationConfirm(input: {{reservationId: $reservationId}}) {{
    reservation {{ {RESERVATION_FIELDS} }}
    {ERRORS}
  }}
}}
"""


# --- a reservation's life ---------------------------------------------------------------------------------------

LIFECYCLE_FIELDS = """
  id state confirmed expired reservedAt expiry confirmedAt endedAt cancelReason
  rescheduledTo { id state appointment { id } }
  client { id } appointment { id timeSlot }
  history { kind at note }
"""

HOLD = f"""
mutation($clientId: ID, $appointmentId: ID!) {{
  reservationCreate(input: {{clientId: $clientId, appointmentId: $appointmentId}}) {{
    reservation {{ {LIFECYCLE_FIELDS} }}
    {ERRORS}
  }}
}}
"""

CONFIRM = f"""
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
    return send(graphql, HOLD, variables, as_user=as_user)


def confirm(graphql: GraphQL, reservation_id: str, as_user: User | None = STAFF) -> dict[str, Any]:
    return send(graphql, CONFIRM, {"reservationId": reservation_id}, as_user=as_user)


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


# --- scheduling -------------------------------------------------------------------------------------------------

CHANGES = "changes { added restored withdrawn kept { reason appointment { id timeSlot } } }"

PROVIDER_TIME_ZONE_SET = f"""
mutation($providerId: ID!, $timeZone: String!) {{
  providerTimeZoneSet(input: {{providerId: $providerId, timeZone: $timeZone}}) {{
    provider {{ id timeZone }} {CHANGES} {ERRORS}
  }}
}}
"""
WEEKLY_SCHEDULE_SET = f"""
mutation($providerId: ID!, $ranges: [WeeklyScheduleRangeInput!]!) {{
  weeklyScheduleSet(input: {{providerId: $providerId, ranges: $ranges}}) {{
    provider {{ id schedulePublishedUntil }} weeklySchedule {{ weekday startTime endTime }} {CHANGES} {ERRORS}
  }}
}}
"""
DATE_OVERRIDE_SET = f"""
mutation($providerId: ID!, $date: Date!, $ranges: [LocalTimeRangeInput!]!) {{
  dateOverrideSet(input: {{providerId: $providerId, date: $date, ranges: $ranges}}) {{
    dateOverride {{ date dayOff ranges {{ startTime endTime }} }} {CHANGES} {ERRORS}
  }}
}}
"""
DATE_OVERRIDE_DELETE = f"""
mutation($providerId: ID!, $date: Date!) {{
  dateOverrideDelete(input: {{providerId: $providerId, date: $date}}) {{ deleted {CHANGES} {ERRORS} }}
}}
"""
AVAILABILITY_WITHDRAW = f"""
mutation($providerId: ID!, $startTime: DateTime, $endTime: DateTime, $appointmentIds: [ID!]) {{
  availabilityWithdraw(
    input: {{providerId: $providerId, startTime: $startTime, endTime: $endTime, appointmentIds: $appointmentIds}}
  ) {{ {CHANGES} {ERRORS} }}
}}
"""
AVAILABILITY_ADD_LOCAL = f"""
mutation($providerId: ID!, $date: Date!, $startTime: Time!, $endTime: Time!, $timeZone: String) {{
  availabilityAddLocal(
    input: {{providerId: $providerId, date: $date, startTime: $startTime, endTime: $endTime, timeZone: $timeZone}}
  ) {{
    appointments {{ edges {{ node {{ id timeSlot local: timeSlot(timeZone: $timeZone) withdrawn source }} }} }}
    {ERRORS}
  }}
}}
"""
AVAILABLE_ON_DATE = """
query($provider: ID, $date: Date, $timeZone: String, $after: String) {
  availableAppointments(provider: $provider, date: $date, timeZone: $timeZone, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { id timeSlot local: timeSlot(timeZone: $timeZone) endTime(timeZone: $timeZone) } }
  }
}
"""
APPOINTMENTS_ON_DATE = """
query($provider: ID, $date: Date, $timeZone: String) {
  appointments(provider: $provider, date: $date, timeZone: $timeZone) {
    edges { node { id timeSlot withdrawn withdrawnAt source } }
  }
}
"""


# --- with idempotency keys ------------------------------------------------------------------------------------

KEYED_RESERVATION = "reservation { id state reservedAt expiry confirmedAt client { id } appointment { id } }"

KEYED_RESERVATION_CREATE = f"""
mutation($clientId: ID, $appointmentId: ID!, $key: String, $clientMutationId: String) {{
  reservationCreate(input: {{clientId: $clientId, appointmentId: $appointmentId, idempotencyKey: $key,
                             clientMutationId: $clientMutationId}}) {{
    {KEYED_RESERVATION} clientMutationId {ERRORS}
  }}
}}
"""

KEYED_RESERVATION_CONFIRM = f"""
mutation($reservationId: ID!, $key: String) {{
  reservationConfirm(input: {{reservationId: $reservationId, idempotencyKey: $key}}) {{ {KEYED_RESERVATION} {ERRORS} }}
}}
"""

KEYED_APPOINTMENT_BULK_CREATE = f"""
mutation($providerId: ID!, $startTime: DateTime!, $endTime: DateTime!, $key: String) {{
  appointmentBulkCreate(input: {{providerId: $providerId, startTime: $startTime, endTime: $endTime,
                                 idempotencyKey: $key}}) {{
    appointments {{ edges {{ node {{ id timeSlot endTime provider {{ id }} }} }} }}
    {ERRORS}
  }}
}}
"""

KEYED_CLIENT_CREATE = f"""
mutation($firstName: String!, $lastName: String!, $username: String, $password: String, $key: String) {{
  clientCreate(input: {{firstName: $firstName, lastName: $lastName, username: $username, password: $password,
                        idempotencyKey: $key}}) {{
    client {{ id firstName lastName }}
    {ERRORS}
  }}
}}
"""

KEYED_PROVIDER_CREATE = f"""
mutation($firstName: String!, $lastName: String!, $key: String) {{
  providerCreate(input: {{firstName: $firstName, lastName: $lastName, idempotencyKey: $key}}) {{
    provider {{ id firstName lastName }}
    {ERRORS}
  }}
}}
"""
