"""Weekly schedules and date overrides: a provider's working hours in their local time.

A provider's weekly schedule (`WeeklyScheduleRange`, several local ranges per weekday) and date overrides
(`DateOverride`: other hours on one date, or none for a day off) are in their time zone (``Provider.time_zone``).
Every change here is published as slots at once, in the same transaction (`reservation.services.publishing`).
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from django.utils import timezone

from reservation.errors import DomainError, ErrorCode
from reservation.models import DateOverride, DateOverrideRange, WeeklyScheduleRange
from reservation.selectors import provider_today
from reservation.services.locks import lock_provider
from reservation.services.publishing import publish_date, publish_horizon
from reservation.services.transactions import atomic
from reservation.services.withdrawal import SlotChanges
from reservation.timezones import LocalRange
from reservation.validation import check_local_ranges

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class WeeklyRange:
    """A working range on a weekday (0 = Monday ... 6 = Sunday), in local wall-clock time."""

    weekday: int
    start: time
    end: time


def weekly_schedule_set(
    *, provider_id: int, ranges: Sequence[WeeklyRange], now: datetime | None = None
) -> tuple[list[WeeklyScheduleRange], SlotChanges]:
    """Replace a provider's weekly schedule and publish it for the horizon (today + 27 days, local dates).

    Each range is in the provider's local time: start before end on the 15-minute grid, no overlaps within a
    weekday; an empty list clears the schedule. Returns the new ranges (by weekday and start) and what
    publishing did. Raises `DomainError` INVALID, NOT_ALIGNED, INVALID_RANGE, OVERLAPPING_RANGES, NOT_FOUND,
    having written nothing.
    """
    now = now or timezone.now()
    by_day: dict[int, list[LocalRange]] = defaultdict(list)
    for weekly in ranges:
        if not 0 <= weekly.weekday <= 6:
            raise DomainError(ErrorCode.INVALID, "A weekday is 0 (Monday) to 6 (Sunday).", "ranges")
        by_day[weekly.weekday].append(LocalRange(weekly.start, weekly.end))
    rows = [
        WeeklyScheduleRange(weekday=weekday, start_time=local.start, end_time=local.end)
        for weekday in sorted(by_day)
        for local in check_local_ranges(by_day[weekday], WEEKDAYS[weekday])
    ]
    with atomic():
        provider = lock_provider(provider_id)
        WeeklyScheduleRange.objects.filter(provider=provider).delete()
        for row in rows:
            row.provider = provider
        WeeklyScheduleRange.objects.bulk_create(rows)
        changes = publish_horizon(provider, now)
    return rows, changes


def date_override_set(
    *, provider_id: int, day: date, ranges: Sequence[LocalRange], now: datetime | None = None
) -> tuple[DateOverride, SlotChanges]:
    """Set a provider's hours on one local date instead of the weekly schedule's (no ranges: a day off).

    Replaces any override of that date and re-publishes the date. Raises `DomainError` NOT_ALIGNED,
    INVALID_RANGE, OVERLAPPING_RANGES (on ``ranges``), IN_THE_PAST (a date before the provider's today, on
    ``day``), NOT_FOUND.
    """
    now = now or timezone.now()
    ordered = check_local_ranges(ranges, f"{day:%Y-%m-%d}")
    with atomic():
        provider = lock_provider(provider_id)
        if day < provider_today(provider, now):
            raise DomainError(ErrorCode.IN_THE_PAST, "This date has already passed in the provider's time zone.", "day")
        override, _ = DateOverride.objects.get_or_create(provider=provider, date=day)
        override.ranges.all().delete()
        DateOverrideRange.objects.bulk_create(
            [DateOverrideRange(override=override, start_time=local.start, end_time=local.end) for local in ordered]
        )
        changes = publish_date(provider, day, now)
    return override, changes


def date_override_delete(*, provider_id: int, day: date, now: datetime | None = None) -> SlotChanges:
    """Remove a provider's override of one date: the weekly schedule applies again, and the date is re-published
    (a past date's override is only removed). Raises `DomainError` NOT_FOUND (no such provider, or no override
    on ``day``)."""
    now = now or timezone.now()
    with atomic():
        provider = lock_provider(provider_id)
        deleted, _ = DateOverride.objects.filter(provider=provider, date=day).delete()
        if not deleted:
            raise DomainError(ErrorCode.NOT_FOUND, "This provider has no override on this date.", "day")
        if day < provider_today(provider, now):
            return SlotChanges()
        return publish_date(provider, day, now)
