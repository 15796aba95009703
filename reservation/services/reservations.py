"""A reservation's life: hold a slot, confirm, release, cancel, reschedule. Each change is recorded as history.

Concurrency: every write locks the slot row(s) first, in primary-key order, then the client row, inside one
transaction, and only then reads the clock and checks the rules. Requests for the same slot or client
therefore queue on the same row locks and see their predecessors' committed changes, and two requests cannot
deadlock. On PostgreSQL the exclusion constraint (migrations 0002 and 0005) refuses a second live reservation
of a slot even if this code were bypassed; on SQLite, whose `select_for_update` is a no-op, the settings'
``BEGIN IMMEDIATE`` transactions serialize writers instead.

``actor`` is who makes the change (`reservation.actors.Actor`): its user is recorded in the history, and its
roles decide the rules that depend on who acts (who may cancel what). Scripts and the system pass `SYSTEM`,
the default, recorded as no one. Who may call a service at all is the caller's check (the API's
`api.auth.permissions`, the admin's staff login).
"""

import secrets
from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from reservation import rules
from reservation.actors import SYSTEM, Actor
from reservation.errors import DomainError, ErrorCode
from reservation.models import Appointment, Client, EventKind, Reservation, ReservationEvent, ReservationState
from reservation.models.appointment import LONGEST_COVER_SLOTS
from reservation.services.locks import lock_client, lock_reservation, lock_slots
from reservation.services.transactions import atomic

SLOT_TAKEN = "This appointment slot is already taken."
REASON_MAX_LENGTH = 500  # ReservationEvent.note's and Reservation.cancel_reason's columns


def _record(reservation: Reservation, kind: EventKind, at: datetime, actor: Actor, note: str = "") -> None:
    """Add an event to the reservation's history (an expiry is never recorded: it is derived when read)."""
    ReservationEvent.objects.create(reservation=reservation, kind=kind, at=at, actor_id=actor.user_id, note=note)


# Every rule about the other live reservations in one statement (`check_room`). A live reservation is
# ReservationQuerySet.live()'s, written out: not ended, and confirmed or its hold not yet run out. What covers
# the slot is `reservation.models.appointment.covering`'s two ways, as availability reads them: a reservation
# of the slot itself, or a visit of its provider whose covered time (slots and buffers) overlaps it. Each
# branch of the OR is one index: the client's, the slot's, and the partial one on visits' covers.
_ROOM_SQL = """
SELECT
    COUNT(*) FILTER (WHERE appointment_id = %(slot)s
                     OR visit_type_id IS NOT NULL AND provider_id = %(provider)s AND covers_from > %(cover_floor)s
                        AND covers_from < %(slot_end)s AND covers_until > %(slot_start)s),
    COUNT(*) FILTER (WHERE client_id = %(client)s AND starts_at < %(ends_at)s AND ends_at > %(starts_at)s),
    COUNT(*) FILTER (WHERE client_id = %(client)s AND confirmed_at IS NULL)
FROM reservation_reservation
WHERE ended_at IS NULL AND (confirmed_at IS NOT NULL OR expires_at > %(now)s) AND id <> %(moving)s
    AND (client_id = %(client)s
         OR appointment_id = %(slot)s
         OR visit_type_id IS NOT NULL AND provider_id = %(provider)s AND covers_from > %(cover_floor)s
            AND covers_from < %(slot_end)s)
"""


