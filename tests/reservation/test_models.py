"""The model layer: reservation states at boundary instants, slot availability, and database constraints.

A reservation made at NOW holds its slot until NOW+30:00 exclusive: `held(now)` is true for now < expires_at,
`expired(now)` for now >= expires_at, and confirmed rows are neither. `Appointment.objects.available(now)` is
every slot without a live reservation starting at least 24 h after ``now``.
"""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from reservation.models import Appointment, Reservation, ReservationState
from tests.conftest import on_postgresql
from tests.factories import NOW, make_client, make_provider, make_reservation, make_slot

pytestmark = pytest.mark.django_db

SLOT_START = NOW + timedelta(days=2)
JUST_BEFORE_EXPIRY = NOW + timedelta(minutes=29, seconds=59)
AT_EXPIRY = NOW + timedelta(minutes=30)


@pytest.fixture
def hold(provider, patient):
    """An unconfirmed reservation made at NOW, expiring at NOW+30:00."""
    return make_reservation(patient, make_slot(provider, SLOT_START), NOW)


@pytest.fixture
def booking(provider, patient):
    """A reservation made at NOW and confirmed a minute later."""
    return make_reservation(patient, make_slot(provider, SLOT_START + timedelta(hours=1)), NOW, confirmed=True)


@pytest.mark.parametrize(
    ("now", "held", "expired"),
    [
        (NOW, True, False),
        (JUST_BEFORE_EXPIRY, True, False),
        (AT_EXPIRY, False, True),
        (AT_EXPIRY + timedelta(days=1), False, True),
    ],
    ids=["at-creation", "29:59", "30:00", "a-day-later"],
)
def test_held_and_expired_split_a_hold_at_expires_at(hold, now, held, expired):
    assert list(Reservation.objects.held(now)) == ([hold] if held else [])
    assert list(Reservation.objects.expired(now)) == ([hold] if expired else [])
    assert list(Reservation.objects.live(now)) == ([hold] if held else [])
    assert hold.state_at(now) is (ReservationState.HELD if held else ReservationState.EXPIRED)


@pytest.mark.parametrize("now", [NOW, AT_EXPIRY, AT_EXPIRY + timedelta(days=30)], ids=["now", "30:00", "month"])
def test_confirmed_reservation_is_confirmed_and_live_forever(booking, now):
    assert list(Reservation.objects.confirmed()) == [booking]
    assert list(Reservation.objects.live(now)) == [booking]
    assert list(Reservation.objects.held(now)) == []
    assert list(Reservation.objects.expired(now)) == []
    assert booking.state_at(now) is ReservationState.CONFIRMED


@pytest.mark.parametrize(
    ("now", "state", "expected"),
    [
        (JUST_BEFORE_EXPIRY, ReservationState.HELD, {"hold"}),
        (JUST_BEFORE_EXPIRY, ReservationState.EXPIRED, set()),
        (AT_EXPIRY, ReservationState.HELD, set()),
        (AT_EXPIRY, ReservationState.EXPIRED, {"hold"}),
        (JUST_BEFORE_EXPIRY, ReservationState.CONFIRMED, {"booking"}),
        (AT_EXPIRY, ReservationState.CONFIRMED, {"booking"}),
    ],
)
def test_in_state_selects_reservations_in_that_state(hold, booking, now, state, expected):
    names = {hold.pk: "hold", booking.pk: "booking"}

    selected = Reservation.objects.in_state(state, now)

    assert {names[reservation.pk] for reservation in selected} == expected


@pytest.mark.parametrize(
    ("now", "hold_state"),
    [(JUST_BEFORE_EXPIRY, "held"), (AT_EXPIRY, "expired")],
    ids=["29:59", "30:00"],
)
def test_with_state_annotates_the_state_computed_in_sql(hold, booking, now, hold_state):
    # The `state` annotation is invisible to django-stubs, hence the ignore.
    states = dict(Reservation.objects.with_state(now).values_list("pk", "state"))  # type: ignore[misc]

    assert states == {hold.pk: hold_state, booking.pk: "confirmed"}


def test_with_state_matches_state_at_for_each_row(hold, booking):
    for now in (NOW, JUST_BEFORE_EXPIRY, AT_EXPIRY):
        for reservation in Reservation.objects.with_state(now):
            assert reservation.state == reservation.state_at(now).value  # type: ignore[attr-defined]


