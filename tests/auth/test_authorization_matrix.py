"""The authorization matrix: every query and mutation of the schema, run as every role, against the rules.

The rules are those of `api.auth.permissions`: providers and slots are public; a client sees only their own
reservations (and themselves); a provider sees the reservations of their slots and those clients; staff see
everything and may act for anyone. Reads are scoped, never refused, so a query's outcome below is the set of
nodes it returns: ``sees("A", "A>X")`` means the response holds provider A, and client X nested under A
(``parent>child``, by the labels of ``tests/auth/conftest.py``'s world). A mutation's outcome is OK, a top-level
error (UNAUTHENTICATED, FORBIDDEN) or a payload error (``in_payload("NOT_FOUND")``).

Besides the outcome, every row checks that a refused mutation wrote nothing, that a query wrote nothing, and
that the whole JSON response to a caller holds no name, username or global ID of a client that caller may
not see (nor the IDs of that client's reservations).
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from graphql import TypeInfo, TypeInfoVisitor, Visitor, get_named_type, parse, visit
from graphql.language import FieldNode
from graphql_relay import from_global_id

from api.auth import tokens
from api.schema import schema
from reservation.models import (
    Appointment,
    CalendarFeed,
    Client,
    DateOverride,
    Provider,
    RefreshToken,
    Reservation,
    TokenRevocation,
    VisitType,
    VisitTypeOffer,
    WeeklyScheduleRange,
)
from tests.auth import (
    ANONYMOUS,
    CLIENT_X,
    CLIENT_Y,
    ERRORS,
    PASSWORD,
    PROVIDER_A,
    PROVIDER_B,
    ROLES,
    STAFF,
    TOKEN_CREATE,
    TOKEN_REFRESH,
    TOKEN_REVOKE,
    VIEWER,
    payload,
)
from tests.auth.conftest import CallAs, World
from tests.factories import NOW, gid, make_reservation

OK = "ok"
UNAUTHENTICATED = "UNAUTHENTICATED"  # top-level error: no (valid) bearer token
FORBIDDEN = "FORBIDDEN"  # top-level error: signed in, but not allowed


def in_payload(code: str) -> str:
    """The outcome of a mutation refused with a payload error ``code``."""
    return f"payload {code}"


def sees(*labels: str) -> frozenset[str]:
    """The outcome of a query: the labelled nodes of the response, nested ones as ``parent>child``."""
    return frozenset(labels)


SLOTS = ("a1", "a2", "a3", "b1", "b2", "b3")
X_RESERVATIONS = ("x-held", "x-confirmed")
Y_RESERVATIONS = ("y-confirmed", "y-expired")
# Nested edges that recur in the matrix.
BOOKED_SLOTS = ("A", "B", "A>a2", "B>b1")  # providers with their confirmed slots (public)
FREE_SLOTS = ("A", "B", "A>a3", "B>b2", "B>b3")  # providers with their available slots (public)
X_BOOKING = ("a2>x-confirmed", "x-confirmed>X")  # slot a2's confirmed reservation, and its client
Y_BOOKING = ("b1>y-confirmed", "y-confirmed>Y")
X_ON_SLOTS = ("a1>x-held", "x-held>X", *X_BOOKING)  # X's reservations under their slots, with X under each
Y_ON_SLOTS = ("b2>y-expired", "y-expired>Y", *Y_BOOKING)
X_WITH_CLIENT = (*X_RESERVATIONS, "x-held>X", "x-confirmed>X")  # X's reservations, each with its client
Y_WITH_CLIENT = (*Y_RESERVATIONS, "y-confirmed>Y", "y-expired>Y")

# Clients whose data each role may not see: nothing of theirs may appear anywhere in a response to that role.
FOREIGN_CLIENTS = {
    ANONYMOUS: ("X", "Y"),
    CLIENT_X: ("Y",),
    CLIENT_Y: ("X",),
    PROVIDER_A: ("Y",),
    PROVIDER_B: ("X",),
    STAFF: (),
}


# --- observing a response -----------------------------------------------------------------------------------


def nodes_seen(body: dict[str, Any], world: World) -> Any:
    """A query's outcome: its top-level error code, or `sees(...)` of every node with an ``id`` in ``data``."""
    if "errors" in body:
        return ",".join(str(error.get("extensions", {}).get("code")) for error in body["errors"])
    seen: set[str] = set()

    def walk(value: Any, parent: str | None) -> None:
        if isinstance(value, dict):
            if "id" in value:
                label = world.labels.get(value["id"], f"?{value['id']}")
                seen.add(label if parent is None else f"{parent}>{label}")
                parent = label
            for child in value.values():
                walk(child, parent)
        elif isinstance(value, list):
            for child in value:
                walk(child, parent)

    walk(body["data"], None)
    return frozenset(seen)


def who_am_i(body: dict[str, Any], world: World) -> Any:
    """The viewer query's outcome: None, or (username, isStaff, provider label, client label)."""
    assert "errors" not in body, body
    viewer = body["data"]["viewer"]
    if viewer is None:
        return None

    def label(node: dict[str, Any] | None) -> str | None:
        return None if node is None else world.labels[node["id"]]

    return (viewer["username"], viewer["isStaff"], label(viewer["provider"]), label(viewer["client"]))


def mutation_outcome(field: str) -> Callable[[dict[str, Any], World], str]:
    """The outcome of mutation ``field``: OK, a top-level error code, or `in_payload(code)`."""

    def observe(body: dict[str, Any], world: World) -> str:
        if "errors" in body:
            assert body["data"] is None or body["data"][field] is None, body
            return ",".join(str(error["extensions"]["code"]) for error in body["errors"])
        codes = [error["code"] for error in payload(body, field)["errors"]]
        return in_payload(",".join(codes)) if codes else OK

    return observe


def state_of_the_database() -> tuple[int, ...]:
    """Row counts that any mutation of the schema changes when it succeeds."""
    return (
        User.objects.count(),
        Provider.objects.count(),
        Client.objects.count(),
        Appointment.objects.count(),
        Reservation.objects.count(),
        Reservation.objects.confirmed().count(),
        RefreshToken.objects.count(),
        RefreshToken.objects.filter(used_at__isnull=False).count(),
        RefreshToken.objects.filter(revoked_at__isnull=False).count(),
        TokenRevocation.objects.count(),
        CalendarFeed.objects.count(),
        Provider.objects.exclude(time_zone="UTC").count(),
        WeeklyScheduleRange.objects.count(),
        DateOverride.objects.count(),
        Appointment.objects.filter(withdrawn_at__isnull=False).count(),
        Reservation.objects.filter(ended_at__isnull=False).count(),
        VisitType.objects.count(),
        VisitTypeOffer.objects.count(),
        VisitType.objects.filter(booking_window_days=30).count(),
    )


# --- the operations -----------------------------------------------------------------------------------------


def _no_variables(world: World) -> dict[str, Any]:
    return {}


