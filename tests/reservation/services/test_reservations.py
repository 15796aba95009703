"""Holding and confirming slots: `reservation.services.reservations`.

A hold needs 24 h notice (exactly 24:00:00 is enough), a free slot and no overlapping live reservation of the
same client. It lasts 30 minutes: at 29:59 it is still HELD and confirmable, at 30:00 it is EXPIRED, frees
the slot, and confirming it fails with RESERVATION_EXPIRED without changing anything. Confirming twice is
harmless.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reservation.errors import DomainError, ErrorCode
from reservation.models import Reservation, ReservationState
from reservation.services.reservations import check_room, reservation_confirm, reservation_create
from tests.factories import NOW, make_client, make_provider, make_reservation, make_slot, make_visit_type

pytestmark = pytest.mark.django_db

DAY_AFTER = NOW + timedelta(days=2)


def refused(code: ErrorCode, field: str, call: Callable[..., object], **kwargs: Any) -> None:
    """Call ``call(**kwargs)``, assert it raises DomainError with ``code`` and ``field``."""
    with pytest.raises(DomainError) as raised:
        call(**kwargs)
    assert (raised.value.code, raised.value.field) == (code, field)


def test_hold_records_times_and_is_held(frozen, patient, slot):
    reservation = reservation_create(client_id=patient.pk, appointment_id=slot.pk)

    assert reservation.client_id == patient.pk
    assert reservation.appointment_id == slot.pk
    assert reservation.created_at == NOW
    assert reservation.expires_at == NOW + timedelta(minutes=30)
    assert reservation.confirmed_at is None
    assert reservation.state_at(NOW) is ReservationState.HELD
    assert Reservation.objects.count() == 1


@pytest.mark.parametrize(
    ("lead", "allowed"),
    [
        (timedelta(hours=24), True),
        (timedelta(hours=24, seconds=1), True),
        (timedelta(hours=23, minutes=59, seconds=59), False),
        (timedelta(hours=1), False),
        (timedelta(hours=-1), False),
    ],
    ids=["exactly-24h", "24h-and-1s", "23:59:59", "1h", "already-started"],
)
def test_minimum_notice_boundary(frozen, provider, patient, lead, allowed):
    # Slots are aligned; move the clock instead so that the slot starts exactly ``lead`` after now.
    slot = make_slot(provider, DAY_AFTER)
    frozen.move_to(DAY_AFTER - lead)

    if allowed:
        reservation = reservation_create(client_id=patient.pk, appointment_id=slot.pk)
        assert reservation.appointment_id == slot.pk
    else:
        refused(
            ErrorCode.INSUFFICIENT_NOTICE,
            "appointment_id",
            reservation_create,
            client_id=patient.pk,
            appointment_id=slot.pk,
        )
        assert Reservation.objects.count() == 0


def test_slot_held_by_another_client_is_unavailable(frozen, patient, slot):
    reservation_create(client_id=patient.pk, appointment_id=slot.pk)
    other = make_client("Edsger", "Dijkstra")
    frozen.tick(timedelta(minutes=29, seconds=59))

    refused(
        ErrorCode.SLOT_UNAVAILABLE, "appointment_id", reservation_create, client_id=other.pk, appointment_id=slot.pk
    )
    assert Reservation.objects.count() == 1


def test_slot_held_by_the_same_client_is_unavailable(frozen, patient, slot):
    reservation_create(client_id=patient.pk, appointment_id=slot.pk)

    refused(
        ErrorCode.SLOT_UNAVAILABLE, "appointment_id", reservation_create, client_id=patient.pk, appointment_id=slot.pk
    )


def test_confirmed_slot_is_unavailable_even_long_after(frozen, patient, slot):
    hold = reservation_create(client_id=patient.pk, appointment_id=slot.pk)
    reservation_confirm(reservation_id=hold.pk)
    other = make_client("Edsger", "Dijkstra")
    frozen.tick(timedelta(hours=2))

    refused(
        ErrorCode.SLOT_UNAVAILABLE, "appointment_id", reservation_create, client_id=other.pk, appointment_id=slot.pk
    )


def test_slot_can_be_reserved_by_another_client_once_the_hold_expires(frozen, patient, slot):
    first = reservation_create(client_id=patient.pk, appointment_id=slot.pk)
    other = make_client("Edsger", "Dijkstra")
    frozen.move_to(first.created_at + timedelta(minutes=30))

    second = reservation_create(client_id=other.pk, appointment_id=slot.pk)

    assert second.client_id == other.pk
    assert second.created_at == NOW + timedelta(minutes=30)
    assert Reservation.objects.count() == 2
    first.refresh_from_db()
    assert first.state_at(NOW + timedelta(minutes=30)) is ReservationState.EXPIRED


def test_confirm_at_29_59_succeeds(frozen, patient, slot):
    hold = reservation_create(client_id=patient.pk, appointment_id=slot.pk)
    frozen.tick(timedelta(minutes=29, seconds=59))
    assert hold.state_at(NOW + timedelta(minutes=29, seconds=59)) is ReservationState.HELD

    confirmed = reservation_confirm(reservation_id=hold.pk)

    assert confirmed.pk == hold.pk
    assert confirmed.confirmed_at == NOW + timedelta(minutes=29, seconds=59)
    hold.refresh_from_db()
    assert hold.state_at(NOW + timedelta(days=1)) is ReservationState.CONFIRMED


def test_confirm_at_30_00_fails_with_reservation_expired_and_changes_nothing(frozen, patient, slot):
    hold = reservation_create(client_id=patient.pk, appointment_id=slot.pk)
    frozen.move_to(hold.created_at + timedelta(minutes=30))
    assert hold.state_at(NOW + timedelta(minutes=30)) is ReservationState.EXPIRED

    refused(ErrorCode.RESERVATION_EXPIRED, "reservation_id", reservation_confirm, reservation_id=hold.pk)

    hold.refresh_from_db()
    assert hold.confirmed_at is None
    assert hold.expires_at == NOW + timedelta(minutes=30)
    assert Reservation.objects.confirmed().count() == 0


def test_confirming_twice_returns_the_same_reservation_with_the_first_confirmation_time(frozen, patient, slot):
    hold = reservation_create(client_id=patient.pk, appointment_id=slot.pk)
    frozen.tick(timedelta(minutes=5))
    first = reservation_confirm(reservation_id=hold.pk)
    frozen.tick(timedelta(minutes=40))

    second = reservation_confirm(reservation_id=hold.pk)

    assert second.pk == first.pk == hold.pk
    assert second.confirmed_at == first.confirmed_at == NOW + timedelta(minutes=5)
    assert Reservation.objects.count() == 1


def test_confirm_uses_the_given_instant(patient, slot):
    hold = make_reservation(patient, slot, NOW)

    with pytest.raises(DomainError) as raised:
        reservation_confirm(reservation_id=hold.pk, now=NOW + timedelta(minutes=30))
    confirmed = reservation_confirm(reservation_id=hold.pk, now=NOW + timedelta(minutes=29))

    assert raised.value.code is ErrorCode.RESERVATION_EXPIRED
    assert confirmed.confirmed_at == NOW + timedelta(minutes=29)


def test_client_cannot_hold_another_providers_slot_at_the_same_time(frozen, patient, slot):
    reservation_create(client_id=patient.pk, appointment_id=slot.pk)
    same_time = make_slot(make_provider("Alan", "Turing"), DAY_AFTER)

    refused(
        ErrorCode.CLIENT_OVERLAP,
        "appointment_id",
        reservation_create,
        client_id=patient.pk,
        appointment_id=same_time.pk,
    )
    assert Reservation.objects.count() == 1


def test_client_cannot_hold_a_slot_overlapping_a_confirmed_booking(frozen, patient, slot):
    hold = reservation_create(client_id=patient.pk, appointment_id=slot.pk)
    reservation_confirm(reservation_id=hold.pk)
    frozen.tick(timedelta(hours=1))
    same_time = make_slot(make_provider("Alan", "Turing"), DAY_AFTER)

    refused(
        ErrorCode.CLIENT_OVERLAP,
        "appointment_id",
        reservation_create,
        client_id=patient.pk,
        appointment_id=same_time.pk,
    )


def test_client_may_hold_an_overlapping_slot_once_the_first_hold_expired(frozen, patient, slot):
    first = reservation_create(client_id=patient.pk, appointment_id=slot.pk)
    same_time = make_slot(make_provider("Alan", "Turing"), DAY_AFTER)
    frozen.move_to(first.expires_at)

    second = reservation_create(client_id=patient.pk, appointment_id=same_time.pk)

    assert second.appointment_id == same_time.pk


def test_client_may_hold_adjacent_slots(frozen, provider, patient, slot):
    reservation_create(client_id=patient.pk, appointment_id=slot.pk)
    next_slot = make_slot(provider, DAY_AFTER + timedelta(minutes=15))
    previous_slot = make_slot(make_provider("Alan", "Turing"), DAY_AFTER - timedelta(minutes=15))

    reservation_create(client_id=patient.pk, appointment_id=next_slot.pk)
    reservation_create(client_id=patient.pk, appointment_id=previous_slot.pk)

    assert Reservation.objects.filter(client=patient).count() == 3


def test_another_client_is_not_affected_by_overlap(frozen, patient, slot):
    reservation_create(client_id=patient.pk, appointment_id=slot.pk)
    same_time = make_slot(make_provider("Alan", "Turing"), DAY_AFTER)
    other = make_client("Edsger", "Dijkstra")

    reservation = reservation_create(client_id=other.pk, appointment_id=same_time.pk)

    assert reservation.client_id == other.pk


def test_unknown_slot_is_not_found(frozen, patient, slot):
    refused(ErrorCode.NOT_FOUND, "appointment_id", reservation_create, client_id=patient.pk, appointment_id=slot.pk + 1)
    assert Reservation.objects.count() == 0


def test_unknown_client_is_not_found(frozen, patient, slot):
    refused(ErrorCode.NOT_FOUND, "client_id", reservation_create, client_id=patient.pk + 1, appointment_id=slot.pk)
    assert Reservation.objects.count() == 0


def test_confirming_an_unknown_reservation_is_not_found(frozen, patient, slot):
    hold = make_reservation(patient, slot, NOW)

    refused(ErrorCode.NOT_FOUND, "reservation_id", reservation_confirm, reservation_id=hold.pk + 1)
    hold.refresh_from_db()
    assert hold.confirmed_at is None


# --- check_room: every rule about the other live reservations, in one statement ------------------------------


def room(patient, slot, *, covered: bool = True, new_hold: bool = True, moving: Reservation | None = None) -> None:
    check_room(
        patient,
        slot.start_time,
        slot.end_time,
        NOW,
        field="appointment_id",
        slot=slot if covered else None,
        new_hold=new_hold,
        moving=moving,
    )


def test_check_room_asks_one_statement_and_raises_in_the_rules_order(patient, provider, slot):
    """Covered, overlapping and at the hold limit all at once: the cover is named first, then the overlap, then
    the limit, each only where the caller asked for it."""
    make_reservation(make_client("Edsger", "Dijkstra"), slot, NOW)  # another client's hold covers the slot
    elsewhere = make_slot(make_provider("Alan", "Turing"), slot.start_time)
    make_reservation(patient, elsewhere, NOW)  # the client's own hold at the same time
    for hour in (1, 2):
        make_reservation(patient, make_slot(provider, slot.start_time + timedelta(hours=hour)), NOW)

    with CaptureQueriesContext(connection) as captured:
        refused(ErrorCode.SLOT_UNAVAILABLE, "appointment_id", room, patient=patient, slot=slot)
    refused(ErrorCode.CLIENT_OVERLAP, "appointment_id", room, patient=patient, slot=slot, covered=False)
    Reservation.objects.filter(appointment=elsewhere).update(ended_at=NOW, end_reason="released")
    make_reservation(patient, make_slot(provider, slot.start_time + timedelta(hours=3)), NOW)
    refused(ErrorCode.TOO_MANY_HOLDS, "appointment_id", room, patient=patient, slot=slot, covered=False)
    room(patient, slot, covered=False, new_hold=False)  # a reschedule is no new hold

    assert len(captured.captured_queries) == 1


def test_check_room_counts_only_live_reservations_and_leaves_the_moving_one_behind(patient, provider, slot):
    expired = make_reservation(make_client("Edsger", "Dijkstra"), slot, NOW - timedelta(minutes=30))
    assert expired.expires_at == NOW  # at its expiry instant it no longer covers the slot
    elsewhere = make_slot(make_provider("Alan", "Turing"), slot.start_time)
    booking = make_reservation(patient, elsewhere, NOW - timedelta(days=1), confirmed=True)

    refused(ErrorCode.CLIENT_OVERLAP, "appointment_id", room, patient=patient, slot=slot)
    room(patient, slot, moving=booking)


def test_check_room_sees_a_visit_covering_the_slot_from_hours_before(patient, provider, slot):
    """A visit's cover (its slots and buffers) may start long before the slot: the index range reaches back as
    far as the longest cover, no further."""
    first_slot = make_slot(provider, slot.start_time - timedelta(hours=5))
    visit = make_reservation(make_client("Edsger", "Dijkstra"), first_slot, NOW)
    # Its buffers: an hour before its first slot, and up to 15 minutes after the slot checked here.
    Reservation.objects.filter(pk=visit.pk).update(
        visit_type=make_visit_type(offered_by=(provider,)),
        covers_from=first_slot.start_time - timedelta(hours=1),
        covers_until=slot.end_time + timedelta(minutes=15),
    )

    refused(ErrorCode.SLOT_UNAVAILABLE, "appointment_id", room, patient=patient, slot=slot)
    room(patient, make_slot(provider, slot.end_time + timedelta(minutes=15)))
