"""`ReservationType` and the `reservations` root query."""

from datetime import datetime
from typing import Any

import graphene
from django.db.models import QuerySet
from graphene_django import DjangoObjectType

from api.auth.permissions import get_viewer, scope
from api.core.connections import FilterConnectionField
from api.core.context import context_of
from api.core.enums import ReservationStateEnum
from api.core.filters import ReservationFilter
from api.core.loaders import Future, then
from api.core.loaders.records import load_by_id, load_history
from api.core.node import Node
from api.core.timezones import in_zone, time_zone_argument
from reservation.models import (
    Appointment,
    Client,
    EventKind,
    Provider,
    Reservation,
    ReservationEvent,
    ReservationState,
    VisitType,
)

ReservationEventKind = graphene.Enum(
    "ReservationEventKind", [(kind.name, kind.value) for kind in EventKind], description="A state change."
)


class ReservationEventType(graphene.ObjectType):
    """One change of a reservation's state and when it happened (UTC)."""

    kind = graphene.Field(ReservationEventKind, required=True)
    at = graphene.DateTime(required=True)
    note = graphene.String(description="A cancellation's reason or where the booking moved, or null.")

    @staticmethod
    def resolve_note(event: ReservationEvent, info: graphene.ResolveInfo) -> str | None:
        return event.note or None