def _user(world: World, role: str) -> User:
    user = world.user(role)
    assert user is not None
    return user


@dataclass(frozen=True)
class Operation:
    """A GraphQL document, its variables in the world, and how to read its outcome from the response."""

    document: str
    variables: Callable[[World], dict[str, Any]] = _no_variables
    observe: Callable[[dict[str, Any], World], Any] = nodes_seen

    @property
    def is_mutation(self) -> bool:
        return self.document.lstrip().startswith("mutation")


def page(field: str, selection: str = "") -> str:
    """``field`` selected as a connection of up to 10 nodes: every node's ``id`` plus ``selection``.

    ``field`` may carry arguments ("reservations(client: $client)"); ``first: 10`` keeps nested connections
    within the operation cost limit.
    """
    arguments = f"{field[:-1]}, first: 10)" if field.endswith(")") else f"{field}(first: 10)"
    return f"{arguments} {{ edges {{ node {{ id {selection} }} }} }}"


NAMES = "firstName lastName"
RESERVATION_PAYLOAD = f"reservation {{ id client {{ id {NAMES} }} }} {ERRORS}"

RESERVATIONS_FILTERED = f"""
query($client: ID, $provider: ID, $state: ReservationState) {{
  {page("reservations(client: $client, provider: $provider, state: $state)")}
}}
"""
NODE = f"""
query($id: ID!) {{
  node(id: $id) {{ id ... on ClientType {{ {NAMES} }} ... on ProviderType {{ {NAMES} }} }}
}}
"""
PROVIDER_CREATE = f"""
mutation {{
  providerCreate(input: {{firstName: "Nova", lastName: "Newprovider"}}) {{ provider {{ id {NAMES} }} {ERRORS} }}
}}
"""
CLIENT_CREATE = f"""
mutation($username: String, $password: String) {{
  clientCreate(input: {{firstName: "Nina", lastName: "Newclient", username: $username, password: $password}}) {{
    client {{ id {NAMES} }} {ERRORS}
  }}
}}
"""
APPOINTMENT_BULK_CREATE = f"""
mutation($providerId: ID!, $startTime: DateTime!, $endTime: DateTime!) {{
  appointmentBulkCreate(input: {{providerId: $providerId, startTime: $startTime, endTime: $endTime}}) {{
    {page("appointments")} {ERRORS}
  }}
}}
"""
RESERVATION_CREATE = f"""
mutation($clientId: ID, $appointmentId: ID!) {{
  reservationCreate(input: {{clientId: $clientId, appointmentId: $appointmentId}}) {{ {RESERVATION_PAYLOAD} }}
}}
"""
RESERVATION_CONFIRM = f"""
mutation($reservationId: ID!) {{
  reservationConfirm(input: {{reservationId: $reservationId}}) {{ {RESERVATION_PAYLOAD} }}
}}
"""
RESERVATION_RELEASE = f"""
mutation($reservationId: ID!) {{
  reservationRelease(input: {{reservationId: $reservationId}}) {{ {RESERVATION_PAYLOAD} }}
}}
"""
RESERVATION_CANCEL = f"""
mutation($reservationId: ID!, $reason: String) {{
  reservationCancel(input: {{reservationId: $reservationId, reason: $reason}}) {{
    reservation {{ id client {{ id {NAMES} }} rescheduledTo {{ id client {{ id }} }} }} {ERRORS}
  }}
}}
"""
RESERVATION_RESCHEDULE = f"""
mutation($reservationId: ID!, $appointmentId: ID!) {{
  reservationReschedule(input: {{reservationId: $reservationId, appointmentId: $appointmentId}}) {{
    {RESERVATION_PAYLOAD}
  }}
}}
"""
CALENDAR_FEED_CREATE = f"mutation {{ calendarFeedCreate(input: {{}}) {{ url {ERRORS} }} }}"
CALENDAR_FEED_ROTATE = f"mutation {{ calendarFeedRotate(input: {{}}) {{ url {ERRORS} }} }}"
SLOT_CHANGES = "changes { added restored withdrawn kept { reason appointment { id } } }"
PROVIDER_TIME_ZONE_SET = f"""
mutation($providerId: ID!) {{
  providerTimeZoneSet(input: {{providerId: $providerId, timeZone: "Europe/Paris"}}) {{
    provider {{ id timeZone }} {SLOT_CHANGES} {ERRORS}
  }}
}}
"""
WEEKLY_SCHEDULE_SET = f"""
mutation($providerId: ID!) {{
  weeklyScheduleSet(
    input: {{providerId: $providerId, ranges: [{{weekday: FRIDAY, startTime: "09:00", endTime: "10:00"}}]}}
  ) {{
    provider {{ id }} weeklySchedule {{ weekday }} {SLOT_CHANGES} {ERRORS}
  }}
}}
"""
DATE_OVERRIDE_SET = f"""
mutation($providerId: ID!) {{
  dateOverrideSet(input: {{providerId: $providerId, date: "2030-01-09", ranges: []}}) {{
    dateOverride {{ date dayOff }} {SLOT_CHANGES} {ERRORS}
  }}
}}
"""
DATE_OVERRIDE_DELETE = f"""
mutation($providerId: ID!) {{
  dateOverrideDelete(input: {{providerId: $providerId, date: "2030-01-09"}}) {{ deleted {SLOT_CHANGES} {ERRORS} }}
}}
"""
AVAILABILITY_ADD_LOCAL = f"""
mutation($providerId: ID!) {{
  availabilityAddLocal(input: {{providerId: $providerId, date: "2030-01-12", startTime: "09:00", endTime: "09:30"}}) {{
    {page("appointments")} {ERRORS}
  }}
}}
"""
AVAILABILITY_WITHDRAW = f"""
mutation($providerId: ID!, $appointmentIds: [ID!]) {{
  availabilityWithdraw(input: {{providerId: $providerId, appointmentIds: $appointmentIds}}) {{
    {SLOT_CHANGES} {ERRORS}
  }}
}}
"""
VISIT_TYPES = "{ visitTypes { id name offers { provider { id } dailyCap } } }"
AVAILABLE_VISITS = f"""
query($visitType: ID!) {{
  {page("availableAppointments(visitTypeId: $visitType)")}
}}
"""
PROVIDER_AVAILABLE_VISITS = f"""
query($visitType: ID!) {{
  {page("providers", page("availableAppointments(visitTypeId: $visitType)"))}
}}
"""
VISIT_TYPE_PAYLOAD = f"visitType {{ id name offers {{ provider {{ id }} }} }} {ERRORS}"
VISIT_TYPE_CREATE = f"""
mutation {{
  visitTypeCreate(input: {{name: "Intake", durationMinutes: 45, bufferAfterMinutes: 15}}) {{ {VISIT_TYPE_PAYLOAD} }}
}}
"""
VISIT_TYPE_UPDATE = f"""
mutation($visitTypeId: ID!) {{
  visitTypeUpdate(input: {{visitTypeId: $visitTypeId, bookingWindowDays: 30}}) {{ {VISIT_TYPE_PAYLOAD} }}
}}
"""
VISIT_TYPE_OFFER_SET = f"""
mutation($visitTypeId: ID!, $providerId: ID!) {{
  visitTypeOfferSet(input: {{visitTypeId: $visitTypeId, providerId: $providerId, offered: true, dailyCap: 4}}) {{
    {VISIT_TYPE_PAYLOAD}
  }}
}}
"""
VISIT_CREATE = f"""
mutation($clientId: ID, $appointmentId: ID!, $visitTypeId: ID!, $anyProvider: Boolean) {{
  reservationCreate(
    input: {{clientId: $clientId, appointmentId: $appointmentId, visitTypeId: $visitTypeId, anyProvider: $anyProvider}}
  ) {{
    reservation {{ id client {{ id {NAMES} }} provider {{ id }} visitType {{ id }} videoUrl }} {ERRORS}
  }}
}}
"""


