"""Helpers of the scheduling tests: providers in a zone, local times, GraphQL documents of the new operations."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from freezegun import freeze_time
from freezegun.api import FrozenDateTimeFactory

from reservation.models import Appointment, Provider
from tests.factories import gid, make_provider

NEW_YORK = "America/New_York"
SYDNEY = "Australia/Sydney"
SLOT = timedelta(minutes=15)

ERRORS = "errors { code field message }"
CHANGES = "changes { added restored withdrawn kept { reason appointment { id timeSlot } } }"

PROVIDER_TIME_ZONE_SET = f"""
mutation($providerId: ID!, $timeZone: String!) {{
  providerTimeZoneSet(input: {{providerId: $providerId, timeZone: $timeZone}}) {{
    provider {{ id timeZone }} {CHANGES} {ERRORS}
  }}
}}
"""
WEEKLY_SCHEDULE_SET = f"""
mutation($providerId: ID!, $ranges: [WeeklyScheduleRangeInput!]!) {{
  weeklyScheduleSet(input: {{providerId: $providerId, ranges: $ranges}}) {{
    provider {{ id schedulePublishedUntil }} weeklySchedule {{ weekday startTime endTime }} {CHANGES} {ERRORS}
  }}
}}
"""
DATE_OVERRIDE_SET = f"""
mutation($providerId: ID!, $date: Date!, $ranges: [LocalTimeRangeInput!]!) {{
  dateOverrideSet(input: {{providerId: $providerId, date: $date, ranges: $ranges}}) {{
    dateOverride {{ date dayOff ranges {{ startTime endTime }} }} {CHANGES} {ERRORS}
  }}
}}
"""
DATE_OVERRIDE_DELETE = f"""
mutation($providerId: ID!, $date: Date!) {{
  dateOverrideDelete(input: {{providerId: $providerId, date: $date}}) {{ deleted {CHANGES} {ERRORS} }}
}}
"""
AVAILABILITY_WITHDRAW = f"""
mutation($providerId: ID!, $startTime: DateTime, $endTime: DateTime, $appointmentIds: [ID!]) {{
  availabilityWithdraw(
    input: {{providerId: $providerId, startTime: $startTime, endTime: $endTime, appointmentIds: $appointmentIds}}
  ) {{ {CHANGES} {ERRORS} }}
}}
"""
AVAILABILITY_ADD_LOCAL = f"""
mutation($providerId: ID!, $date: Date!, $startTime: Time!, $endTime: Time!, $timeZone: String) {{
  availabilityAddLocal(
    input: {{providerId: $providerId, date: $date, startTime: $startTime, endTime: $endTime, timeZone: $timeZone}}
  ) {{
    appointments {{ edges {{ node {{ id timeSlot local: timeSlot(timeZone: $timeZone) withdrawn source }} }} }}
    {ERRORS}
  }}
}}
"""
AVAILABLE_ON_DATE = """
query($provider: ID, $date: Date, $timeZone: String, $after: String) {
  availableAppointments(provider: $provider, date: $date, timeZone: $timeZone, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { id timeSlot local: timeSlot(timeZone: $timeZone) endTime(timeZone: $timeZone) } }
  }
}
"""
APPOINTMENTS_ON_DATE = """
query($provider: ID, $date: Date, $timeZone: String) {
  appointments(provider: $provider, date: $date, timeZone: $timeZone) {
    edges { node { id timeSlot withdrawn withdrawnAt source } }
  }
}
"""


def provider_in(
    zone: str, first_name: str = "Grace", last_name: str = "Hopper", username: str | None = None
) -> Provider:
    """A provider whose schedule is in ``zone``, with a login named ``username`` if given."""
    provider = make_provider(first_name, last_name)
    provider.time_zone = zone
    if username is not None:
        provider.user = User.objects.create_user(username, password="provider-password-2030")
    provider.save()
    return provider


def provider_id(provider: Provider) -> str:
    return gid("ProviderType", provider.pk)


def local(zone: str, day: date, hour: int, minute: int = 0, fold: int = 0) -> datetime:
    """The instant (UTC) of local wall-clock ``hour:minute`` on ``day`` in ``zone`` (``fold=1``: second occurrence)."""
    wall = datetime.combine(day, time(hour, minute)).replace(tzinfo=ZoneInfo(zone), fold=fold)
    return wall.astimezone(UTC)


def starts(provider: Provider, **filters: Any) -> list[datetime]:
    """Start times of the provider's slots (withdrawn ones too unless filtered), in order."""
    return list(
        Appointment.objects.filter(provider=provider, **filters)
        .order_by("start_time")
        .values_list("start_time", flat=True)
    )


def on_local_date(provider: Provider, day: date, zone: str | None = None) -> list[datetime]:
    """Start times of the provider's offered (not withdrawn) slots starting on local ``day`` in their zone."""
    tz = ZoneInfo(zone or provider.time_zone)
    return [start for start in starts(provider, withdrawn_at__isnull=True) if start.astimezone(tz).date() == day]


def assert_contiguous_without_overlap(slots: list[datetime]) -> None:
    """Slots are distinct, 15 minutes apart (no overlap), and on the UTC 15-minute grid."""
    assert len(set(slots)) == len(slots)
    for earlier, later in pairwise(slots):
        assert later - earlier >= SLOT, (earlier, later)
    for start in slots:
        assert start.astimezone(UTC).minute % 15 == 0, start
        assert start.second == start.microsecond == 0, start


@pytest.fixture
def clock() -> Iterator[FrozenDateTimeFactory]:
    """A frozen clock that a test moves to where it needs (``clock.move_to``); starts at 2030-01-07 09:00 UTC."""
    with freeze_time(datetime(2030, 1, 7, 9, 0, tzinfo=UTC)) as frozen_time:
        assert isinstance(frozen_time, FrozenDateTimeFactory)
        yield frozen_time
