"""Time zones, weekly schedules with date overrides, local-time availability, and withdrawing slots.

A provider works in their time zone (``Provider.time_zone``). Their weekly schedule (`WeeklyScheduleRange`,
several local ranges per weekday) and date overrides (`DateOverride`: other hours on one date, or none for a
day off) are turned into slots (``source`` "schedule") for the local dates from today to the end of the
horizon (``RESERVATION_SCHEDULE_HORIZON_DAYS``, 28). Publishing is idempotent: wanted slots that are missing
are added (one bulk insert; the unique provider/start constraint ignores any that appear meanwhile), and
schedule slots no longer wanted are withdrawn (``withdrawn_at``), never deleted, and only when no live or
confirmed reservation holds them: those are kept and reported.

When the schedule is published:

- ``weekly_schedule_set`` and ``provider_time_zone_set`` re-apply the schedule to the whole horizon, and
  also restore withdrawn slots that it wants (setting the schedule makes it authoritative);
- ``date_override_set``/``date_override_delete`` re-apply only that date;
- ``schedule_top_up``, called when availability is read, publishes the dates that have entered the horizon
  since, and nothing else: it never restores a slot withdrawn by hand.

There is no background job. Slots are computed in UTC elapsed time from the local ranges with the rules of
`reservation.timezones` (spring-forward gaps, fall-back overlaps).

Locks: every write here locks the provider's row first, then the slots it withdraws or restores (in primary-key
order, as `reservation.services.reservations` locks slots), so two schedule changes of one provider run one
after the other, and no order of locks crosses another: no write there locks a provider.
"""

import enum
import logging
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise
from typing import TypeVar
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from reservation import rules
from reservation.errors import DomainError, ErrorCode
from reservation.models import (
    Appointment,
    AppointmentQuerySet,
    DateOverride,
    DateOverrideRange,
    Provider,
    Reservation,
    WeeklyScheduleRange,
)
from reservation.services.availability import appointment_bulk_create, slot_starts
from reservation.timezones import (
    check_zone_fits_grid,
    get_zone,
    is_on_grid,
    known_time_zone_names,
    local_date,
    local_day,
    local_to_utc,
)

logger = logging.getLogger(__name__)

SCHEDULE = "schedule"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_WITHDRAW_IDS = 100
"""Most slots one availabilityWithdraw may name by ID."""
TOP_UP_BATCH = 20
"""Most providers one read tops up; any others are topped up by the next reads."""
_CHUNK = 500  # IDs per IN (...) list

T = TypeVar("T")


@dataclass(frozen=True)
class LocalRange:
    """A working range ``[start, end)`` in local wall-clock time (naive times)."""

    start: time
    end: time


@dataclass(frozen=True)
class WeeklyRange:
    """A working range on a weekday (0 = Monday ... 6 = Sunday), in local wall-clock time."""

    weekday: int
    start: time
    end: time


class KeptReason(enum.Enum):
    """Why a slot that was to be withdrawn is still offered."""

    HELD = "held"
    """A client holds it (an unconfirmed reservation younger than 30 minutes)."""
    BOOKED = "booked"
    """A client booked it (a confirmed reservation)."""


@dataclass(frozen=True)
class KeptSlot:
    """A slot left as it was because a live or confirmed reservation holds it."""

    appointment: Appointment
    reason: KeptReason


@dataclass
class SlotChanges:
    """What a schedule change or a withdrawal did to the slots: counts, and the slots kept (by start time)."""

    added: int = 0
    restored: int = 0
    withdrawn: int = 0
    kept: list[KeptSlot] = field(default_factory=list)


# --- helpers ------------------------------------------------------------------------------------------------------


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for index in range(0, len(items), _CHUNK):
        yield items[index : index + _CHUNK]


def _locked_provider(provider_id: int) -> Provider:
    """The provider's row, locked until the transaction ends; NOT_FOUND if there is none."""
    provider = Provider.objects.select_for_update().filter(pk=provider_id).first()
    if provider is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No provider with this ID.", "providerId")
    return provider


def _horizon(zone: ZoneInfo, now: datetime) -> tuple[date, date]:
    """The first and last local dates of the schedule horizon at ``now``: today and today + 27 days."""
    today = local_date(now, zone)
    return today, today + timedelta(days=rules.schedule_horizon_days() - 1)


