"""`reservation.services.publishing`: schedules turned into slots for the 28-day horizon, and the daily top-up.

The clock is frozen at Monday 2030-01-07 09:00 UTC (the ``frozen`` fixture) unless a test moves it. Reads never
publish: the horizon moves when a schedule or override is written, or when `schedule_top_up` runs
(``manage.py publish_schedules``).
"""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from freezegun.api import FrozenDateTimeFactory

from reservation.models import Appointment
from reservation.selectors import providers_due_for_publishing
from reservation.services.publishing import schedule_top_up
from reservation.services.schedules import WeeklyRange, weekly_schedule_set
from reservation.services.withdrawal import KeptReason, availability_withdraw
from tests.factories import (
    MORNINGS,
    NEW_YORK,
    NOW,
    SYDNEY,
    local,
    make_client,
    make_reservation,
    on_local_date,
    provider_in,
    refreshed,
    starts,
)

pytestmark = pytest.mark.django_db

MONDAY, TUESDAY, WEDNESDAY, SUNDAY = 0, 1, 2, 6


# --- publishing ---------------------------------------------------------------------------------------------------


def test_weekly_schedule_is_published_in_local_time_for_28_local_days(frozen) -> None:
    provider = provider_in(NEW_YORK)  # at NOW (04:00 in New York) it is Monday 2030-01-07 there

    _, changes = weekly_schedule_set(provider_id=provider.pk, ranges=MORNINGS)

    assert refreshed(provider).schedule_published_until == date(2030, 2, 3)
    assert changes.added == 20 * 12
    assert (changes.restored, changes.withdrawn, changes.kept) == (0, 0, [])
    published = starts(provider)
    assert published[0] == local(NEW_YORK, date(2030, 1, 7), 9) == datetime(2030, 1, 7, 14, tzinfo=UTC)
    assert published[-1] == local(NEW_YORK, date(2030, 2, 1), 11, 45)
    assert set(Appointment.objects.values_list("source", flat=True)) == {"schedule"}


def test_todays_hours_that_already_began_are_not_published(frozen) -> None:
    provider = provider_in("UTC")  # 09:00 UTC now: today's 09:00 slot starts now, 08:xx ones are past
    weekly_schedule_set(provider_id=provider.pk, ranges=[WeeklyRange(MONDAY, time(8), time(10))])

    assert on_local_date(provider, date(2030, 1, 7)) == [NOW + timedelta(minutes=15 * index) for index in range(4)]


def test_schedule_publishing_is_idempotent(frozen) -> None:
    provider = provider_in(SYDNEY)
    _, first = weekly_schedule_set(provider_id=provider.pk, ranges=MORNINGS)
    published = starts(provider)

    _, again = weekly_schedule_set(provider_id=provider.pk, ranges=MORNINGS)
    top_up = schedule_top_up()

    assert first.added == len(published) > 0
    assert (again.added, again.restored, again.withdrawn, again.kept) == (0, 0, 0, [])
    assert top_up == {}
    assert starts(provider) == published
    assert Appointment.objects.filter(withdrawn_at__isnull=False).count() == 0


def test_changing_the_schedule_withdraws_what_it_no_longer_wants_and_adds_the_rest(frozen) -> None:
    provider = provider_in("UTC")
    weekly_schedule_set(provider_id=provider.pk, ranges=[WeeklyRange(TUESDAY, time(9), time(12))])

    _, changes = weekly_schedule_set(provider_id=provider.pk, ranges=[WeeklyRange(TUESDAY, time(10), time(13))])

    assert (changes.added, changes.withdrawn, changes.restored) == (4 * 4, 4 * 4, 0)  # 12:00-13:00 in, 09:00-10:00 out
    assert len(on_local_date(provider, date(2030, 1, 8))) == 12
    assert Appointment.objects.filter(withdrawn_at__isnull=False).count() == 16  # withdrawn, never deleted
    assert Appointment.objects.count() == 4 * 16

    _, back = weekly_schedule_set(provider_id=provider.pk, ranges=[WeeklyRange(TUESDAY, time(9), time(12))])
    assert (back.added, back.restored, back.withdrawn) == (0, 16, 16)


def test_booked_and_held_schedule_slots_are_kept_and_reported_when_the_schedule_drops_them(frozen) -> None:
    provider = provider_in("UTC")
    weekly_schedule_set(provider_id=provider.pk, ranges=[WeeklyRange(TUESDAY, time(9), time(10))])
    nine, quarter_past, half_past, _ = Appointment.objects.filter(provider=provider).order_by("start_time")[:4]
    client = make_client()
    make_reservation(client, nine, created_at=NOW - timedelta(hours=1), confirmed=True)
    make_reservation(client, quarter_past, created_at=NOW - timedelta(minutes=10))
    make_reservation(make_client("Alan", "Kay"), half_past, created_at=NOW - timedelta(hours=2))  # expired

    _, changes = weekly_schedule_set(provider_id=provider.pk, ranges=[])

    assert [(kept.appointment.pk, kept.reason) for kept in changes.kept] == [
        (nine.pk, KeptReason.BOOKED),
        (quarter_past.pk, KeptReason.HELD),
    ]
    assert changes.withdrawn == 16 - 2
    assert list(Appointment.objects.filter(withdrawn_at__isnull=True).order_by("start_time")) == [nine, quarter_past]
    assert nine.reservations.count() == quarter_past.reservations.count() == half_past.reservations.count() == 1


