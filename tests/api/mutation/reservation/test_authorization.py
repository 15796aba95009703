"""Who may release, cancel and reschedule: the three mutations as every role, in one table.

The world is that of ``tests/auth/conftest.py``: client X holds slot a1 (``x-held``) and booked a2
(``x-confirmed``), both on provider A's slots; client Y and provider B have nothing to do with them. So X is
the owner, A the slot's provider, Y "another client" and B "another provider".

| mutation | anonymous | X (owner) | Y | A (slot's provider) | B | staff |
| --- | --- | --- | --- | --- | --- | --- |
| release x-held | UNAUTHENTICATED | ok | NOT_FOUND | FORBIDDEN | NOT_FOUND | ok |
| cancel x-confirmed, with a reason | UNAUTHENTICATED | ok | NOT_FOUND | ok | NOT_FOUND | ok |
| cancel x-confirmed, no reason | UNAUTHENTICATED | ok | NOT_FOUND | INVALID | NOT_FOUND | ok |
| reschedule x-confirmed to a3 | UNAUTHENTICATED | ok | NOT_FOUND | FORBIDDEN | NOT_FOUND | ok |

UNAUTHENTICATED and FORBIDDEN are top-level errors; NOT_FOUND and INVALID payload errors. A reservation the
caller may not see is NOT_FOUND with the very message of one that does not exist. A refusal writes nothing.
"""

from dataclasses import dataclass
from typing import Any

import pytest

from reservation.models import Reservation, ReservationEvent
from tests.auth import ANONYMOUS, CLIENT_X, CLIENT_Y, PROVIDER_A, PROVIDER_B, ROLES, STAFF
from tests.auth.conftest import CallAs, World
from tests.graphql import RESERVATION_CANCEL, RESERVATION_RELEASE, RESERVATION_RESCHEDULE

pytestmark = pytest.mark.django_db

OK = "ok"


@dataclass(frozen=True)
class Operation:
    document: str
    field: str
    reservation: str  # the world's label of the reservation acted on
    variables: dict[str, str]  # besides reservationId: IDs as world labels, other values (a reason) as sent
    ends_as: str  # the state of the reservation after an allowed call


OPERATIONS = {
    "release": Operation(RESERVATION_RELEASE, "reservationRelease", "x-held", {}, "RELEASED"),
    "cancel": Operation(RESERVATION_CANCEL, "reservationCancel", "x-confirmed", {"reason": "Ill."}, "CANCELLED"),
    "cancel, no reason": Operation(RESERVATION_CANCEL, "reservationCancel", "x-confirmed", {}, "CANCELLED"),
    "reschedule": Operation(
        RESERVATION_RESCHEDULE, "reservationReschedule", "x-confirmed", {"appointmentId": "a3"}, "RESCHEDULED"
    ),
}

TABLE = {
    #                    anonymous          client X  client Y     provider A   provider B   staff
    "release": ("UNAUTHENTICATED", OK, "NOT_FOUND", "FORBIDDEN", "NOT_FOUND", OK),
    "cancel": ("UNAUTHENTICATED", OK, "NOT_FOUND", OK, "NOT_FOUND", OK),
    "cancel, no reason": ("UNAUTHENTICATED", OK, "NOT_FOUND", "INVALID", "NOT_FOUND", OK),
    "reschedule": ("UNAUTHENTICATED", OK, "NOT_FOUND", "FORBIDDEN", "NOT_FOUND", OK),
}
ROLE_ORDER = (ANONYMOUS, CLIENT_X, CLIENT_Y, PROVIDER_A, PROVIDER_B, STAFF)
CASES = [(name, role, TABLE[name][ROLE_ORDER.index(role)]) for name in TABLE for role in ROLE_ORDER]
TOP_LEVEL = {"UNAUTHENTICATED", "FORBIDDEN"}


def stored() -> list[tuple[Any, ...]]:
    reservations = Reservation.objects.order_by("pk").values_list("pk", "ended_at", "end_reason", "confirmed_at")
    return [*reservations, *ReservationEvent.objects.order_by("pk").values_list("pk", "kind")]


def variables_for(operation: Operation, world: World) -> dict[str, Any]:
    variables: dict[str, Any] = {"reservationId": world.id(operation.reservation)}
    for key, value in operation.variables.items():
        variables[key] = world.id(value) if key.endswith("Id") else value
    return variables


def outcome(body: dict[str, Any], field: str) -> str:
    if body.get("errors"):
        (error,) = body["errors"]
        return str(error["extensions"]["code"])
    payload = body["data"][field]
    if payload["errors"]:
        (error,) = payload["errors"]
        assert payload["reservation"] is None
        return str(error["code"])
    return OK


def test_the_table_covers_every_role_and_operation():
    assert set(ROLE_ORDER) == set(ROLES)
    assert TABLE.keys() == OPERATIONS.keys()


@pytest.mark.parametrize(("name", "role", "expected"), CASES, ids=[f"{name} as {role}" for name, role, _ in CASES])
def test_who_may_release_cancel_and_reschedule(call_as: CallAs, world: World, name, role, expected):
    operation = OPERATIONS[name]
    before = stored()

    body = call_as(role, operation.document, variables_for(operation, world))

    assert outcome(body, operation.field) == expected, body
    if expected in TOP_LEVEL:
        assert body["data"][operation.field] is None
    if expected != OK:
        assert stored() == before, "a refused call changed something"
        return
    reservation = Reservation.objects.get(pk=world.reservations[operation.reservation].pk)
    assert reservation.end_reason == operation.ends_as.lower()
    assert reservation.ended_by == world.user(role)
    (event,) = ReservationEvent.objects.filter(reservation=reservation)
    assert (event.kind, event.actor) == (operation.ends_as.lower(), world.user(role))


@pytest.mark.parametrize("role", [CLIENT_Y, PROVIDER_B])
@pytest.mark.parametrize("name", list(OPERATIONS))
def test_an_invisible_reservation_is_exactly_like_a_missing_one(call_as: CallAs, world: World, name, role):
    """Same code, field and message: the caller cannot tell that the reservation exists."""
    operation = OPERATIONS[name]
    variables = variables_for(operation, world)
    invisible = call_as(role, operation.document, variables)["data"][operation.field]

    missing = call_as(role, operation.document, {**variables, "reservationId": "UmVzZXJ2YXRpb25UeXBlOjk5OTk="})
    assert invisible == missing["data"][operation.field]


def test_only_the_slots_provider_may_cancel_among_providers(call_as: CallAs, world: World):
    """Y's booking on B's slot: B (its provider) may cancel it, A may not; staff may (harmless the second time)."""
    cancel = OPERATIONS["cancel"]
    variables = {"reservationId": world.id("y-confirmed"), "reason": "Ill."}

    assert outcome(call_as(PROVIDER_A, cancel.document, variables), cancel.field) == "NOT_FOUND"
    assert outcome(call_as(PROVIDER_B, cancel.document, variables), cancel.field) == OK
    assert outcome(call_as(STAFF, cancel.document, variables), cancel.field) == OK
