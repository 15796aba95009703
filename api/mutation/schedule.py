"""Time zones and schedules: `providerTimeZoneSet`, `availabilityAddLocal`, `weeklyScheduleSet`,
`dateOverrideSet`, `dateOverrideDelete` and `availabilityWithdraw`.

Each is for the provider themselves or staff (`require_provider`); the rules live in
`reservation.services.schedules` and `reservation.timezones`.
"""

from typing import Any

import graphene

from api.auth.permissions import get_viewer, require_provider
from api.core.ids import decode_global_id
from api.core.mutation import DomainMutation
from api.mutation.appointment import range_appointments_field
from api.query.provider import ProviderType
from api.query.schedule import (
    DateOverrideType,
    LocalTimeRangeInput,
    SlotChangesType,
    WeeklyScheduleRangeInput,
    WeeklyScheduleRangeType,
)
from reservation.models import Provider
from reservation.services.availability import availability_add_local
from reservation.services.schedules import WeeklyRange, date_override_delete, date_override_set, weekly_schedule_set
from reservation.services.time_zones import provider_time_zone_set
from reservation.services.withdrawal import availability_withdraw
from reservation.timezones import LocalRange


def _provider_id(info: graphene.ResolveInfo, data: dict[str, Any]) -> int:
    """The input's provider, which the caller must be (or be staff): FORBIDDEN otherwise."""
    provider_id = decode_global_id(data["provider_id"], "ProviderType", "providerId")
    require_provider(get_viewer(info), provider_id)
    return provider_id


def _weekday(value: Any) -> int:
    """A `Weekday` enum input as 0 (Monday) to 6 (Sunday)."""
    return int(getattr(value, "value", value))


class ProviderTimeZoneSet(DomainMutation):
    """Set the IANA time zone of a provider's weekly schedule and local-time availability (e.g. Europe/Paris).

    The provider themselves or staff. If the provider has a weekly schedule, it is re-applied in the new zone
    (its slots move to the new zone's instants; booked or held ones stay and are listed in ``changes.kept``);
    slots published as UTC ranges do not move. Errors: INVALID, NOT_FOUND, UNKNOWN_TIME_ZONE, NOT_ALIGNED (a
    zone whose offset is not a multiple of 15 minutes).
    """

    class Meta:
        # Sets the state it is given: repeating it is harmless, so it takes no idempotencyKey (its SlotChanges
        # payload is not one api.core.idempotency can store).
        idempotent = False

    class Input:
        provider_id = graphene.ID(required=True, description="The provider's global ID.")
        time_zone = graphene.String(required=True, description="An IANA time zone name, e.g. America/New_York.")

    provider = graphene.Field(ProviderType, description="The provider; null on error.")
    changes = graphene.Field(
        SlotChangesType, description="What re-applying the schedule did; null without a schedule or on error."
    )

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, **data: Any) -> "ProviderTimeZoneSet":
        provider, changes = provider_time_zone_set(provider_id=_provider_id(info, data), time_zone=data["time_zone"])
        return cls(provider=provider, changes=changes, errors=[])


class AvailabilityAddLocal(DomainMutation):
    """Publish availability in local wall-clock time: ``[startTime, endTime)`` on ``date``, in the provider's
    time zone (or ``timeZone``), stored as 15-minute UTC slots as appointmentBulkCreate does.

    A start in a spring-forward gap moves to the gap's end; in a fall-back overlap the start is the first
    occurrence and the end the second, so the repeated hour is covered once. Errors: those of
    appointmentBulkCreate, plus UNKNOWN_TIME_ZONE.
    """

    class Input:
        provider_id = graphene.ID(required=True, description="The provider's global ID.")
        date = graphene.Date(required=True, description="The local calendar date, e.g. 2030-03-10.")
        start_time = graphene.Time(required=True, description='Local start, e.g. "09:00".')
        end_time = graphene.Time(required=True, description='Local end, exclusive, e.g. "12:00".')
        time_zone = graphene.String(description="An IANA time zone; default: the provider's.")

    appointments = range_appointments_field()

    class Meta:
        idempotent = True
        error_fields = {"day": "date", "start": "startTime", "end": "endTime"}

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, **data: Any) -> "AvailabilityAddLocal":
        appointments = availability_add_local(
            provider_id=_provider_id(info, data),
            day=data["date"],
            start=data["start_time"],
            end=data["end_time"],
            time_zone=data.get("time_zone"),
        )
        return cls(appointments=appointments, errors=[])


class WeeklyScheduleSet(DomainMutation):
    """Replace a provider's weekly schedule and publish it as slots for the next 28 local days.

    Ranges are in the provider's local time, several per weekday allowed: start before end, on the 15-minute
    grid, not overlapping within a day (touching is fine), not crossing midnight. ``ranges: []`` clears the
    schedule. Publishing adds missing slots, offers again withdrawn ones the schedule wants, and withdraws
    schedule slots it no longer wants, except those held or booked (``changes.kept``). Errors: INVALID,
    NOT_FOUND, NOT_ALIGNED, INVALID_RANGE, OVERLAPPING_RANGES.
    """

    class Meta:
        # Sets the state it is given: repeating it is harmless, so it takes no idempotencyKey (its SlotChanges
        # payload is not one api.core.idempotency can store).
        idempotent = False

    class Input:
        provider_id = graphene.ID(required=True, description="The provider's global ID.")
        ranges = graphene.List(graphene.NonNull(WeeklyScheduleRangeInput), required=True)

    provider = graphene.Field(ProviderType, description="The provider; null on error.")
    weekly_schedule = graphene.List(
        graphene.NonNull(WeeklyScheduleRangeType), description="The new schedule, by weekday and start; null on error."
    )
    changes = graphene.Field(SlotChangesType, description="What publishing did to the slots; null on error.")

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, **data: Any) -> "WeeklyScheduleSet":
        provider_id = _provider_id(info, data)
        rows, changes = weekly_schedule_set(
            provider_id=provider_id,
            ranges=[
                WeeklyRange(_weekday(item["weekday"]), item["start_time"], item["end_time"]) for item in data["ranges"]
            ],
        )
        provider = Provider.objects.get(pk=provider_id)
        return cls(provider=provider, weekly_schedule=rows, changes=changes, errors=[])


