"""django-filter FilterSets behind the list queries, and the form fields they need.

Times must carry a UTC offset and IDs must be global IDs of the right type; anything else is refused with a
GraphQL error whose code is BAD_USER_INPUT.
"""

from datetime import datetime
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from graphene_django.forms import GlobalIDFormField
from graphql import GraphQLError
from graphql_relay import from_global_id

from reservation.models import Appointment, Reservation, ReservationQuerySet, ReservationState


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
        type_name, raw_id = from_global_id(str(value))
        if type_name != self.node_type or not raw_id.isdigit():
            raise ValidationError(f"Not a {self.node_type} ID.", code="invalid")
        return int(raw_id)


class NodeIdFilter(django_filters.Filter):
    """Filter on a foreign key given as a relay global ID of ``node_type``."""

    field_class = NodeIdField

    def __init__(self, *args: Any, node_type: str, **kwargs: Any) -> None:
        kwargs["node_type"] = node_type
        super().__init__(*args, **kwargs)


def require_aware(value: datetime | None, argument: str) -> datetime | None:
    """Return ``value``; raise GraphQLError (BAD_USER_INPUT) if it has no UTC offset."""
    if value is not None and timezone.is_naive(value):
        raise GraphQLError(
            f"`{argument}` needs a UTC offset, e.g. 2030-01-07T09:00:00+00:00.", extensions={"code": "BAD_USER_INPUT"}
        )
    return value


class AppointmentFilter(django_filters.FilterSet):
    """Appointment slots of one provider and/or starting within ``[startFrom, startBefore)``."""

    provider = NodeIdFilter(field_name="provider_id", node_type="ProviderType", help_text="A provider's global ID.")
    start_from = AwareDateTimeFilter(
        field_name="start_time", lookup_expr="gte", help_text="Slots starting at or after."
    )
    start_before = AwareDateTimeFilter(field_name="start_time", lookup_expr="lt", help_text="Slots starting before.")

    class Meta:
        model = Appointment
        fields: list[str] = []


class ReservationFilter(django_filters.FilterSet):
    """Reservations of one client, of one provider's slots, and/or in one state at the time of the request."""

    client = NodeIdFilter(field_name="client_id", node_type="ClientType", help_text="A client's global ID.")
    provider = NodeIdFilter(
        field_name="appointment__provider_id", node_type="ProviderType", help_text="A provider's global ID."
    )
    state = django_filters.ChoiceFilter(
        choices=[(state.name, state.name) for state in ReservationState],
        method="filter_state",
        help_text="HELD, EXPIRED or CONFIRMED, judged at the time of the request.",
    )

    class Meta:
        model = Reservation
        fields: list[str] = []

    def filter_state(self, queryset: ReservationQuerySet, name: str, value: str) -> ReservationQuerySet:
        """Keep the reservations in state ``value`` at the request's instant."""
        now = self.request.loaders.now if self.request is not None else timezone.now()
        return queryset.in_state(ReservationState[value], now)
