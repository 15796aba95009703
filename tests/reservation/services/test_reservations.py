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

from reservation.errors import DomainError, ErrorCode
from reservation.models import Reservation, ReservationState
from reservation.services.reservations import reservation_confirm, reservation_create
from tests.factories import NOW, make_client, make_provider, make_reservation, make_slot

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
