"""A reservation's life: hold a slot, confirm, release, cancel, reschedule. Each change is recorded as history.

Concurrency: every write locks the slot row(s) first, in primary-key order, then the client row, inside one
transaction, and only then reads the clock and checks the rules. Requests for the same slot or client
therefore queue on the same row locks and see their predecessors' committed changes, and two requests cannot
deadlock. On PostgreSQL the exclusion constraint (migrations 0002 and 0005) refuses a second live reservation
of a slot even if this code were bypassed; on SQLite, whose `select_for_update` is a no-op, the settings'
``BEGIN IMMEDIATE`` transactions serialize writers instead.

``actor_id`` is the user making the change, recorded in the history (None for the system or a script).
"""

from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from reservation import rules
from reservation.errors import DomainError, ErrorCode
from reservation.models import Appointment, Client, Reservation, ReservationEvent, ReservationState

SLOT_TAKEN = "This appointment slot is already taken."


def _lock_slots(appointment_ids: Iterable[int]) -> dict[int, Appointment]:
    """Lock the slots (primary-key order, so concurrent requests cannot deadlock) and return them by id."""
    locked = Appointment.objects.select_for_update().filter(pk__in=sorted(set(appointment_ids))).order_by("pk")
    return {appointment.pk: appointment for appointment in locked}


def _lock_client(client_id: int) -> Client:
    client = Client.objects.select_for_update().filter(pk=client_id).first()
    if client is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No client with this ID.", "clientId")
    return client


def _lock_reservation(reservation_id: int) -> Reservation:
    """The reservation, with its slot and then itself locked (the slot first, like every other write)."""
    slot_id = Reservation.objects.filter(pk=reservation_id).values_list("appointment_id", flat=True).first()
    if slot_id is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No reservation with this ID.", "reservationId")
    _lock_slots([slot_id])
    return Reservation.objects.select_for_update().get(pk=reservation_id)


def _record(reservation: Reservation, kind: str, at: datetime, actor_id: int | None, note: str = "") -> None:
    ReservationEvent.objects.create(reservation=reservation, kind=kind, at=at, actor_id=actor_id, note=note)


def _observe_expiries(appointment: Appointment, now: datetime) -> None:
    """Record, once, the expiry of the slot's holds that ran out unconfirmed (expiry is never a job)."""
    for hold in Reservation.objects.expired(now).filter(appointment=appointment).exclude(events__kind="expired"):
        _record(hold, "expired", hold.expires_at, None)


def _check_bookable(
    appointment: Appointment, client: Client, now: datetime, *, field: str, moving: Reservation | None = None
) -> None:
    """Raise unless ``client`` may take ``appointment`` at ``now`` (``moving``, if given, is left behind).

    Rules: not withdrawn; at least the minimum notice ahead (24 h, exactly 24 h allowed); no live reservation
    of the slot; no live reservation of the client overlapping it in time, with any provider.
    """
    if appointment.withdrawn_at is not None:
        raise DomainError(ErrorCode.SLOT_UNAVAILABLE, "The provider withdrew this slot.", field)
    if appointment.start_time - now < rules.minimum_notice():
        raise DomainError(
            ErrorCode.INSUFFICIENT_NOTICE,
            f"Reservations must be made at least {rules.minimum_notice().total_seconds() / 3600:g} hours "
            "before the appointment starts.",
            field,
        )
    if Reservation.objects.live(now).filter(appointment=appointment).exists():
        raise DomainError(ErrorCode.SLOT_UNAVAILABLE, SLOT_TAKEN, field)
    overlapping = Reservation.objects.live(now).filter(
        client=client,
        appointment__start_time__lt=appointment.end_time,
        appointment__end_time__gt=appointment.start_time,
    )
    if moving is not None:
        overlapping = overlapping.exclude(pk=moving.pk)
    if overlapping.exists():
        raise DomainError(
            ErrorCode.CLIENT_OVERLAP, "You already hold or have booked an appointment at this time.", field
        )


def _insert(**fields: object) -> Reservation:
    """Insert a reservation; the database's own guard (the exclusion constraint) means SLOT_UNAVAILABLE."""
    try:
        with transaction.atomic():
            return Reservation.objects.create(**fields)
    except IntegrityError as error:
        raise DomainError(ErrorCode.SLOT_UNAVAILABLE, SLOT_TAKEN, "appointmentId") from error


