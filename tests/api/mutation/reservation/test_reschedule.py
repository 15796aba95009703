"""`reservationReschedule`: a booking moves to another slot, atomically.

Either the new booking exists (CONFIRMED at once) and the old one has ended as RESCHEDULED, pointing to it
(``rescheduledTo``), with the old slot free again; or nothing changed at all. The new slot obeys every rule of
a new reservation: free (SLOT_UNAVAILABLE), 24 hours ahead (INSUFFICIENT_NOTICE), not overlapping another
live reservation of the client (CLIENT_OVERLAP), where the booking being moved does not count. Only bookings
move (a hold: NOT_CONFIRMED), ended reservations do not (RESERVATION_ENDED), nor started ones
(APPOINTMENT_STARTED).
"""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from reservation import rules
from reservation.models import Appointment, Reservation, ReservationEvent
from tests.factories import NOW, make_reservation
from tests.graphql import (
    RESERVATION_RESCHEDULE,
    book,
    cancel,
    hold,
    is_available,
    kinds,
    node,
    refused,
    release,
    reschedule,
    reservation_gid,
    send,
    slot_gid,
    succeeded,
)

pytestmark = pytest.mark.django_db

MINUTE = timedelta(minutes=1)
SLOT = rules.slot_duration()


def snapshot() -> list[tuple[Any, ...]]:
    """Every reservation and event as stored: what "nothing changed" compares."""
    reservations = Reservation.objects.order_by("pk").values_list(
        "pk", "appointment_id", "confirmed_at", "ended_at", "end_reason", "rescheduled_to_id"
    )
    events = ReservationEvent.objects.order_by("pk").values_list("pk", "reservation_id", "kind", "at", "note")
    return [*reservations, *events]


def test_a_booking_moves_atomically(graphql, frozen, cast):
    old_slot = cast.slot()
    new_slot = cast.slot(timedelta(hours=3))
    booked = book(graphql, cast.client, old_slot, as_user=cast.client_user)
    frozen.tick(MINUTE)

    moved = succeeded(reschedule(graphql, booked["id"], new_slot, as_user=cast.client_user))

    assert moved["id"] != booked["id"]
    assert moved["state"] == "CONFIRMED"
    assert moved["confirmed"] is True
    assert moved["appointment"]["id"] == slot_gid(new_slot)
    assert moved["client"] == booked["client"]
    assert moved["confirmedAt"] == (NOW + MINUTE).isoformat()
    assert moved["endedAt"] is None
    assert moved["rescheduledTo"] is None
    old = node(graphql, booked["id"])
    assert old["state"] == "RESCHEDULED"
    assert old["confirmed"] is False
    assert old["endedAt"] == (NOW + MINUTE).isoformat()
    assert old["rescheduledTo"] == {"id": moved["id"], "state": "CONFIRMED", "appointment": {"id": slot_gid(new_slot)}}
    # History on both: the old booking says where it went, the new one where it came from.
    old_pk, new_pk = (Reservation.objects.get(appointment=slot).pk for slot in (old_slot, new_slot))
    assert old["history"][-1] == {
        "kind": "RESCHEDULED",
        "at": (NOW + MINUTE).isoformat(),
        "note": f"to reservation {new_pk}",
    }
    assert kinds(old) == ["HELD", "CONFIRMED", "RESCHEDULED"]
    assert moved["history"] == [
        {"kind": "CONFIRMED", "at": (NOW + MINUTE).isoformat(), "note": f"rescheduled from reservation {old_pk}"}
    ]
    # The old slot is free again at once; the new one is taken.
    assert is_available(graphql, old_slot)
    assert not is_available(graphql, new_slot)
    assert succeeded(hold(graphql, cast.other_client, old_slot, as_user=cast.other_client_user))["state"] == "HELD"
    assert refused(hold(graphql, cast.other_client, new_slot, as_user=cast.other_client_user)) == (
        "SLOT_UNAVAILABLE",
        "appointmentId",
    )
    stored_old = Reservation.objects.get(pk=old_pk)
    assert (stored_old.end_reason, stored_old.ended_by, stored_old.rescheduled_to_id) == (
        "rescheduled",
        cast.client_user,
        new_pk,
    )
    assert Reservation.objects.filter(client=cast.client).live(timezone.now()).get().pk == new_pk


def test_a_moved_booking_can_move_again_and_be_cancelled(graphql, frozen, cast):
    first, second, third = cast.slot(), cast.slot(SLOT), cast.slot(2 * SLOT)
    booked = book(graphql, cast.client, first, as_user=cast.client_user)
    frozen.tick(MINUTE)
    moved = succeeded(reschedule(graphql, booked["id"], second, as_user=cast.client_user))
    frozen.tick(MINUTE)
    moved_again = succeeded(reschedule(graphql, moved["id"], third, as_user=cast.client_user))
    frozen.tick(MINUTE)

    cancelled = succeeded(cancel(graphql, moved_again["id"], as_user=cast.client_user))

    assert node(graphql, booked["id"])["rescheduledTo"]["id"] == moved["id"]
    assert node(graphql, moved["id"])["rescheduledTo"]["id"] == moved_again["id"]
    assert cancelled["state"] == "CANCELLED"
    assert all(is_available(graphql, slot) for slot in (first, second, third))
    assert refused(reschedule(graphql, booked["id"], third, as_user=cast.client_user)) == (
        "RESERVATION_ENDED",
        "reservationId",
    )


