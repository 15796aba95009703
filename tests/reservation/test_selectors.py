"""`reservation.selectors`: the reads the API, the admin and the commands share. Nothing here writes."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reservation.models import Appointment, ReservationEvent, ReservationState, SlotState
from reservation.selectors import (
    calendar_feed_by_token,
    calendar_feed_reservations,
    providers_due_for_publishing,
    reservation_histories,
    slots_in_state,
    slots_with_state,
    upcoming_overrides_of,
    weekly_schedule_of,
)
from reservation.services.calendar import calendar_feed_create
from reservation.services.reservations import reservation_create
from reservation.services.schedules import date_override_set, weekly_schedule_set
from tests.factories import (
    MORNINGS,
    NOW,
    SLOT,
    SLOT_DAY,
    SYDNEY,
    make_client,
    make_provider,
    make_reservation,
    make_slot,
    provider_in,
    refreshed,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def test_a_slot_is_open_exactly_when_it_is_available() -> None:
    """The admin's slot state and availability are one rule: OPEN is ``Appointment.objects.available(now)``."""
    provider, patient = make_provider(), make_client()
    expected = {
        "open": make_slot(provider, SLOT_DAY),
        "held": make_slot(provider, SLOT_DAY + SLOT),
        "booked": make_slot(provider, SLOT_DAY + 2 * SLOT),
        "open after an expired hold": make_slot(provider, SLOT_DAY + 3 * SLOT),
        "closed": make_slot(provider, NOW + timedelta(hours=23, minutes=45)),
        "withdrawn": make_slot(provider, SLOT_DAY + 4 * SLOT),
        "released": make_slot(provider, SLOT_DAY + 5 * SLOT),
    }
    make_reservation(patient, expected["held"], NOW - timedelta(minutes=29))
    make_reservation(patient, expected["booked"], NOW - timedelta(hours=1), confirmed=True)
    make_reservation(patient, expected["open after an expired hold"], NOW - timedelta(minutes=30))
    make_reservation(
        patient, expected["released"], NOW - timedelta(minutes=5), ended_at=NOW, end_reason=ReservationState.RELEASED
    )
    Appointment.objects.filter(pk=expected["withdrawn"].pk).update(withdrawn_at=NOW)

    with CaptureQueriesContext(connection) as queries:
        states = dict(slots_with_state(NOW).values_list("pk", "state"))  # type: ignore[misc]  # annotated

    assert len(queries) == 1
    assert {label: states[slot.pk] for label, slot in expected.items()} == {
        "open": SlotState.OPEN,
        "held": SlotState.HELD,
        "booked": SlotState.BOOKED,
        "open after an expired hold": SlotState.OPEN,
        "closed": SlotState.CLOSED,
        "withdrawn": SlotState.WITHDRAWN,
        "released": SlotState.OPEN,
    }
    available = set(Appointment.objects.available(NOW).values_list("pk", flat=True))
    assert {pk for pk, state in states.items() if state == SlotState.OPEN} == available


def test_slots_in_a_state_are_exactly_those_annotated_with_it() -> None:
    """The admin's state filter (`slots_in_state`, plain conditions) and the state column (`slots_with_state`)
    agree for every state, withdrawn slots still held and past slots included."""
    provider, patient = make_provider(), make_client()
    slots = [make_slot(provider, SLOT_DAY + index * SLOT) for index in range(6)]
    past = [make_slot(provider, NOW - timedelta(hours=2) + index * SLOT) for index in range(3)]
    make_reservation(patient, slots[0], NOW - timedelta(minutes=29))
    make_reservation(patient, slots[1], NOW - timedelta(hours=1), confirmed=True)
    make_reservation(patient, slots[2], NOW - timedelta(minutes=30))
    make_reservation(patient, slots[3], NOW - timedelta(minutes=1))  # held, then withdrawn: still held
    make_reservation(patient, past[0], NOW - timedelta(days=3), confirmed=True)
    make_slot(provider, NOW + timedelta(hours=23, minutes=45))
    Appointment.objects.filter(pk__in=[slots[3].pk, slots[4].pk, past[1].pk]).update(withdrawn_at=NOW)
    annotated = dict(slots_with_state(NOW).values_list("pk", "state"))  # type: ignore[misc]  # annotated

    for state in SlotState:
        found = set(slots_in_state(state, NOW).values_list("pk", flat=True))
        assert found == {pk for pk, value in annotated.items() if value == state}, state
        assert found, state  # every state is represented


