"""Weekly schedules and date overrides, published as slots for a bounded horizon: the domain services.

The clock is frozen at Monday 2030-01-07 09:00 UTC (the ``frozen`` fixture) unless a test moves it.
"""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from freezegun.api import FrozenDateTimeFactory

from reservation.errors import DomainError, ErrorCode
from reservation.models import Appointment, DateOverride, Provider, WeeklyScheduleRange
from reservation.selectors import providers_due_for_publishing
from reservation.services.publishing import schedule_top_up
from reservation.services.schedules import WeeklyRange, date_override_delete, date_override_set, weekly_schedule_set
from reservation.services.time_zones import provider_time_zone_set
from reservation.services.withdrawal import KeptReason, availability_withdraw
from reservation.timezones import LocalRange
from tests.factories import NOW, make_client, make_reservation
from tests.scheduling.conftest import NEW_YORK, SYDNEY, local, on_local_date, provider_in, starts

pytestmark = pytest.mark.django_db

MONDAY, TUESDAY, WEDNESDAY, SUNDAY = 0, 1, 2, 6
MORNINGS = [WeeklyRange(day, time(9), time(12)) for day in range(5)]  # Monday to Friday, 09:00-12:00


def refreshed(provider: Provider) -> Provider:
    provider.refresh_from_db()
    return provider


# --- validation ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ranges", "code"),
    [
        ([WeeklyRange(MONDAY, time(9), time(12)), WeeklyRange(MONDAY, time(11), time(13))], "OVERLAPPING_RANGES"),
        ([WeeklyRange(MONDAY, time(9), time(12)), WeeklyRange(MONDAY, time(9), time(10))], "OVERLAPPING_RANGES"),
        ([WeeklyRange(MONDAY, time(12), time(9))], "INVALID_RANGE"),
        ([WeeklyRange(MONDAY, time(9), time(9))], "INVALID_RANGE"),
        ([WeeklyRange(MONDAY, time(9, 10), time(12))], "NOT_ALIGNED"),
        ([WeeklyRange(MONDAY, time(9), time(12, 0, 30))], "NOT_ALIGNED"),
        ([WeeklyRange(7, time(9), time(12))], "INVALID"),
        ([WeeklyRange(MONDAY, time(9, tzinfo=UTC), time(12))], "INVALID"),
    ],
)
def test_weekly_schedule_is_validated_and_nothing_is_written_when_refused(
    frozen, ranges: list[WeeklyRange], code: str
) -> None:
    provider = provider_in(NEW_YORK)
    weekly_schedule_set(provider_id=provider.pk, ranges=MORNINGS)
    before = (starts(provider), list(WeeklyScheduleRange.objects.values_list("weekday", "start_time")))

    with pytest.raises(DomainError) as raised:
        weekly_schedule_set(provider_id=provider.pk, ranges=ranges)

    assert raised.value.code.name == code
    assert raised.value.field == "ranges"
    assert (starts(provider), list(WeeklyScheduleRange.objects.values_list("weekday", "start_time"))) == before


def test_several_ranges_a_day_may_touch_and_the_same_hours_may_repeat_on_other_days(frozen) -> None:
    provider = provider_in("UTC")
    ranges = [
        WeeklyRange(TUESDAY, time(13), time(17)),
        WeeklyRange(TUESDAY, time(9), time(12)),
        WeeklyRange(TUESDAY, time(12), time(13)),
        WeeklyRange(WEDNESDAY, time(9), time(12)),
    ]

    rows, changes = weekly_schedule_set(provider_id=provider.pk, ranges=ranges)

    assert [(row.weekday, row.start_time, row.end_time) for row in rows] == [
        (TUESDAY, time(9), time(12)),
        (TUESDAY, time(12), time(13)),
        (TUESDAY, time(13), time(17)),
        (WEDNESDAY, time(9), time(12)),
    ]
    tuesday = on_local_date(provider, date(2030, 1, 8))
    assert len(tuesday) == 32  # 09:00-17:00, no gap at 12:00 or 13:00
    assert changes.added == 4 * 32 + 4 * 12  # four Tuesdays and four Wednesdays in the 28 days from 2030-01-07