def test_setting_the_schedule_restores_withdrawn_slots_it_wants(frozen) -> None:
    provider = provider_in("UTC")
    weekly_schedule_set(provider_id=provider.pk, ranges=MORNINGS)
    tuesday_nine = datetime(2030, 1, 8, 9, tzinfo=UTC)
    availability_withdraw(provider_id=provider.pk, start_time=tuesday_nine, end_time=tuesday_nine + timedelta(hours=1))

    _, changes = weekly_schedule_set(provider_id=provider.pk, ranges=MORNINGS)

    assert (changes.added, changes.restored, changes.withdrawn) == (0, 4, 0)
    assert len(on_local_date(provider, date(2030, 1, 8))) == 12


def test_range_slots_are_left_alone_by_the_schedule(frozen) -> None:
    provider = provider_in("UTC")
    range_slot = Appointment.objects.create(
        provider=provider,
        start_time=datetime(2030, 1, 8, 15, tzinfo=UTC),
        end_time=datetime(2030, 1, 8, 15, 15, tzinfo=UTC),
    )
    weekly_schedule_set(provider_id=provider.pk, ranges=[WeeklyRange(TUESDAY, time(14), time(16))])
    _, changes = weekly_schedule_set(provider_id=provider.pk, ranges=[])

    range_slot.refresh_from_db()
    assert (range_slot.source, range_slot.withdrawn_at) == ("range", None)
    assert changes.withdrawn == 4 * 8 - 1


# --- the horizon moves forward only when topped up (publish_schedules) ----------------------------------------


def test_the_horizon_moves_forward_only_when_topped_up(frozen: FrozenDateTimeFactory) -> None:
    provider = provider_in("UTC")
    weekly_schedule_set(provider_id=provider.pk, ranges=MORNINGS)
    assert refreshed(provider).schedule_published_until == date(2030, 2, 3)

    # Nothing is due: one query finds that, and nothing is written.
    with CaptureQueriesContext(connection) as queries:
        assert schedule_top_up() == {}
    assert len(queries) == 1

    # Three days later nothing has happened by itself: no job runs.
    frozen.move_to(datetime(2030, 1, 10, 9, tzinfo=UTC))
    assert refreshed(provider).schedule_published_until == date(2030, 2, 3)
    assert on_local_date(provider, date(2030, 2, 4)) == []

    # The daily top-up (manage.py publish_schedules) publishes the three new dates only.
    done = schedule_top_up()
    assert set(done) == {provider.pk}
    assert (done[provider.pk].added, done[provider.pk].withdrawn) == (3 * 12, 0)  # Mon 4, Tue 5, Wed 6 February
    assert refreshed(provider).schedule_published_until == date(2030, 2, 6)
    assert len(on_local_date(provider, date(2030, 2, 6))) == 12
    with CaptureQueriesContext(connection) as queries:
        assert schedule_top_up() == {}
    assert len(queries) == 1


def test_topping_up_keeps_slots_withdrawn_by_hand(frozen: FrozenDateTimeFactory) -> None:
    provider = provider_in("UTC")
    weekly_schedule_set(provider_id=provider.pk, ranges=MORNINGS)
    tuesday_nine = datetime(2030, 1, 8, 9, tzinfo=UTC)
    availability_withdraw(provider_id=provider.pk, start_time=tuesday_nine, end_time=tuesday_nine + timedelta(hours=3))

    frozen.move_to(datetime(2030, 1, 8, 0, 30, tzinfo=UTC))
    done = schedule_top_up()

    assert done[provider.pk].restored == 0
    assert on_local_date(provider, date(2030, 1, 8)) == []


@pytest.mark.parametrize(
    ("zone", "not_yet", "due"),
    [
        # New York's date changes at 05:00 UTC: after UTC midnight it is still yesterday there.
        (NEW_YORK, datetime(2030, 1, 8, 4, 59, tzinfo=UTC), datetime(2030, 1, 8, 5, 0, tzinfo=UTC)),
        # Sydney's (+11:00 in January) changes at 13:00 UTC, long before UTC midnight.
        (SYDNEY, datetime(2030, 1, 7, 12, 59, tzinfo=UTC), datetime(2030, 1, 7, 13, 0, tzinfo=UTC)),
        # Kathmandu (+05:45) at 18:15 UTC.
        ("Asia/Kathmandu", datetime(2030, 1, 7, 18, 14, tzinfo=UTC), datetime(2030, 1, 7, 18, 15, tzinfo=UTC)),
    ],
)
def test_a_provider_is_due_when_their_own_date_changes(
    frozen: FrozenDateTimeFactory, zone: str, not_yet: datetime, due: datetime
) -> None:
    frozen.move_to(not_yet - timedelta(hours=20))
    provider = provider_in(zone)
    weekly_schedule_set(provider_id=provider.pk, ranges=MORNINGS)
    other = provider_in("Pacific/Kiritimati", "Alan", "Kay")  # +14:00: the date changes at 10:00 UTC
    weekly_schedule_set(provider_id=other.pk, ranges=MORNINGS)
    published_until = refreshed(provider).schedule_published_until
    assert published_until is not None

    frozen.move_to(not_yet)
    assert provider not in providers_due_for_publishing(not_yet)

    frozen.move_to(due)
    assert provider in providers_due_for_publishing(due)
    schedule_top_up()
    assert refreshed(provider).schedule_published_until == published_until + timedelta(days=1)
    assert provider not in providers_due_for_publishing(due)
