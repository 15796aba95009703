"""The lifecycle in the domain layer: states, querysets, constraints and the services' atomicity.

`Reservation.state_at` (Python) and `ReservationQuerySet.with_state`/``in_state``/``live`` (SQL) must agree
for all six states; the database keeps one booking per slot (ended ones aside) and an ended reservation
always says why; a service that fails half-way leaves nothing behind.
"""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from reservation import rules
from reservation.actors import SYSTEM, Actor
from reservation.errors import DomainError, ErrorCode
from reservation.models import Reservation, ReservationEvent, ReservationState
from reservation.services import reservations as services
from reservation.services.reservations import (
    reservation_cancel,
    reservation_confirm,
    reservation_create,
    reservation_release,
    reservation_reschedule,
)
from tests.factories import NOW, make_reservation
from tests.graphql import RESERVATION_CANCEL, RESERVATION_RELEASE, hold, succeeded

pytestmark = pytest.mark.django_db

MINUTE = timedelta(minutes=1)


@pytest.fixture
def six(frozen, cast) -> dict[ReservationState, Reservation]:
    """A reservation in each state at NOW + 40 minutes, made through the services."""
    slots = cast.next_slots(7)
    expired = reservation_create(client_id=cast.client.pk, appointment_id=slots[0].pk)
    frozen.tick(timedelta(minutes=40))
    held = reservation_create(client_id=cast.client.pk, appointment_id=slots[1].pk)
    confirmed = reservation_confirm(
        reservation_id=reservation_create(client_id=cast.client.pk, appointment_id=slots[2].pk).pk
    )
    released = reservation_release(
        reservation_id=reservation_create(client_id=cast.client.pk, appointment_id=slots[3].pk).pk
    )
    cancelled = reservation_create(client_id=cast.client.pk, appointment_id=slots[4].pk)
    reservation_confirm(reservation_id=cancelled.pk)
    cancelled = reservation_cancel(reservation_id=cancelled.pk, reason="why")
    moving = reservation_create(client_id=cast.other_client.pk, appointment_id=slots[5].pk)
    reservation_confirm(reservation_id=moving.pk)
    reservation_reschedule(reservation_id=moving.pk, appointment_id=slots[6].pk)
    return {
        ReservationState.HELD: held,
        ReservationState.EXPIRED: expired,
        ReservationState.CONFIRMED: confirmed,
        ReservationState.RELEASED: released,
        ReservationState.CANCELLED: cancelled,
        ReservationState.RESCHEDULED: Reservation.objects.get(pk=moving.pk),
    }


def test_python_and_sql_agree_on_every_state(six):
    now = timezone.now()
    annotated = dict(Reservation.objects.with_state(now).values_list("pk", "state"))  # type: ignore[misc]

    for state, reservation in six.items():
        reservation.refresh_from_db()
        assert reservation.state_at(now) is state
        assert annotated[reservation.pk] == state.value
        assert set(Reservation.objects.in_state(state, now).filter(pk__in=[r.pk for r in six.values()])) == {
            reservation
        }


def test_only_held_and_confirmed_are_live(six):
    live = set(Reservation.objects.live(timezone.now()))
    moved_to = Reservation.objects.get(rescheduled_from=six[ReservationState.RESCHEDULED])

    assert live == {six[ReservationState.HELD], six[ReservationState.CONFIRMED], moved_to}


def test_an_ended_state_wins_over_confirmation_and_expiry(frozen, cast):
    booking = make_reservation(cast.client, cast.slot(), created_at=NOW, confirmed=True)
    booking.ended_at, booking.end_reason = NOW + MINUTE, ReservationState.CANCELLED.value
    booking.save()

    for later in (timedelta(0), timedelta(days=30)):
        assert booking.state_at(NOW + later) is ReservationState.CANCELLED
    assert not Reservation.objects.live(NOW).exists()
    assert not Reservation.objects.confirmed().exists()