def test_unknown_provider_is_not_found(frozen) -> None:
    with pytest.raises(DomainError) as raised:
        weekly_schedule_set(provider_id=987654, ranges=MORNINGS)
    assert (raised.value.code, raised.value.field) == (ErrorCode.NOT_FOUND, "provider_id")


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


# --- date overrides -----------------------------------------------------------------------------------------------


def test_a_day_off_withdraws_that_date_only_and_keeps_its_bookings(frozen) -> None:
    provider = provider_in(NEW_YORK)
    weekly_schedule_set(provider_id=provider.pk, ranges=MORNINGS)
    wednesday = date(2030, 1, 9)
    booked = Appointment.objects.get(provider=provider, start_time=local(NEW_YORK, wednesday, 10))
    make_reservation(make_client(), booked, created_at=NOW - timedelta(hours=1), confirmed=True)

    override, changes = date_override_set(provider_id=provider.pk, day=wednesday, ranges=[])

    assert (override.date, list(override.ranges.all())) == (wednesday, [])
    assert (changes.added, changes.withdrawn) == (0, 11)
    assert [(kept.appointment.pk, kept.reason) for kept in changes.kept] == [(booked.pk, KeptReason.BOOKED)]
    assert on_local_date(provider, wednesday) == [booked.start_time]
    assert len(on_local_date(provider, date(2030, 1, 10))) == 12


def test_an_override_with_other_hours_replaces_the_weekly_hours_of_that_date(frozen) -> None:
    provider = provider_in(SYDNEY)
    weekly_schedule_set(provider_id=provider.pk, ranges=MORNINGS)
    thursday = date(2030, 1, 10)
    hours = [LocalRange(time(14), time(15)), LocalRange(time(8), time(9, 30))]

    override, changes = date_override_set(provider_id=provider.pk, day=thursday, ranges=hours)

    assert [(row.start_time, row.end_time) for row in override.ranges.order_by("start_time")] == [
        (time(8), time(9, 30)),
        (time(14), time(15)),
    ]
    assert (changes.added, changes.withdrawn) == (4 + 4, 10)  # 08:00-09:00 and 14:00-15:00 in; 09:30-12:00 out
    assert on_local_date(provider, thursday) == [
        *(local(SYDNEY, thursday, 8, minute) for minute in (0, 15, 30, 45)),
        local(SYDNEY, thursday, 9),
        local(SYDNEY, thursday, 9, 15),
        *(local(SYDNEY, thursday, 14, minute) for minute in (0, 15, 30, 45)),
    ]

    # Setting it again with the same hours changes nothing; deleting it brings the weekly hours back.
    _, again = date_override_set(provider_id=provider.pk, day=thursday, ranges=hours)
    assert (again.added, again.restored, again.withdrawn) == (0, 0, 0)
    changes = date_override_delete(provider_id=provider.pk, day=thursday)
    assert (changes.added, changes.restored, changes.withdrawn) == (0, 10, 8)
    assert len(on_local_date(provider, thursday)) == 12
    assert not DateOverride.objects.exists()


def test_overrides_are_validated(frozen) -> None:
    provider = provider_in(NEW_YORK)
    cases = [
        (date(2030, 1, 6), [], ErrorCode.IN_THE_PAST, "day"),  # yesterday in New York
        (
            date(2030, 1, 9),
            [LocalRange(time(9), time(11)), LocalRange(time(10), time(12))],
            ErrorCode.OVERLAPPING_RANGES,
            "ranges",
        ),
        (date(2030, 1, 9), [LocalRange(time(9), time(8))], ErrorCode.INVALID_RANGE, "ranges"),
        (date(2030, 1, 9), [LocalRange(time(9, 5), time(10))], ErrorCode.NOT_ALIGNED, "ranges"),
    ]
    for day, ranges, code, field in cases:
        with pytest.raises(DomainError) as raised:
            date_override_set(provider_id=provider.pk, day=day, ranges=ranges)
        assert (raised.value.code, raised.value.field) == (code, field)
    assert not DateOverride.objects.exists()
    with pytest.raises(DomainError) as raised:
        date_override_delete(provider_id=provider.pk, day=date(2030, 1, 9))
    assert (raised.value.code, raised.value.field) == (ErrorCode.NOT_FOUND, "day")