class ReservationType(DjangoObjectType):
    """A client's reservation of one slot, or of a visit of a visit type starting at that slot (every slot of
    the visit and its buffers): a 30-minute hold until confirmed, then a booking.

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

    expiry = graphene.DateTime(
        required=True,
        description="When the hold runs out unless confirmed (UTC unless timeZone is given).",
        time_zone=time_zone_argument(),
    )
    expired = graphene.Boolean(required=True, description="True if unconfirmed and the hold has run out.")
    confirmed = graphene.Boolean(required=True, description="True while it is a booking (confirmed, not ended).")
    state = graphene.Field(
        ReservationStateEnum,
        required=True,
        description="HELD, EXPIRED, CONFIRMED, or how it ended: RELEASED, CANCELLED, RESCHEDULED.",
    )
    reserved_at = graphene.DateTime(
        required=True,
        description="When the hold was made (UTC unless timeZone is given).",
        time_zone=time_zone_argument(),
    )
    confirmed_at = graphene.DateTime(description="When the client confirmed (UTC), or null.")
    # Loader-backed relations are nullable: a failed batch nulls the field, not the whole response.
    ended_at = graphene.DateTime(description="When it was released, cancelled or rescheduled (UTC), or null.")
    cancel_reason = graphene.String(description="Why it was cancelled, as the canceller gave it, or null.")
    rescheduled_to = graphene.Field(
        lambda: ReservationType, description="The booking this one was moved to (state RESCHEDULED), or null."
    )
    history = graphene.List(
        graphene.NonNull(ReservationEventType),
        description="Every state change, oldest first: held, confirmed, released, cancelled, rescheduled, and "
        "expired (at the hold's expiry, whether or not the slot was reserved again).",
    )
    client = graphene.Field("api.query.client.ClientType", description="Who holds or booked the slot.")
    provider = graphene.Field("api.query.provider.ProviderType", description="Whose slot it is.")
    appointment = graphene.Field(
        "api.query.appointment.AppointmentType", description="The slot reserved (a visit's: the slot it starts at)."
    )
    visit_type = graphene.Field(
        "api.query.visit_type.VisitTypeType", description="The visit booked, or null for a single 15-minute slot."
    )
    start_time = graphene.DateTime(
        required=True,
        description="Start of the visit or slot (UTC unless timeZone is given).",
        time_zone=time_zone_argument("the start"),
    )
    end_time = graphene.DateTime(
        required=True,
        description="End of the visit or slot, exclusive, buffers excluded (UTC unless timeZone is given).",
        time_zone=time_zone_argument("the end"),
    )
    covers_from = graphene.DateTime(
        required=True, description="Start of the provider's time it keeps, buffer before included (UTC)."
    )
    covers_until = graphene.DateTime(
        required=True, description="End of the provider's time it keeps, buffer after included (UTC)."
    )
    video_url = graphene.String(
        description="A confirmed video visit's join link (its client, its provider and staff see it); null "
        "before confirmation, for other visits, and once cancelled or moved (the moved booking has a new one)."
    )

    @staticmethod
    def resolve_visit_type(reservation: Reservation, info: graphene.ResolveInfo) -> Future[Any] | None:
        if reservation.visit_type_id is None:
            return None
        return load_by_id(info, VisitType, reservation.visit_type_id)

    @staticmethod
    def resolve_start_time(reservation: Reservation, info: graphene.ResolveInfo, time_zone: str | None = None) -> Any:
        return in_zone(reservation.starts_at, time_zone)

    @staticmethod
    def resolve_end_time(reservation: Reservation, info: graphene.ResolveInfo, time_zone: str | None = None) -> Any:
        return in_zone(reservation.ends_at, time_zone)

    @staticmethod
    def resolve_video_url(reservation: Reservation, info: graphene.ResolveInfo) -> str | None:
        # The row is only reachable by its client, its provider and staff (`api.auth.permissions.scope`).
        return reservation.video_url or None

    @staticmethod
    def resolve_expiry(reservation: Reservation, info: graphene.ResolveInfo, time_zone: str | None = None) -> datetime:
        return in_zone(reservation.expires_at, time_zone)

    @staticmethod
    def resolve_expired(reservation: Reservation, info: graphene.ResolveInfo) -> bool:
        return reservation.state_at(context_of(info).now) is ReservationState.EXPIRED

    @staticmethod
    def resolve_confirmed(reservation: Reservation, info: graphene.ResolveInfo) -> bool:
        return reservation.state_at(context_of(info).now) is ReservationState.CONFIRMED

    @staticmethod
    def resolve_state(reservation: Reservation, info: graphene.ResolveInfo) -> ReservationState:
        return reservation.state_at(context_of(info).now)

    @staticmethod
    def resolve_reserved_at(
        reservation: Reservation, info: graphene.ResolveInfo, time_zone: str | None = None
    ) -> datetime:
        return in_zone(reservation.created_at, time_zone)

    @staticmethod
    def resolve_cancel_reason(reservation: Reservation, info: graphene.ResolveInfo) -> str | None:
        return reservation.cancel_reason or None

    @staticmethod
    def resolve_rescheduled_to(reservation: Reservation, info: graphene.ResolveInfo) -> Future[Any] | None:
        if reservation.rescheduled_to_id is None:
            return None
        return load_by_id(info, Reservation, reservation.rescheduled_to_id)

    @staticmethod
    def resolve_history(reservation: Reservation, info: graphene.ResolveInfo) -> Future[Any]:
        return load_history(info, reservation)

    @staticmethod
    def resolve_client(reservation: Reservation, info: graphene.ResolveInfo) -> Future[Any]:
        return load_by_id(info, Client, reservation.client_id)

    @staticmethod
    def resolve_appointment(reservation: Reservation, info: graphene.ResolveInfo) -> Future[Any]:
        return load_by_id(info, Appointment, reservation.appointment_id)

    @staticmethod
    def resolve_provider(reservation: Reservation, info: graphene.ResolveInfo) -> Future[Any]:
        return then(
            load_by_id(info, Appointment, reservation.appointment_id),
            lambda appointment: load_by_id(info, Provider, appointment.provider_id),
        )


class ReservationQueries(graphene.ObjectType):
    """Root fields for reservations."""

    reservations = FilterConnectionField(
        ReservationType,
        filterset_class=ReservationFilter,
        description=(
            "Reservations, newest first unless `orderBy` says otherwise; filter by client, provider, state and the "
            "slot's start (`startFrom`, `startBefore`)."
        ),
    )

    @staticmethod
    def resolve_reservations(root: None, info: graphene.ResolveInfo, **kwargs: Any) -> Any:
        return Reservation.objects.all()  # in ReservationFilter's order (api.core.sorting.RESERVATION_ORDER)
