"""Reservation history: every state change, who made it and when."""

from django.conf import settings
from django.db import models


class ReservationEvent(models.Model):
    """One change of a reservation's state: held, confirmed, expired (as observed), released, cancelled or
    rescheduled; by whom (null for the system) and when (UTC)."""

    KINDS = ["held", "confirmed", "expired", "released", "cancelled", "rescheduled"]

    reservation = models.ForeignKey("Reservation", on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=[(kind, kind) for kind in KINDS])
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True, help_text="A cancellation's reason, or the new slot.")

    class Meta:
        ordering = ["reservation_id", "at", "id"]
        indexes = [models.Index(fields=["reservation", "at"], name="reservation_event_idx")]

    def __str__(self) -> str:
        return f"{self.reservation_id} {self.kind} at {self.at:%Y-%m-%d %H:%M:%S}"