def test_available_requires_at_least_24_hours_notice(provider):
    slot = make_slot(provider, SLOT_START)

    assert list(Appointment.objects.available(SLOT_START - timedelta(hours=24))) == [slot]
    assert list(Appointment.objects.available(SLOT_START - timedelta(hours=23, minutes=59, seconds=59))) == []


@pytest.mark.parametrize(
    ("now", "available"),
    [(JUST_BEFORE_EXPIRY, False), (AT_EXPIRY, True)],
    ids=["hold-live-at-29:59", "hold-expired-at-30:00"],
)
def test_available_excludes_a_slot_only_while_its_hold_is_live(hold, now, available):
    assert list(Appointment.objects.available(now)) == ([hold.appointment] if available else [])


def test_available_excludes_a_booked_slot_even_after_the_hold_period(booking):
    assert list(Appointment.objects.available(AT_EXPIRY + timedelta(hours=1))) == []


def test_available_includes_a_slot_whose_old_hold_expired_but_excludes_its_new_hold(provider, patient):
    slot = make_slot(provider, SLOT_START)
    make_reservation(patient, slot, NOW - timedelta(hours=1))
    assert list(Appointment.objects.available(NOW)) == [slot]

    make_reservation(make_client("Edsger", "Dijkstra"), slot, NOW)

    assert list(Appointment.objects.available(NOW)) == []


def test_appointment_confirmed_selects_only_booked_slots(hold, booking):
    assert list(Appointment.objects.confirmed()) == [booking.appointment]


def test_provider_cannot_have_two_slots_starting_at_the_same_instant(provider):
    make_slot(provider, SLOT_START)

    with pytest.raises(IntegrityError), transaction.atomic():
        make_slot(provider, SLOT_START)

    assert Appointment.objects.count() == 1


def test_two_providers_may_have_slots_at_the_same_instant(provider):
    make_slot(provider, SLOT_START)
    make_slot(make_provider("Alan", "Turing"), SLOT_START)

    assert Appointment.objects.count() == 2


def test_slot_must_end_after_it_starts(provider):
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(provider=provider, start_time=SLOT_START, end_time=SLOT_START)


def test_only_one_confirmed_reservation_per_slot(provider, patient):
    slot = make_slot(provider, SLOT_START)
    make_reservation(patient, slot, NOW - timedelta(hours=2), confirmed=True)

    with pytest.raises(IntegrityError), transaction.atomic():
        make_reservation(make_client("Edsger", "Dijkstra"), slot, NOW, confirmed=True)

    assert Reservation.objects.filter(appointment=slot).count() == 1


def test_confirmed_reservations_of_different_slots_are_allowed(provider, patient):
    make_reservation(patient, make_slot(provider, SLOT_START), NOW, confirmed=True)
    make_reservation(patient, make_slot(provider, SLOT_START + timedelta(minutes=15)), NOW, confirmed=True)

    assert Reservation.objects.confirmed().count() == 2


def test_expired_holds_of_one_slot_may_accumulate(provider, patient):
    slot = make_slot(provider, SLOT_START)
    for hours_ago in (3, 2, 1):
        make_reservation(patient, slot, NOW - timedelta(hours=hours_ago))

    assert Reservation.objects.expired(NOW).filter(appointment=slot).count() == 3


@pytest.mark.postgresql
def test_postgresql_refuses_two_overlapping_live_holds_of_one_slot(provider, patient):
    assert on_postgresql()
    slot = make_slot(provider, SLOT_START)
    make_reservation(patient, slot, NOW)

    with pytest.raises(IntegrityError, match="reservation_no_overlapping_live_holds"), transaction.atomic():
        make_reservation(make_client("Edsger", "Dijkstra"), slot, NOW + timedelta(minutes=29))

    assert Reservation.objects.filter(appointment=slot).count() == 1


@pytest.mark.postgresql
def test_postgresql_allows_a_new_hold_from_the_instant_the_old_one_expires(provider, patient):
    slot = make_slot(provider, SLOT_START)
    make_reservation(patient, slot, NOW)

    make_reservation(make_client("Edsger", "Dijkstra"), slot, NOW + timedelta(minutes=30))

    assert Reservation.objects.filter(appointment=slot).count() == 2
