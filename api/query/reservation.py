"""`ReservationType` and the `reservations` root query."""

from datetime import datetime
from typing import Any

import graphene
from django.db.models import QuerySet
from graphene_django import DjangoObjectType
from graphql_sync_dataloaders import SyncFuture

from api.auth.permissions import get_viewer, scope
from api.connections import FilterConnectionField
from api.filters import ReservationFilter
from api.loaders import get_loaders, then
from api.loaders.records import load_by_id
from api.node import Node
from reservation.models import Appointment, Client, Provider, Reservation, ReservationState

ReservationStateEnum = graphene.Enum.from_enum(ReservationState, description="A reservation's state at request time.")


class ReservationType(DjangoObjectType):
    """A client's reservation of one slot: a 30-minute hold until confirmed, then a booking.

    State is judged when the request is made: HELD while unconfirmed and younger than 30 minutes, EXPIRED
    from 30:00 on, CONFIRMED once confirmed.
    """

    class Meta:
        model = Reservation
        fields = ("id",)
        interfaces = (Node,)

    @classmethod
    def get_queryset(cls, queryset: QuerySet[Reservation], info: graphene.ResolveInfo) -> QuerySet[Reservation]:
        """Only the rows the viewer may see: applies to ``node`` and to the root connection."""
        return scope(queryset, get_viewer(info))

    expiry = graphene.DateTime(required=True, description="When the hold runs out unless confirmed (UTC).")
    expired = graphene.Boolean(required=True, description="True if unconfirmed and the hold has run out.")
    confirmed = graphene.Boolean(required=True, description="True while it is a booking (confirmed, not ended).")
    state = graphene.Field(
        ReservationStateEnum,
        required=True,
        description="HELD, EXPIRED, CONFIRMED, or how it ended: RELEASED, CANCELLED, RESCHEDULED.",
    )
    reserved_at = graphene.DateTime(required=True, description="When the hold was made (UTC).")
    confirmed_at = graphene.DateTime(description="When the client confirmed (UTC), or null.")
    # Loader-backed relations are nullable: a failed batch nulls the field, not the whole response.
    client = graphene.Field("api.query.client.ClientType", description="Who holds or booked the slot.")
    provider = graphene.Field("api.query.provider.ProviderType", description="Whose slot it is.")
    appointment = graphene.Field("api.query.appointment.AppointmentType", description="The slot reserved.")

    @staticmethod
    def resolve_expiry(reservation: Reservation, info: graphene.ResolveInfo) -> datetime:
        return reservation.expires_at

    @staticmethod
    def resolve_expired(reservation: Reservation, info: graphene.ResolveInfo) -> bool:
        return reservation.state_at(get_loaders(info).now) is ReservationState.EXPIRED

    @staticmethod
    def resolve_confirmed(reservation: Reservation, info: graphene.ResolveInfo) -> bool:
        return reservation.state_at(get_loaders(info).now) is ReservationState.CONFIRMED

    @staticmethod
    def resolve_state(reservation: Reservation, info: graphene.ResolveInfo) -> ReservationState:
        return reservation.state_at(get_loaders(info).now)

    @staticmethod
    def resolve_reserved_at(reservation: Reservation, info: graphene.ResolveInfo) -> datetime:
        return reservation.created_at

    @staticmethod
    def resolve_client(reservation: Reservation, info: graphene.ResolveInfo) -> SyncFuture:
        return load_by_id(info, Client, reservation.client_id)

    @staticmethod
    def resolve_appointment(reservation: Reservation, info: graphene.ResolveInfo) -> SyncFuture:
        return load_by_id(info, Appointment, reservation.appointment_id)

    @staticmethod
    def resolve_provider(reservation: Reservation, info: graphene.ResolveInfo) -> SyncFuture:
        return then(
            load_by_id(info, Appointment, reservation.appointment_id),
            lambda appointment: load_by_id(info, Provider, appointment.provider_id),
        )


class ReservationQueries(graphene.ObjectType):
    """Root fields for reservations."""

    reservations = FilterConnectionField(
        ReservationType,
        filterset_class=ReservationFilter,
        description="Reservations, newest first; filter by client, provider and state.",
    )

    @staticmethod
    def resolve_reservations(root: None, info: graphene.ResolveInfo, **kwargs: Any) -> Any:
        return Reservation.objects.order_by("-created_at", "-id")
