"""Races of the lifecycle on PostgreSQL: reschedule, release and cancel against concurrent reservations.

Threads call the domain services at once, each on its own database connection, released together by a
barrier (the helpers of `test_reservation_race`); real time, slots days ahead. The invariants, round after
round on fresh rows:

- a slot never has two live reservations, and a booking is moved either wholly or not at all: the old
  booking is CONFIRMED exactly when the move lost, RESCHEDULED (pointing to the new one) exactly when it won;
- concurrent moves of one booking: exactly one wins, the others see it ended (RESERVATION_ENDED);
- a confirmation racing a release of one hold: exactly one wins; concurrent holds of one client stop at the
  hold limit;
- every loser gets a `DomainError`, never an IntegrityError, a deadlock or any other crash.

The last tests check the exclusion constraint of migration 0005: a reservation stops occupying its slot at
``ended_at``, so a new hold at that very instant is accepted.
"""

from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from freezegun import freeze_time

from reservation import rules
from reservation.errors import ErrorCode
from reservation.models import Appointment, Client, Reservation, ReservationEvent, ReservationState
from reservation.services.reservations import (
    reservation_cancel,
    reservation_confirm,
    reservation_create,
    reservation_release,
    reservation_reschedule,
)
from tests.factories import NOW, make_client, make_provider, make_reservation, make_slot
from tests.threads import Outcome, assert_no_crash, future_start, race

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

ROUNDS = 20
MOVES = 10
CONSTRAINT = "reservation_no_overlapping_live_holds"
SLOT = rules.slot_duration()


def booking_of(client: Client, slot: Appointment) -> Reservation:
    """A booking of ``slot`` by ``client``, made through the services (so that it has its history)."""
    held = reservation_create(client_id=client.pk, appointment_id=slot.pk)
    return reservation_confirm(reservation_id=held.pk)


def live_on(slot: Appointment) -> list[Reservation]:
    return list(Reservation.objects.live(timezone.now()).filter(appointment=slot))


def codes(outcomes: list[Outcome]) -> Counter[ErrorCode]:
    return Counter(outcome.domain_error.code for outcome in outcomes if outcome.domain_error)


def test_a_reschedule_and_a_reservation_race_for_one_slot():
    """Client A moves their booking into S while client B reserves S at the same instant."""
    provider = make_provider()
    base = future_start()
    wins = Counter[str]()
    for round_number in range(ROUNDS):
        start = base + round_number * timedelta(hours=1)
        old_slot, contested = make_slot(provider, start), make_slot(provider, start + 2 * SLOT)
        mover, rival = make_client("Mover", f"Round{round_number}"), make_client("Rival", f"Round{round_number}")
        booking = booking_of(mover, old_slot)

        move, reserve = race(
            [
                partial(reservation_reschedule, reservation_id=booking.pk, appointment_id=contested.pk),
                partial(reservation_create, client_id=rival.pk, appointment_id=contested.pk),
            ]
        )

        assert_no_crash([move, reserve])
        label = f"round {round_number}"
        assert (move.value is None) != (reserve.value is None), f"{label}: exactly one may win: {move}, {reserve}"
        loser = reserve if move.value is not None else move
        assert loser.domain_error is not None
        assert loser.domain_error.code is ErrorCode.SLOT_UNAVAILABLE, f"{label}: {loser.domain_error.code}"
        (occupant,) = live_on(contested)
        booking.refresh_from_db()
        state = booking.state_at(timezone.now())
        if move.value is not None:
            wins["reschedule"] += 1
            assert occupant.pk == move.value.pk
            assert occupant.client_id == mover.pk
            assert occupant.confirmed_at is not None
            assert state is ReservationState.RESCHEDULED, label
            assert booking.rescheduled_to_id == occupant.pk
            assert live_on(old_slot) == [], f"{label}: the old slot must be free"
        else:
            wins["reservation"] += 1
            assert occupant.pk == reserve.value.pk
            assert occupant.client_id == rival.pk
            assert state is ReservationState.CONFIRMED, f"{label}: the old booking must be untouched"
            assert booking.rescheduled_to_id is None
            assert live_on(old_slot) == [booking]
            assert not ReservationEvent.objects.filter(reservation=booking, kind="rescheduled").exists()
        # Either way the mover has exactly one live booking.
        assert Reservation.objects.live(timezone.now()).filter(client=mover).count() == 1
    assert sum(wins.values()) == ROUNDS


