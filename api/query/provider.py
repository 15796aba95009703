"""`ProviderType` and the `providers` root query."""

from datetime import datetime
from typing import Any

import graphene
from graphene_django import DjangoObjectType
from graphql_sync_dataloaders import SyncFuture

from api.connections import ConnectionField, nested_connection
from api.filters import require_aware
from api.loaders import get_loaders
from api.loaders.pages import PageRequest, load_page
from api.node import Node
from reservation.models import Appointment, Provider, Reservation


class ProviderType(DjangoObjectType):
    """A clinician who publishes availability as 15-minute appointment slots."""

    class Meta:
        model = Provider
        fields = ("id", "first_name", "last_name")
        interfaces = (Node,)

    clients = nested_connection(
        "api.query.client.ClientType",
        "Clients with at least one confirmed reservation with this provider, by last then first name.",
    )
    available_appointments = nested_connection(
        "api.query.appointment.AppointmentType",
        "This provider's slots that a client may reserve now (free, and at least 24 h ahead), by start time.",
        start_from=graphene.DateTime(description="Only slots starting at or after this time (with offset)."),
        start_before=graphene.DateTime(description="Only slots starting before this time (with offset)."),
    )
    confirmed_appointments = nested_connection(
        "api.query.appointment.AppointmentType",
        "This provider's slots booked by a confirmed reservation, by start time.",
        start_from=graphene.DateTime(description="Only slots starting at or after this time (with offset)."),
        start_before=graphene.DateTime(description="Only slots starting before this time (with offset)."),
    )

    @staticmethod
    def resolve_clients(
        provider: Provider, info: graphene.ResolveInfo, first: int | None = None, after: str | None = None
    ) -> SyncFuture:
        from api.query.client import ClientType

        return load_page(
            info,
            key="provider.clients",
            parent_id=provider.pk,
            queryset=lambda: Reservation.objects.confirmed().select_related("client"),
            parent_field="appointment__provider_id",
            order_by=("client__last_name", "client__first_name", "client_id"),
            page=PageRequest.from_args(first, after, "clients"),
            connection_type=ClientType._meta.connection,
            node=lambda reservation: reservation.client,
        )

    @staticmethod
    def resolve_available_appointments(provider: Provider, info: graphene.ResolveInfo, **args: Any) -> SyncFuture:
        now = get_loaders(info).now
        return _appointments_page(
            info, provider, "availableAppointments", lambda: Appointment.objects.available(now), **args
        )

    @staticmethod
    def resolve_confirmed_appointments(provider: Provider, info: graphene.ResolveInfo, **args: Any) -> SyncFuture:
        return _appointments_page(
            info, provider, "confirmedAppointments", lambda: Appointment.objects.confirmed(), **args
        )


def _appointments_page(
    info: graphene.ResolveInfo,
    provider: Provider,
    field_name: str,
    queryset: Any,
    first: int | None = None,
    after: str | None = None,
    start_from: datetime | None = None,
    start_before: datetime | None = None,
) -> SyncFuture:
    """A page of ``provider``'s slots from ``queryset()``, within the optional start window, by start time."""
    from api.query.appointment import AppointmentType

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
        order_by=("start_time", "id"),
        page=PageRequest.from_args(first, after, field_name),
        connection_type=AppointmentType._meta.connection,
    )


class ProviderQueries(graphene.ObjectType):
    """Root fields for providers."""

    providers = ConnectionField(ProviderType, description="All providers, by last then first name.")

    @staticmethod
    def resolve_providers(root: None, info: graphene.ResolveInfo, **kwargs: Any) -> Any:
        return Provider.objects.order_by("last_name", "first_name", "id")