@pytest.mark.parametrize("taken_by", ["hold", "booking"])
def test_a_taken_slot_is_slot_unavailable_and_nothing_changes(graphql, frozen, cast, taken_by):
    old_slot, taken = cast.slot(), cast.slot(timedelta(hours=1))
    booked = book(graphql, cast.client, old_slot, as_user=cast.client_user)
    if taken_by == "hold":
        succeeded(hold(graphql, cast.other_client, taken))
    else:
        book(graphql, cast.other_client, taken)
    frozen.tick(MINUTE)
    before = snapshot()

    assert refused(reschedule(graphql, booked["id"], taken, as_user=cast.client_user)) == (
        "SLOT_UNAVAILABLE",
        "appointmentId",
    )

    assert snapshot() == before
    assert node(graphql, booked["id"])["state"] == "CONFIRMED"
    assert not is_available(graphql, old_slot)


def test_the_slot_it_is_already_in_is_slot_unavailable(graphql, frozen, cast):
    slot = cast.slot()
    booked = book(graphql, cast.client, slot, as_user=cast.client_user)
    before = snapshot()

    assert refused(reschedule(graphql, booked["id"], slot, as_user=cast.client_user)) == (
        "SLOT_UNAVAILABLE",
        "appointmentId",
    )
    assert snapshot() == before


@pytest.mark.parametrize(
    ("ahead", "code"),
    [
        (timedelta(hours=24), None),  # exactly 24 hours ahead is allowed, as for a new reservation
        (timedelta(hours=24) - timedelta(microseconds=1), "INSUFFICIENT_NOTICE"),
        (timedelta(hours=2), "INSUFFICIENT_NOTICE"),
    ],
    ids=["24h", "24h-1us", "2h"],
)
def test_the_new_slot_needs_24_hours_notice(graphql, frozen, cast, ahead, code):
    booked = book(graphql, cast.client, cast.slot(), as_user=cast.client_user)
    soon = cast.slot_at(NOW + ahead)
    before = snapshot()

    payload = reschedule(graphql, booked["id"], soon, as_user=cast.client_user)

    if code is None:
        assert succeeded(payload)["state"] == "CONFIRMED"
    else:
        assert refused(payload) == (code, "appointmentId")
        assert snapshot() == before


@pytest.mark.parametrize("other", ["booking", "hold"])
def test_overlapping_another_reservation_of_the_client_is_client_overlap(graphql, frozen, cast, other):
    booked = book(graphql, cast.client, cast.slot(), as_user=cast.client_user)
    elsewhere = cast.slot(timedelta(hours=2), provider=cast.other_provider)
    if other == "booking":
        book(graphql, cast.client, elsewhere, as_user=cast.client_user)
    else:
        succeeded(hold(graphql, cast.client, elsewhere, as_user=cast.client_user))
    same_time = cast.slot(timedelta(hours=2))
    before = snapshot()

    assert refused(reschedule(graphql, booked["id"], same_time, as_user=cast.client_user)) == (
        "CLIENT_OVERLAP",
        "appointmentId",
    )
    assert snapshot() == before


def test_the_booking_being_moved_does_not_count_as_an_overlap(graphql, frozen, cast):
    """Moving to another provider's slot at the very same time, or to the slot next to it, is allowed."""
    slot = cast.slot()
    booked = book(graphql, cast.client, slot, as_user=cast.client_user)
    same_time = cast.slot(provider=cast.other_provider)

    moved = succeeded(reschedule(graphql, booked["id"], same_time, as_user=cast.client_user))
    adjacent = cast.slot(SLOT, provider=cast.other_provider)
    moved_on = succeeded(reschedule(graphql, moved["id"], adjacent, as_user=cast.client_user))

    assert moved_on["state"] == "CONFIRMED"
    assert moved_on["appointment"]["id"] == slot_gid(adjacent)


def test_a_longer_overlap_with_the_booking_being_moved_is_allowed(graphql, frozen, cast):
    """A slot that overlaps the booking's own time only partly (another grid) does not clash with it either."""
    slot = cast.slot()
    booked = book(graphql, cast.client, slot, as_user=cast.client_user)
    half_past = Appointment.objects.create(
        provider=cast.other_provider, start_time=slot.start_time + MINUTE * 5, end_time=slot.end_time + MINUTE * 5
    )

    assert succeeded(reschedule(graphql, booked["id"], half_past, as_user=cast.client_user))["state"] == "CONFIRMED"


@pytest.mark.parametrize("age", [timedelta(0), timedelta(minutes=45)], ids=["held", "expired"])
def test_only_bookings_move(graphql, frozen, cast, age):
    held = succeeded(hold(graphql, cast.client, cast.slot(), as_user=cast.client_user))
    frozen.tick(age)
    before = snapshot()

    assert refused(reschedule(graphql, held["id"], cast.slot(SLOT), as_user=cast.client_user)) == (
        "NOT_CONFIRMED",
        "reservationId",
    )
    assert snapshot() == before


