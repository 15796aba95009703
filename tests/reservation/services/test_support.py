"""The staff actions (`reservation.services.support`) keep the API's rules: the 24-hour notice, no overlap with the
client's other reservations, the hold limit (a hold released by staff frees the client's place), who may act, and
the staff member recorded as the actor. Each reports what happened, or why not, in words."""

from datetime import timedelta

import pytest

from reservation import rules
from reservation.actors import Actor
from reservation.errors import DomainError, ErrorCode
from reservation.models import EventKind, Reservation, ReservationState
from reservation.selectors import reschedule_options
from reservation.services.reservations import reservation_create
from reservation.services.support import (
    Result,
    support_cancel,
    support_confirm,
    support_release,
    support_reschedule,
)
from tests.factories import NOW, make_reservation

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(cast) -> Actor:
    return Actor.of(cast.staff)


def booking_of(cast, slot) -> Reservation:
    return make_reservation(cast.client, slot, NOW - timedelta(minutes=5), confirmed=True)


def test_confirm_reports_done_then_unchanged_and_records_the_staff_member(cast, staff):
    hold = reservation_create(client_id=cast.client.pk, appointment_id=cast.slot().pk)

    first = support_confirm(hold.pk, staff)
    second = support_confirm(hold.pk, staff)

    assert (first.result, first.message) == (Result.DONE, "confirmed.")
    assert (second.result, second.message) == (Result.UNCHANGED, "already confirmed; nothing to do.")
    assert hold.events.get(kind=EventKind.CONFIRMED).actor_id == cast.staff.pk


def test_confirm_of_an_expired_hold_says_when_it_expired(cast, staff, frozen):
    hold = reservation_create(client_id=cast.client.pk, appointment_id=cast.slot().pk)
    frozen.tick(rules.hold_duration())

    outcome = support_confirm(hold.pk, staff)

    assert outcome.result is Result.REFUSED
    assert outcome.code is ErrorCode.RESERVATION_EXPIRED
    assert outcome.message == "not done: the hold expired at 09:30 UTC, unconfirmed."


def test_release_of_a_booking_is_refused_with_the_rules_message(cast, staff):
    booking = booking_of(cast, cast.slot())

    outcome = support_release(booking.pk, staff)

    assert (outcome.result, outcome.code) == (Result.REFUSED, ErrorCode.ALREADY_CONFIRMED)
    assert outcome.message == "not done: This reservation is confirmed: cancel it instead."


def test_a_hold_released_by_staff_frees_the_clients_place_under_the_hold_limit(cast, staff):
    holds = [
        reservation_create(client_id=cast.client.pk, appointment_id=slot.pk)
        for slot in cast.next_slots(rules.maximum_active_holds())
    ]
    extra = cast.slot(timedelta(hours=5))
    with pytest.raises(DomainError) as refused:
        reservation_create(client_id=cast.client.pk, appointment_id=extra.pk)
    assert refused.value.code is ErrorCode.TOO_MANY_HOLDS

    assert support_release(holds[0].pk, staff).result is Result.DONE

    assert reservation_create(client_id=cast.client.pk, appointment_id=extra.pk).state_at(NOW) is ReservationState.HELD


def test_cancel_needs_a_reason_from_staff_too(cast, staff):
    booking = booking_of(cast, cast.slot())

    blank = support_cancel(booking.pk, staff, "  ")
    done = support_cancel(booking.pk, staff, "Clinic flooded.")

    assert (blank.result, blank.code) == (Result.REFUSED, ErrorCode.INVALID)
    assert done.result is Result.DONE
    booking.refresh_from_db()
    assert (booking.cancel_reason, booking.ended_by_id) == ("Clinic flooded.", cast.staff.pk)
    event = booking.events.get(kind=EventKind.CANCELLED)
    assert (event.note, event.actor_id) == ("Clinic flooded.", cast.staff.pk)


def test_who_may_act_is_the_services_rule_a_client_cannot_cancel_someone_elses_booking(cast):
    booking = booking_of(cast, cast.slot())

    outcome = support_cancel(booking.pk, Actor.of(cast.other_client_user), "Not mine.")

    assert (outcome.result, outcome.code) == (Result.REFUSED, ErrorCode.NOT_FOUND)
    booking.refresh_from_db()
    assert booking.ended_at is None


def test_cancel_after_the_appointment_started_is_refused(cast, staff, frozen):
    booking = booking_of(cast, cast.slot())
    frozen.move_to(booking.appointment.start_time)

    outcome = support_cancel(booking.pk, staff, "Too late.")

    assert outcome.code is ErrorCode.APPOINTMENT_STARTED


def test_reschedule_keeps_the_notice_and_the_overlap_rules(cast, staff):
    booking = booking_of(cast, cast.slot())
    too_soon = cast.slot_at(NOW + rules.minimum_notice() - timedelta(minutes=15))
    other_hold = reservation_create(client_id=cast.client.pk, appointment_id=cast.slot(timedelta(hours=2)).pk)
    clashing = cast.slot_at(other_hold.appointment.start_time, cast.other_provider)
    fine = cast.slot(timedelta(hours=3))

    notice = support_reschedule(booking.pk, too_soon.pk, staff)
    overlap = support_reschedule(booking.pk, clashing.pk, staff)
    moved = support_reschedule(booking.pk, fine.pk, staff)

    assert notice.code is ErrorCode.INSUFFICIENT_NOTICE
    assert overlap.code is ErrorCode.CLIENT_OVERLAP
    assert moved.result is Result.DONE
    assert moved.reservation is not None
    assert moved.reservation.appointment_id == fine.pk
    assert booking.events.get(kind=EventKind.RESCHEDULED).actor_id == cast.staff.pk


def test_reschedule_options_are_exactly_the_slots_the_service_accepts(cast, staff):
    booking = booking_of(cast, cast.slot())
    candidates = [cast.slot(offset * timedelta(minutes=15)) for offset in range(1, 6)]
    make_reservation(cast.other_client, candidates[0], NOW - timedelta(minutes=1))  # held by another client
    cast.slot_at(NOW + timedelta(hours=12))  # inside the notice
    other_hold = reservation_create(client_id=cast.client.pk, appointment_id=candidates[1].pk)  # the client's own

    offered = list(reschedule_options(booking, NOW))

    assert [slot.pk for slot in offered] == [slot.pk for slot in candidates[2:]]
    assert other_hold.appointment_id not in {slot.pk for slot in offered}
    for slot in candidates[:2]:
        assert support_reschedule(booking.pk, slot.pk, staff).result is Result.REFUSED