def test_today_may_be_overridden_in_the_providers_own_zone(frozen) -> None:
    # 09:00 UTC on 2030-01-07 is already 20:00 in Sydney: its today is the 7th, yesterday the 6th.
    provider = provider_in(SYDNEY)
    date_override_set(provider_id=provider.pk, day=date(2030, 1, 7), ranges=[LocalRange(time(21), time(22))])
    assert len(on_local_date(provider, date(2030, 1, 7))) == 4


def test_an_override_beyond_the_horizon_is_published_when_the_horizon_reaches_it(frozen) -> None:
    provider = provider_in("UTC")
    weekly_schedule_set(provider_id=provider.pk, ranges=MORNINGS)
    later = date(2030, 2, 5)  # a Tuesday after the published 2030-02-03

    _, changes = date_override_set(provider_id=provider.pk, day=later, ranges=[LocalRange(time(15), time(16))])
    assert (changes.added, changes.withdrawn) == (0, 0)
    assert on_local_date(provider, later) == []

    frozen.move_to(datetime(2030, 1, 9, 0, 1, tzinfo=UTC))  # the horizon now ends on 2030-02-05
    schedule_top_up()
    assert on_local_date(provider, later) == [datetime(2030, 2, 5, 15, 15 * index, tzinfo=UTC) for index in range(4)]


def test_an_override_gives_a_provider_without_a_schedule_a_horizon(frozen) -> None:
    provider = provider_in("UTC")
    _, changes = date_override_set(
        provider_id=provider.pk, day=date(2030, 1, 12), ranges=[LocalRange(time(10), time(11))]
    )
    assert changes.added == 4
    assert refreshed(provider).schedule_published_until == date(2030, 2, 3)


# --- time zones ---------------------------------------------------------------------------------------------------


def test_changing_the_time_zone_moves_the_schedule_and_keeps_bookings(frozen) -> None:
    provider = provider_in("UTC")
    weekly_schedule_set(provider_id=provider.pk, ranges=[WeeklyRange(TUESDAY, time(9), time(10))])
    booked = Appointment.objects.get(provider=provider, start_time=datetime(2030, 1, 8, 9, tzinfo=UTC))
    make_reservation(make_client(), booked, created_at=NOW - timedelta(hours=1), confirmed=True)

    provider, changes = provider_time_zone_set(provider_id=provider.pk, time_zone="Europe/Paris")

    assert provider.time_zone == "Europe/Paris"
    assert changes is not None
    assert (changes.added, changes.withdrawn) == (16, 15)  # 09:00 Paris is 08:00 UTC in January
    assert [(kept.appointment.pk, kept.reason) for kept in changes.kept] == [(booked.pk, KeptReason.BOOKED)]
    assert on_local_date(provider, date(2030, 1, 8)) == [
        datetime(2030, 1, 8, 8, 15 * index, tzinfo=UTC) for index in range(4)
    ] + [booked.start_time]


def test_time_zone_of_a_provider_without_a_schedule_is_only_recorded(frozen) -> None:
    provider = provider_in("UTC")
    provider, changes = provider_time_zone_set(provider_id=provider.pk, time_zone="Asia/Kathmandu")
    assert (refreshed(provider).time_zone, changes) == ("Asia/Kathmandu", None)
    with pytest.raises(DomainError) as raised:
        provider_time_zone_set(provider_id=provider.pk, time_zone="Asia/Katmandoo")
    assert (raised.value.code, raised.value.field) == (ErrorCode.UNKNOWN_TIME_ZONE, "time_zone")
    assert refreshed(provider).time_zone == "Asia/Kathmandu"


@override_settings(RESERVATION_SLOT_MINUTES=60)
def test_a_zone_whose_offset_is_off_the_slot_grid_is_refused(frozen) -> None:
    provider = provider_in("UTC")
    with pytest.raises(DomainError) as raised:
        provider_time_zone_set(provider_id=provider.pk, time_zone="Asia/Kolkata")
    assert (raised.value.code, raised.value.field) == (ErrorCode.NOT_ALIGNED, "time_zone")
    assert refreshed(provider).time_zone == "UTC"


# --- the horizon moves forward lazily ------------------------------------------------------------------------------


def test_horizon_extension_is_lazy(frozen: FrozenDateTimeFactory) -> None:
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

    # The first read tops it up, with the three new dates only.
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
