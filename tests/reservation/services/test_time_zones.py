"""`reservation.services.time_zones`: a provider's zone, and the schedule moved with it.

The clock is frozen at Monday 2030-01-07 09:00 UTC (the ``frozen`` fixture).
"""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.test import override_settings

from reservation.errors import DomainError, ErrorCode
from reservation.models import Appointment
from reservation.services.schedules import WeeklyRange, weekly_schedule_set
from reservation.services.time_zones import provider_time_zone_set
from reservation.services.withdrawal import KeptReason
from tests.factories import (
    NOW,
    make_client,
    make_reservation,
    on_local_date,
    provider_in,
    refreshed,
)

pytestmark = pytest.mark.django_db

MONDAY, TUESDAY, WEDNESDAY, SUNDAY = 0, 1, 2, 6


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