def test_an_ended_reservation_must_say_why(frozen, cast):
    reservation = make_reservation(cast.client, cast.slot(), created_at=NOW)

    with pytest.raises(IntegrityError), transaction.atomic():
        Reservation.objects.filter(pk=reservation.pk).update(ended_at=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():
        Reservation.objects.filter(pk=reservation.pk).update(end_reason="released")


def test_one_booking_per_slot_but_ended_bookings_do_not_count(frozen, cast):
    slot = cast.slot()
    first = make_reservation(cast.client, slot, created_at=NOW - timedelta(hours=2), confirmed=True)

    with pytest.raises(IntegrityError), transaction.atomic():
        make_reservation(cast.other_client, slot, created_at=NOW, confirmed=True)

    Reservation.objects.filter(pk=first.pk).update(ended_at=NOW - MINUTE, end_reason="cancelled")
    second = make_reservation(cast.other_client, slot, created_at=NOW, confirmed=True)
    assert list(Reservation.objects.confirmed().filter(appointment=slot)) == [second]


@pytest.mark.parametrize("failing", ["_end", "_record"])
def test_a_reschedule_that_fails_half_way_leaves_nothing_behind(frozen, cast, monkeypatch, failing):
    old_slot, new_slot = cast.slot(), cast.slot(timedelta(hours=1))
    booking = reservation_confirm(
        reservation_id=reservation_create(client_id=cast.client.pk, appointment_id=old_slot.pk).pk
    )
    events_before = ReservationEvent.objects.count()
    original = getattr(services, failing)

    def fail_on_the_reschedule(*args, **kwargs):
        if failing == "_end" or (len(args) > 1 and args[1] == "rescheduled"):
            raise RuntimeError("the database went away")
        return original(*args, **kwargs)

    monkeypatch.setattr(services, failing, fail_on_the_reschedule)

    with pytest.raises(RuntimeError):
        reservation_reschedule(reservation_id=booking.pk, appointment_id=new_slot.pk)

    booking.refresh_from_db()
    assert booking.state_at(timezone.now()) is ReservationState.CONFIRMED
    assert not Reservation.objects.filter(appointment=new_slot).exists()
    assert ReservationEvent.objects.count() == events_before


def test_a_cancellation_that_fails_half_way_leaves_nothing_behind(frozen, cast, monkeypatch):
    booking = reservation_confirm(
        reservation_id=reservation_create(client_id=cast.client.pk, appointment_id=cast.slot().pk).pk
    )

    def fail(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "_record", fail)

    with pytest.raises(RuntimeError):
        reservation_cancel(reservation_id=booking.pk, reason="x")

    booking.refresh_from_db()
    assert (booking.ended_at, booking.end_reason, booking.cancel_reason) == (None, "", "")


@pytest.mark.parametrize(
    "call",
    [
        lambda: reservation_release(reservation_id=999),
        lambda: reservation_cancel(reservation_id=999),
        lambda: reservation_reschedule(reservation_id=999, appointment_id=1),
    ],
    ids=["release", "cancel", "reschedule"],
)
def test_unknown_reservations_are_not_found(cast, call):
    with pytest.raises(DomainError) as excinfo:
        call()

    assert (excinfo.value.code, excinfo.value.field) == (ErrorCode.NOT_FOUND, "reservation_id")


def test_the_services_return_the_reservation_as_stored(frozen, cast):
    booking = reservation_confirm(
        reservation_id=reservation_create(client_id=cast.client.pk, appointment_id=cast.slot().pk).pk
    )
    frozen.tick(MINUTE)

    moved = reservation_reschedule(reservation_id=booking.pk, appointment_id=cast.slot(rules.slot_duration()).pk)
    cancelled = reservation_cancel(reservation_id=moved.pk, actor=Actor.of(cast.staff), reason="  x  ")

    assert cancelled == Reservation.objects.get(pk=moved.pk)
    stored = Reservation.objects.get(pk=moved.pk)
    assert (stored.ended_at, stored.cancel_reason, stored.ended_by_id) == (NOW + MINUTE, "x", cast.staff.pk)
    assert (moved.confirmed_at, moved.created_at) == (NOW + MINUTE, NOW + MINUTE)


@pytest.mark.postgresql
@pytest.mark.parametrize("document", [RESERVATION_RELEASE, RESERVATION_CANCEL], ids=["release", "cancel"])
def test_ending_a_reservation_on_a_server_whose_clock_is_behind(graphql, frozen, cast, document):
    """The hold is made by a server whose clock reads NOW, and ended a moment later by one 5 ms behind."""
    held = succeeded(hold(graphql, cast.client, cast.slot()))
    frozen.move_to(NOW - timedelta(milliseconds=5))

    body = graphql(document, {"reservationId": held["id"]})

    assert "errors" not in body, body  # today: INTERNAL_SERVER_ERROR
    (payload,) = body["data"].values()
    assert payload["errors"] or payload["reservation"]["state"] in ("RELEASED", "CANCELLED")


# --- who may cancel what: the service's own rules, whoever calls it (the API, the admin, a script) ---------------


def actor(cast, role: str) -> Actor:
    return {
        "client": Actor.of(cast.client_user),
        "provider": Actor.of(cast.provider_user),
        "other provider": Actor.of(cast.other_provider_user),
        "other client": Actor.of(cast.other_client_user),
        "staff": Actor.of(cast.staff),
        "system": SYSTEM,
    }[role]


@pytest.mark.parametrize(
    ("role", "reason", "code", "field"),
    [
        ("client", "", "NOT_CONFIRMED", "reservation_id"),  # a client releases a hold instead
        ("provider", "", "INVALID", "reason"),  # the client is told why
        ("provider", "   ", "INVALID", "reason"),
        ("other provider", "Not mine.", "NOT_FOUND", "reservation_id"),
        ("other client", "", "NOT_FOUND", "reservation_id"),
    ],
)
def test_cancelling_a_hold_is_refused_by_role(frozen, cast, role, reason, code, field):
    """Called directly, as the admin and scripts do, the service applies the same rules as the API."""
    held = reservation_create(client_id=cast.client.pk, appointment_id=cast.slot().pk)

    with pytest.raises(DomainError) as raised:
        reservation_cancel(reservation_id=held.pk, actor=actor(cast, role), reason=reason)

    assert (raised.value.code.name, raised.value.field) == (code, field)
    held.refresh_from_db()
    assert (held.ended_at, [event.kind for event in held.events.all()]) == (None, ["held"])


@pytest.mark.parametrize(("role", "reason"), [("provider", "The clinic is closed."), ("staff", ""), ("system", "")])
def test_a_hold_may_be_cancelled_by_its_provider_with_a_reason_staff_and_the_system(frozen, cast, role, reason):
    held = reservation_create(client_id=cast.client.pk, appointment_id=cast.slot().pk)

    cancelled = reservation_cancel(reservation_id=held.pk, actor=actor(cast, role), reason=reason)

    assert cancelled.state_at(NOW) is ReservationState.CANCELLED
    assert cancelled.ended_by_id == actor(cast, role).user_id


@pytest.mark.parametrize("role", ["client", "provider", "staff"])
def test_a_booking_may_be_cancelled_by_its_client_its_provider_with_a_reason_and_staff(frozen, cast, role):
    held = reservation_create(client_id=cast.client.pk, appointment_id=cast.slot().pk)
    booked = reservation_confirm(reservation_id=held.pk)

    cancelled = reservation_cancel(reservation_id=booked.pk, actor=actor(cast, role), reason="Moving abroad.")

    assert (cancelled.state_at(NOW), cancelled.cancel_reason) == (ReservationState.CANCELLED, "Moving abroad.")
