"""Publishing weekly schedules: turning a provider's local working hours into slots for the horizon.

A provider's weekly schedule and date overrides are turned into slots (``source`` SCHEDULE) for the local
dates from their today to the end of the horizon (``RESERVATION_SCHEDULE_HORIZON_DAYS``, 28: today + 27).
``Provider.schedule_published_until`` records the last date published. Publishing is idempotent: the wanted
slots that are missing are added (one bulk insert; the unique provider/start constraint ignores any that
appear meanwhile), and schedule slots no longer wanted are withdrawn, never deleted, unless a live or confirmed
reservation holds them: those are kept and reported (`reservation.services.withdrawal`).

When it happens (reads never publish):

- a schedule or time zone change re-publishes the whole horizon, restoring withdrawn slots the schedule wants
  (setting the schedule makes it authoritative): `publish_horizon`;
- an override change tops the horizon up to today + 27, then re-publishes its date: `publish_date`;
- every day, ``manage.py publish_schedules`` (`schedule_top_up`) publishes the dates that entered the horizon
  since, for every provider who is due, and nothing else: it never restores a slot withdrawn by hand.

Slots are cut in UTC elapsed time from the local ranges with the rules of `reservation.timezones` (spring-
forward gaps, fall-back overlaps). Every function here but `schedule_top_up` runs inside its caller's
transaction, with the provider's row locked (`reservation.services.locks`).
"""

import logging
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from reservation import rules
from reservation.errors import DomainError
from reservation.grid import slot_starts
from reservation.models import Appointment, DateOverride, Provider, SlotSource, WeeklyScheduleRange
from reservation.selectors import providers_due_for_publishing
from reservation.services.locks import chunks, lock_slots
from reservation.services.withdrawal import SlotChanges, withdraw_free_slots
from reservation.timezones import LocalRange, get_zone, local_date, local_day, local_range_to_utc

logger = logging.getLogger(__name__)

TOP_UP_BATCH = 100
"""Providers read per query by `schedule_top_up`; each is then published in a transaction of its own."""


def horizon(zone: ZoneInfo, now: datetime) -> tuple[date, date]:
    """The first and last local dates of the horizon at ``now`` in ``zone``: today and today + 27 days."""
    today = local_date(now, zone)
    return today, today + timedelta(days=rules.schedule_horizon_days() - 1)


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
    wanted: set[datetime] = set()
    day = first
    while day <= last:
        for local in overrides.get(day, weekly.get(day.weekday(), [])):
            start, end = local_range_to_utc(day, local, zone)
            wanted.update(start for start in slot_starts(start, end) if start >= now)
        day += timedelta(days=1)
    return wanted


def _publish(
    provider: Provider, first: date, last: date, now: datetime, *, restore: bool, all_future: bool
) -> SlotChanges:
    """Make the slots of local dates ``first`` to ``last`` (from ``now`` on) what the schedule wants.

    Adds the wanted slots that are missing; with ``restore``, offers again the withdrawn slots it wants;
    withdraws the schedule's slots it no longer wants unless a live reservation holds them. Looks at the slots
    of those dates, or with ``all_future`` at every future slot of the provider (when the time zone or the
    whole schedule changes, slots of other dates' instants may have to go). Does not record how far it
    published: the callers do.
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
        [
            Appointment(provider=provider, start_time=start, end_time=start + slot, source=SlotSource.SCHEDULE)
            for start in missing
        ],
        ignore_conflicts=True,
    )
    changes.added = len(missing)
    if restore:
        withdrawn_wanted = [pk for start, (pk, _, withdrawn_at) in slots.items() if withdrawn_at and start in wanted]
        locked = [pk for pk, slot_row in lock_slots(withdrawn_wanted).items() if slot_row.withdrawn_at is not None]
        for chunk in chunks(locked):
            changes.restored += Appointment.objects.filter(pk__in=chunk).update(
                withdrawn_at=None, source=SlotSource.SCHEDULE
            )
    unwanted = [
        pk
        for start, (pk, source, withdrawn_at) in slots.items()
        if source == SlotSource.SCHEDULE and withdrawn_at is None and start not in wanted
    ]
    changes.withdrawn, changes.kept = withdraw_free_slots(unwanted, now)
    return changes


def _record_published(provider: Provider, last: date) -> None:
    provider.schedule_published_until = last
    provider.save(update_fields=["schedule_published_until"])


def publish_horizon(provider: Provider, now: datetime) -> SlotChanges:
    """Re-apply the schedule to the whole horizon (restoring what it wants) and record how far it reaches.

    The caller holds the provider's row lock.
    """
    first, last = horizon(get_zone(provider.time_zone), now)
    if provider.schedule_published_until is not None:
        last = max(last, provider.schedule_published_until)
    changes = _publish(provider, first, last, now, restore=True, all_future=True)
    _record_published(provider, last)
    return changes


def top_up(provider: Provider, now: datetime) -> SlotChanges:
    """Publish the dates that entered the provider's horizon since it was last published, and nothing else.

    The caller holds the provider's row lock. Raises `DomainError` if the provider's zone cannot be published.
    """
    if provider.schedule_published_until is None:
        return SlotChanges()
    today, last = horizon(get_zone(provider.time_zone), now)
    first = max(today, provider.schedule_published_until + timedelta(days=1))
    if first > last:
        return SlotChanges()
    changes = _publish(provider, first, last, now, restore=False, all_future=False)
    _record_published(provider, last)
    return changes


def publish_date(provider: Provider, day: date, now: datetime) -> SlotChanges:
    """Re-apply the schedule to one local date after its override changed, with the horizon topped up first.

    A provider whose schedule was never published gets the whole horizon (from then on the horizon moves
    forward for them). A date beyond the horizon is published when the horizon reaches it. The caller holds
    the provider's row lock.
    """
    if provider.schedule_published_until is None:
        return publish_horizon(provider, now)
    changes = top_up(provider, now)
    if day <= provider.schedule_published_until:
        changes += _publish(provider, day, day, now, restore=True, all_future=False)
    return changes


def schedule_top_up(now: datetime | None = None) -> dict[int, SlotChanges]:
    """Top up the horizon of every provider who is due (`reservation.selectors.providers_due_for_publishing`).

    What ``manage.py publish_schedules`` runs daily. One query when nothing is due. Each provider is published
    in a transaction of its own, for the new dates only: slots withdrawn by hand stay withdrawn. A provider
    whose zone cannot be published (unknown here, or off the slot grid) is logged and moved on to the horizon's
    end, so that it is not retried every run. Returns what was done, by provider ID.
    """
    now = now or timezone.now()
    done: dict[int, SlotChanges] = {}
    seen: set[int] = set()
    while batch := [
        provider for provider in providers_due_for_publishing(now, TOP_UP_BATCH) if provider.pk not in seen
    ]:
        for candidate in batch:
            seen.add(candidate.pk)
            with transaction.atomic():
                provider = Provider.objects.select_for_update(no_key=True).filter(pk=candidate.pk).first()
                if provider is None:
                    continue
                try:
                    done[provider.pk] = top_up(provider, now)
                except DomainError as error:
                    logger.warning("Schedule of provider %s not published: %s", provider.pk, error.message)
                    last = now.astimezone(UTC).date() + timedelta(days=rules.schedule_horizon_days() - 1)
                    if provider.schedule_published_until is not None and last > provider.schedule_published_until:
                        _record_published(provider, last)
    return done