def test_concurrent_moves_of_one_booking_to_different_slots_exactly_one_wins():
    providers = [make_provider(f"Provider{index}", "Moves") for index in range(MOVES)]
    base = future_start()
    for round_number in range(ROUNDS // 4):
        start = base + round_number * timedelta(hours=3)
        client = make_client("Mover", f"Round{round_number}")
        booking = booking_of(client, make_slot(providers[0], start))
        # Ten free slots: some at the booking's own time (other providers), some later.
        targets = [
            make_slot(provider, start + (index % 3) * SLOT) for index, provider in enumerate(providers) if index
        ] + [make_slot(providers[0], start + 4 * SLOT)]
        assert len(targets) == MOVES

        outcomes = race(
            [partial(reservation_reschedule, reservation_id=booking.pk, appointment_id=slot.pk) for slot in targets]
        )

        assert_no_crash(outcomes)
        label = f"round {round_number}"
        winners = [outcome.value for outcome in outcomes if outcome.value is not None]
        assert len(winners) == 1, f"{label}: {len(winners)} moves succeeded, errors {codes(outcomes)}"
        assert codes(outcomes) == {ErrorCode.RESERVATION_ENDED: MOVES - 1}, f"{label}: {codes(outcomes)}"
        (live,) = Reservation.objects.live(timezone.now()).filter(client=client)
        assert live.pk == winners[0].pk
        booking.refresh_from_db()
        assert booking.end_reason == "rescheduled"
        assert booking.rescheduled_to_id == live.pk
        assert Reservation.objects.filter(client=client).count() == 2
        assert ReservationEvent.objects.filter(reservation=booking, kind="rescheduled").count() == 1


def test_swapping_two_bookings_cannot_deadlock():
    """A moves S1 -> S2 while B moves S2 -> S1: both slots are taken, so both fail, and neither waits forever."""
    provider = make_provider()
    base = future_start()
    for round_number in range(ROUNDS // 2):
        first = make_slot(provider, base + round_number * 2 * SLOT)
        second = make_slot(provider, first.start_time + SLOT)
        a, b = make_client("A", f"Round{round_number}"), make_client("B", f"Round{round_number}")
        booking_a, booking_b = booking_of(a, first), booking_of(b, second)

        outcomes = race(
            [
                partial(reservation_reschedule, reservation_id=booking_a.pk, appointment_id=second.pk),
                partial(reservation_reschedule, reservation_id=booking_b.pk, appointment_id=first.pk),
            ]
        )

        assert_no_crash(outcomes)
        assert codes(outcomes) == {ErrorCode.SLOT_UNAVAILABLE: 2}
        assert live_on(first) == [booking_a]
        assert live_on(second) == [booking_b]


def test_a_cancellation_and_a_reservation_race_for_one_slot():
    """The client cancels while another client reserves: the reservation wins only if it ran after the cancel."""
    provider = make_provider()
    base = future_start()
    for round_number in range(ROUNDS):
        slot = make_slot(provider, base + round_number * SLOT)
        owner, rival = make_client("Owner", f"Round{round_number}"), make_client("Rival", f"Round{round_number}")
        booking = booking_of(owner, slot)

        cancelled, reserved = race(
            [
                partial(reservation_cancel, reservation_id=booking.pk),
                partial(reservation_create, client_id=rival.pk, appointment_id=slot.pk),
            ]
        )

        assert_no_crash([cancelled, reserved])
        assert cancelled.value is not None, cancelled.domain_error
        assert cancelled.value.end_reason == "cancelled"
        if reserved.value is None:
            assert reserved.domain_error is not None
            assert reserved.domain_error.code is ErrorCode.SLOT_UNAVAILABLE
            assert live_on(slot) == []
        else:
            assert live_on(slot) == [reserved.value]
            assert reserved.value.created_at >= cancelled.value.ended_at


def test_a_release_and_reservations_race_for_one_slot():
    provider = make_provider()
    base = future_start()
    for round_number in range(ROUNDS // 2):
        slot = make_slot(provider, base + round_number * SLOT)
        owner = make_client("Owner", f"Round{round_number}")
        held = reservation_create(client_id=owner.pk, appointment_id=slot.pk)
        rivals = [make_client(f"Rival{index}", f"Round{round_number}") for index in range(5)]

        calls: list[Callable[[], Any]] = [partial(reservation_release, reservation_id=held.pk)]
        calls += [partial(reservation_create, client_id=rival.pk, appointment_id=slot.pk) for rival in rivals]
        outcomes = race(calls)

        assert_no_crash(outcomes)
        released, *reservations = outcomes
        assert released.value is not None, released.domain_error
        winners = [outcome.value for outcome in reservations if outcome.value is not None]
        assert len(winners) <= 1, f"round {round_number}: {len(winners)} holds of one slot"
        assert codes(reservations) == {ErrorCode.SLOT_UNAVAILABLE: len(rivals) - len(winners)}
        assert live_on(slot) == winners


def test_a_confirmation_and_a_release_of_one_hold_race():
    """Exactly one wins; the loser is told why (the hold was confirmed, or it has ended), and the history agrees."""
    provider = make_provider()
    base = future_start()
    winners = Counter[str]()
    for round_number in range(ROUNDS):
        slot = make_slot(provider, base + round_number * SLOT)
        held = reservation_create(client_id=make_client("Owner", f"Round{round_number}").pk, appointment_id=slot.pk)

        confirmed, released = race(
            [
                partial(reservation_confirm, reservation_id=held.pk),
                partial(reservation_release, reservation_id=held.pk),
            ]
        )

        assert_no_crash([confirmed, released])
        label = f"round {round_number}"
        assert (confirmed.value is None) != (released.value is None), f"{label}: {confirmed}, {released}"
        held.refresh_from_db()
        kinds = list(ReservationEvent.objects.filter(reservation=held).values_list("kind", flat=True))
        if confirmed.value is not None:
            winners["confirm"] += 1
            assert released.domain_error is not None
            assert released.domain_error.code is ErrorCode.ALREADY_CONFIRMED, label
            assert held.state_at(timezone.now()) is ReservationState.CONFIRMED
            assert kinds == ["held", "confirmed"], label
        else:
            winners["release"] += 1
            assert confirmed.domain_error is not None
            assert confirmed.domain_error.code is ErrorCode.RESERVATION_ENDED, label
            assert held.state_at(timezone.now()) is ReservationState.RELEASED
            assert kinds == ["held", "released"], label
    assert sum(winners.values()) == ROUNDS


def test_concurrent_holds_of_one_client_stop_at_the_limit():
    """One client asks for six slots (at different times) at once: exactly three holds, three TOO_MANY_HOLDS."""
    provider = make_provider()
    base = future_start()
    limit = rules.maximum_active_holds()
    for round_number in range(ROUNDS // 4):
        client = make_client("Greedy", f"Round{round_number}")
        slots = [make_slot(provider, base + (round_number * 10 + index) * SLOT) for index in range(2 * limit)]

        outcomes = race([partial(reservation_create, client_id=client.pk, appointment_id=slot.pk) for slot in slots])

        assert_no_crash(outcomes)
        assert len([outcome for outcome in outcomes if outcome.value is not None]) == limit
        assert codes(outcomes) == {ErrorCode.TOO_MANY_HOLDS: limit}
        assert Reservation.objects.filter(client=client).count() == limit


# --- the exclusion constraint after an early end (migration 0005) -------------------------------------------


def test_the_constraint_ends_a_reservations_interval_at_ended_at():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conname = %s AND conrelid = 'reservation_reservation'::regclass",
            [CONSTRAINT],
        )
        (definition,) = cursor.fetchone() or (None,)
    assert definition is not None
    assert "ended_at" in definition, definition


@pytest.mark.parametrize("end_reason", ["released", "cancelled"])
def test_a_new_hold_at_the_instant_of_the_end_is_accepted_and_not_a_microsecond_earlier(end_reason):
    slot = make_slot(make_provider(), NOW + timedelta(days=2))
    ended = make_reservation(make_client(), slot, created_at=NOW, confirmed=end_reason == "cancelled")
    end = NOW + timedelta(minutes=5)
    Reservation.objects.filter(pk=ended.pk).update(ended_at=end, end_reason=end_reason)

    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        make_reservation(make_client("Early"), slot, created_at=end - timedelta(microseconds=1))
    cause = excinfo.value.__cause__
    assert getattr(getattr(cause, "diag", None), "constraint_name", None) == CONSTRAINT, repr(cause)

    accepted = make_reservation(make_client("OnTime"), slot, created_at=end)
    assert list(Reservation.objects.filter(appointment=slot).order_by("pk")) == [ended, accepted]


@pytest.mark.parametrize("how", ["release", "cancel", "reschedule"])
def test_the_services_hold_a_freed_slot_again_at_the_same_instant(how):
    """Under a frozen clock: the slot is ended and held again at one and the same instant (ended_at == created_at)."""
    provider = make_provider()
    with freeze_time(NOW) as clock:
        slot, elsewhere = make_slot(provider, NOW + timedelta(days=2)), make_slot(provider, NOW + timedelta(days=3))
        owner = make_client()
        reservation = reservation_create(client_id=owner.pk, appointment_id=slot.pk)
        clock.tick(timedelta(minutes=5))
        if how == "release":
            reservation_release(reservation_id=reservation.pk)
        else:
            reservation_confirm(reservation_id=reservation.pk)
            if how == "cancel":
                reservation_cancel(reservation_id=reservation.pk)
            else:
                reservation_reschedule(reservation_id=reservation.pk, appointment_id=elsewhere.pk)

        again = reservation_create(client_id=make_client("Next").pk, appointment_id=slot.pk)

    reservation.refresh_from_db()
    assert reservation.ended_at == again.created_at == NOW + timedelta(minutes=5)
    assert Reservation.objects.filter(appointment=slot, ended_at__isnull=True).get() == again
