"""`ProviderType` and the `providers` root query."""

from datetime import datetime
from typing import Any

import graphene
from graphene_django import DjangoObjectType

from api.core.connections import FilterConnectionField, nested_connection
from api.core.context import context_of
from api.core.filters import ProviderFilter, require_aware
from api.core.loaders import Future
from api.core.loaders.pages import PageRequest, load_page
from api.core.node import Node
from api.core.sorting import APPOINTMENT_ORDER, CLIENT_ORDER
from api.query.appointment import visit_type_argument
from api.query.schedule import (
    DateOverrideType,
    WeeklyScheduleRangeType,
    load_upcoming_overrides,
    load_weekly_schedule,
)
from reservation.models import Appointment, Provider, Reservation, VisitType
from reservation.selectors import visit_start_slots


class ProviderType(DjangoObjectType):
    """A clinician who publishes availability as 15-minute appointment slots."""

    class Meta:
        model = Provider
        fields = ("id", "first_name", "last_name", "time_zone", "schedule_published_until")
        interfaces = (Node,)

    weekly_schedule = graphene.List(
        graphene.NonNull(WeeklyScheduleRangeType),
        description="The weekly working hours, in the provider's time zone, by weekday and start (null only if "
        "loading them failed).",
    )
    date_overrides = graphene.List(
        graphene.NonNull(DateOverrideType),
        description="Dates from the provider's today on with other hours than the weekly schedule's, or a day off.",
    )

    clients = nested_connection(
        "api.query.client.ClientType",
        "Clients with at least one confirmed reservation with this provider, by last then first name.",
        order_by=CLIENT_ORDER.argument(),
    )
    available_appointments = nested_connection(
        "api.query.appointment.AppointmentType",
        "This provider's slots that a client may reserve now (free, and at least 24 h ahead), by start time; with "
        "`visitTypeId`, the slots at which a visit of that type fits (see Query.availableAppointments).",
        visit_type_id=graphene.ID(description="A visit type's global ID: list the starts where such a visit fits."),
        start_from=graphene.DateTime(description="Only slots starting at or after this time (with offset)."),
        start_before=graphene.DateTime(description="Only slots starting before this time (with offset)."),
        order_by=APPOINTMENT_ORDER.argument(),
    )
    confirmed_appointments = nested_connection(
        "api.query.appointment.AppointmentType",
        "This provider's slots booked by a confirmed reservation, by start time.",
        start_from=graphene.DateTime(description="Only slots starting at or after this time (with offset)."),
        start_before=graphene.DateTime(description="Only slots starting before this time (with offset)."),
        order_by=APPOINTMENT_ORDER.argument(),
    )

    @staticmethod
    def resolve_clients(
        provider: Provider,
        info: graphene.ResolveInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        order_by: list[Any] | None = None,
    ) -> Future[Any]:

        return load_page(
            info,
            key="provider.clients",
            parent_id=provider.pk,
            queryset=lambda: Reservation.objects.confirmed().select_related("client"),
            parent_field="appointment__provider_id",
            order_by=CLIENT_ORDER.fields(order_by, prefix="client__", tiebreaker="client_id"),
            page=PageRequest.from_args("clients", first=first, after=after, last=last, before=before),
            node=lambda reservation: reservation.client,
        )

    @staticmethod
    def resolve_available_appointments(
        provider: Provider, info: graphene.ResolveInfo, visit_type_id: str | None = None, **args: Any
    ) -> Future[Any]:
        now = context_of(info).now
        if visit_type_id is None:
            return _appointments_page(
                info, provider, "availableAppointments", lambda: Appointment.objects.available(now), **args
            )
        visit_type = _visit_type_of(info, visit_type_id)
        return _appointments_page(
            info,
            provider,
            f"availableAppointments.{visit_type.pk}",
            lambda: visit_start_slots(visit_type, now),
            **args,
        )

    @staticmethod
    def resolve_weekly_schedule(provider: Provider, info: graphene.ResolveInfo) -> Future[Any]:
        return load_weekly_schedule(info, provider.pk)

    @staticmethod
    def resolve_date_overrides(provider: Provider, info: graphene.ResolveInfo) -> Future[Any]:
        return load_upcoming_overrides(info, provider)

    @staticmethod
    def resolve_confirmed_appointments(provider: Provider, info: graphene.ResolveInfo, **args: Any) -> Future[Any]:
        return _appointments_page(
            info, provider, "confirmedAppointments", lambda: Appointment.objects.confirmed(), **args
        )


def _visit_type_of(info: graphene.ResolveInfo, global_id: str) -> VisitType:
    """The visit type of a nested ``visitTypeId``, read once per request and ID (not once per provider)."""
    memo = context_of(info).memo
    if ("visit_type", global_id) not in memo:
        memo["visit_type", global_id] = visit_type_argument(global_id)
    visit_type: VisitType = memo["visit_type", global_id]
    return visit_type


def _appointments_page(
    info: graphene.ResolveInfo,
    provider: Provider,
    field_name: str,
    queryset: Any,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    start_from: datetime | None = None,
    start_before: datetime | None = None,
    order_by: list[Any] | None = None,
) -> Future[Any]:
    """A page of ``provider``'s slots from ``queryset()``, within the optional start window, in ``order_by``."""

    bounds = {
        "start_time__gte": require_aware(start_from, "startFrom"),
        "start_time__lt": require_aware(start_before, "startBefore"),
    }
    window = {lookup: value for lookup, value in bounds.items() if value is not None}
    return load_page(
        info,
        key=(f"provider.{field_name}", tuple(sorted(window.items()))),
        parent_id=provider.pk,
        queryset=lambda: queryset().filter(**window),
        parent_field="provider_id",
        order_by=APPOINTMENT_ORDER.fields(order_by),
        page=PageRequest.from_args(field_name, first=first, after=after, last=last, before=before),
    )


class ProviderQueries(graphene.ObjectType):
    """Root fields for providers."""

    providers = FilterConnectionField(
        ProviderType,
        filterset_class=ProviderFilter,
        description="All providers, by last then first name unless `orderBy` says otherwise; `search` by name.",
    )

    @staticmethod
    def resolve_providers(root: None, info: graphene.ResolveInfo, **kwargs: Any) -> Any:
        return Provider.objects.all()  # in ProviderFilter's order (api.core.sorting.PROVIDER_ORDER)
