"""`reservationCreate` (hold a slot) and `reservationConfirm`."""

from typing import Any

import graphene

from api.ids import decode_global_id
from api.mutation.base import DomainMutation
from api.query.appointment import AppointmentType
from api.query.client import ClientType
from api.query.reservation import ReservationType
from reservation.services.reservations import reservation_confirm, reservation_create


class ReservationCreate(DomainMutation):
    """Reserve a slot for a client: a hold that lasts 30 minutes unless confirmed.

    The slot must start at least 24 hours from now, be free, and not overlap another live reservation of
    the same client. Errors: INVALID, NOT_FOUND, INSUFFICIENT_NOTICE, SLOT_UNAVAILABLE, CLIENT_OVERLAP.
    """

    class Input:
        client_id = graphene.ID(required=True, description="The client's global ID.")
        appointment_id = graphene.ID(required=True, description="The slot's global ID.")

    reservation = graphene.Field(ReservationType, description="The new hold; null on error.")

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, **data: Any) -> "ReservationCreate":
        reservation = reservation_create(
            client_id=decode_global_id(data["client_id"], ClientType, "clientId"),
            appointment_id=decode_global_id(data["appointment_id"], AppointmentType, "appointmentId"),
        )
        return cls(reservation=reservation, errors=[])


class ReservationConfirm(DomainMutation):
    """Confirm a held reservation before its 30 minutes run out; confirming twice is harmless.

    Errors: INVALID, NOT_FOUND, RESERVATION_EXPIRED (the hold ran out; nothing changes).
    """

    class Input:
        reservation_id = graphene.ID(required=True, description="The reservation's global ID.")

    reservation = graphene.Field(ReservationType, description="The confirmed reservation; null on error.")

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, **data: Any) -> "ReservationConfirm":
        reservation = reservation_confirm(
            reservation_id=decode_global_id(data["reservation_id"], ReservationType, "reservationId")
        )
        return cls(reservation=reservation, errors=[])


class ReservationMutations(graphene.ObjectType):
    """Root mutation fields for reservations."""

    reservation_create = ReservationCreate.Field()
    reservation_confirm = ReservationConfirm.Field()