def check_room(
    client: Client,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
    *,
    field: str,
    slot: Appointment | None = None,
    new_hold: bool = False,
    moving: Reservation | None = None,
) -> None:
    """Raise unless the live reservations at ``now`` (``moving`` left behind) leave room for a reservation of
    ``client`` from ``starts_at`` to ``ends_at``. One query answers every rule, which raise in this order:

    - SLOT_UNAVAILABLE, with ``slot``: a live reservation covers it (one of the slot itself, or a visit whose
      slots and buffers overlap it), exactly as availability sees it;
    - CLIENT_OVERLAP: the client has a live reservation overlapping ``[starts_at, ends_at)`` in time, with any
      provider (buffers are the provider's, not the client's);
    - TOO_MANY_HOLDS, with ``new_hold``: the client already holds ``RESERVATION_MAX_ACTIVE_HOLDS`` (3)
      unconfirmed reservations (a visit counts as one).

    Callers hold the slot and client locks, so what this reads cannot change before they write. Written in
    SQL, not as an ORM aggregate: this runs on every hold, and the ORM spent ten times as long building the
    statement as the database spent answering it. A test checks that its plan reads only indexes' ranges.
    """
    adapt = connection.ops.adapt_datetimefield_value  # aware UTC as each database stores it
    reach = LONGEST_COVER_SLOTS * rules.slot_duration()  # a visit's cover starts at most this long before a slot
    with connection.cursor() as cursor:
        cursor.execute(
            _ROOM_SQL,
            {
                "now": adapt(now),
                "client": client.pk,
                "starts_at": adapt(starts_at),
                "ends_at": adapt(ends_at),
                # No slot: NULL, which no reservation's slot or provider equals.
                "slot": slot.pk if slot else None,
                "provider": slot.provider_id if slot else None,
                "slot_start": adapt(slot.start_time) if slot else None,
                "slot_end": adapt(slot.end_time) if slot else None,
                "cover_floor": adapt(slot.start_time - reach) if slot else None,
                "moving": moving.pk if moving else 0,  # 0: no reservation's ID
            },
        )
        covering, overlapping, holding = cursor.fetchone()
    if covering:
        raise DomainError(ErrorCode.SLOT_UNAVAILABLE, SLOT_TAKEN, field)
    if overlapping:
        raise DomainError(
            ErrorCode.CLIENT_OVERLAP, "You already hold or have booked an appointment at this time.", field
        )
    if new_hold and holding >= rules.maximum_active_holds():
        raise DomainError(
            ErrorCode.TOO_MANY_HOLDS,
            f"You already hold {rules.maximum_active_holds()} unconfirmed reservations: confirm or release one.",
            field,
        )


def check_notice(starts_at: datetime, now: datetime, notice: timedelta, field: str) -> None:
    if starts_at - now < notice:
        raise DomainError(
            ErrorCode.INSUFFICIENT_NOTICE,
            f"Reservations must be made at least {notice.total_seconds() / 3600:g} hours "
            "before the appointment starts.",
            field,
        )


def _check_bookable(
    appointment: Appointment,
    client: Client,
    now: datetime,
    *,
    field: str,
    new_hold: bool = False,
    moving: Reservation | None = None,
) -> None:
    """Raise unless ``client`` may take ``appointment`` at ``now`` (``moving``, if given, is left behind).

    Rules: not withdrawn; at least the minimum notice ahead (24 h, exactly 24 h allowed); then those of
    `check_room` for the slot: no live reservation covering it (a visit covers its slots and buffers), none of
    the client overlapping it in time, and, for a ``new_hold``, the client's hold limit.
    """
    if appointment.withdrawn_at is not None:
        raise DomainError(ErrorCode.SLOT_UNAVAILABLE, "The provider withdrew this slot.", field)
    check_notice(appointment.start_time, now, rules.minimum_notice(), field)
    check_room(
        client,
        appointment.start_time,
        appointment.end_time,
        now,
        field=field,
        slot=appointment,
        new_hold=new_hold,
        moving=moving,
    )


def insert_reservation(**fields: object) -> Reservation:
    """Insert a reservation; the database's own guard (the exclusion constraint) means SLOT_UNAVAILABLE.

    The refusal ends the service (nothing runs after it), so within a mutation's `all_or_nothing` the insert
    needs no savepoint of its own: the mutation rolls everything back. Elsewhere `atomic` makes one.
    """
    try:
        with atomic():
            return Reservation.objects.create(**fields)
    except IntegrityError as error:
        raise DomainError(ErrorCode.SLOT_UNAVAILABLE, SLOT_TAKEN, "appointment_id") from error


