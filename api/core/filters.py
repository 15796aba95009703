"""django-filter FilterSets behind the list queries, and the form fields they need.

Times must carry a UTC offset and IDs must be global IDs of the right type; anything else is refused with a
GraphQL error whose code is BAD_USER_INPUT. Every FilterSet also sorts: ``orderBy`` takes values of the list's
enum (`api.core.sorting`), and the ID always breaks ties.
"""

from datetime import datetime
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from graphene_django.filter.filters import TypedFilter
from graphene_django.forms import GlobalIDFormField

from api.core.enums import ReservationStateEnum
from api.core.errors import bad_user_input
from api.core.ids import InvalidGlobalId, decode_global_id
from api.core.sorting import APPOINTMENT_ORDER, CLIENT_ORDER, PROVIDER_ORDER, RESERVATION_ORDER, Sorting
from api.core.timezones import LocalDateFilter, TimeZoneFilter
from reservation.models import Appointment, Client, Provider, Reservation, ReservationQuerySet, ReservationState


class AwareDateTimeField(forms.DateTimeField):
    """A datetime form field that refuses times without a UTC offset instead of assuming one."""

    def to_python(self, value: Any) -> datetime | None:
        if isinstance(value, datetime) and timezone.is_naive(value):
            raise ValidationError("Give the time with its UTC offset, e.g. 2030-01-07T09:00:00+00:00.", code="naive")
        result: datetime | None = super().to_python(value)
        return result


class AwareDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 datetime filter that requires a UTC offset."""

    field_class = AwareDateTimeField


class NodeIdField(GlobalIDFormField):
    """A global ID form field that must name a node of one type and decodes to its primary key."""

    def __init__(self, *args: Any, node_type: str = "", **kwargs: Any) -> None:
        self.node_type = node_type
        super().__init__(*args, **kwargs)

    def clean(self, value: Any) -> int | None:
        if value in (None, ""):
            return None
        try:
            return decode_global_id(value, self.node_type)
        except InvalidGlobalId as error:
            raise ValidationError(error.message, code="invalid") from error


class NodeIdFilter(django_filters.Filter):
    """Filter on a foreign key given as a relay global ID of ``node_type``."""

    field_class = NodeIdField

    def __init__(self, *args: Any, node_type: str, **kwargs: Any) -> None:
        kwargs["node_type"] = node_type
        super().__init__(*args, **kwargs)


class OrderByFilter(TypedFilter):
    """``orderBy``: a list of values of ``sorting``'s enum; without it, the `Sorting`'s default (`api.core.sorting`)."""

    field_class = forms.MultipleChoiceField

    def __init__(self, sorting: Sorting, **kwargs: Any) -> None:
        self.sorting = sorting
        kwargs.setdefault("label", sorting.describe_argument())
        super().__init__(input_type=sorting.argument(), choices=[(value, value) for value in sorting.values], **kwargs)

    def filter(self, qs: QuerySet[Any], value: list[str]) -> QuerySet[Any]:
        """The rows in the order asked, or in the `Sorting`'s default order: the list's only default."""
        return qs.order_by(*self.sorting.fields(value))


class EnumFilter(TypedFilter):
    """An argument of a graphene enum (``input_type``) whose ``choices`` are the values of its Python enum: GraphQL
    validation already refuses other names, listing the allowed ones (`api.core.errors.format_error`)."""

    field_class = forms.ChoiceField


class NameSearchFilter(django_filters.CharFilter):
    """``search``: every word must appear, in any case, in the first or the last name."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", "Words that must each appear in the first or last name (any case).")
        super().__init__(**kwargs)

    def filter(self, qs: QuerySet[Any], value: str | None) -> QuerySet[Any]:
        for word in (value or "").split():
            qs = qs.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
        return qs


class ProviderFilter(django_filters.FilterSet):
    """Providers matching a name search, in the order asked."""

    search = NameSearchFilter()
    order_by = OrderByFilter(PROVIDER_ORDER)

    class Meta:
        model = Provider
        fields: list[str] = []


class ClientFilter(django_filters.FilterSet):
    """Clients matching a name search, in the order asked."""

    search = NameSearchFilter()
    order_by = OrderByFilter(CLIENT_ORDER)

    class Meta:
        model = Client
        fields: list[str] = []


def require_aware(value: datetime | None, argument: str) -> datetime | None:
    """Return ``value``; raise GraphQLError (BAD_USER_INPUT) if it has no UTC offset."""
    if value is not None and timezone.is_naive(value):
        raise bad_user_input(f"`{argument}` needs a UTC offset, e.g. 2030-01-07T09:00:00+00:00.")
    return value


class AppointmentFilter(django_filters.FilterSet):
    """Appointment slots of one provider and/or starting within ``[startFrom, startBefore)``."""

    provider = NodeIdFilter(field_name="provider_id", node_type="ProviderType", label="A provider's global ID.")
    start_from = AwareDateTimeFilter(field_name="start_time", lookup_expr="gte", label="Slots starting at or after.")
    start_before = AwareDateTimeFilter(field_name="start_time", lookup_expr="lt", label="Slots starting before.")
    order_by = OrderByFilter(APPOINTMENT_ORDER)
    date = LocalDateFilter(
        label="Slots starting on this calendar date in `timeZone`: from its midnight to the next (23 or 25 hours "
        "when clocks change).",
    )
    time_zone = TimeZoneFilter(label="The IANA time zone of `date`, e.g. America/New_York; default UTC.")

    class Meta:
        model = Appointment
        fields: list[str] = []


class ReservationFilter(django_filters.FilterSet):
    """Reservations of one client, of one provider's slots, in one state at the time of the request, and/or of
    slots starting within ``[startFrom, startBefore)``, in the order asked."""

    client = NodeIdFilter(field_name="client_id", node_type="ClientType", label="A client's global ID.")
    provider = NodeIdFilter(
        field_name="appointment__provider_id", node_type="ProviderType", label="A provider's global ID."
    )
    state = EnumFilter(
        input_type=ReservationStateEnum,
        choices=[(state.value, state.name) for state in ReservationState],
        method="filter_state",
        label="Only those in this state at the time of the request: HELD, EXPIRED, CONFIRMED, RELEASED, CANCELLED "
        "or RESCHEDULED.",
    )
    start_from = AwareDateTimeFilter(
        field_name="appointment__start_time", lookup_expr="gte", label="Reservations of slots starting at or after."
    )
    start_before = AwareDateTimeFilter(
        field_name="appointment__start_time", lookup_expr="lt", label="Reservations of slots starting before."
    )
    order_by = OrderByFilter(RESERVATION_ORDER)

    class Meta:
        model = Reservation
        fields: list[str] = []

    def filter_state(self, queryset: ReservationQuerySet, name: str, value: str) -> ReservationQuerySet:
        """Keep the reservations in state ``value`` (a `ReservationState` value) at the request's instant."""
        now = self.request.now if self.request is not None else timezone.now()  # a RequestContext
        return queryset.in_state(ReservationState(value), now)