def _visit_for_x(any_provider: bool) -> Callable[[World], dict[str, Any]]:
    return lambda world: {
        "clientId": world.id("X"),
        "appointmentId": world.id("a3"),
        "visitTypeId": world.id("V"),
        "anyProvider": any_provider,
    }


def _publish_for_a(world: World) -> dict[str, Any]:
    start = NOW + timedelta(days=5)
    return {
        "providerId": world.id("A"),
        "startTime": start.isoformat(),
        "endTime": (start + timedelta(minutes=30)).isoformat(),
    }


OPERATIONS: dict[str, Operation] = {
    # Root queries.
    "providers": Operation(f"{{ {page('providers', NAMES)} }}"),
    "clients": Operation(f"{{ {page('clients', NAMES)} }}"),
    "appointments": Operation(f"{{ {page('appointments')} }}"),
    "availableAppointments": Operation(f"{{ {page('availableAppointments')} }}"),
    "reservations": Operation(f"{{ {page('reservations')} }}"),
    "reservations(client: X)": Operation(RESERVATIONS_FILTERED, lambda world: {"client": world.id("X")}),
    "reservations(provider: B)": Operation(RESERVATIONS_FILTERED, lambda world: {"provider": world.id("B")}),
    "reservations(state: CONFIRMED)": Operation(RESERVATIONS_FILTERED, lambda world: {"state": "CONFIRMED"}),
    "node(provider A)": Operation(NODE, lambda world: {"id": world.id("A")}),
    "node(slot a1)": Operation(NODE, lambda world: {"id": world.id("a1")}),
    "node(client X)": Operation(NODE, lambda world: {"id": world.id("X")}),
    "node(reservation x-held)": Operation(NODE, lambda world: {"id": world.id("x-held")}),
    "viewer": Operation(VIEWER, observe=who_am_i),
    "visitTypes": Operation(VISIT_TYPES),
    "availableAppointments(visitTypeId: V)": Operation(AVAILABLE_VISITS, lambda world: {"visitType": world.id("V")}),
    "ProviderType.availableAppointments(visitTypeId: V)": Operation(
        PROVIDER_AVAILABLE_VISITS, lambda world: {"visitType": world.id("V")}
    ),
    # Nested fields that lead to clients or reservations.
    "ProviderType.clients": Operation(f"{{ {page('providers', page('clients', NAMES))} }}"),
    "ProviderType.confirmedAppointments": Operation(
        "{ "
        + page(
            "providers",
            page("confirmedAppointments", f"confirmedReservation {{ id client {{ id {NAMES} }} }}"),
        )
        + " }"
    ),
    "ProviderType.availableAppointments": Operation(
        f"{{ {page('providers', page('availableAppointments', page('reservations')))} }}"
    ),
    "AppointmentType.reservations": Operation(f"{{ {page('appointments', page('reservations', 'client { id }'))} }}"),
    "AppointmentType.confirmedReservation": Operation(f"{{ {page('appointments', 'confirmedReservation { id }')} }}"),
    "ReservationType.client": Operation(f"{{ {page('reservations', f'client {{ id {NAMES} }}')} }}"),
    "ClientType.activeReservations": Operation(f"{{ {page('clients', page('activeReservations'))} }}"),
    "ClientType.confirmedReservations": Operation(f"{{ {page('clients', page('confirmedReservations'))} }}"),
    "ClientType.expiredReservations": Operation(f"{{ {page('clients', page('expiredReservations'))} }}"),
    "ClientType.providers": Operation(f"{{ {page('clients', page('providers'))} }}"),
    # Mutations.
    "providerCreate": Operation(PROVIDER_CREATE, observe=mutation_outcome("providerCreate")),
    "clientCreate (sign-up)": Operation(
        CLIENT_CREATE,
        lambda world: {"username": "nina-newclient", "password": "a-long-passphrase-2030"},
        mutation_outcome("clientCreate"),
    ),
    "clientCreate (no login)": Operation(CLIENT_CREATE, observe=mutation_outcome("clientCreate")),
    "appointmentBulkCreate (A)": Operation(
        APPOINTMENT_BULK_CREATE, _publish_for_a, mutation_outcome("appointmentBulkCreate")
    ),
    "reservationCreate (for X)": Operation(
        RESERVATION_CREATE,
        lambda world: {"clientId": world.id("X"), "appointmentId": world.id("a3")},
        mutation_outcome("reservationCreate"),
    ),
    "reservationCreate (no clientId)": Operation(
        RESERVATION_CREATE, lambda world: {"appointmentId": world.id("a3")}, mutation_outcome("reservationCreate")
    ),
    "reservationCreate (visit V at a3, for X)": Operation(
        VISIT_CREATE, _visit_for_x(any_provider=False), mutation_outcome("reservationCreate")
    ),
    "reservationCreate (visit V, any provider, for X)": Operation(
        VISIT_CREATE, _visit_for_x(any_provider=True), mutation_outcome("reservationCreate")
    ),
    "visitTypeCreate": Operation(VISIT_TYPE_CREATE, observe=mutation_outcome("visitTypeCreate")),
    "visitTypeUpdate (V)": Operation(
        VISIT_TYPE_UPDATE, lambda world: {"visitTypeId": world.id("V")}, mutation_outcome("visitTypeUpdate")
    ),
    "visitTypeOfferSet (V by B)": Operation(
        VISIT_TYPE_OFFER_SET,
        lambda world: {"visitTypeId": world.id("V"), "providerId": world.id("B")},
        mutation_outcome("visitTypeOfferSet"),
    ),
    "reservationRelease (x-held)": Operation(
        RESERVATION_RELEASE, lambda world: {"reservationId": world.id("x-held")}, mutation_outcome("reservationRelease")
    ),
    "reservationCancel (x-confirmed, with a reason)": Operation(
        RESERVATION_CANCEL,
        lambda world: {"reservationId": world.id("x-confirmed"), "reason": "Ill."},
        mutation_outcome("reservationCancel"),
    ),
    "reservationReschedule (x-confirmed to a3)": Operation(
        RESERVATION_RESCHEDULE,
        lambda world: {"reservationId": world.id("x-confirmed"), "appointmentId": world.id("a3")},
        mutation_outcome("reservationReschedule"),
    ),
    "reservationConfirm (x-held)": Operation(
        RESERVATION_CONFIRM, lambda world: {"reservationId": world.id("x-held")}, mutation_outcome("reservationConfirm")
    ),
    "tokenCreate (X's password)": Operation(
        TOKEN_CREATE, lambda world: {"username": "client-x", "password": PASSWORD}, mutation_outcome("tokenCreate")
    ),
    "tokenCreate (wrong password)": Operation(
        TOKEN_CREATE, lambda world: {"username": "client-x", "password": "not-it"}, mutation_outcome("tokenCreate")
    ),
    "tokenRefresh (X's refresh token)": Operation(
        TOKEN_REFRESH,
        lambda world: {"refreshToken": tokens.issue_tokens(_user(world, CLIENT_X)).refresh_token},
        mutation_outcome("tokenRefresh"),
    ),
    "tokenRefresh (X's access token)": Operation(
        TOKEN_REFRESH,
        lambda world: {"refreshToken": tokens.issue_tokens(_user(world, CLIENT_X)).access_token},
        mutation_outcome("tokenRefresh"),
    ),
    "tokenRevoke (X's refresh token)": Operation(
        TOKEN_REVOKE,
        lambda world: {"refreshToken": tokens.issue_tokens(_user(world, CLIENT_X)).refresh_token},
        mutation_outcome("tokenRevoke"),
    ),
    "tokenRevoke (everywhere)": Operation(
        TOKEN_REVOKE, lambda world: {"everywhere": True}, mutation_outcome("tokenRevoke")
    ),
    "tokenRevoke (nothing)": Operation(TOKEN_REVOKE, observe=mutation_outcome("tokenRevoke")),
    # The caller's own calendar feed (the world has none yet, so both create one).
    "calendarFeedCreate": Operation(CALENDAR_FEED_CREATE, observe=mutation_outcome("calendarFeedCreate")),
    "calendarFeedRotate": Operation(CALENDAR_FEED_ROTATE, observe=mutation_outcome("calendarFeedRotate")),
    # Provider A's time zone and schedule. The world has no override, so deleting one is NOT_FOUND for those who
    # may try; withdrawing a3 (free) and a1 (held by X) withdraws a3 and keeps a1.
    "providerTimeZoneSet (A)": Operation(
        PROVIDER_TIME_ZONE_SET, lambda world: {"providerId": world.id("A")}, mutation_outcome("providerTimeZoneSet")
    ),
    "weeklyScheduleSet (A)": Operation(
        WEEKLY_SCHEDULE_SET, lambda world: {"providerId": world.id("A")}, mutation_outcome("weeklyScheduleSet")
    ),
    "dateOverrideSet (A)": Operation(
        DATE_OVERRIDE_SET, lambda world: {"providerId": world.id("A")}, mutation_outcome("dateOverrideSet")
    ),
    "dateOverrideDelete (A, none)": Operation(
        DATE_OVERRIDE_DELETE, lambda world: {"providerId": world.id("A")}, mutation_outcome("dateOverrideDelete")
    ),
    "availabilityAddLocal (A)": Operation(
        AVAILABILITY_ADD_LOCAL, lambda world: {"providerId": world.id("A")}, mutation_outcome("availabilityAddLocal")
    ),
    "availabilityWithdraw (A: a3, a1)": Operation(
        AVAILABILITY_WITHDRAW,
        lambda world: {"providerId": world.id("A"), "appointmentIds": [world.id("a3"), world.id("a1")]},
        mutation_outcome("availabilityWithdraw"),
    ),
}