def reservation_create(
    *,
    client_id: int,
    appointment_id: int,
    visit_type_id: int | None = None,
    any_provider: bool = False,
    actor: Actor = SYSTEM,
) -> Reservation:
    """Hold ``appointment_id`` for ``client_id`` for ``RESERVATION_HOLD_MINUTES`` (30 minutes).

    Without ``visit_type_id``, the one 15-minute slot. With it, a visit of that type starting at the slot:
    every slot of the visit and its buffers, all or nothing (`reservation.services.visits.visit_hold`); with
    ``any_provider`` as well, the visit starts at the slot's time with whichever provider offering the type
    is free then, chosen under the locks (the returned reservation's ``provider``).

    Rules: those of `_check_bookable` (or of a visit), and the client holds fewer than
    ``RESERVATION_MAX_ACTIVE_HOLDS`` (3) unconfirmed reservations, a visit counting as one. Raises
    `DomainError` with NOT_FOUND, INVALID, SLOT_UNAVAILABLE, INSUFFICIENT_NOTICE, CLIENT_OVERLAP,
    TOO_MANY_HOLDS, and for visits NOT_OFFERED, OUTSIDE_BOOKING_WINDOW or DAILY_CAP_REACHED, having written
    nothing.
    """
    if visit_type_id is not None:
        from reservation.services.visits import visit_hold  # visits build on this module's checks

        return visit_hold(
            client_id=client_id,
            appointment_id=appointment_id,
            visit_type_id=visit_type_id,
            any_provider=any_provider,
            actor=actor,
        )
    if any_provider:
        raise DomainError(ErrorCode.INVALID, "Any provider needs a visit type.", "any_provider")
    with atomic():
        appointment = lock_slots([appointment_id]).get(appointment_id)
        if appointment is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No appointment slot with this ID.", "appointment_id")
        client = lock_client(client_id)
        # Read the clock only once the locks are held: a request that waited sees the time it runs at.
        now = timezone.now()
        _check_bookable(appointment, client, now, field="appointment_id", new_hold=True)
        hold = insert_reservation(
            appointment=appointment, client=client, created_at=now, expires_at=now + rules.hold_duration()
        )
        _record(hold, EventKind.HELD, now, actor)
        return hold


def reservation_confirm(*, reservation_id: int, actor: Actor = SYSTEM, now: datetime | None = None) -> Reservation:
    """Confirm a held reservation, turning it into a booking.

    Confirming an already confirmed reservation returns it unchanged. A hold is confirmable while
    ``now < expires_at``; at or after ``expires_at`` it has expired and this raises
    `DomainError(RESERVATION_EXPIRED)`, changing nothing. Raises RESERVATION_ENDED for a released, cancelled
    or rescheduled reservation and NOT_FOUND for an unknown ID.

    The check and the write are one conditional UPDATE, so a confirmation racing the expiry instant or
    another confirmation cannot both succeed on stale reads.
    """
    with atomic():
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
            raise DomainError(ErrorCode.NOT_FOUND, "No reservation with this ID.", "reservation_id")
        if confirmed:
            give_video_link(reservation)
            _record(reservation, EventKind.CONFIRMED, now, actor)
        elif reservation.ended_at is not None:
            raise DomainError(
                ErrorCode.RESERVATION_ENDED, f"This reservation was {reservation.end_reason}.", "reservation_id"
            )
        elif reservation.confirmed_at is None:
            raise DomainError(
                ErrorCode.RESERVATION_EXPIRED,
                "This reservation expired before it was confirmed; reserve the slot again if it is still free.",
                "reservation_id",
            )
        return reservation


def _end(reservation: Reservation, state: ReservationState, now: datetime, actor: Actor, **fields: object) -> None:
    # Never before it began: an app server whose clock runs behind the one that made the reservation would
    # otherwise build an inverted range for the exclusion constraint.
    reservation.ended_at = max(now, reservation.created_at)
    reservation.end_reason = state.value
    reservation.ended_by_id = actor.user_id
    for name, value in fields.items():
        setattr(reservation, name, value)
    reservation.save(update_fields=["ended_at", "end_reason", "ended_by", *fields])


