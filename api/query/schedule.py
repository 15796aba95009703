"""Weekly schedules, date overrides and slot changes as GraphQL types, and their loaders.

Schedules are public, like providers and their slots: a booking page may show a provider's working hours.
"""

from collections.abc import Sequence
from typing import Any

import graphene

from api.core.context import context_of
from api.core.loaders import Future
from reservation.models import DateOverride, Provider, WeeklyScheduleRange
from reservation.models import SlotSource as SlotSourceChoice
from reservation.selectors import upcoming_overrides_of, weekly_schedule_of
from reservation.services.schedules import WEEKDAYS
from reservation.services.withdrawal import KeptReason, KeptSlot, SlotChanges

Weekday = graphene.Enum(
    "Weekday",
    [(name.upper(), index) for index, name in enumerate(WEEKDAYS)],
    description="A day of the week, in the provider's time zone.",
)
KeptSlotReason = graphene.Enum.from_enum(KeptReason, description="Why a slot that was to be withdrawn is kept.")
SlotSource = graphene.Enum(
    "SlotSource",
    [(source.name, source.value) for source in SlotSourceChoice],
    description="What published a slot: an availability range (appointmentBulkCreate, availabilityAddLocal) or "
    "the weekly schedule.",
)


class LocalTimeRangeInput(graphene.InputObjectType):
    """A working range in local wall-clock time, e.g. 09:00 to 12:00 (end exclusive, on the 15-minute grid)."""

    start_time = graphene.Time(required=True, description='Local start, e.g. "09:00".')
    end_time = graphene.Time(required=True, description='Local end, exclusive, after startTime, e.g. "12:00".')


class WeeklyScheduleRangeInput(graphene.InputObjectType):
    """A working range on a weekday, in the provider's local wall-clock time."""

    weekday = Weekday(required=True)
    start_time = graphene.Time(required=True, description='Local start, e.g. "09:00".')
    end_time = graphene.Time(required=True, description='Local end, exclusive, after startTime, e.g. "12:00".')


class LocalTimeRangeType(graphene.ObjectType):
    """A working range in local wall-clock time (end exclusive)."""

    class Meta:
        name = "LocalTimeRange"

    start_time = graphene.Time(required=True)
    end_time = graphene.Time(required=True)


class WeeklyScheduleRangeType(graphene.ObjectType):
    """One working range of a provider's weekly schedule, in their local time."""

    class Meta:
        name = "WeeklyScheduleRange"

    weekday = Weekday(required=True)
    start_time = graphene.Time(required=True)
    end_time = graphene.Time(required=True)

    @staticmethod
    def resolve_weekday(row: WeeklyScheduleRange, info: graphene.ResolveInfo) -> int:
        return row.weekday


class DateOverrideType(graphene.ObjectType):
    """A local date on which the weekly schedule does not apply: other hours, or a day off (no ranges)."""

    class Meta:
        name = "DateOverride"

    date = graphene.Date(required=True, description="The local calendar date, in the provider's time zone.")
    day_off = graphene.Boolean(required=True, description="True when the provider does not work that day.")
    ranges = graphene.List(graphene.NonNull(LocalTimeRangeType), required=True, description="The hours, by start.")

    @staticmethod
    def resolve_day_off(override: DateOverride, info: graphene.ResolveInfo) -> bool:
        return not override.ranges.all()

    @staticmethod
    def resolve_ranges(override: DateOverride, info: graphene.ResolveInfo) -> Any:
        return sorted(override.ranges.all(), key=lambda row: row.start_time)


class KeptSlotType(graphene.ObjectType):
    """A slot that was to be withdrawn but is kept, because a client holds or booked it."""

    class Meta:
        name = "KeptSlot"

    appointment = graphene.Field("api.query.appointment.AppointmentType", required=True)
    reason = KeptSlotReason(required=True, description="HELD (a live hold) or BOOKED (a confirmed reservation).")

    @staticmethod
    def resolve_reason(kept: KeptSlot, info: graphene.ResolveInfo) -> KeptReason:
        return kept.reason


class SlotChangesType(graphene.ObjectType):
    """What a schedule change or a withdrawal did to the provider's slots."""

    class Meta:
        name = "SlotChanges"

    added = graphene.Int(required=True, description="New slots published.")
    restored = graphene.Int(required=True, description="Withdrawn slots offered again.")
    withdrawn = graphene.Int(required=True, description="Free slots withdrawn (kept as history, no longer offered).")
    kept = graphene.List(
        graphene.NonNull(KeptSlotType),
        required=True,
        description="Slots that were to be withdrawn but stay, with a live or confirmed reservation; by start time. "
        "Cancel or release the reservation first, then withdraw the slot, if it must go.",
    )

    @staticmethod
    def resolve_kept(changes: SlotChanges, info: graphene.ResolveInfo) -> list[KeptSlot]:
        return changes.kept


def load_weekly_schedule(info: graphene.ResolveInfo, provider_id: int) -> Future[Any]:
    """A future of the provider's weekly schedule ranges; one query for every provider of the response."""

    def batch(keys: list[int]) -> Sequence[list[WeeklyScheduleRange]]:
        rows = weekly_schedule_of(keys)
        return [rows.get(key, []) for key in keys]

    return context_of(info).loaders.get("weekly-schedule", batch).load(provider_id)


def load_upcoming_overrides(info: graphene.ResolveInfo, provider: Provider) -> Future[Any]:
    """A future of the provider's overrides from their local today on; two queries for every provider."""
    context = context_of(info)

    def batch(keys: list[tuple[int, str]]) -> Sequence[list[DateOverride]]:
        providers = [Provider(pk=pk, time_zone=time_zone) for pk, time_zone in keys]
        rows = upcoming_overrides_of(providers, context.now)
        return [rows.get(pk, []) for pk, _ in keys]

    return context.loaders.get("upcoming-overrides", batch).load((provider.pk, provider.time_zone))