# (operation, role, expected outcome). "Owner" is client X for a client's data, provider A for a provider's.
MATRIX: list[tuple[str, str, Any]] = [
    # --- root queries ---
    ("providers", ANONYMOUS, sees("A", "B")),
    ("providers", CLIENT_X, sees("A", "B")),
    ("providers", CLIENT_Y, sees("A", "B")),
    ("providers", PROVIDER_A, sees("A", "B")),
    ("providers", PROVIDER_B, sees("A", "B")),
    ("providers", STAFF, sees("A", "B")),
    ("clients", ANONYMOUS, sees()),
    ("clients", CLIENT_X, sees("X")),
    ("clients", CLIENT_Y, sees("Y")),
    ("clients", PROVIDER_A, sees("X")),
    ("clients", PROVIDER_B, sees("Y")),
    ("clients", STAFF, sees("X", "Y")),
    ("appointments", ANONYMOUS, sees(*SLOTS)),
    ("appointments", CLIENT_X, sees(*SLOTS)),
    ("appointments", CLIENT_Y, sees(*SLOTS)),
    ("appointments", PROVIDER_A, sees(*SLOTS)),
    ("appointments", PROVIDER_B, sees(*SLOTS)),
    ("appointments", STAFF, sees(*SLOTS)),
    ("availableAppointments", ANONYMOUS, sees("a3", "b2", "b3")),
    ("availableAppointments", CLIENT_X, sees("a3", "b2", "b3")),
    ("availableAppointments", CLIENT_Y, sees("a3", "b2", "b3")),
    ("availableAppointments", PROVIDER_A, sees("a3", "b2", "b3")),
    ("availableAppointments", PROVIDER_B, sees("a3", "b2", "b3")),
    ("availableAppointments", STAFF, sees("a3", "b2", "b3")),
    ("reservations", ANONYMOUS, sees()),
    ("reservations", CLIENT_X, sees(*X_RESERVATIONS)),
    ("reservations", CLIENT_Y, sees(*Y_RESERVATIONS)),
    ("reservations", PROVIDER_A, sees(*X_RESERVATIONS)),
    ("reservations", PROVIDER_B, sees(*Y_RESERVATIONS)),
    ("reservations", STAFF, sees(*X_RESERVATIONS, *Y_RESERVATIONS)),
    ("reservations(client: X)", ANONYMOUS, sees()),
    ("reservations(client: X)", CLIENT_X, sees(*X_RESERVATIONS)),
    ("reservations(client: X)", CLIENT_Y, sees()),
    ("reservations(client: X)", PROVIDER_A, sees(*X_RESERVATIONS)),
    ("reservations(client: X)", PROVIDER_B, sees()),
    ("reservations(client: X)", STAFF, sees(*X_RESERVATIONS)),
    ("reservations(provider: B)", ANONYMOUS, sees()),
    ("reservations(provider: B)", CLIENT_X, sees()),
    ("reservations(provider: B)", CLIENT_Y, sees(*Y_RESERVATIONS)),
    ("reservations(provider: B)", PROVIDER_A, sees()),
    ("reservations(provider: B)", PROVIDER_B, sees(*Y_RESERVATIONS)),
    ("reservations(provider: B)", STAFF, sees(*Y_RESERVATIONS)),
    ("reservations(state: CONFIRMED)", ANONYMOUS, sees()),
    ("reservations(state: CONFIRMED)", CLIENT_X, sees("x-confirmed")),
    ("reservations(state: CONFIRMED)", CLIENT_Y, sees("y-confirmed")),
    ("reservations(state: CONFIRMED)", PROVIDER_A, sees("x-confirmed")),
    ("reservations(state: CONFIRMED)", PROVIDER_B, sees("y-confirmed")),
    ("reservations(state: CONFIRMED)", STAFF, sees("x-confirmed", "y-confirmed")),
    ("node(provider A)", ANONYMOUS, sees("A")),
    ("node(provider A)", CLIENT_X, sees("A")),
    ("node(provider A)", CLIENT_Y, sees("A")),
    ("node(provider A)", PROVIDER_A, sees("A")),
    ("node(provider A)", PROVIDER_B, sees("A")),
    ("node(provider A)", STAFF, sees("A")),
    ("node(slot a1)", ANONYMOUS, sees("a1")),
    ("node(slot a1)", CLIENT_X, sees("a1")),
    ("node(slot a1)", CLIENT_Y, sees("a1")),
    ("node(slot a1)", PROVIDER_A, sees("a1")),
    ("node(slot a1)", PROVIDER_B, sees("a1")),
    ("node(slot a1)", STAFF, sees("a1")),
    ("node(client X)", ANONYMOUS, sees()),
    ("node(client X)", CLIENT_X, sees("X")),
    ("node(client X)", CLIENT_Y, sees()),
    ("node(client X)", PROVIDER_A, sees("X")),
    ("node(client X)", PROVIDER_B, sees()),
    ("node(client X)", STAFF, sees("X")),
    ("node(reservation x-held)", ANONYMOUS, sees()),
    ("node(reservation x-held)", CLIENT_X, sees("x-held")),
    ("node(reservation x-held)", CLIENT_Y, sees()),
    ("node(reservation x-held)", PROVIDER_A, sees("x-held")),
    ("node(reservation x-held)", PROVIDER_B, sees()),
    ("node(reservation x-held)", STAFF, sees("x-held")),
    ("viewer", ANONYMOUS, None),
    ("viewer", CLIENT_X, ("client-x", False, None, "X")),
    ("viewer", CLIENT_Y, ("client-y", False, None, "Y")),
    ("viewer", PROVIDER_A, ("provider-a", False, "A", None)),
    ("viewer", PROVIDER_B, ("provider-b", False, "B", None)),
    ("viewer", STAFF, ("staff", True, None, None)),
    *((operation, role, sees("V", "V>A")) for operation in ("visitTypes",) for role in ROLES),
    *((operation, role, sees("a3")) for operation in ("availableAppointments(visitTypeId: V)",) for role in ROLES),
    *(("ProviderType.availableAppointments(visitTypeId: V)", role, sees("A", "B", "A>a3")) for role in ROLES),
    # --- nested fields that lead to clients or reservations ---
    ("ProviderType.clients", ANONYMOUS, sees("A", "B")),
    ("ProviderType.clients", CLIENT_X, sees("A", "B", "A>X")),
    ("ProviderType.clients", CLIENT_Y, sees("A", "B", "B>Y")),
    ("ProviderType.clients", PROVIDER_A, sees("A", "B", "A>X")),
    ("ProviderType.clients", PROVIDER_B, sees("A", "B", "B>Y")),
    ("ProviderType.clients", STAFF, sees("A", "B", "A>X", "B>Y")),
    ("ProviderType.confirmedAppointments", ANONYMOUS, sees(*BOOKED_SLOTS)),
    ("ProviderType.confirmedAppointments", CLIENT_X, sees(*BOOKED_SLOTS, *X_BOOKING)),
    ("ProviderType.confirmedAppointments", CLIENT_Y, sees(*BOOKED_SLOTS, *Y_BOOKING)),
    ("ProviderType.confirmedAppointments", PROVIDER_A, sees(*BOOKED_SLOTS, *X_BOOKING)),
    ("ProviderType.confirmedAppointments", PROVIDER_B, sees(*BOOKED_SLOTS, *Y_BOOKING)),
    ("ProviderType.confirmedAppointments", STAFF, sees(*BOOKED_SLOTS, *X_BOOKING, *Y_BOOKING)),
    ("ProviderType.availableAppointments", ANONYMOUS, sees(*FREE_SLOTS)),
    ("ProviderType.availableAppointments", CLIENT_X, sees(*FREE_SLOTS)),
    ("ProviderType.availableAppointments", CLIENT_Y, sees(*FREE_SLOTS, "b2>y-expired")),
    ("ProviderType.availableAppointments", PROVIDER_A, sees(*FREE_SLOTS)),
    ("ProviderType.availableAppointments", PROVIDER_B, sees(*FREE_SLOTS, "b2>y-expired")),
    ("ProviderType.availableAppointments", STAFF, sees(*FREE_SLOTS, "b2>y-expired")),
    ("AppointmentType.reservations", ANONYMOUS, sees(*SLOTS)),
    ("AppointmentType.reservations", CLIENT_X, sees(*SLOTS, *X_ON_SLOTS)),
    ("AppointmentType.reservations", CLIENT_Y, sees(*SLOTS, *Y_ON_SLOTS)),
    ("AppointmentType.reservations", PROVIDER_A, sees(*SLOTS, *X_ON_SLOTS)),
    ("AppointmentType.reservations", PROVIDER_B, sees(*SLOTS, *Y_ON_SLOTS)),
    ("AppointmentType.reservations", STAFF, sees(*SLOTS, *X_ON_SLOTS, *Y_ON_SLOTS)),
    ("AppointmentType.confirmedReservation", ANONYMOUS, sees(*SLOTS)),
    ("AppointmentType.confirmedReservation", CLIENT_X, sees(*SLOTS, "a2>x-confirmed")),
    ("AppointmentType.confirmedReservation", CLIENT_Y, sees(*SLOTS, "b1>y-confirmed")),
    ("AppointmentType.confirmedReservation", PROVIDER_A, sees(*SLOTS, "a2>x-confirmed")),
    ("AppointmentType.confirmedReservation", PROVIDER_B, sees(*SLOTS, "b1>y-confirmed")),
    ("AppointmentType.confirmedReservation", STAFF, sees(*SLOTS, "a2>x-confirmed", "b1>y-confirmed")),
    ("ReservationType.client", ANONYMOUS, sees()),
    ("ReservationType.client", CLIENT_X, sees(*X_WITH_CLIENT)),
    ("ReservationType.client", CLIENT_Y, sees(*Y_WITH_CLIENT)),
    ("ReservationType.client", PROVIDER_A, sees(*X_WITH_CLIENT)),
    ("ReservationType.client", PROVIDER_B, sees(*Y_WITH_CLIENT)),
    ("ReservationType.client", STAFF, sees(*X_WITH_CLIENT, *Y_WITH_CLIENT)),
    ("ClientType.activeReservations", ANONYMOUS, sees()),
    ("ClientType.activeReservations", CLIENT_X, sees("X", "X>x-held")),
    ("ClientType.activeReservations", CLIENT_Y, sees("Y")),
    ("ClientType.activeReservations", PROVIDER_A, sees("X", "X>x-held")),
    ("ClientType.activeReservations", PROVIDER_B, sees("Y")),
    ("ClientType.activeReservations", STAFF, sees("X", "Y", "X>x-held")),
    ("ClientType.confirmedReservations", ANONYMOUS, sees()),
    ("ClientType.confirmedReservations", CLIENT_X, sees("X", "X>x-confirmed")),
    ("ClientType.confirmedReservations", CLIENT_Y, sees("Y", "Y>y-confirmed")),
    ("ClientType.confirmedReservations", PROVIDER_A, sees("X", "X>x-confirmed")),
    ("ClientType.confirmedReservations", PROVIDER_B, sees("Y", "Y>y-confirmed")),
    ("ClientType.confirmedReservations", STAFF, sees("X", "Y", "X>x-confirmed", "Y>y-confirmed")),
    ("ClientType.expiredReservations", ANONYMOUS, sees()),
    ("ClientType.expiredReservations", CLIENT_X, sees("X")),
    ("ClientType.expiredReservations", CLIENT_Y, sees("Y", "Y>y-expired")),
    ("ClientType.expiredReservations", PROVIDER_A, sees("X")),
    ("ClientType.expiredReservations", PROVIDER_B, sees("Y", "Y>y-expired")),
    ("ClientType.expiredReservations", STAFF, sees("X", "Y", "Y>y-expired")),
    ("ClientType.providers", ANONYMOUS, sees()),
    ("ClientType.providers", CLIENT_X, sees("X", "X>A")),
    ("ClientType.providers", CLIENT_Y, sees("Y", "Y>B")),
    ("ClientType.providers", PROVIDER_A, sees("X", "X>A")),
    ("ClientType.providers", PROVIDER_B, sees("Y", "Y>B")),
    ("ClientType.providers", STAFF, sees("X", "Y", "X>A", "Y>B")),
    # --- mutations ---
    ("providerCreate", ANONYMOUS, UNAUTHENTICATED),
    ("providerCreate", CLIENT_X, FORBIDDEN),
    ("providerCreate", CLIENT_Y, FORBIDDEN),
    ("providerCreate", PROVIDER_A, FORBIDDEN),
    ("providerCreate", PROVIDER_B, FORBIDDEN),
    ("providerCreate", STAFF, OK),
    ("clientCreate (sign-up)", ANONYMOUS, OK),
    ("clientCreate (sign-up)", CLIENT_X, FORBIDDEN),
    ("clientCreate (sign-up)", CLIENT_Y, FORBIDDEN),
    ("clientCreate (sign-up)", PROVIDER_A, FORBIDDEN),
    ("clientCreate (sign-up)", PROVIDER_B, FORBIDDEN),
    ("clientCreate (sign-up)", STAFF, OK),
    ("clientCreate (no login)", ANONYMOUS, in_payload("INVALID")),
    ("clientCreate (no login)", CLIENT_X, FORBIDDEN),
    ("clientCreate (no login)", CLIENT_Y, FORBIDDEN),
    ("clientCreate (no login)", PROVIDER_A, FORBIDDEN),
    ("clientCreate (no login)", PROVIDER_B, FORBIDDEN),
    ("clientCreate (no login)", STAFF, OK),
    ("appointmentBulkCreate (A)", ANONYMOUS, UNAUTHENTICATED),
    ("appointmentBulkCreate (A)", CLIENT_X, FORBIDDEN),
    ("appointmentBulkCreate (A)", CLIENT_Y, FORBIDDEN),
    ("appointmentBulkCreate (A)", PROVIDER_A, OK),
    ("appointmentBulkCreate (A)", PROVIDER_B, FORBIDDEN),
    ("appointmentBulkCreate (A)", STAFF, OK),
    ("reservationCreate (for X)", ANONYMOUS, UNAUTHENTICATED),
    ("reservationCreate (for X)", CLIENT_X, OK),
    ("reservationCreate (for X)", CLIENT_Y, FORBIDDEN),
    ("reservationCreate (for X)", PROVIDER_A, FORBIDDEN),
    ("reservationCreate (for X)", PROVIDER_B, FORBIDDEN),
    ("reservationCreate (for X)", STAFF, OK),
    ("reservationCreate (no clientId)", ANONYMOUS, UNAUTHENTICATED),
    ("reservationCreate (no clientId)", CLIENT_X, OK),
    ("reservationCreate (no clientId)", CLIENT_Y, OK),
    ("reservationCreate (no clientId)", PROVIDER_A, in_payload("INVALID")),
    ("reservationCreate (no clientId)", PROVIDER_B, in_payload("INVALID")),
    ("reservationCreate (no clientId)", STAFF, in_payload("INVALID")),
    *(
        (operation, role, outcome)
        for operation in (
            "reservationCreate (visit V at a3, for X)",
            "reservationCreate (visit V, any provider, for X)",
        )
        for role, outcome in (
            (ANONYMOUS, UNAUTHENTICATED),
            (CLIENT_X, OK),
            (CLIENT_Y, FORBIDDEN),
            (PROVIDER_A, FORBIDDEN),
            (PROVIDER_B, FORBIDDEN),
            (STAFF, OK),
        )
    ),
    *(
        (operation, role, outcome)
        for operation in ("visitTypeCreate", "visitTypeUpdate (V)", "visitTypeOfferSet (V by B)")
        for role, outcome in (
            (ANONYMOUS, UNAUTHENTICATED),
            (CLIENT_X, FORBIDDEN),
            (CLIENT_Y, FORBIDDEN),
            (PROVIDER_A, FORBIDDEN),
            (PROVIDER_B, FORBIDDEN),
            (STAFF, OK),
        )
    ),
    ("reservationRelease (x-held)", ANONYMOUS, UNAUTHENTICATED),
    ("reservationRelease (x-held)", CLIENT_X, OK),
    ("reservationRelease (x-held)", CLIENT_Y, in_payload("NOT_FOUND")),
    ("reservationRelease (x-held)", PROVIDER_A, FORBIDDEN),
    ("reservationRelease (x-held)", PROVIDER_B, in_payload("NOT_FOUND")),
    ("reservationRelease (x-held)", STAFF, OK),
    ("reservationCancel (x-confirmed, with a reason)", ANONYMOUS, UNAUTHENTICATED),
    ("reservationCancel (x-confirmed, with a reason)", CLIENT_X, OK),
    ("reservationCancel (x-confirmed, with a reason)", CLIENT_Y, in_payload("NOT_FOUND")),
    ("reservationCancel (x-confirmed, with a reason)", PROVIDER_A, OK),
    ("reservationCancel (x-confirmed, with a reason)", PROVIDER_B, in_payload("NOT_FOUND")),
    ("reservationCancel (x-confirmed, with a reason)", STAFF, OK),
    ("reservationReschedule (x-confirmed to a3)", ANONYMOUS, UNAUTHENTICATED),
    ("reservationReschedule (x-confirmed to a3)", CLIENT_X, OK),
    ("reservationReschedule (x-confirmed to a3)", CLIENT_Y, in_payload("NOT_FOUND")),
    ("reservationReschedule (x-confirmed to a3)", PROVIDER_A, FORBIDDEN),
    ("reservationReschedule (x-confirmed to a3)", PROVIDER_B, in_payload("NOT_FOUND")),
    ("reservationReschedule (x-confirmed to a3)", STAFF, OK),
    ("reservationConfirm (x-held)", ANONYMOUS, UNAUTHENTICATED),
    ("reservationConfirm (x-held)", CLIENT_X, OK),
    ("reservationConfirm (x-held)", CLIENT_Y, in_payload("NOT_FOUND")),
    ("reservationConfirm (x-held)", PROVIDER_A, FORBIDDEN),
    ("reservationConfirm (x-held)", PROVIDER_B, in_payload("NOT_FOUND")),
    ("reservationConfirm (x-held)", STAFF, OK),
    ("tokenCreate (X's password)", ANONYMOUS, OK),
    ("tokenCreate (X's password)", CLIENT_X, OK),
    ("tokenCreate (X's password)", CLIENT_Y, OK),
    ("tokenCreate (X's password)", PROVIDER_A, OK),
    ("tokenCreate (X's password)", PROVIDER_B, OK),
    ("tokenCreate (X's password)", STAFF, OK),
    ("tokenCreate (wrong password)", ANONYMOUS, in_payload("INVALID_CREDENTIALS")),
    ("tokenCreate (wrong password)", CLIENT_X, in_payload("INVALID_CREDENTIALS")),
    ("tokenCreate (wrong password)", CLIENT_Y, in_payload("INVALID_CREDENTIALS")),
    ("tokenCreate (wrong password)", PROVIDER_A, in_payload("INVALID_CREDENTIALS")),
    ("tokenCreate (wrong password)", PROVIDER_B, in_payload("INVALID_CREDENTIALS")),
    ("tokenCreate (wrong password)", STAFF, in_payload("INVALID_CREDENTIALS")),
    ("tokenRefresh (X's refresh token)", ANONYMOUS, OK),
    ("tokenRefresh (X's refresh token)", CLIENT_X, OK),
    ("tokenRefresh (X's refresh token)", CLIENT_Y, OK),
    ("tokenRefresh (X's refresh token)", PROVIDER_A, OK),
    ("tokenRefresh (X's refresh token)", PROVIDER_B, OK),
    ("tokenRefresh (X's refresh token)", STAFF, OK),
    ("tokenRefresh (X's access token)", ANONYMOUS, in_payload("INVALID_TOKEN")),
    ("tokenRefresh (X's access token)", CLIENT_X, in_payload("INVALID_TOKEN")),
    ("tokenRefresh (X's access token)", CLIENT_Y, in_payload("INVALID_TOKEN")),
    ("tokenRefresh (X's access token)", PROVIDER_A, in_payload("INVALID_TOKEN")),
    ("tokenRefresh (X's access token)", PROVIDER_B, in_payload("INVALID_TOKEN")),
    ("tokenRefresh (X's access token)", STAFF, in_payload("INVALID_TOKEN")),
    ("tokenRevoke (X's refresh token)", ANONYMOUS, OK),
    ("tokenRevoke (X's refresh token)", CLIENT_X, OK),
    ("tokenRevoke (X's refresh token)", CLIENT_Y, OK),
    ("tokenRevoke (X's refresh token)", PROVIDER_A, OK),
    ("tokenRevoke (X's refresh token)", PROVIDER_B, OK),
    ("tokenRevoke (X's refresh token)", STAFF, OK),
    ("tokenRevoke (everywhere)", ANONYMOUS, UNAUTHENTICATED),
    ("tokenRevoke (everywhere)", CLIENT_X, OK),
    ("tokenRevoke (everywhere)", CLIENT_Y, OK),
    ("tokenRevoke (everywhere)", PROVIDER_A, OK),
    ("tokenRevoke (everywhere)", PROVIDER_B, OK),
    ("tokenRevoke (everywhere)", STAFF, OK),
    ("tokenRevoke (nothing)", ANONYMOUS, in_payload("INVALID")),
    ("tokenRevoke (nothing)", CLIENT_X, in_payload("INVALID")),
    ("tokenRevoke (nothing)", CLIENT_Y, in_payload("INVALID")),
    ("tokenRevoke (nothing)", PROVIDER_A, in_payload("INVALID")),
    ("tokenRevoke (nothing)", PROVIDER_B, in_payload("INVALID")),
    ("tokenRevoke (nothing)", STAFF, in_payload("INVALID")),
    ("calendarFeedCreate", ANONYMOUS, UNAUTHENTICATED),
    ("calendarFeedCreate", CLIENT_X, OK),
    ("calendarFeedCreate", CLIENT_Y, OK),
    ("calendarFeedCreate", PROVIDER_A, OK),
    ("calendarFeedCreate", PROVIDER_B, OK),
    ("calendarFeedCreate", STAFF, OK),
    ("calendarFeedRotate", ANONYMOUS, UNAUTHENTICATED),
    ("calendarFeedRotate", CLIENT_X, OK),
    ("calendarFeedRotate", CLIENT_Y, OK),
    ("calendarFeedRotate", PROVIDER_A, OK),
    ("calendarFeedRotate", PROVIDER_B, OK),
    ("calendarFeedRotate", STAFF, OK),
    *(
        (operation, role, outcome)
        for operation, owner_outcome in (
            ("providerTimeZoneSet (A)", OK),
            ("weeklyScheduleSet (A)", OK),
            ("dateOverrideSet (A)", OK),
            ("dateOverrideDelete (A, none)", in_payload("NOT_FOUND")),
            ("availabilityAddLocal (A)", OK),
            ("availabilityWithdraw (A: a3, a1)", OK),
        )
        for role, outcome in (
            (ANONYMOUS, UNAUTHENTICATED),
            (CLIENT_X, FORBIDDEN),
            (CLIENT_Y, FORBIDDEN),
            (PROVIDER_A, owner_outcome),
            (PROVIDER_B, FORBIDDEN),
            (STAFF, owner_outcome),
        )
    ),
]


