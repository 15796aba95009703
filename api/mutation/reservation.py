"""A reservation's life through the API: `reservationCreate` (hold), `reservationConfirm`, `reservationRelease`,
`reservationCancel` and `reservationReschedule`. Each checks who may call it, then calls one domain service with
the caller as its actor; the rules that depend on who acts (who may cancel what) are the service's."""

from typing import Any

import graphene

from api.auth.permissions import Viewer, get_viewer, require_authenticated, require_client, scope
from api.auth.ratelimits import limit_reservation
from api.core.context import context_of
from api.core.errors import InputError
from api.core.ids import decode_global_id
from api.core.mutation import DomainMutation
from api.query.reservation import ReservationType
from reservation.errors import ErrorCode
from reservation.models import Reservation
from reservation.services.reservations import (
    reservation_cancel,
    reservation_confirm,
    reservation_create,
    reservation_release,
    reservation_reschedule,
)


class ReservationCreate(DomainMutation):
    """Reserve a slot for a client: a hold that lasts 30 minutes unless confirmed.

    The slot must start at least 24 hours from now, be free, and not overlap another live reservation of
    the same client. A client reserves for themselves (``clientId`` may be omitted); staff for anyone.
    Rate limited per user and per address. Errors: INVALID, NOT_FOUND, INSUFFICIENT_NOTICE,
    SLOT_UNAVAILABLE, CLIENT_OVERLAP, TOO_MANY_HOLDS, RATE_LIMITED.

    With ``visitTypeId``: a visit of that type starting at the slot, holding every slot of the visit and its
    buffers, all or nothing (the starts where it fits: ``availableAppointments(visitTypeId:)``); with
    ``anyProvider`` as well, at the slot's start time with whichever provider offering the type is free, the
    fairest first (fewest bookings that day, then round robin): ``reservation.provider`` says who. More
    errors: NOT_OFFERED, OUTSIDE_BOOKING_WINDOW, DAILY_CAP_REACHED.
    """

    class Input:
        client_id = graphene.ID(description="The client's global ID; defaults to the signed-in client.")
        appointment_id = graphene.ID(required=True, description="The slot's global ID (a visit's first slot).")
        visit_type_id = graphene.ID(description="A visit type's global ID: hold a whole visit from this slot.")
        any_provider = graphene.Boolean(
            description="With visitTypeId: any provider offering the type at this slot's time (default false)."
        )

    reservation = graphene.Field(
        ReservationType, description="The new hold; null on error. Its `provider` is the one chosen, with anyProvider."
    )

    class Meta:
        idempotent = True

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, **data: Any) -> "ReservationCreate":
        viewer = get_viewer(info)
        require_authenticated(viewer)
        if data.get("client_id"):
            client_id = decode_global_id(data["client_id"], "ClientType", "clientId")
        elif viewer.client_id is not None:
            client_id = viewer.client_id
        else:
            raise InputError(ErrorCode.INVALID, "Say which client the reservation is for.", "clientId")
        require_client(viewer, client_id)
        count_against_limits(info, viewer)
        visit_type_id = data.get("visit_type_id")
        reservation = reservation_create(
            client_id=client_id,
            appointment_id=decode_global_id(data["appointment_id"], "AppointmentType", "appointmentId"),
            visit_type_id=None
            if visit_type_id is None
            else decode_global_id(visit_type_id, "VisitTypeType", "visitTypeId"),
            any_provider=bool(data.get("any_provider")),
            actor=viewer,
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

    class Meta:
        idempotent = True

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, **data: Any) -> "ReservationConfirm":
        viewer, reservation_id = callers_reservation(info, data["reservation_id"])
        count_against_limits(info, viewer)
        reservation = reservation_confirm(reservation_id=reservation_id, actor=viewer)
        return cls(reservation=reservation, errors=[])


def callers_reservation(info: graphene.ResolveInfo, global_id: str, *, its_client: bool = True) -> tuple[Viewer, int]:
    """The signed-in caller and the reservation ``global_id`` decodes to, which the caller must be able to see
    (NOT_FOUND otherwise, exactly as for one that does not exist) and, with ``its_client``, be the client of or
    staff (FORBIDDEN otherwise). Raises UNAUTHENTICATED without a signed-in caller."""
    viewer = get_viewer(info)
    require_authenticated(viewer)
    reservation_id = decode_global_id(global_id, "ReservationType", "reservationId")
    client_id = scope(Reservation.objects.filter(pk=reservation_id), viewer).values_list("client_id", flat=True).first()
    if client_id is None:
        raise InputError(ErrorCode.NOT_FOUND, "No reservation with this ID.", "reservationId")
    if its_client:
        require_client(viewer, client_id)
    return viewer, reservation_id