def reservation_release(*, reservation_id: int, actor: Actor = SYSTEM) -> Reservation:
    """Give up a hold before confirming it: the slot is free again at once. Releasing twice is harmless.

    Raises ALREADY_CONFIRMED for a booking (cancel it instead), RESERVATION_EXPIRED for a hold that already
    ran out, RESERVATION_ENDED if it was cancelled or rescheduled, NOT_FOUND for an unknown ID.
    """
    with atomic():
        reservation = lock_reservation(reservation_id)
        now = timezone.now()
        state = reservation.state_at(now)
        if state is ReservationState.RELEASED:
            return reservation
        if state is ReservationState.CONFIRMED:
            raise DomainError(
                ErrorCode.ALREADY_CONFIRMED, "This reservation is confirmed: cancel it instead.", "reservation_id"
            )
        if state is ReservationState.EXPIRED:
            raise DomainError(ErrorCode.RESERVATION_EXPIRED, "This hold has already expired.", "reservation_id")
        if state is not ReservationState.HELD:
            raise DomainError(ErrorCode.RESERVATION_ENDED, f"This reservation was {state.value}.", "reservation_id")
        _end(reservation, ReservationState.RELEASED, now, actor)
        _record(reservation, EventKind.RELEASED, now, actor)
        return reservation


def reservation_cancel(*, reservation_id: int, actor: Actor = SYSTEM, reason: str = "") -> Reservation:
    """Cancel a reservation before its appointment starts: the slot is available again at once (when still
    at least 24 hours ahead). Cancelling twice is harmless.

    Who may cancel what, by ``actor``: staff (and `SYSTEM`) anything; the reservation's client a booking, not a
    hold (NOT_CONFIRMED: release it instead); the slot's provider a hold or a booking, with a ``reason``
    (INVALID on ``reason`` without one, blank included: the client is told why). Anyone else gets NOT_FOUND,
    as for a reservation they may not see. The reason, stripped and cut to 500 characters, is kept as the
    cancellation's and in the history.

    Raises NOT_CONFIRMED, INVALID, APPOINTMENT_STARTED, RESERVATION_EXPIRED, RESERVATION_ENDED (released or
    rescheduled) or NOT_FOUND, having written nothing.
    """
    reason = reason.strip()[:REASON_MAX_LENGTH]
    with atomic():
        reservation = lock_reservation(reservation_id)
        appointment = reservation.appointment
        if actor.is_staff:
            pass
        elif actor.client_id is not None and actor.client_id == reservation.client_id:
            if reservation.confirmed_at is None and reservation.ended_at is None:
                raise DomainError(ErrorCode.NOT_CONFIRMED, "Release a hold instead of cancelling it.", "reservation_id")
        elif actor.provider_id is not None and actor.provider_id == appointment.provider_id:
            if not reason:
                raise DomainError(ErrorCode.INVALID, "Say why you cancel: the client is told.", "reason")
        else:
            raise DomainError(ErrorCode.NOT_FOUND, "No reservation with this ID.", "reservation_id")
        now = timezone.now()
        state = reservation.state_at(now)
        if state is ReservationState.CANCELLED:
            return reservation
        if state is ReservationState.EXPIRED:
            raise DomainError(ErrorCode.RESERVATION_EXPIRED, "This hold has already expired.", "reservation_id")
        if state in (ReservationState.RELEASED, ReservationState.RESCHEDULED):
            raise DomainError(ErrorCode.RESERVATION_ENDED, f"This reservation was {state.value}.", "reservation_id")
        if appointment.start_time <= now:
            raise DomainError(ErrorCode.APPOINTMENT_STARTED, "The appointment has already started.", "reservation_id")
        _end(reservation, ReservationState.CANCELLED, now, actor, cancel_reason=reason, video_url="")
        _record(reservation, EventKind.CANCELLED, now, actor, reason)
        return reservation