@pytest.mark.parametrize(
    ("operation", "role", "expected"),
    [pytest.param(*row, id=f"{row[0]} as {row[1]}") for row in MATRIX],
)
def test_authorization_matrix(call_as: CallAs, world: World, operation: str, role: str, expected: Any) -> None:
    spec = OPERATIONS[operation]
    variables = spec.variables(world)
    before = state_of_the_database()

    body = call_as(role, spec.document, variables)

    assert spec.observe(body, world) == expected
    wrote = state_of_the_database() != before
    assert wrote == (spec.is_mutation and expected == OK)
    text = json.dumps(body)
    for client_label in FOREIGN_CLIENTS[role]:
        for secret in world.secrets_of(client_label):
            assert secret not in text, f"{role} was shown {secret} of client {client_label}"


# --- the matrix's own completeness --------------------------------------------------------------------------


def fields_used(document: str) -> set[str]:
    """Every ``Type.field`` that ``document`` selects, by the schema's types."""
    type_info = TypeInfo(schema.graphql_schema)
    used: set[str] = set()

    class Collect(Visitor):
        def enter_field(self, node: FieldNode, *args: Any) -> None:
            parent = type_info.get_parent_type()
            if parent is not None:
                used.add(f"{parent.name}.{node.name.value}")

    visit(parse(document), TypeInfoVisitor(type_info, Collect()))
    return used


