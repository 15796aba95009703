"""Publishing availability ranges: a provider's time range (UTC, or local wall-clock time) as appointment slots."""

from datetime import date, datetime, time

from django.utils import timezone

from reservation import rules
from reservation.errors import DomainError, ErrorCode
from reservation.grid import check_on_grid, slot_starts
from reservation.models import Appointment, AppointmentQuerySet, Provider, SlotSource
from reservation.services.locks import lock_slots
from reservation.services.transactions import atomic
from reservation.timezones import LocalRange, get_zone, local_range_to_utc
from reservation.validation import check_aware, check_local_ranges, check_range


def appointment_bulk_create(
    *, provider_id: int, start_time: datetime, end_time: datetime, now: datetime | None = None
) -> AppointmentQuerySet:
    """Publish a provider's availability over ``[start_time, end_time)`` as appointment slots.

    Both ends must be timezone-aware, on the slot grid (15 minutes), ``start_time < end_time``, not in the
    past, and at most ``RESERVATION_MAX_RANGE_DAYS`` (31 days) apart. Slots that already exist in the range
    are kept, with their reservations; only the missing ones are added (the unique constraint on provider and
    start makes this safe under concurrent submissions). Existing slots of the range become the range's
    (``source`` RANGE, so a later weekly schedule change leaves them alone), and withdrawn ones are offered
    again (``withdrawn_at`` cleared): re-publishing a range undoes its withdrawal.

    Returns every slot of the range, ordered by start. Raises `DomainError` (NOT_FOUND, NAIVE_DATETIME,
    NOT_ALIGNED, INVALID_RANGE, IN_THE_PAST, RANGE_TOO_LONG), having written nothing.
    """
    now = now or timezone.now()
    for value, field in ((start_time, "start_time"), (end_time, "end_time")):
        check_aware(value, field)
        check_on_grid(value, field)
    check_range(start_time, end_time)
    if start_time < now:
        raise DomainError(ErrorCode.IN_THE_PAST, "Availability cannot start in the past.", "start_time")
    check_range(start_time, end_time, longest=rules.maximum_range())
    if not Provider.objects.filter(pk=provider_id).exists():
        raise DomainError(ErrorCode.NOT_FOUND, "No provider with this ID.", "provider_id")

    slot = rules.slot_duration()
    in_range = Appointment.objects.filter(provider_id=provider_id, start_time__gte=start_time, start_time__lt=end_time)
    with atomic():
        Appointment.objects.bulk_create(
            [
                Appointment(provider_id=provider_id, start_time=start, end_time=start + slot, source=SlotSource.RANGE)
                for start in slot_starts(start_time, end_time)
            ],
            ignore_conflicts=True,
        )
        # Existing slots of the range that are withdrawn or the schedule's become the range's, offered; locked
        # first, as every write locks slots (reservation.services.locks).
        stale = in_range.exclude(source=SlotSource.RANGE, withdrawn_at__isnull=True).values_list("pk", flat=True)
        locked = list(lock_slots(list(stale)))
        if locked:
            Appointment.objects.filter(pk__in=locked).update(withdrawn_at=None, source=SlotSource.RANGE)
    return in_range.order_by("start_time", "id")


def availability_add_local(
    *,
    provider_id: int,
    day: date,
    start: time,
    end: time,
    time_zone: str | None = None,
    now: datetime | None = None,
) -> AppointmentQuerySet:
    """Publish availability given in local wall-clock time: ``[start, end)`` on ``day`` in ``time_zone`` (the
    provider's own zone by default), stored as UTC slots like `appointment_bulk_create` (which it calls).

    A start in a spring-forward gap moves to the gap's end; in a fall-back overlap the start is the first
    occurrence and the end the second. Raises `DomainError` as `appointment_bulk_create` does, plus
    UNKNOWN_TIME_ZONE, and INVALID_RANGE (on ``start``) also when the whole range falls in a gap.
    """
    (local,) = check_local_ranges([LocalRange(start, end)], f"{day:%Y-%m-%d}", "start")
    if time_zone is None:
        provider_zone = Provider.objects.filter(pk=provider_id).values_list("time_zone", flat=True).first()
        if provider_zone is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No provider with this ID.", "provider_id")
        time_zone = provider_zone
    zone = get_zone(time_zone)
    start_time, end_time = local_range_to_utc(day, local, zone, "start")
    check_range(
        start_time,
        end_time,
        start_field="start",
        message=f"{start:%H:%M}-{end:%H:%M} does not exist on {day} in {zone.key}.",
    )
    return appointment_bulk_create(provider_id=provider_id, start_time=start_time, end_time=end_time, now=now)