@pytest.mark.parametrize("ending", ["released", "cancelled", "rescheduled"])
def test_an_ended_reservation_is_reservation_ended(graphql, frozen, cast, ending):
    slot, target, elsewhere = cast.slot(), cast.slot(SLOT), cast.slot(2 * SLOT)
    if ending == "released":
        reservation = succeeded(hold(graphql, cast.client, slot))
        succeeded(release(graphql, reservation["id"]))
    else:
        reservation = book(graphql, cast.client, slot)
        if ending == "cancelled":
            succeeded(cancel(graphql, reservation["id"]))
        else:
            succeeded(reschedule(graphql, reservation["id"], elsewhere))
    before = snapshot()

    assert refused(reschedule(graphql, reservation["id"], target, as_user=cast.client_user)) == (
        "RESERVATION_ENDED",
        "reservationId",
    )
    assert snapshot() == before


@pytest.mark.parametrize("after_start", [timedelta(0), timedelta(minutes=10)])
def test_a_started_appointment_cannot_move(graphql, frozen, cast, after_start):
    slot = cast.slot()
    booked = book(graphql, cast.client, slot, as_user=cast.client_user)
    later = cast.slot(timedelta(days=5))
    frozen.move_to(slot.start_time + after_start)

    assert refused(reschedule(graphql, booked["id"], later, as_user=cast.client_user)) == (
        "APPOINTMENT_STARTED",
        "reservationId",
    )


def test_a_booking_inside_24_hours_may_still_move_further_out(graphql, frozen, cast):
    slot = cast.slot()
    booked = book(graphql, cast.client, slot, as_user=cast.client_user)
    frozen.move_to(slot.start_time - timedelta(hours=2))

    moved = succeeded(reschedule(graphql, booked["id"], cast.slot(timedelta(days=3)), as_user=cast.client_user))

    assert moved["state"] == "CONFIRMED"
    assert not is_available(graphql, slot), "inside 24 hours the freed slot is no longer offered"


def test_a_withdrawn_slot_is_slot_unavailable(graphql, frozen, cast):
    booked = book(graphql, cast.client, cast.slot(), as_user=cast.client_user)
    withdrawn = cast.slot(SLOT)
    Appointment.objects.filter(pk=withdrawn.pk).update(withdrawn_at=NOW)

    assert refused(reschedule(graphql, booked["id"], withdrawn, as_user=cast.client_user)) == (
        "SLOT_UNAVAILABLE",
        "appointmentId",
    )


def test_moving_into_a_slot_with_an_expired_hold_writes_nothing_to_its_history(graphql, frozen, cast):
    target = cast.slot(SLOT)
    stale = make_reservation(cast.other_client, target, created_at=NOW - timedelta(hours=2))
    booked = book(graphql, cast.client, cast.slot(), as_user=cast.client_user)

    succeeded(reschedule(graphql, booked["id"], target, as_user=cast.client_user))

    assert not ReservationEvent.objects.filter(reservation=stale).exists()
    expiry = {"kind": "EXPIRED", "at": stale.expires_at.isoformat(), "note": None}
    assert node(graphql, reservation_gid(stale))["history"] == [expiry]


def test_unknown_or_mistyped_ids(graphql, frozen, cast):
    booked = book(graphql, cast.client, cast.slot(), as_user=cast.client_user)
    target = cast.slot(SLOT)
    unknown_reservation = "UmVzZXJ2YXRpb25UeXBlOjk5OQ=="  # ReservationType:999
    unknown_slot = "QXBwb2ludG1lbnRUeXBlOjk5OQ=="  # AppointmentType:999
    a_client = "Q2xpZW50VHlwZTox"  # ClientType:1
    cases = [
        (unknown_reservation, slot_gid(target), ("NOT_FOUND", "reservationId")),
        (booked["id"], unknown_slot, ("NOT_FOUND", "appointmentId")),
        (booked["id"], a_client, ("INVALID", "appointmentId")),
        (a_client, slot_gid(target), ("INVALID", "reservationId")),
    ]

    for reservation_id, appointment_id, expected in cases:
        variables = {"reservationId": reservation_id, "appointmentId": appointment_id}
        assert refused(send(graphql, RESERVATION_RESCHEDULE, variables, as_user=cast.client_user)) == expected
    assert node(graphql, booked["id"])["state"] == "CONFIRMED"


def test_a_client_with_the_most_holds_may_still_reschedule(graphql, frozen, cast):
    """Rescheduling makes a booking, not a hold: the hold limit does not apply."""
    booked = book(graphql, cast.client, cast.slot(), as_user=cast.client_user)
    for index in range(rules.maximum_active_holds()):
        succeeded(hold(graphql, cast.client, cast.slot(timedelta(hours=1 + index)), as_user=cast.client_user))

    moved = succeeded(reschedule(graphql, booked["id"], cast.slot(timedelta(days=1)), as_user=cast.client_user))

    assert moved["state"] == "CONFIRMED"