def reservation_create(*, client_id: int, appointment_id: int, actor_id: int | None = None) -> Reservation:
    """Hold ``appointment_id`` for ``client_id`` for ``RESERVATION_HOLD_MINUTES`` (30 minutes).

    Rules: those of `_check_bookable`, and the client holds fewer than ``RESERVATION_MAX_ACTIVE_HOLDS`` (3)
    unconfirmed reservations. Raises `DomainError` with NOT_FOUND, SLOT_UNAVAILABLE, INSUFFICIENT_NOTICE,
    CLIENT_OVERLAP or TOO_MANY_HOLDS, having written nothing.
    """
    with transaction.atomic():
        appointment = _lock_slots([appointment_id]).get(appointment_id)
        if appointment is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No appointment slot with this ID.", "appointmentId")
        client = _lock_client(client_id)
        # Read the clock only once the locks are held: a request that waited sees the time it runs at.
        now = timezone.now()
        _check_bookable(appointment, client, now, field="appointmentId")
        if Reservation.objects.held(now).filter(client=client).count() >= rules.maximum_active_holds():
            raise DomainError(
                ErrorCode.TOO_MANY_HOLDS,
                f"You already hold {rules.maximum_active_holds()} unconfirmed reservations: confirm or release one.",
                "appointmentId",
            )
        _observe_expiries(appointment, now)
        hold = _insert(appointment=appointment, client=client, created_at=now, expires_at=now + rules.hold_duration())
        _record(hold, "held", now, actor_id)
        return hold


def reservation_confirm(
    *, reservation_id: int, actor_id: int | None = None, now: datetime | None = None
) -> Reservation:
    """Confirm a held reservation, turning it into a booking.

    Confirming an already confirmed reservation returns it unchanged. A hold is confirmable while
    ``now < expires_at``; at or after ``expires_at`` it has expired and this raises
    `DomainError(RESERVATION_EXPIRED)`, changing nothing. Raises RESERVATION_ENDED for a released, cancelled
    or rescheduled reservation and NOT_FOUND for an unknown ID.

    The check and the write are one conditional UPDATE, so a confirmation racing the expiry instant or
    another confirmation cannot both succeed on stale reads.
    """
    with transaction.atomic():
        now = now or timezone.now()
        try:
            with transaction.atomic():
                confirmed = Reservation.objects.filter(
                    pk=reservation_id, confirmed_at__isnull=True, ended_at__isnull=True, expires_at__gt=now
                ).update(confirmed_at=now)
        except IntegrityError:
            # Only reachable if app servers' clocks disagree and another hold already took the slot.
            confirmed = 0
        reservation = Reservation.objects.filter(pk=reservation_id).first()
        if reservation is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No reservation with this ID.", "reservationId")
        if confirmed:
            _record(reservation, "confirmed", now, actor_id)
        elif reservation.ended_at is not None:
            raise DomainError(
                ErrorCode.RESERVATION_ENDED, f"This reservation was {reservation.end_reason}.", "reservationId"
            )
        elif reservation.confirmed_at is None:
            raise DomainError(
                ErrorCode.RESERVATION_EXPIRED,
                "This reservation expired before it was confirmed; reserve the slot again if it is still free.",
                "reservationId",
            )
        return reservation


def _end(
    reservation: Reservation, state: ReservationState, now: datetime, actor_id: int | None, **fields: object
) -> None:
    # Never before it began: an app server whose clock runs behind the one that made the reservation would
    # otherwise build an inverted range for the exclusion constraint.
    reservation.ended_at = max(now, reservation.created_at)
    reservation.end_reason = state.value
    reservation.ended_by_id = actor_id
    for name, value in fields.items():
        setattr(reservation, name, value)
    reservation.save(update_fields=["ended_at", "end_reason", "ended_by", *fields])


def reservation_release(*, reservation_id: int, actor_id: int | None = None) -> Reservation:
    """Give up a hold before confirming it: the slot is free again at once. Releasing twice is harmless.

    Raises ALREADY_CONFIRMED for a booking (cancel it instead), RESERVATION_EXPIRED for a hold that already
    ran out, RESERVATION_ENDED if it was cancelled or rescheduled, NOT_FOUND for an unknown ID.
    """
    with transaction.atomic():
        reservation = _lock_reservation(reservation_id)
        now = timezone.now()
        state = reservation.state_at(now)
        if state is ReservationState.RELEASED:
            return reservation
        if state is ReservationState.CONFIRMED:
            raise DomainError(
                ErrorCode.ALREADY_CONFIRMED, "This reservation is confirmed: cancel it instead.", "reservationId"
            )
        if state is ReservationState.EXPIRED:
            raise DomainError(ErrorCode.RESERVATION_EXPIRED, "This hold has already expired.", "reservationId")
        if state is not ReservationState.HELD:
            raise DomainError(ErrorCode.RESERVATION_ENDED, f"This reservation was {state.value}.", "reservationId")
        _end(reservation, ReservationState.RELEASED, now, actor_id)
        _record(reservation, "released", now, actor_id)
        return reservation


