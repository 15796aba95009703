"""The exclusion constraint of migration 0002 is the last line of defence, whatever the code above it does.

Every row here is written with `Reservation.objects.create` / `.update`, bypassing the services, except in
the last two tests, which break the service's own check to show the constraint (and its mapping to
SLOT_UNAVAILABLE, by the service and through the API) still holds. Interval of a reservation:
``[created_at, expires_at)`` while unconfirmed,
``[created_at, infinity)`` once confirmed.
"""

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from reservation import rules
from reservation.errors import DomainError, ErrorCode
from reservation.models import Reservation, ReservationEvent
from reservation.services import reservations
from reservation.services.reservations import reservation_create
from tests.factories import NOW, make_client, make_provider, make_reservation, make_slot
from tests.graphql import hold, refused, reservation_gid, succeeded

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db]

CONSTRAINT = "reservation_no_overlapping_live_holds"
HOLD = rules.hold_duration()


@pytest.fixture
def slot():
    return make_slot(make_provider(), NOW + timedelta(days=2))


def assert_excluded(excinfo: pytest.ExceptionInfo[IntegrityError]) -> None:
    """The IntegrityError came from the exclusion constraint, not from another constraint."""
    cause = excinfo.value.__cause__
    assert getattr(getattr(cause, "diag", None), "constraint_name", None) == CONSTRAINT, repr(cause)


def test_constraint_is_installed():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT contype, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conname = %s AND conrelid = 'reservation_reservation'::regclass",
            [CONSTRAINT],
        )
        rows = cursor.fetchall()
    assert len(rows) == 1, rows
    contype, definition = rows[0]
    assert contype == "x"  # an exclusion constraint
    assert definition.startswith("EXCLUDE USING gist (appointment_id WITH =, tstzrange("), definition
    assert "&&" in definition


def test_overlapping_second_hold_of_a_slot_is_refused(slot):
    make_reservation(make_client(), slot, created_at=NOW)

    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        make_reservation(make_client("Bob"), slot, created_at=NOW + HOLD - timedelta(microseconds=1))

    assert_excluded(excinfo)
    assert Reservation.objects.filter(appointment=slot).count() == 1


def test_identical_hold_interval_is_refused(slot):
    make_reservation(make_client(), slot, created_at=NOW)

    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        make_reservation(make_client("Bob"), slot, created_at=NOW)

    assert_excluded(excinfo)


def test_hold_starting_when_the_previous_one_expires_is_accepted(slot):
    first = make_reservation(make_client(), slot, created_at=NOW)
    # Half-open intervals: [NOW, NOW+30m) and [NOW+30m, NOW+60m) do not overlap.
    second = make_reservation(make_client("Bob"), slot, created_at=first.expires_at)
    third = make_reservation(make_client("Carol"), slot, created_at=second.expires_at + timedelta(minutes=5))

    assert list(Reservation.objects.filter(appointment=slot).order_by("created_at")) == [first, second, third]


def test_overlapping_holds_of_different_slots_are_accepted(slot):
    other = make_slot(slot.provider, slot.start_time + rules.slot_duration())
    client = make_client()
    make_reservation(client, slot, created_at=NOW)
    make_reservation(client, other, created_at=NOW)

    assert Reservation.objects.count() == 2


def test_confirmed_reservation_blocks_every_later_hold(slot):
    make_reservation(make_client(), slot, created_at=NOW, confirmed=True)

    for later in (timedelta(minutes=10), HOLD, HOLD + timedelta(minutes=1), timedelta(days=365)):
        with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
            make_reservation(make_client("Bob"), slot, created_at=NOW + later)
        assert_excluded(excinfo)

    assert Reservation.objects.filter(appointment=slot).count() == 1


def test_confirming_an_expired_hold_after_a_new_hold_is_refused(slot):
    old = make_reservation(make_client(), slot, created_at=NOW)
    new = make_reservation(make_client("Bob"), slot, created_at=NOW + HOLD + timedelta(minutes=10))

    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        Reservation.objects.filter(pk=old.pk).update(confirmed_at=NOW + HOLD + timedelta(minutes=15))

    assert_excluded(excinfo)
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.confirmed_at is None
    assert new.confirmed_at is None


def test_confirming_the_latest_hold_is_accepted(slot):
    make_reservation(make_client(), slot, created_at=NOW)
    new = make_reservation(make_client("Bob"), slot, created_at=NOW + HOLD)

    Reservation.objects.filter(pk=new.pk).update(confirmed_at=NOW + HOLD + timedelta(minutes=1))

    new.refresh_from_db()
    assert new.confirmed_at == NOW + HOLD + timedelta(minutes=1)


def test_service_maps_the_constraint_to_slot_unavailable_when_its_own_check_misses(monkeypatch):
    """Simulate a bug in the service's live-reservation check: the constraint still refuses the second hold."""
    # The service reads the real clock: this slot passes its 24-hour notice rule.
    start = (timezone.now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    first = reservation_create(client_id=make_client().pk, appointment_id=make_slot(make_provider(), start).pk)
    monkeypatch.setattr(reservations, "check_room", lambda *args, **kwargs: None)

    with pytest.raises(DomainError) as excinfo:
        reservation_create(client_id=make_client("Bob").pk, appointment_id=first.appointment_id)

    assert excinfo.value.code is ErrorCode.SLOT_UNAVAILABLE
    assert isinstance(excinfo.value.__cause__, IntegrityError)
    assert list(Reservation.objects.filter(appointment_id=first.appointment_id)) == [first]


def test_the_mutation_answers_the_constraint_as_slot_unavailable_and_writes_nothing(monkeypatch, graphql):
    """Through reservationCreate, whose transaction the service joins without a savepoint of its own: the
    constraint's error aborts that transaction, the mutation rolls all of it back and answers a typed refusal."""
    start = (timezone.now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    slot = make_slot(make_provider(), start)
    first = succeeded(hold(graphql, make_client(), slot))
    monkeypatch.setattr(reservations, "check_room", lambda *args, **kwargs: None)
    events_before = ReservationEvent.objects.count()

    assert refused(hold(graphql, make_client("Bob"), slot)) == ("SLOT_UNAVAILABLE", "appointmentId")

    assert [reservation_gid(r) for r in Reservation.objects.filter(appointment=slot)] == [first["id"]]
    assert ReservationEvent.objects.count() == events_before
