"""Publishing availability: splitting a provider's time range into appointment slots."""

from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from reservation import rules
from reservation.errors import DomainError, ErrorCode
from reservation.models import Appointment, AppointmentQuerySet, Provider


def _check_on_grid(value: datetime, field: str, slot: timedelta) -> None:
    """Raise unless ``value`` is aware and, in UTC, a whole number of slots past the hour."""
    if timezone.is_naive(value):
        raise DomainError(
            ErrorCode.NAIVE_DATETIME, "Give the time with its UTC offset, e.g. 2030-01-07T09:00:00+00:00.", field
        )
    # Judged in UTC: an offset such as +05:45 or +00:07 moves the instant off (or onto) the grid.
    utc = value.astimezone(UTC)
    since_hour = timedelta(minutes=utc.minute, seconds=utc.second, microseconds=utc.microsecond)
    if since_hour % slot:
        minutes = int(slot.total_seconds() // 60)
        raise DomainError(ErrorCode.NOT_ALIGNED, f"Times must fall on a {minutes}-minute boundary.", field)


def slot_starts(start_time: datetime, end_time: datetime, slot: timedelta) -> list[datetime]:
    """Start times (UTC) of the ``slot``-long slots that fill ``[start_time, end_time)``."""
    starts = []
    current = start_time.astimezone(UTC)
    end = end_time.astimezone(UTC)
    while current + slot <= end:
        starts.append(current)
        current += slot
    return starts


def appointment_bulk_create(
    *, provider_id: int, start_time: datetime, end_time: datetime, now: datetime | None = None
) -> AppointmentQuerySet:
    """Publish a provider's availability over ``[start_time, end_time)`` as appointment slots.

    Both ends must be timezone-aware, on the slot grid (15 minutes), ``start_time < end_time``, not in the
    past, and at most ``RESERVATION_MAX_RANGE_DAYS`` (31 days) apart. Slots that already exist in the range
    are kept, with their reservations; only the missing ones are added (the unique constraint on provider and
    start makes this safe under concurrent submissions). Existing slots of the range become the range's
    (``source`` "range", so a later weekly schedule change leaves them alone), and withdrawn ones are offered
    again (``withdrawn_at`` cleared): re-publishing a range undoes its withdrawal.

    Returns every slot of the range, ordered by start. Raises `DomainError` (NOT_FOUND, NAIVE_DATETIME,
    NOT_ALIGNED, INVALID_RANGE, IN_THE_PAST, RANGE_TOO_LONG), having written nothing.
    """
    now = now or timezone.now()
    slot = rules.slot_duration()
    _check_on_grid(start_time, "startTime", slot)
    _check_on_grid(end_time, "endTime", slot)
    if start_time >= end_time:
        raise DomainError(ErrorCode.INVALID_RANGE, "startTime must be before endTime.", "startTime")
    if start_time < now:
        raise DomainError(ErrorCode.IN_THE_PAST, "Availability cannot start in the past.", "startTime")
    if end_time - start_time > rules.maximum_range():
        raise DomainError(
            ErrorCode.RANGE_TOO_LONG,
            f"One submission may span at most {rules.maximum_range().days} days.",
            "endTime",
        )
    if not Provider.objects.filter(pk=provider_id).exists():
        raise DomainError(ErrorCode.NOT_FOUND, "No provider with this ID.", "providerId")

    in_range = Appointment.objects.filter(provider_id=provider_id, start_time__gte=start_time, start_time__lt=end_time)
    with transaction.atomic():
        Appointment.objects.bulk_create(
            [
                Appointment(provider_id=provider_id, start_time=start, end_time=start + slot, source="range")
                for start in slot_starts(start_time, end_time, slot)
            ],
            ignore_conflicts=True,
        )
        # Existing slots of the range that are withdrawn or the schedule's become the range's, offered. Locked
        # first in primary-key order, as every write locks slots, so that this cannot deadlock with them.
        stale = list(
            in_range.exclude(source="range", withdrawn_at__isnull=True)
            .select_for_update()
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if stale:
            Appointment.objects.filter(pk__in=stale).update(withdrawn_at=None, source="range")
    return in_range.order_by("start_time", "id")
