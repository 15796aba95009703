"""Reservation history: every state change, who made it and when."""

from django.conf import settings
from django.db import models


class EventKind(models.TextChoices):
    """What happened to a reservation. Every kind but EXPIRED is recorded when it happens; EXPIRED is derived
    when the history is read (at the hold's ``expires_at``), never stored: expiry is never a job."""

    HELD = "held", "held"
    CONFIRMED = "confirmed", "confirmed"
    EXPIRED = "expired", "expired"
    RELEASED = "released", "released"
    CANCELLED = "cancelled", "cancelled"
    RESCHEDULED = "rescheduled", "rescheduled"


class ReservationEvent(models.Model):
    """One recorded change of a reservation's state (an `EventKind`), by whom (null for the system) and when
    (UTC). An expiry is not recorded: `reservation.selectors.reservation_histories` adds it when read."""

    reservation = models.ForeignKey("Reservation", on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True, help_text="A cancellation's reason, or the new slot.")

    class Meta:
        indexes = [models.Index(fields=["reservation", "at"], name="reservation_event_idx")]

    def __str__(self) -> str:
        return f"{self.kind} at {self.at:%Y-%m-%d %H:%M:%S} UTC (reservation {self.reservation_id})"