def fields_leading_to_people_or_reservations() -> set[str]:
    """Fields of the object types that return a client, a reservation, or a connection of either."""
    sensitive = {"ClientType", "ClientTypeConnection", "ReservationType", "ReservationTypeConnection"}
    found = set()
    for type_name in ("ProviderType", "ClientType", "AppointmentType", "ReservationType", "ViewerType"):
        graphql_type: Any = schema.graphql_schema.get_type(type_name)
        for field_name, field in graphql_type.fields.items():
            if get_named_type(field.type).name in sensitive:
                found.add(f"{type_name}.{field_name}")
    return found


def test_matrix_runs_every_operation_as_every_role() -> None:
    assert sorted({row[0] for row in MATRIX}) == sorted(OPERATIONS)
    for operation in OPERATIONS:
        assert sorted(role for name, role, _ in MATRIX if name == operation) == sorted(ROLES), operation
    assert len(MATRIX) == len(OPERATIONS) * len(ROLES)


def test_matrix_covers_every_root_field_and_every_field_leading_to_clients_or_reservations() -> None:
    used = set().union(*(fields_used(spec.document) for spec in OPERATIONS.values()))
    query_type: Any = schema.graphql_schema.query_type
    mutation_type: Any = schema.graphql_schema.mutation_type
    roots = {f"Query.{name}" for name in query_type.fields} | {f"Mutation.{name}" for name in mutation_type.fields}

    assert roots - used == set()
    assert fields_leading_to_people_or_reservations() - used == set()


