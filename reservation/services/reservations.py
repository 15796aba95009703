"""Reserving an appointment slot (a hold) and confirming the reservation.

Concurrency: `reservation_create` locks the slot row, then the client row (always in that order, so two
requests cannot deadlock), inside one transaction, and only then reads the clock and checks for live
reservations. Every request for the same slot therefore queues on the same row lock and sees its
predecessor's committed hold. On PostgreSQL the exclusion constraint of migration 0002 refuses a second live
reservation even if this code were bypassed; on SQLite, whose `select_for_update` is a no-op, the settings'
``BEGIN IMMEDIATE`` transactions serialize writers instead.
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from reservation import rules
from reservation.errors import DomainError, ErrorCode
from reservation.models import Appointment, Client, Reservation


def reservation_create(*, client_id: int, appointment_id: int) -> Reservation:
    """Hold ``appointment_id`` for ``client_id`` for ``RESERVATION_HOLD_MINUTES`` (30 minutes).

    Rules: the slot starts at least ``RESERVATION_MIN_NOTICE_HOURS`` (24 h) from now (exactly 24 h is
    allowed); the slot has no live reservation; the client has no live reservation of a slot overlapping
    this one in time, with any provider.

    Raises `DomainError` with NOT_FOUND, INSUFFICIENT_NOTICE, SLOT_UNAVAILABLE or CLIENT_OVERLAP, having
    written nothing.
    """
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().filter(pk=appointment_id).first()
        if appointment is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No appointment slot with this ID.", "appointmentId")
        client = Client.objects.select_for_update().filter(pk=client_id).first()
        if client is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No client with this ID.", "clientId")

        # Read the clock only once the locks are held: a request that waited sees the time it runs at.
        now = timezone.now()
        if appointment.start_time - now < rules.minimum_notice():
            raise DomainError(
                ErrorCode.INSUFFICIENT_NOTICE,
                f"Reservations must be made at least {rules.minimum_notice().total_seconds() / 3600:g} hours "
                "before the appointment starts.",
                "appointmentId",
            )
        if Reservation.objects.live(now).filter(appointment=appointment).exists():
            raise DomainError(ErrorCode.SLOT_UNAVAILABLE, "This appointment slot is already taken.", "appointmentId")
        overlapping = Reservation.objects.live(now).filter(
            client=client,
            appointment__start_time__lt=appointment.end_time,
            appointment__end_time__gt=appointment.start_time,
        )
        if overlapping.exists():
            raise DomainError(
                ErrorCode.CLIENT_OVERLAP,
                "You already hold or have booked an appointment at this time.",
                "appointmentId",
            )
        try:
            with transaction.atomic():
                return Reservation.objects.create(
                    appointment=appointment, client=client, created_at=now, expires_at=now + rules.hold_duration()
                )
        except IntegrityError as error:
            # The database's own guard (the exclusion constraint) caught what the lock should have.
            raise DomainError(
                ErrorCode.SLOT_UNAVAILABLE, "This appointment slot is already taken.", "appointmentId"
            ) from error


def reservation_confirm(*, reservation_id: int, now: datetime | None = None) -> Reservation:
    """Confirm a held reservation, turning it into a booking.

    Confirming an already confirmed reservation returns it unchanged. A hold is confirmable while
    ``now < expires_at``; at or after ``expires_at`` it has expired and this raises
    `DomainError(RESERVATION_EXPIRED)`, changing nothing. Raises `DomainError(NOT_FOUND)` for an unknown ID.

    The check and the write are one conditional UPDATE, so a confirmation racing the expiry instant or
    another confirmation cannot both succeed on stale reads.
    """
    with transaction.atomic():
        now = now or timezone.now()
        try:
            with transaction.atomic():
                confirmed = Reservation.objects.filter(
                    pk=reservation_id, confirmed_at__isnull=True, expires_at__gt=now
                ).update(confirmed_at=now)
        except IntegrityError:
            # Only reachable if app servers' clocks disagree and another hold already took the slot.
            confirmed = 0
        reservation = Reservation.objects.filter(pk=reservation_id).first()
        if reservation is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No reservation with this ID.", "reservationId")
        if not confirmed and reservation.confirmed_at is None:
            raise DomainError(
                ErrorCode.RESERVATION_EXPIRED,
                "This reservation expired before it was confirmed; reserve the slot again if it is still free.",
                "reservationId",
            )
        return reservation