def reservation_cancel(*, reservation_id: int, actor_id: int | None = None, reason: str = "") -> Reservation:
    """Cancel a reservation before its appointment starts: the slot is available again at once (when still
    at least 24 hours ahead). A client cancels their booking (a hold is released instead); a provider or
    staff may cancel a hold or a booking on the provider's slot, with a reason. Cancelling twice is harmless.

    Raises NOT_CONFIRMED (a client's own hold: release it), APPOINTMENT_STARTED, RESERVATION_EXPIRED,
    RESERVATION_ENDED (released or rescheduled) or NOT_FOUND. Who may cancel is checked by the API.
    """
    with transaction.atomic():
        reservation = _lock_reservation(reservation_id)
        now = timezone.now()
        state = reservation.state_at(now)
        if state is ReservationState.CANCELLED:
            return reservation
        if state is ReservationState.EXPIRED:
            raise DomainError(ErrorCode.RESERVATION_EXPIRED, "This hold has already expired.", "reservationId")
        if state in (ReservationState.RELEASED, ReservationState.RESCHEDULED):
            raise DomainError(ErrorCode.RESERVATION_ENDED, f"This reservation was {state.value}.", "reservationId")
        if reservation.appointment.start_time <= now:
            raise DomainError(ErrorCode.APPOINTMENT_STARTED, "The appointment has already started.", "reservationId")
        _end(reservation, ReservationState.CANCELLED, now, actor_id, cancel_reason=reason.strip()[:500])
        _record(reservation, "cancelled", now, actor_id, reason.strip()[:500])
        return reservation


def reservation_reschedule(*, reservation_id: int, appointment_id: int, actor_id: int | None = None) -> Reservation:
    """Move a booking to another slot, atomically: either the new booking exists and the old one is ended
    (RESCHEDULED, pointing to it), or nothing changed.

    The new slot obeys every rule of a new reservation (notice, free, no overlap with the client's other
    reservations, the booking being moved excepted); the new booking is confirmed at once. Returns the new
    booking. Raises NOT_CONFIRMED (only bookings move), APPOINTMENT_STARTED, RESERVATION_ENDED, NOT_FOUND, or
    the rules' errors (on field ``appointmentId``).
    """
    with transaction.atomic():
        old_slot_id = Reservation.objects.filter(pk=reservation_id).values_list("appointment_id", flat=True).first()
        if old_slot_id is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No reservation with this ID.", "reservationId")
        slots = _lock_slots([old_slot_id, appointment_id])
        new_slot = slots.get(appointment_id)
        if new_slot is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No appointment slot with this ID.", "appointmentId")
        booking = Reservation.objects.select_for_update().get(pk=reservation_id)
        client = _lock_client(booking.client_id)
        now = timezone.now()
        state = booking.state_at(now)
        if state in (ReservationState.HELD, ReservationState.EXPIRED):
            raise DomainError(ErrorCode.NOT_CONFIRMED, "Only a confirmed booking can be rescheduled.", "reservationId")
        if state is not ReservationState.CONFIRMED:
            raise DomainError(ErrorCode.RESERVATION_ENDED, f"This reservation was {state.value}.", "reservationId")
        if slots[old_slot_id].start_time <= now:
            raise DomainError(ErrorCode.APPOINTMENT_STARTED, "The appointment has already started.", "reservationId")
        if new_slot.pk == old_slot_id:
            raise DomainError(ErrorCode.SLOT_UNAVAILABLE, "The booking is already in this slot.", "appointmentId")
        _check_bookable(new_slot, client, now, field="appointmentId", moving=booking)
        _observe_expiries(new_slot, now)
        moved = _insert(
            appointment=new_slot,
            client=client,
            created_at=now,
            expires_at=now + rules.hold_duration(),
            confirmed_at=now,
        )
        _end(booking, ReservationState.RESCHEDULED, now, actor_id, rescheduled_to=moved)
        _record(booking, "rescheduled", now, actor_id, f"to reservation {moved.pk}")
        _record(moved, "confirmed", now, actor_id, f"rescheduled from reservation {booking.pk}")
        return moved
