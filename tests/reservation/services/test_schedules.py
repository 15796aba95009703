"""`reservation.services.schedules`: weekly schedules and date overrides, checked and published at once.

The clock is frozen at Monday 2030-01-07 09:00 UTC (the ``frozen`` fixture) unless a test moves it.
"""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from reservation.errors import DomainError, ErrorCode
from reservation.models import Appointment, DateOverride, WeeklyScheduleRange
from reservation.services.publishing import schedule_top_up
from reservation.services.schedules import WeeklyRange, date_override_delete, date_override_set, weekly_schedule_set
from reservation.services.withdrawal import KeptReason
from reservation.timezones import LocalRange
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
