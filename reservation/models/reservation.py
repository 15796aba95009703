"""Reservation: a client's hold on an appointment slot, which confirmation turns into a booking.

Expiry is worked out at query time from timestamps, never by a background job: a reservation is

- ``CONFIRMED`` once ``confirmed_at`` is set;
- ``HELD`` while unconfirmed and ``now < expires_at``;
- ``EXPIRED`` when unconfirmed and ``now >= expires_at`` (at exactly 30:00 the hold is gone).

A reservation is *live* when held or confirmed; a slot has at most one live reservation.
"""

import enum
from datetime import datetime

from django.db import models
from django.db.models import Case, Q, Value, When


class ReservationState(enum.Enum):
    """The state of a reservation at a given instant."""

    HELD = "held"
    EXPIRED = "expired"
    CONFIRMED = "confirmed"


class ReservationQuerySet(models.QuerySet["Reservation"]):
    """Reads over reservations by state; time-dependent filters take ``now`` (aware, UTC)."""

    def confirmed(self) -> "ReservationQuerySet":
        """Reservations that were confirmed."""
        return self.filter(confirmed_at__isnull=False)

    def held(self, now: datetime) -> "ReservationQuerySet":
        """Unconfirmed reservations whose hold has not run out at ``now``."""
        return self.filter(confirmed_at__isnull=True, expires_at__gt=now)

    def expired(self, now: datetime) -> "ReservationQuerySet":
        """Unconfirmed reservations whose hold ran out at or before ``now``."""
        return self.filter(confirmed_at__isnull=True, expires_at__lte=now)

    def live(self, now: datetime) -> "ReservationQuerySet":
        """Reservations that occupy their slot at ``now``: confirmed, or held and not expired."""
        return self.filter(Q(confirmed_at__isnull=False) | Q(expires_at__gt=now))

    def in_state(self, state: ReservationState, now: datetime) -> "ReservationQuerySet":
        """Reservations in ``state`` at ``now``."""
        if state is ReservationState.CONFIRMED:
            return self.confirmed()
        if state is ReservationState.HELD:
            return self.held(now)
        return self.expired(now)

    def with_state(self, now: datetime) -> "ReservationQuerySet":
        """Annotate each row with ``state`` (a `ReservationState` value) computed in SQL at ``now``."""
        return self.annotate(
            state=Case(
                When(confirmed_at__isnull=False, then=Value(ReservationState.CONFIRMED.value)),
                When(expires_at__gt=now, then=Value(ReservationState.HELD.value)),
                default=Value(ReservationState.EXPIRED.value),
                output_field=models.CharField(),
            )
        )


class Reservation(models.Model):
    """A client's reservation of one appointment slot.

    ``expires_at`` is fixed when the hold is made (``created_at`` + ``RESERVATION_HOLD_MINUTES``), so that
    changing the setting never shortens or extends holds already given. Expired reservations are kept as
    history; they simply stop occupying the slot.
    """

    appointment = models.ForeignKey("Appointment", on_delete=models.PROTECT, related_name="reservations")
    client = models.ForeignKey("Client", on_delete=models.PROTECT, related_name="reservations")
    created_at = models.DateTimeField(help_text="When the hold was made (UTC).")
    expires_at = models.DateTimeField(help_text="When the hold runs out unless confirmed (UTC).")
    confirmed_at = models.DateTimeField(null=True, blank=True, help_text="When the client confirmed (UTC).")

    objects = ReservationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # At most one booking per slot, on every database. (On PostgreSQL an exclusion constraint added by
            # migration 0002 also forbids overlapping holds; see there.)
            models.UniqueConstraint(
                fields=["appointment"],
                condition=Q(confirmed_at__isnull=False),
                name="reservation_one_confirmed_per_appointment",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")), name="reservation_expires_after_creation"
            ),
        ]
        indexes = [
            models.Index(fields=["appointment", "expires_at"], name="reservation_appointment_idx"),
            models.Index(fields=["client", "expires_at"], name="reservation_client_idx"),
        ]

    def __str__(self) -> str:
        return f"Reservation {self.pk} of {self.appointment_id} by {self.client_id}"

    def state_at(self, now: datetime) -> ReservationState:
        """This reservation's state at ``now``."""
        if self.confirmed_at is not None:
            return ReservationState.CONFIRMED
        if now < self.expires_at:
            return ReservationState.HELD
        return ReservationState.EXPIRED