# --- rules the matrix cannot show on its own ----------------------------------------------------------------

SHARED_CLIENT = (
    "query($client: ID!) { "
    + page(
        "clients",
        " ".join(
            page(field) for field in ("confirmedReservations", "expiredReservations", "activeReservations", "providers")
        ),
    )
    + page("reservations(client: $client)")
    + " }"
)


def test_a_provider_sees_only_their_own_part_of_a_client_they_share(call_as, world):
    # Y's hold on A's slot a3 ran out: A may now see Y, but only that reservation, never Y's bookings with B.
    world.reservations["y-on-a3"] = make_reservation(world.clients["Y"], world.slots["a3"], NOW - timedelta(hours=3))
    world.labels[gid("ReservationType", world.reservations["y-on-a3"].pk)] = "y-on-a3"

    body = call_as(PROVIDER_A, SHARED_CLIENT, {"client": world.id("Y")})

    assert nodes_seen(body, world) == sees("X", "X>x-held", "X>x-confirmed", "X>A", "Y", "Y>y-on-a3", "y-on-a3")
    text = json.dumps(body)
    for hidden in ("y-confirmed", "y-expired", "B"):
        assert json.dumps(world.id(hidden)) not in text
    node = call_as(PROVIDER_A, NODE, {"id": world.id("y-confirmed")})
    assert node["data"]["node"] is None


