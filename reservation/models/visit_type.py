"""Visit types: what a client books (a 45-minute intake, a 15-minute follow-up), built of whole slots.

A visit type says how many consecutive 15-minute slots a visit takes, how many free slots it keeps before and
after it (buffers), how much notice it needs (never less than the global 24 hours), how far ahead it may be
booked, whether it happens over video, and which providers offer it, each with an optional daily cap.
"""

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from .provider import Provider

MAX_SLOTS_PER_PART = 96
"""At most a day of slots for a visit and for each of its buffers (the check constraint below)."""

MINIMUM_NOTICE_FLOOR_HOURS = 24
"""No visit type lowers the global 24-hour rule (issue 13); the column refuses less."""


class VisitType(models.Model):
    """A kind of visit: its length and buffers in whole slots, its notice and booking window, video or not."""

    name = models.CharField(max_length=100, unique=True, help_text="Shown to clients, e.g. 'Intake (45 min)'.")
    description = models.CharField(max_length=500, blank=True)
    duration_slots = models.PositiveSmallIntegerField(
        help_text="Length of the visit in 15-minute slots (3 = 45 minutes)."
    )
    buffer_before_slots = models.PositiveSmallIntegerField(
        default=0, help_text="Free slots kept before the visit (preparation), in 15-minute slots."
    )
    buffer_after_slots = models.PositiveSmallIntegerField(
        default=0, help_text="Free slots kept after the visit (notes), in 15-minute slots."
    )
    minimum_notice_hours = models.PositiveIntegerField(
        default=MINIMUM_NOTICE_FLOOR_HOURS,
        help_text="Least time between booking and the visit's start, in hours (24 or more).",
    )
    booking_window_days = models.PositiveIntegerField(
        default=60, help_text="How many days ahead a visit may start, counted from the moment of booking."
    )
    is_video = models.BooleanField(default=False, help_text="A telehealth visit: confirming it gives a video link.")
    providers: "models.ManyToManyField[Provider, VisitTypeOffer]" = models.ManyToManyField(
        "Provider", through="VisitTypeOffer", related_name="visit_types", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("name",)
        constraints = [
            models.CheckConstraint(condition=Q(duration_slots__gte=1), name="visit_type_at_least_one_slot"),
            models.CheckConstraint(
                condition=Q(minimum_notice_hours__gte=MINIMUM_NOTICE_FLOOR_HOURS), name="visit_type_notice_floor"
            ),
            models.CheckConstraint(condition=Q(booking_window_days__gte=1), name="visit_type_window_at_least_a_day"),
            models.CheckConstraint(
                condition=Q(duration_slots__lte=96) & Q(buffer_before_slots__lte=96) & Q(buffer_after_slots__lte=96),
                name="visit_type_at_most_a_day",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def total_slots(self) -> int:
        """Slots a visit occupies, buffers included."""
        return self.buffer_before_slots + self.duration_slots + self.buffer_after_slots


class VisitTypeOffer(models.Model):
    """A provider offers a visit type, with an optional cap on visits of it per provider-local day."""

    visit_type = models.ForeignKey(VisitType, on_delete=models.CASCADE, related_name="offers")
    provider = models.ForeignKey("Provider", on_delete=models.CASCADE, related_name="visit_type_offers")
    daily_cap = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Most live visits of this type the provider takes per local day (their time zone); empty: no cap.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["visit_type", "provider"], name="visit_type_offer_unique"),
            models.CheckConstraint(
                condition=Q(daily_cap__isnull=True) | Q(daily_cap__gte=1), name="visit_type_offer_cap_positive"
            ),
        ]

    def __str__(self) -> str:
        cap = "" if self.daily_cap is None else f" (at most {self.daily_cap} a day)"
        return f"{self.provider} offers {self.visit_type}{cap}"