def test_an_expired_hold_ends_its_history_with_its_expiry_which_is_never_stored(cast) -> None:
    expired = make_reservation(cast.client, cast.slot(), NOW - timedelta(hours=2))
    held = reservation_create(client_id=cast.client.pk, appointment_id=cast.slot(SLOT).pk)
    booked = make_reservation(cast.other_client, cast.slot(2 * SLOT), NOW - timedelta(hours=2), confirmed=True)

    with CaptureQueriesContext(connection) as queries:
        histories = reservation_histories([expired, held, booked], NOW)

    assert len(queries) == 1
    assert [(event.kind, event.at, event.actor_id) for event in histories[expired.pk]] == [
        ("expired", expired.expires_at, None)
    ]
    assert [event.kind for event in histories[held.pk]] == ["held"]
    assert histories[booked.pk] == []
    assert not ReservationEvent.objects.filter(kind="expired").exists()
    # At 29:59 the hold is not expired yet; at 30:00 it is.
    assert [
        event.kind for event in reservation_histories([held], NOW + timedelta(minutes=29, seconds=59))[held.pk]
    ] == ["held"]
    assert [event.kind for event in reservation_histories([held], NOW + timedelta(minutes=30))[held.pk]] == [
        "held",
        "expired",
    ]


def test_weekly_schedules_and_upcoming_overrides_are_read_for_many_providers_at_once() -> None:
    sydney, utc = provider_in(SYDNEY), provider_in("UTC", "Alan", "Turing")
    for provider in (sydney, utc):
        weekly_schedule_set(provider_id=provider.pk, ranges=MORNINGS[:2])
    # 09:00 UTC on 2030-01-07 is already 20:00 in Sydney: both are on the 7th, but Sydney's 8th comes first.
    date_override_set(provider_id=sydney.pk, day=date(2030, 1, 7), ranges=[])
    date_override_set(provider_id=utc.pk, day=date(2030, 1, 9), ranges=[])

    with CaptureQueriesContext(connection) as queries:
        weekly = weekly_schedule_of([sydney.pk, utc.pk])
        overrides = upcoming_overrides_of([sydney, utc], NOW + timedelta(hours=4))  # 13:00 UTC: Sydney's 8th

    assert len(queries) == 3  # the ranges; the overrides, and their ranges
    assert [(row.weekday, row.start_time.hour) for row in weekly[sydney.pk]] == [(0, 9), (1, 9)]
    assert [override.date for override in overrides[sydney.pk]] == []  # the 7th is past in Sydney
    assert [override.date for override in overrides[utc.pk]] == [date(2030, 1, 9)]


def test_providers_due_for_publishing_are_the_furthest_behind_first(frozen) -> None:
    behind, further_behind = provider_in("UTC"), provider_in("UTC", "Alan", "Turing")
    weekly_schedule_set(provider_id=behind.pk, ranges=MORNINGS)
    frozen.tick(timedelta(days=1))
    assert providers_due_for_publishing(NOW + timedelta(days=1)) == [behind]
    weekly_schedule_set(provider_id=further_behind.pk, ranges=MORNINGS)
    published_until = refreshed(behind).schedule_published_until
    assert published_until is not None
    further_behind.schedule_published_until = published_until - timedelta(days=1)
    further_behind.save()

    assert providers_due_for_publishing(NOW + timedelta(days=2)) == [further_behind, behind]
    assert providers_due_for_publishing(NOW + timedelta(days=2), limit=1) == [further_behind]


def test_a_calendar_feed_lists_the_bookings_of_its_user_in_one_query(cast) -> None:
    booked = make_reservation(cast.client, cast.slot(), NOW - timedelta(hours=1), confirmed=True)
    make_reservation(cast.client, cast.slot(SLOT), NOW - timedelta(minutes=5))  # a hold: never listed
    feed = calendar_feed_by_token(calendar_feed_create(cast.client_user).token)
    assert feed is not None

    with CaptureQueriesContext(connection) as queries:
        listed = calendar_feed_reservations(feed, NOW)

    assert listed == [booked]
    assert len(queries) == 1  # the feed came with its user and profiles
