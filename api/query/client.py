"""`ClientType` and the `clients` root query."""

from datetime import datetime
from typing import Any

import graphene
from django.db.models import QuerySet
from graphene_django import DjangoObjectType

from api.auth.permissions import get_viewer, scope
from api.core.connections import FilterConnectionField, nested_connection
from api.core.context import context_of
from api.core.filters import ClientFilter, require_aware
from api.core.loaders import Future
from api.core.loaders.pages import PageRequest, load_page
from api.core.node import Node
from api.core.sorting import PROVIDER_ORDER, RESERVATION_ORDER
from reservation.models import Client, Reservation, ReservationState

# The arguments of a client's reservation lists: a window on the reserved slot's start, and the order.
_RESERVATION_ARGUMENTS: dict[str, Any] = {
    "start_from": graphene.DateTime(description="Only reservations of slots starting at or after this time."),
    "start_before": graphene.DateTime(description="Only reservations of slots starting before this time."),
    "order_by": RESERVATION_ORDER.argument(default=["TIME_SLOT_ASC"]),
}


class ClientType(DjangoObjectType):
    """A patient who reserves and confirms appointment slots."""

    class Meta:
        model = Client
        fields = ("id", "first_name", "last_name")
        interfaces = (Node,)

    @classmethod
    def get_queryset(cls, queryset: QuerySet[Client], info: graphene.ResolveInfo) -> QuerySet[Client]:
        """Only the rows the viewer may see: applies to ``node`` and to the root connection."""
        return scope(queryset, get_viewer(info))

    providers = nested_connection(
        "api.query.provider.ProviderType",
        "Providers this client has at least one confirmed reservation with, by last then first name.",
        order_by=PROVIDER_ORDER.argument(),
    )
    active_reservations = nested_connection(
        "api.query.reservation.ReservationType",
        "Unconfirmed reservations still holding their slot (younger than 30 minutes), by slot start time.",
        **_RESERVATION_ARGUMENTS,
    )
    confirmed_reservations = nested_connection(
        "api.query.reservation.ReservationType", "Confirmed reservations, by slot start time.", **_RESERVATION_ARGUMENTS
    )
    expired_reservations = nested_connection(
        "api.query.reservation.ReservationType",
        "Reservations whose 30-minute hold ran out before confirmation, by slot start time.",
        **_RESERVATION_ARGUMENTS,
    )

    @staticmethod
    def resolve_providers(
        client: Client,
        info: graphene.ResolveInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        order_by: list[Any] | None = None,
    ) -> Future[Any]:

        return load_page(
            info,
            key="client.providers",
            parent_id=client.pk,
            queryset=lambda: Reservation.objects.confirmed().select_related("appointment__provider"),
            parent_field="client_id",
            order_by=PROVIDER_ORDER.fields(
                order_by, prefix="appointment__provider__", tiebreaker="appointment__provider_id"
            ),
            page=PageRequest.from_args("providers", first=first, after=after, last=last, before=before),
            node=lambda reservation: reservation.appointment.provider,
        )

    @staticmethod
    def resolve_active_reservations(client: Client, info: graphene.ResolveInfo, **args: Any) -> Future[Any]:
        return _reservations_page(info, client, ReservationState.HELD, "activeReservations", **args)

    @staticmethod
    def resolve_confirmed_reservations(client: Client, info: graphene.ResolveInfo, **args: Any) -> Future[Any]:
        return _reservations_page(info, client, ReservationState.CONFIRMED, "confirmedReservations", **args)

    @staticmethod
    def resolve_expired_reservations(client: Client, info: graphene.ResolveInfo, **args: Any) -> Future[Any]:
        return _reservations_page(info, client, ReservationState.EXPIRED, "expiredReservations", **args)


def _reservations_page(
    info: graphene.ResolveInfo,
    client: Client,
    state: ReservationState,
    field_name: str,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    start_from: datetime | None = None,
    start_before: datetime | None = None,
    order_by: list[Any] | None = None,
) -> Future[Any]:
    """A page of ``client``'s reservations in ``state`` at the request's instant, within the optional window on
    the slot's start, in ``order_by`` (by default by slot start time)."""

    now = context_of(info).now
    bounds = {
        "appointment__start_time__gte": require_aware(start_from, "startFrom"),
        "appointment__start_time__lt": require_aware(start_before, "startBefore"),
    }
    window = {lookup: value for lookup, value in bounds.items() if value is not None}
    return load_page(
        info,
        key=(f"client.{field_name}", tuple(sorted(window.items()))),
        parent_id=client.pk,
        queryset=lambda: Reservation.objects.in_state(state, now).filter(**window),
        parent_field="client_id",
        order_by=RESERVATION_ORDER.fields(order_by, default=["TIME_SLOT_ASC"]),
        page=PageRequest.from_args(field_name, first=first, after=after, last=last, before=before),
    )


class ClientQueries(graphene.ObjectType):
    """Root fields for clients."""

    clients = FilterConnectionField(
        ClientType,
        filterset_class=ClientFilter,
        description="All clients, by last then first name unless `orderBy` says otherwise; `search` by name.",
    )

    @staticmethod
    def resolve_clients(root: None, info: graphene.ResolveInfo, **kwargs: Any) -> Any:
        return Client.objects.all()  # in ClientFilter's order (api.core.sorting.CLIENT_ORDER)