def test_a_client_who_omits_client_id_reserves_for_themselves(call_as, world):
    body = call_as(CLIENT_Y, RESERVATION_CREATE, {"appointmentId": world.id("a3")})

    reservation = payload(body, "reservationCreate")["reservation"]
    assert reservation["client"]["id"] == world.id("Y")
    assert Reservation.objects.get(pk=from_global_id(reservation["id"])[1]).client == world.clients["Y"]


def test_confirming_a_hidden_reservation_is_indistinguishable_from_confirming_a_missing_one(call_as, world):
    hidden = call_as(CLIENT_Y, RESERVATION_CONFIRM, {"reservationId": world.id("x-held")})
    missing = call_as(CLIENT_Y, RESERVATION_CONFIRM, {"reservationId": gid("ReservationType", 987654321)})

    assert hidden == missing
    assert payload(hidden, "reservationConfirm")["errors"][0]["code"] == "NOT_FOUND"
    assert (
        not Reservation.objects.filter(confirmed_at__isnull=False, client=world.clients["X"])
        .exclude(pk=world.reservations["x-confirmed"].pk)
        .exists()
    )


def test_reserving_for_another_client_is_refused_whether_or_not_they_exist(call_as, world):
    other = call_as(CLIENT_Y, RESERVATION_CREATE, {"clientId": world.id("X"), "appointmentId": world.id("a3")})
    missing = call_as(
        CLIENT_Y, RESERVATION_CREATE, {"clientId": gid("ClientType", 987654321), "appointmentId": world.id("a3")}
    )

    assert other == missing
    assert [error["extensions"]["code"] for error in other["errors"]] == [FORBIDDEN]


def test_a_video_link_is_seen_only_by_its_client_its_provider_and_staff(call_as, world):
    from reservation.services.reservations import reservation_confirm, reservation_create

    visit = reservation_create(
        client_id=world.clients["X"].pk, appointment_id=world.slots["a3"].pk, visit_type_id=world.visit_types["V"].pk
    )
    link = reservation_confirm(reservation_id=visit.pk).video_url
    assert link
    document = "{ " + page("reservations", "videoUrl") + " node(id: $id) { ... on ReservationType { videoUrl } } }"
    document = "query($id: ID!) " + document
    for role, sees_it in (
        (ANONYMOUS, False),
        (CLIENT_X, True),
        (CLIENT_Y, False),
        (PROVIDER_A, True),
        (PROVIDER_B, False),
        (STAFF, True),
    ):
        body = call_as(role, document, {"id": gid("ReservationType", visit.pk)})
        assert "errors" not in body, body
        assert (link in json.dumps(body)) is sees_it, role