def count_against_limits(info: graphene.ResolveInfo, viewer: Viewer) -> None:
    """Count one reservation mutation of the (signed-in) caller against the rate limits; RATE_LIMITED beyond."""
    limit_reservation(context_of(info).request, viewer.user_id)  # type: ignore[arg-type]  # signed in


class ReservationRelease(DomainMutation):
    """Give up a hold before confirming it; the slot is available again at once. Releasing twice is harmless.

    The reservation's client or staff. Errors: NOT_FOUND, ALREADY_CONFIRMED (cancel a booking instead),
    RESERVATION_EXPIRED, RESERVATION_ENDED, RATE_LIMITED.
    """

    class Input:
        reservation_id = graphene.ID(required=True, description="The hold's global ID.")

    reservation = graphene.Field(ReservationType, description="The released reservation; null on error.")

    class Meta:
        idempotent = True

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, **data: Any) -> "ReservationRelease":
        viewer, reservation_id = callers_reservation(info, data["reservation_id"])
        count_against_limits(info, viewer)
        return cls(reservation=reservation_release(reservation_id=reservation_id, actor=viewer), errors=[])


class ReservationCancel(DomainMutation):
    """Cancel a reservation before the appointment starts; the slot is available again at once (when still
    at least 24 hours ahead). Cancelling twice is harmless.

    A client cancels their own booking (a hold is released instead: NOT_CONFIRMED); the slot's provider
    cancels a hold or booking on their slot and must give a ``reason``; staff may cancel anything. Errors:
    NOT_FOUND, NOT_CONFIRMED, APPOINTMENT_STARTED, RESERVATION_EXPIRED, RESERVATION_ENDED, INVALID (no
    reason from a provider), RATE_LIMITED.
    """

    class Input:
        reservation_id = graphene.ID(required=True, description="The reservation's global ID.")
        reason = graphene.String(description="Why; required when a provider cancels. Shown in the history.")

    reservation = graphene.Field(ReservationType, description="The cancelled reservation; null on error.")

    class Meta:
        idempotent = True

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, **data: Any) -> "ReservationCancel":
        # Who may cancel what (a client a booking, a provider with a reason) is the service's rule.
        viewer, reservation_id = callers_reservation(info, data["reservation_id"], its_client=False)
        count_against_limits(info, viewer)
        reservation = reservation_cancel(reservation_id=reservation_id, actor=viewer, reason=data.get("reason") or "")
        return cls(reservation=reservation, errors=[])


class ReservationReschedule(DomainMutation):
    """Move a booking to another available slot, atomically: the new booking is confirmed and the old one
    ends as RESCHEDULED, or nothing changes. The new slot obeys every rule of a new reservation, including
    the 24-hour notice. A visit moves as the same visit type to start at the new slot (its provider must offer
    it), under the visit's rules; a video visit gets a new link and the old one is cleared.

    The booking's client or staff. Errors: NOT_FOUND, NOT_CONFIRMED, APPOINTMENT_STARTED, RESERVATION_ENDED,
    and for the new slot SLOT_UNAVAILABLE, INSUFFICIENT_NOTICE, CLIENT_OVERLAP; RATE_LIMITED.
    """

    class Input:
        reservation_id = graphene.ID(required=True, description="The booking's global ID.")
        appointment_id = graphene.ID(required=True, description="The new slot's global ID.")

    reservation = graphene.Field(ReservationType, description="The new booking; null on error.")

    class Meta:
        idempotent = True

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, **data: Any) -> "ReservationReschedule":
        viewer, reservation_id = callers_reservation(info, data["reservation_id"])
        appointment_id = decode_global_id(data["appointment_id"], "AppointmentType", "appointmentId")
        count_against_limits(info, viewer)
        moved = reservation_reschedule(reservation_id=reservation_id, appointment_id=appointment_id, actor=viewer)
        return cls(reservation=moved, errors=[])


class ReservationMutations(graphene.ObjectType):
    """Root mutation fields for reservations."""

    reservation_create = ReservationCreate.Field()
    reservation_confirm = ReservationConfirm.Field()
    reservation_release = ReservationRelease.Field()
    reservation_cancel = ReservationCancel.Field()
    reservation_reschedule = ReservationReschedule.Field()
