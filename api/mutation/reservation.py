"""`reservationCreate` (hold a slot) and `reservationConfirm`."""

from typing import Any

import graphene

from api.auth.permissions import get_viewer, require_authenticated, require_client, scope
from api.auth.ratelimits import limit_reservation
from api.ids import decode_global_id
from api.mutation.base import DomainMutation
from api.query.appointment import AppointmentType
from api.query.client import ClientType
from api.query.reservation import ReservationType
from reservation.errors import DomainError, ErrorCode
from reservation.models import Reservation
from reservation.services.reservations import reservation_confirm, reservation_create


class ReservationCreate(DomainMutation):
    """Reserve a slot for a client: a hold that lasts 30 minutes unless confirmed.

    The slot must start at least 24 hours from now, be free, and not overlap another live reservation of
    the same client. A client reserves for themselves (``clientId`` may be omitted); staff for anyone.
    Rate limited per user and per address. Errors: INVALID, NOT_FOUND, INSUFFICIENT_NOTICE,
    SLOT_UNAVAILABLE, CLIENT_OVERLAP, RATE_LIMITED.
    """

    class Input:
        client_id = graphene.ID(description="The client's global ID; defaults to the signed-in client.")
        appointment_id = graphene.ID(required=True, description="The slot's global ID.")

    reservation = graphene.Field(ReservationType, description="The new hold; null on error.")

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, **data: Any) -> "ReservationCreate":
        viewer = get_viewer(info)
        require_authenticated(viewer)
        if data.get("client_id"):
            client_id = decode_global_id(data["client_id"], ClientType, "clientId")
        elif viewer.client_id is not None:
            client_id = viewer.client_id
        else:
            raise DomainError(ErrorCode.INVALID, "Say which client the reservation is for.", "clientId")
        require_client(viewer, client_id)
        limit_reservation(info.context, viewer.user_id)  # type: ignore[arg-type]
        reservation = reservation_create(
            client_id=client_id,
            appointment_id=decode_global_id(data["appointment_id"], AppointmentType, "appointmentId"),
        )
        return cls(reservation=reservation, errors=[])


class ReservationConfirm(DomainMutation):
    """Confirm a held reservation before its 30 minutes run out; confirming twice is harmless.

    Only the reservation's client or staff; a reservation the caller may not see is NOT_FOUND. Rate limited
    like reservationCreate. Errors: INVALID, NOT_FOUND, RESERVATION_EXPIRED (the hold ran out; nothing
    changes), RATE_LIMITED.
    """

    class Input:
        reservation_id = graphene.ID(required=True, description="The reservation's global ID.")

    reservation = graphene.Field(ReservationType, description="The confirmed reservation; null on error.")

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, **data: Any) -> "ReservationConfirm":
        viewer = get_viewer(info)
        require_authenticated(viewer)
        reservation_id = decode_global_id(data["reservation_id"], ReservationType, "reservationId")
        client_id = (
            scope(Reservation.objects.filter(pk=reservation_id), viewer).values_list("client_id", flat=True).first()
        )
        if client_id is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No reservation with this ID.", "reservationId")
        require_client(viewer, client_id)
        limit_reservation(info.context, viewer.user_id)  # type: ignore[arg-type]
        reservation = reservation_confirm(reservation_id=reservation_id)
        return cls(reservation=reservation, errors=[])


class ReservationMutations(graphene.ObjectType):
    """Root mutation fields for reservations."""

    reservation_create = ReservationCreate.Field()
    reservation_confirm = ReservationConfirm.Field()