class DateOverrideSet(DomainMutation):
    """Give a provider other hours on one local date than the weekly schedule's; ``ranges: []`` is a day off.

    Replaces any override of that date and re-publishes it (within the 28-day horizon; later dates when the
    horizon reaches them). Held or booked slots the new hours drop are kept (``changes.kept``). Errors:
    INVALID, NOT_FOUND, NOT_ALIGNED, INVALID_RANGE, OVERLAPPING_RANGES, IN_THE_PAST (a date before the
    provider's today).
    """

    class Meta:
        # Sets the state it is given: repeating it is harmless, so it takes no idempotencyKey (its SlotChanges
        # payload is not one api.core.idempotency can store).
        idempotent = False
        error_fields = {"day": "date"}

    class Input:
        provider_id = graphene.ID(required=True, description="The provider's global ID.")
        date = graphene.Date(required=True, description="The local calendar date, in the provider's time zone.")
        ranges = graphene.List(
            graphene.NonNull(LocalTimeRangeInput), required=True, description="The hours that day; [] for a day off."
        )

    date_override = graphene.Field(DateOverrideType, description="The override; null on error.")
    changes = graphene.Field(SlotChangesType, description="What re-publishing the date did; null on error.")

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, **data: Any) -> "DateOverrideSet":
        override, changes = date_override_set(
            provider_id=_provider_id(info, data),
            day=data["date"],
            ranges=[LocalRange(item["start_time"], item["end_time"]) for item in data["ranges"]],
        )
        return cls(date_override=override, changes=changes, errors=[])


class DateOverrideDelete(DomainMutation):
    """Remove a provider's override of one date: the weekly schedule applies to it again (re-published).

    Errors: INVALID, NOT_FOUND (no such provider, or no override that date).
    """

    class Meta:
        # Sets the state it is given: repeating it is harmless, so it takes no idempotencyKey (its SlotChanges
        # payload is not one api.core.idempotency can store).
        idempotent = False
        error_fields = {"day": "date"}

    class Input:
        provider_id = graphene.ID(required=True, description="The provider's global ID.")
        date = graphene.Date(required=True, description="The local calendar date of the override.")

    deleted = graphene.Boolean(description="True when the override was removed; null on error.")
    changes = graphene.Field(SlotChangesType, description="What re-publishing the date did; null on error.")

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, **data: Any) -> "DateOverrideDelete":
        changes = date_override_delete(provider_id=_provider_id(info, data), day=data["date"])
        return cls(deleted=True, changes=changes, errors=[])


class AvailabilityWithdraw(DomainMutation):
    """Stop offering slots: those of the provider starting in ``[startTime, endTime)``, or those named in
    ``appointmentIds`` (give one or the other).

    Free slots are withdrawn: no longer available, never deleted (``AppointmentType.withdrawn``). A slot held
    or booked by a client is never removed silently: it stays and is listed in ``changes.kept`` with the
    reason (HELD, BOOKED). Slots that already started are left alone by a range and refused by ID.
    Re-publishing the range (appointmentBulkCreate, availabilityAddLocal) offers withdrawn slots again.
    Errors: INVALID, NOT_FOUND, NAIVE_DATETIME, INVALID_RANGE, RANGE_TOO_LONG, IN_THE_PAST.
    """

    class Meta:
        # Sets the state it is given: repeating it is harmless, so it takes no idempotencyKey (its SlotChanges
        # payload is not one api.core.idempotency can store).
        idempotent = False

    class Input:
        provider_id = graphene.ID(required=True, description="The provider's global ID.")
        start_time = graphene.DateTime(description="Start of the range, ISO 8601 with offset.")
        end_time = graphene.DateTime(description="End of the range (exclusive), with offset.")
        appointment_ids = graphene.List(
            graphene.NonNull(graphene.ID), description="Or: the slots' global IDs (1 to 100, all the provider's)."
        )

    changes = graphene.Field(SlotChangesType, description="How many were withdrawn, and those kept; null on error.")

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, **data: Any) -> "AvailabilityWithdraw":
        provider_id = _provider_id(info, data)
        ids = data.get("appointment_ids")
        changes = availability_withdraw(
            provider_id=provider_id,
            start_time=data.get("start_time"),
            end_time=data.get("end_time"),
            appointment_ids=None
            if ids is None
            else [decode_global_id(value, "AppointmentType", "appointmentIds") for value in ids],
        )
        return cls(changes=changes, errors=[])


class ScheduleMutations(graphene.ObjectType):
    """Root mutation fields for time zones, weekly schedules, date overrides and withdrawing slots."""

    provider_time_zone_set = ProviderTimeZoneSet.Field()
    availability_add_local = AvailabilityAddLocal.Field()
    weekly_schedule_set = WeeklyScheduleSet.Field()
    date_override_set = DateOverrideSet.Field()
    date_override_delete = DateOverrideDelete.Field()
    availability_withdraw = AvailabilityWithdraw.Field()