def check_local_ranges(ranges: Sequence[LocalRange], where: str, field: str = "ranges") -> list[LocalRange]:
    """``ranges`` by start time, after checking them: naive times on the local slot grid, each start before
    its end, none overlapping another (touching is fine).

    ``where`` names the day in messages. Raises `DomainError` INVALID, NOT_ALIGNED, INVALID_RANGE or
    OVERLAPPING_RANGES.
    """
    slot = rules.slot_duration()
    minutes = int(slot.total_seconds() // 60)
    for local in ranges:
        for value in (local.start, local.end):
            if value.tzinfo is not None:
                raise DomainError(
                    ErrorCode.INVALID, f"{where}: give local wall-clock times without an offset, e.g. 09:00.", field
                )
            since_midnight = timedelta(
                hours=value.hour, minutes=value.minute, seconds=value.second, microseconds=value.microsecond
            )
            if since_midnight % slot:
                raise DomainError(
                    ErrorCode.NOT_ALIGNED, f"{where}: times must fall on a {minutes}-minute boundary.", field
                )
        if local.start >= local.end:
            raise DomainError(
                ErrorCode.INVALID_RANGE,
                f"{where}: startTime {local.start:%H:%M} must be before endTime {local.end:%H:%M} "
                "(ranges cannot cross midnight).",
                field,
            )
    ordered = sorted(ranges, key=lambda local: local.start)
    for earlier, later in pairwise(ordered):
        if later.start < earlier.end:
            raise DomainError(
                ErrorCode.OVERLAPPING_RANGES,
                f"{where}: {earlier.start:%H:%M}-{earlier.end:%H:%M} and "
                f"{later.start:%H:%M}-{later.end:%H:%M} overlap.",
                field,
            )
    return ordered


def local_range_to_utc(
    day: date, local: LocalRange, zone: ZoneInfo, field: str = "ranges"
) -> tuple[datetime, datetime]:
    """``[start, end)`` in UTC of the local range on ``day`` (see `local_to_utc` for gaps and overlaps).

    Raises `DomainError(NOT_ALIGNED)` if an end does not land on the UTC slot grid (a zone whose offset is not a
    multiple of 15 minutes).
    """
    start = local_to_utc(day, local.start, zone)
    end = local_to_utc(day, local.end, zone, end=True)
    for instant in (start, end):
        if not is_on_grid(instant):
            raise DomainError(
                ErrorCode.NOT_ALIGNED,
                f"{day:%Y-%m-%d} {local.start:%H:%M}-{local.end:%H:%M} in {zone.key} is not on the UTC slot grid: "
                "the zone's offset is not a multiple of the slot length.",
                field,
            )
    return start, end


# --- withdrawing --------------------------------------------------------------------------------------------------


def _withdraw(appointment_ids: Sequence[int], now: datetime) -> tuple[int, list[KeptSlot]]:
    """Withdraw the free slots among ``appointment_ids``; keep (and return) those a live reservation holds.

    Locks the slots first (by primary key, as reservation_create locks a slot), then looks for live
    reservations with a fresh query, so a hold committed while waiting is seen. Already withdrawn slots are
    left as they are.
    """
    slots: list[Appointment] = []
    for chunk in _chunks(sorted(appointment_ids)):
        slots += Appointment.objects.select_for_update().filter(pk__in=chunk, withdrawn_at__isnull=True).order_by("pk")
    reasons: dict[int, KeptReason] = {}
    for chunk in _chunks([slot.pk for slot in slots]):
        live = Reservation.objects.live(now).filter(appointment_id__in=chunk)
        for appointment_id, confirmed_at in live.values_list("appointment_id", "confirmed_at"):
            reasons[appointment_id] = KeptReason.HELD if confirmed_at is None else KeptReason.BOOKED
    free = [slot.pk for slot in slots if slot.pk not in reasons]
    withdrawn = 0
    for chunk in _chunks(free):
        withdrawn += Appointment.objects.filter(pk__in=chunk).update(withdrawn_at=now)
    kept = [
        KeptSlot(slot, reasons[slot.pk])
        for slot in sorted(slots, key=lambda slot: (slot.start_time, slot.pk))
        if slot.pk in reasons
    ]
    return withdrawn, kept


def _withdrawal_window(start_time: datetime | None, end_time: datetime | None) -> tuple[datetime, datetime]:
    """``(start_time, end_time)`` after checking them: both given, with offsets, in order, at most 31 days."""
    if start_time is None or end_time is None:
        raise DomainError(
            ErrorCode.INVALID, "Give both startTime and endTime.", "endTime" if end_time is None else "startTime"
        )
    for value, name in ((start_time, "startTime"), (end_time, "endTime")):
        if timezone.is_naive(value):
            raise DomainError(
                ErrorCode.NAIVE_DATETIME, "Give the time with its UTC offset, e.g. 2030-01-07T09:00:00+00:00.", name
            )
    if start_time >= end_time:
        raise DomainError(ErrorCode.INVALID_RANGE, "startTime must be before endTime.", "startTime")
    if end_time - start_time > rules.maximum_range():
        raise DomainError(
            ErrorCode.RANGE_TOO_LONG, f"One withdrawal may span at most {rules.maximum_range().days} days.", "endTime"
        )
    return start_time, end_time


def availability_withdraw(
    *,
    provider_id: int,
    start_time: datetime | None = None,
    end_time: datetime | None = None,
    appointment_ids: Sequence[int] | None = None,
    now: datetime | None = None,
) -> SlotChanges:
    """Stop offering a provider's slots: those starting in ``[start_time, end_time)``, or those named by ID.

    Free slots get ``withdrawn_at`` (they are never deleted, so their history stays); slots with a live or
    confirmed reservation are kept as they are and reported (HELD, BOOKED). Slots that already started are
    left alone by a range, and refused (IN_THE_PAST) by ID. Withdrawing twice is harmless. Raises
    `DomainError` INVALID, NOT_FOUND, NAIVE_DATETIME, INVALID_RANGE, RANGE_TOO_LONG, IN_THE_PAST.
    """
    now = now or timezone.now()
    window: tuple[datetime, datetime] | None = None
    if start_time is not None or end_time is not None:
        if appointment_ids is not None:
            raise DomainError(ErrorCode.INVALID, "Give either startTime and endTime, or appointmentIds.")
        window = _withdrawal_window(start_time, end_time)
    elif appointment_ids is None:
        raise DomainError(ErrorCode.INVALID, "Give either startTime and endTime, or appointmentIds.")
    elif not 0 < len(set(appointment_ids)) <= MAX_WITHDRAW_IDS:
        raise DomainError(ErrorCode.INVALID, f"Name 1 to {MAX_WITHDRAW_IDS} slots.", "appointmentIds")

    with transaction.atomic():
        provider = _locked_provider(provider_id)
        if window is not None:
            ids = list(
                Appointment.objects.filter(
                    provider=provider,
                    start_time__gte=max(window[0], now),
                    start_time__lt=window[1],
                    withdrawn_at__isnull=True,
                ).values_list("pk", flat=True)
            )
        else:
            ids = sorted(set(appointment_ids or ()))
            found = dict(Appointment.objects.filter(pk__in=ids, provider=provider).values_list("pk", "start_time"))
            if len(found) != len(ids):
                raise DomainError(ErrorCode.NOT_FOUND, "No slot of this provider with this ID.", "appointmentIds")
            if any(start < now for start in found.values()):
                raise DomainError(
                    ErrorCode.IN_THE_PAST, "A slot that has already started cannot be withdrawn.", "appointmentIds"
                )
        withdrawn, kept = _withdraw(ids, now)
    return SlotChanges(withdrawn=withdrawn, kept=kept)


# --- publishing the schedule --------------------------------------------------------------------------------------


def _wanted_starts(provider: Provider, zone: ZoneInfo, first: date, last: date, now: datetime) -> set[datetime]:
    """Start times (UTC) of the slots the schedule and overrides want on local dates ``first`` to ``last``,
    from ``now`` on."""
    weekly: dict[int, list[LocalRange]] = defaultdict(list)
    for row in WeeklyScheduleRange.objects.filter(provider=provider):
        weekly[row.weekday].append(LocalRange(row.start_time, row.end_time))
    overrides = {
        override.date: [LocalRange(row.start_time, row.end_time) for row in override.ranges.all()]
        for override in DateOverride.objects.filter(provider=provider, date__range=(first, last)).prefetch_related(
            "ranges"
        )
    }
    slot = rules.slot_duration()
    wanted: set[datetime] = set()
    day = first
    while day <= last:
        for local in overrides.get(day, weekly.get(day.weekday(), [])):
            start, end = local_range_to_utc(day, local, zone)
            wanted.update(start for start in slot_starts(start, end, slot) if start >= now)
        day += timedelta(days=1)
    return wanted


def _publish(
    provider: Provider, first: date, last: date, now: datetime, *, restore: bool, all_future: bool
) -> SlotChanges:
    """Make the slots of local dates ``first`` to ``last`` (from ``now`` on) what the schedule wants.

    Adds the wanted slots that are missing; with ``restore``, offers again the withdrawn slots it wants;
    withdraws the schedule's slots it no longer wants unless a live reservation holds them. Looks at the slots
    of those dates, or with ``all_future`` at every future slot of the provider (when the time zone or the
    whole schedule changes, slots of other dates' instants may have to go). The caller holds the provider's
    lock and saves ``schedule_published_until``.
    """
    changes = SlotChanges()
    if first > last:
        return changes
    zone = get_zone(provider.time_zone)
    wanted = _wanted_starts(provider, zone, first, last, now)
    window_start, _ = local_day(first, zone)
    _, window_end = local_day(last, zone)
    existing = Appointment.objects.filter(provider=provider, start_time__gte=max(window_start, now))
    if not all_future:
        existing = existing.filter(start_time__lt=window_end)
    slots = {
        start: (pk, source, withdrawn_at)
        for pk, start, source, withdrawn_at in existing.values_list("pk", "start_time", "source", "withdrawn_at")
    }

    slot = rules.slot_duration()
    missing = sorted(wanted - slots.keys())
    Appointment.objects.bulk_create(
        [Appointment(provider=provider, start_time=start, end_time=start + slot, source=SCHEDULE) for start in missing],
        ignore_conflicts=True,
    )
    changes.added = len(missing)
    if restore:
        withdrawn_wanted = sorted(
            pk for start, (pk, _, withdrawn_at) in slots.items() if withdrawn_at and start in wanted
        )
        for chunk in _chunks(withdrawn_wanted):
            # Locked in primary-key order first, as every write locks slots (see the module's docstring).
            locked = Appointment.objects.select_for_update().filter(pk__in=chunk, withdrawn_at__isnull=False)
            pks = list(locked.order_by("pk").values_list("pk", flat=True))
            changes.restored += Appointment.objects.filter(pk__in=pks).update(withdrawn_at=None, source=SCHEDULE)
    unwanted = [
        pk
        for start, (pk, source, withdrawn_at) in slots.items()
        if source == SCHEDULE and withdrawn_at is None and start not in wanted
    ]
    changes.withdrawn, changes.kept = _withdraw(unwanted, now)
    return changes


def _publish_horizon(provider: Provider, now: datetime) -> SlotChanges:
    """Re-apply the schedule to the whole horizon (restoring what it wants) and record how far it reaches."""
    first, last = _horizon(get_zone(provider.time_zone), now)
    if provider.schedule_published_until is not None:
        last = max(last, provider.schedule_published_until)
    changes = _publish(provider, first, last, now, restore=True, all_future=True)
    provider.schedule_published_until = last
    provider.save(update_fields=["schedule_published_until"])
    return changes


def _publish_date(provider: Provider, day: date, now: datetime) -> SlotChanges:
    """Re-apply the schedule to one local date after its override changed.

    A provider whose schedule was never published gets the whole horizon (from then on the horizon moves
    forward for them). A date beyond the published horizon is published when the horizon reaches it.
    """
    if provider.schedule_published_until is None:
        return _publish_horizon(provider, now)
    if day > provider.schedule_published_until:
        return SlotChanges()
    return _publish(provider, day, day, now, restore=True, all_future=False)


def provider_time_zone_set(
    *, provider_id: int, time_zone: str, now: datetime | None = None
) -> tuple[Provider, SlotChanges | None]:
    """Set the IANA time zone a provider's schedule is in; returns the provider and, if the provider has a
    schedule, what re-applying it in the new zone did to the slots (None otherwise, or if the zone is unchanged).

    Slots published as ranges (appointmentBulkCreate) are instants and do not move. Raises `DomainError`
    UNKNOWN_TIME_ZONE, NOT_ALIGNED (an offset that is not a multiple of 15 minutes), NOT_FOUND.
    """
    now = now or timezone.now()
    zone = get_zone(time_zone)
    check_zone_fits_grid(zone, now)
    with transaction.atomic():
        provider = _locked_provider(provider_id)
        if provider.time_zone == zone.key:
            return provider, None
        provider.time_zone = zone.key
        provider.save(update_fields=["time_zone"])
        if provider.schedule_published_until is None:
            return provider, None
        return provider, _publish_horizon(provider, now)


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
            raise DomainError(ErrorCode.INVALID, "weekday must be 0 (Monday) to 6 (Sunday).", "ranges")
        by_day[weekly.weekday].append(LocalRange(weekly.start, weekly.end))
    rows = [
        WeeklyScheduleRange(weekday=weekday, start_time=local.start, end_time=local.end)
        for weekday in sorted(by_day)
        for local in check_local_ranges(by_day[weekday], WEEKDAYS[weekday])
    ]
    with transaction.atomic():
        provider = _locked_provider(provider_id)
        WeeklyScheduleRange.objects.filter(provider=provider).delete()
        for row in rows:
            row.provider = provider
        WeeklyScheduleRange.objects.bulk_create(rows)
        changes = _publish_horizon(provider, now)
    return rows, changes


def date_override_set(
    *, provider_id: int, day: date, ranges: Sequence[LocalRange], now: datetime | None = None
) -> tuple[DateOverride, SlotChanges]:
    """Set a provider's hours on one local date instead of the weekly schedule's (no ranges: a day off).

    Replaces any override of that date and re-publishes the date. Raises `DomainError` NOT_ALIGNED,
    INVALID_RANGE, OVERLAPPING_RANGES, IN_THE_PAST (a date before the provider's today), NOT_FOUND.
    """
    now = now or timezone.now()
    ordered = check_local_ranges(ranges, f"{day:%Y-%m-%d}")
    with transaction.atomic():
        provider = _locked_provider(provider_id)
        if day < local_date(now, get_zone(provider.time_zone)):
            raise DomainError(
                ErrorCode.IN_THE_PAST, "This date has already passed in the provider's time zone.", "date"
            )
        override, _ = DateOverride.objects.get_or_create(provider=provider, date=day)
        override.ranges.all().delete()
        DateOverrideRange.objects.bulk_create(
            [DateOverrideRange(override=override, start_time=local.start, end_time=local.end) for local in ordered]
        )
        changes = _publish_date(provider, day, now)
    return override, changes


def date_override_delete(*, provider_id: int, day: date, now: datetime | None = None) -> SlotChanges:
    """Remove a provider's override of one date: the weekly schedule applies again, and the date is re-published
    (a past date's override is only removed). Raises `DomainError` NOT_FOUND (no such provider or override)."""
    now = now or timezone.now()
    with transaction.atomic():
        provider = _locked_provider(provider_id)
        deleted, _ = DateOverride.objects.filter(provider=provider, date=day).delete()
        if not deleted:
            raise DomainError(ErrorCode.NOT_FOUND, "This provider has no override on this date.", "date")
        if day < local_date(now, get_zone(provider.time_zone)):
            return SlotChanges()
        return _publish_date(provider, day, now)


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
    UNKNOWN_TIME_ZONE, and INVALID_RANGE also when the whole range falls in a gap.
    """
    (local,) = check_local_ranges([LocalRange(start, end)], f"{day:%Y-%m-%d}", "startTime")
    if time_zone is None:
        provider_zone = Provider.objects.filter(pk=provider_id).values_list("time_zone", flat=True).first()
        if provider_zone is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No provider with this ID.", "providerId")
        time_zone = provider_zone
    zone = get_zone(time_zone)
    start_time, end_time = local_range_to_utc(day, local, zone, "startTime")
    if start_time >= end_time:
        raise DomainError(
            ErrorCode.INVALID_RANGE, f"{start:%H:%M}-{end:%H:%M} does not exist on {day} in {zone.key}.", "startTime"
        )
    return appointment_bulk_create(provider_id=provider_id, start_time=start_time, end_time=end_time, now=now)


# --- extending the horizon as time passes -------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _zones_by_local_date(minute: datetime) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The zone names whose local date at ``minute`` is the UTC date's day before, and its day after."""
    utc_date = minute.date()
    behind, ahead = [], []
    for name in sorted(known_time_zone_names()):
        local = local_date(minute, ZoneInfo(name))
        if local < utc_date:
            behind.append(name)
        elif local > utc_date:
            ahead.append(name)
    return tuple(behind), tuple(ahead)


def providers_due_for_publishing(now: datetime) -> list[Provider]:
    """Providers with a schedule whose published horizon ends before today + 27 days in their own zone.

    One query. A provider is due when ``schedule_published_until < local today + horizon - 1``; local today
    is the UTC date, the day before or the day after, by zone, so the condition is spelled out per group.
    """
    horizon = rules.schedule_horizon_days()
    utc_now = now.astimezone(ZoneInfo("UTC"))
    behind, ahead = _zones_by_local_date(utc_now.replace(second=0, microsecond=0))
    last_if_today = utc_now.date() + timedelta(days=horizon - 1)  # the target of zones on the UTC date
    due = (
        Q(schedule_published_until__lt=last_if_today - timedelta(days=1))
        | (Q(schedule_published_until=last_if_today - timedelta(days=1)) & ~Q(time_zone__in=behind))
        | Q(schedule_published_until=last_if_today, time_zone__in=ahead)
    )
    return list(Provider.objects.filter(due).order_by("schedule_published_until", "pk")[:TOP_UP_BATCH])


def schedule_top_up(now: datetime | None = None) -> dict[int, SlotChanges]:
    """Publish the dates that entered the horizon since the schedules were last published.

    Cheap when nothing is due: one query. Each due provider (at most `TOP_UP_BATCH` per call) is published
    in a transaction of its own, for the new dates only: slots withdrawn by hand stay withdrawn. Returns what
    was done, by provider ID. A provider whose zone cannot be published (unknown, or off the grid) is logged
    and moved on, so that it is not retried on every read.
    """
    now = now or timezone.now()
    done: dict[int, SlotChanges] = {}
    for candidate in providers_due_for_publishing(now):
        with transaction.atomic():
            provider = Provider.objects.select_for_update().filter(pk=candidate.pk).first()
            if provider is None or provider.schedule_published_until is None:
                continue
            try:
                today, last = _horizon(get_zone(provider.time_zone), now)
                first = max(today, provider.schedule_published_until + timedelta(days=1))
                done[provider.pk] = _publish(provider, first, last, now, restore=False, all_future=False)
            except DomainError as error:
                logger.warning("Schedule of provider %s not published: %s", provider.pk, error.message)
                last = local_date(now, ZoneInfo("UTC")) + timedelta(days=rules.schedule_horizon_days() - 1)
            if last > provider.schedule_published_until:
                provider.schedule_published_until = last
                provider.save(update_fields=["schedule_published_until"])
    return done


def weekly_schedule_of(provider_ids: Sequence[int]) -> dict[int, list[WeeklyScheduleRange]]:
    """The weekly schedule ranges of each provider, by weekday and start (one query)."""
    result: dict[int, list[WeeklyScheduleRange]] = defaultdict(list)
    for row in WeeklyScheduleRange.objects.filter(provider_id__in=provider_ids).order_by("weekday", "start_time"):
        result[row.provider_id].append(row)
    return result


def upcoming_overrides_of(providers: Sequence[Provider], now: datetime) -> dict[int, list[DateOverride]]:
    """Each provider's date overrides from their local today on, by date, with their ranges (two queries)."""
    result: dict[int, list[DateOverride]] = defaultdict(list)
    if not providers:
        return result
    today: dict[int, date] = {}
    for provider in providers:
        try:
            today[provider.pk] = local_date(now, get_zone(provider.time_zone))
        except DomainError:
            today[provider.pk] = local_date(now, ZoneInfo("UTC"))
    overrides = DateOverride.objects.filter(provider_id__in=list(today), date__gte=min(today.values()))
    for override in overrides.order_by("date").prefetch_related("ranges"):
        if override.date >= today[override.provider_id]:
            result[override.provider_id].append(override)
    return result