def reservation_reschedule(*, reservation_id: int, appointment_id: int, actor: Actor = SYSTEM) -> Reservation:
    """Move a booking to another slot, atomically: either the new booking exists and the old one is ended
    (RESCHEDULED, pointing to it), or nothing changed.

    The new slot obeys every rule of a new reservation (notice, free, no overlap with the client's other
    reservations, the booking being moved excepted); the new booking is confirmed at once. A visit moves as
    the same visit type to start at the new slot, with the new slot's provider, under the visit's rules
    (`reservation.services.visits.visit_reschedule`); a video visit gets a new link and the old one is
    cleared. Returns the new booking. Raises NOT_CONFIRMED (only bookings move), APPOINTMENT_STARTED,
    RESERVATION_ENDED, NOT_FOUND, or the rules' errors (on ``appointment_id``).
    """
    visit_type_id = Reservation.objects.filter(pk=reservation_id).values_list("visit_type_id", flat=True).first()
    if visit_type_id is not None:
        from reservation.services.visits import visit_reschedule  # visits build on this module's checks

        return visit_reschedule(reservation_id=reservation_id, appointment_id=appointment_id, actor=actor)
    with atomic():
        old_slot_id = Reservation.objects.filter(pk=reservation_id).values_list("appointment_id", flat=True).first()
        if old_slot_id is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No reservation with this ID.", "reservation_id")
        slots = lock_slots([old_slot_id, appointment_id])
        new_slot = slots.get(appointment_id)
        if new_slot is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No appointment slot with this ID.", "appointment_id")
        booking = Reservation.objects.select_for_update().get(pk=reservation_id)
        client = lock_client(booking.client_id)
        now = timezone.now()
        check_movable(booking, slots[old_slot_id], now)
        if new_slot.pk == old_slot_id:
            raise DomainError(ErrorCode.SLOT_UNAVAILABLE, "The booking is already in this slot.", "appointment_id")
        _check_bookable(new_slot, client, now, field="appointment_id", moving=booking)
        return move_booking(booking, now, actor, appointment=new_slot, client=client)


def check_movable(booking: Reservation, old_slot: Appointment, now: datetime) -> None:
    """Raise unless ``booking`` is a confirmed booking whose appointment has not started."""
    state = booking.state_at(now)
    if state in (ReservationState.HELD, ReservationState.EXPIRED):
        raise DomainError(ErrorCode.NOT_CONFIRMED, "Only a confirmed booking can be rescheduled.", "reservation_id")
    if state is not ReservationState.CONFIRMED:
        raise DomainError(ErrorCode.RESERVATION_ENDED, f"This reservation was {state.value}.", "reservation_id")
    if old_slot.start_time <= now:
        raise DomainError(ErrorCode.APPOINTMENT_STARTED, "The appointment has already started.", "reservation_id")


def move_booking(booking: Reservation, now: datetime, actor: Actor, **fields: object) -> Reservation:
    """End ``booking`` as RESCHEDULED and insert its confirmed replacement (``fields``), pointing the old one to
    it. The old one ends first, so that a move onto time the old one covers passes the exclusion constraint."""
    _end(booking, ReservationState.RESCHEDULED, now, actor, video_url="")
    moved = insert_reservation(created_at=now, expires_at=now + rules.hold_duration(), confirmed_at=now, **fields)
    give_video_link(moved)
    booking.rescheduled_to = moved
    booking.save(update_fields=["rescheduled_to"])
    _record(booking, EventKind.RESCHEDULED, now, actor, f"to reservation {moved.pk}")
    _record(moved, EventKind.CONFIRMED, now, actor, f"rescheduled from reservation {booking.pk}")
    return moved


def give_video_link(reservation: Reservation) -> None:
    """Give a confirmed video visit its join link: ``VIDEO_VISIT_URL_TEMPLATE`` with a fresh room name of 128
    random bits (`secrets.token_urlsafe`), unique (a partial unique index backs it). Nothing for other visits."""
    if reservation.visit_type_id is None or not reservation.visit_type.is_video:  # type: ignore[union-attr]
        return
    reservation.video_url = rules.video_visit_url_template().format(room=secrets.token_urlsafe(16))
    reservation.save(update_fields=["video_url"])
