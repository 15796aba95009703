"""Time zone arguments of query fields and filters: validated IANA names, instants presented in a zone, and
slots starting on a local calendar date."""

from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import django_filters
import graphene
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet

from reservation.errors import DomainError
from reservation.timezones import get_zone, local_day, to_zone

M = TypeVar("M", bound=Model)


def zone_argument(name: str | None) -> ZoneInfo | None:
    """The zone named by a ``timeZone`` argument (None if not given).

    An unknown name raises the domain's `DomainError(UNKNOWN_TIME_ZONE)` (`reservation.timezones.get_zone`),
    which a query reports as BAD_USER_INPUT (`api.core.errors.format_error`).
    """
    return None if name is None else get_zone(name)


def in_zone(instant: datetime, name: str | None) -> datetime:
    """``instant`` with the UTC offset of zone ``name`` (unchanged, in UTC, when no zone is asked for)."""
    zone = zone_argument(name)
    return instant if zone is None else to_zone(instant, zone)


def time_zone_argument(what: str = "the time") -> graphene.String:
    """The optional ``timeZone`` argument of a field returning an instant."""
    return graphene.String(
        description=f"An IANA time zone (e.g. America/New_York) to give {what} in, with that zone's offset; "
        "default UTC. An unknown zone is a BAD_USER_INPUT error."
    )


class TimeZoneFormField(forms.CharField):
    """A form field for an IANA time zone name; anything else is invalid (BAD_USER_INPUT in filters), with the
    domain's own refusal (`reservation.timezones.get_zone`)."""

    def clean(self, value: Any) -> str | None:
        name: str | None = super().clean(value) or None
        if name is not None:
            try:
                get_zone(name)
            except DomainError as error:
                raise ValidationError(error.message, code="invalid") from error
        return name


class TimeZoneFilter(django_filters.CharFilter):
    """``timeZone``: the zone a ``date`` filter of the same FilterSet is read in. It filters nothing itself."""

    field_class = TimeZoneFormField

    def filter(self, qs: QuerySet[Any], value: str | None) -> QuerySet[Any]:
        if value and self.parent is not None and self.parent.form.cleaned_data.get("date") is None:
            raise ValidationError(
                "`timeZone` is the zone of `date`: give a date too (to show times in a zone, use "
                "the timeZone argument of timeSlot and endTime).",
                code="invalid",
            )
        return qs


class LocalDateFilter(django_filters.DateFilter):
    """``date``: rows starting on this local calendar date, in the zone of the FilterSet's ``timeZone`` filter."""

    def filter(self, qs: QuerySet[Any], value: date | None) -> QuerySet[Any]:
        if value is None:
            return qs
        time_zone = self.parent.form.cleaned_data.get("time_zone") if self.parent is not None else None
        return starting_on_local_date(qs, value, time_zone)


def starting_on_local_date(queryset: QuerySet[M], day: date, time_zone: str | None) -> QuerySet[M]:
    """The rows of ``queryset`` whose ``start_time`` falls within local day ``day`` in ``time_zone`` (default UTC):
    from that day's midnight to the next day's, 23 or 25 hours on the days clocks change."""
    start, end = local_day(day, get_zone(time_zone or "UTC"))
    return queryset.filter(start_time__gte=start, start_time__lt=end)
