"""What support staff do to reservations, one reservation at a time, told as an `Outcome` a person can read.

Each function calls the same domain service as the API's mutation (`reservation.services.reservations`), with
the staff member as the `Actor` (so the history records who did it), and never writes a row itself. It reports
whether this call changed anything ("confirmed"), whether there was nothing to do ("already confirmed"), or why
a rule refused it, with the rule's own message and details a person needs ("expired at 10:31 EST"). The admin's
actions (`reservation.admin.reservations`) show one `Outcome` per selected row.
"""

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from reservation.actors import Actor
from reservation.errors import DomainError, ErrorCode
from reservation.models import Reservation, ReservationState
from reservation.services.reservations import (
    reservation_cancel,
    reservation_confirm,
    reservation_release,
    reservation_reschedule,
)
from reservation.timezones import to_zone, zone_or_utc


class Result(enum.Enum):
    """What one staff action did to one reservation."""

    DONE = "done"
    """It changed the reservation."""
    UNCHANGED = "unchanged"
    """The reservation was already as asked (confirming a booking, cancelling a cancelled one)."""
    REFUSED = "refused"
    """A rule refused it; nothing was written."""


@dataclass(frozen=True)
class Outcome:
    """The result of one action on one reservation, and the sentence that says it (without the reservation's
    name: the caller prefixes it). ``code`` is the rule that refused it, if one did; ``reservation`` is the
    reservation as it is now (for a reschedule, the new booking)."""

    result: Result
    message: str
    reservation: Reservation | None = None
    code: ErrorCode | None = None


def _clock(instant: datetime, reservation: Reservation) -> str:
    """``instant`` as the time of day in the reservation's provider's zone, UTC beside: "10:31 EST (15:31 UTC)"."""
    zone = zone_or_utc(reservation.appointment.provider.time_zone)
    local = to_zone(instant, zone)
    if zone.key == "UTC":
        return f"{local:%H:%M} UTC"
    return f"{local:%H:%M} {local.tzname()} ({to_zone(instant, zone_or_utc('UTC')):%H:%M} UTC)"


def _refused(error: DomainError, reservation: Reservation) -> Outcome:
    message = error.message
    if error.code is ErrorCode.RESERVATION_EXPIRED:
        message = f"not done: the hold expired at {_clock(reservation.expires_at, reservation)}, unconfirmed."
    else:
        message = f"not done: {message}"
    return Outcome(Result.REFUSED, message, reservation, error.code)


def _load(reservation_id: int) -> Reservation:
    found = (
        Reservation.objects.select_related("client__user", "appointment__provider__user")
        .filter(pk=reservation_id)
        .first()
    )
    if found is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No reservation with this ID.", "reservation_id")
    return found


def _run(
    reservation_id: int,
    already: ReservationState,
    done: str,
    call: Callable[[], Reservation],
) -> Outcome:
    """Run ``call`` (a domain service) for the reservation; UNCHANGED if it was in ``already`` before."""
    try:
        before = _load(reservation_id)
    except DomainError as error:
        return Outcome(Result.REFUSED, f"not done: {error.message}", None, error.code)
    if before.state_at(timezone.now()) is already:
        return Outcome(Result.UNCHANGED, f"already {already.value}; nothing to do.", before)
    try:
        after = call()
    except DomainError as error:
        return _refused(error, before)
    return Outcome(Result.DONE, done, _load(after.pk))


def support_confirm(reservation_id: int, actor: Actor) -> Outcome:
    """Confirm a hold (`reservation_confirm`): RESERVATION_EXPIRED says when it expired, in the provider's zone."""
    return _run(
        reservation_id,
        ReservationState.CONFIRMED,
        "confirmed.",
        lambda: reservation_confirm(reservation_id=reservation_id, actor=actor),
    )


def support_release(reservation_id: int, actor: Actor) -> Outcome:
    """Release a hold (`reservation_release`): the slot is offered again at once."""
    return _run(
        reservation_id,
        ReservationState.RELEASED,
        "released; the slot is offered again.",
        lambda: reservation_release(reservation_id=reservation_id, actor=actor),
    )


def support_cancel(reservation_id: int, actor: Actor, reason: str) -> Outcome:
    """Cancel a hold or a booking (`reservation_cancel`) for ``reason``, which staff must give (INVALID on
    ``reason`` when blank: the client is told why); it is kept with the cancellation and in the history."""
    if not reason.strip():
        error = DomainError(ErrorCode.INVALID, "Say why you cancel: the client is told.", "reason")
        return Outcome(Result.REFUSED, f"not done: {error.message}", None, error.code)
    return _run(
        reservation_id,
        ReservationState.CANCELLED,
        "cancelled.",
        lambda: reservation_cancel(reservation_id=reservation_id, actor=actor, reason=reason),
    )


def support_reschedule(reservation_id: int, appointment_id: int, actor: Actor) -> Outcome:
    """Move a booking to another slot (`reservation_reschedule`); the outcome's reservation is the new booking."""
    try:
        before = _load(reservation_id)
    except DomainError as error:
        return Outcome(Result.REFUSED, f"not done: {error.message}", None, error.code)
    try:
        moved = reservation_reschedule(reservation_id=reservation_id, appointment_id=appointment_id, actor=actor)
    except DomainError as error:
        return _refused(error, before)
    moved = _load(moved.pk)
    return Outcome(Result.DONE, f"moved to {moved.appointment} (reservation {moved.pk}).", moved)
