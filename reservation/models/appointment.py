"""Appointment slot: one bookable interval of a provider's availability."""

from datetime import datetime
from typing import Any, TypeVar

from django.db import models
from django.db.models import Exists, OuterRef, Q

from reservation import rules
from reservation.shifted import Shifted
from reservation.timezones import local_label, zone_or_utc

from .loading import LoadedWithoutInit
from .reservation import Reservation, ReservationQuerySet
from .visit_type import MAX_SLOTS_PER_PART


class SlotSource(models.TextChoices):
    """What published a slot."""

    RANGE = "range", "availability range"
    """An availability range (appointmentBulkCreate, availabilityAddLocal): a schedule change leaves it alone."""
    SCHEDULE = "schedule", "weekly schedule"
    """The weekly schedule and its date overrides: published for the horizon, withdrawn when no longer wanted."""


class SlotState(models.TextChoices):
    """What a slot is at an instant, for the people who manage it (`reservation.selectors.slots_with_state`)."""

    OPEN = "open", "Open"
    """Available: a client may reserve it (``AppointmentQuerySet.available``)."""
    HELD = "held", "Held"
    """A client holds it (an unconfirmed reservation younger than 30 minutes)."""
    BOOKED = "booked", "Booked"
    """A confirmed reservation books it."""
    CLOSED = "closed", "Closed"
    """Free, but starting within the minimum notice (24 hours), or already started."""
    WITHDRAWN = "withdrawn", "Withdrawn"
    """Free, and no longer offered by the provider."""


LONGEST_COVER_SLOTS = 3 * MAX_SLOTS_PER_PART
"""A reservation covers at most a visit and two buffers of 96 slots each (the visit type's check constraint)."""


def covering(reservations: ReservationQuerySet) -> tuple[Exists, Exists]:
    """The two ways one of ``reservations`` covers the outer slot, as separate EXISTS: one of the slot itself
    (a single-slot reservation, or a visit starting there: the index on the slot), or a visit of the slot's
    provider whose covered time (its slots and buffers) overlaps the slot's (the partial index on visits'
    covers, bounded below by the longest possible cover so that it reads a few days, not the provider's whole
    past). Exclude them one at a time (`uncovered`): PostgreSQL plans each NOT EXISTS as an index probe per
    slot, whereas NOT (a OR b) made it hash every live reservation first, which grows with the table.
    """
    of_the_slot = reservations.filter(appointment=OuterRef("pk"))
    visits_over_it = reservations.filter(
        visit_type__isnull=False,
        provider=OuterRef("provider_id"),
        covers_from__gt=Shifted(OuterRef("start_time"), -LONGEST_COVER_SLOTS * rules.slot_duration()),
        covers_from__lt=OuterRef("end_time"),
        covers_until__gt=OuterRef("start_time"),
    )
    return Exists(of_the_slot), Exists(visits_over_it)


def covered_by(reservations: ReservationQuerySet) -> Q:
    """Whether one of ``reservations`` covers the outer slot (either way of `covering`)."""
    of_the_slot, visits_over_it = covering(reservations)
    return Q(of_the_slot) | Q(visits_over_it)


_Slots = TypeVar("_Slots", bound=models.QuerySet[Any])


def uncovered(slots: _Slots, reservations: ReservationQuerySet) -> _Slots:
    """``slots`` without those one of ``reservations`` covers (each way of `covering` excluded on its own)."""
    of_the_slot, visits_over_it = covering(reservations)
    return slots.exclude(of_the_slot).exclude(visits_over_it)


class AppointmentQuerySet(models.QuerySet["Appointment"]):
    """Reads over appointment slots; every time-dependent filter takes ``now`` (aware, UTC)."""

    def free(self, now: datetime) -> "AppointmentQuerySet":
        """Slots offered (not withdrawn) and covered by no live reservation at ``now``, whatever its notice."""
        return uncovered(self.filter(withdrawn_at__isnull=True), Reservation.objects.live(now))

    def available(self, now: datetime) -> "AppointmentQuerySet":
        """Slots a client may reserve at ``now``.

        Not withdrawn, covered by no live reservation (confirmed, or held and not yet expired; a visit covers
        each slot of its time and buffers) and starting at least the minimum notice (24 h) after ``now``.
        """
        return self.free(now).filter(start_time__gte=now + rules.minimum_notice())

    def confirmed(self) -> "AppointmentQuerySet":
        """Slots covered by a confirmed reservation (a booked visit covers all its slots and buffers)."""
        return self.filter(covered_by(Reservation.objects.confirmed()))


class Appointment(LoadedWithoutInit, models.Model):
    """A slot of a provider's availability, ``RESERVATION_SLOT_MINUTES`` long (15 minutes), in UTC.

    Slots are created by splitting an availability range (see `services.availability`). A provider has at
    most one slot starting at a given instant: the unique constraint makes re-submitting an overlapping range
    safe, even from concurrent requests.
    """

    provider = models.ForeignKey("Provider", on_delete=models.CASCADE, related_name="appointments")
    start_time = models.DateTimeField(help_text="Start of the slot (UTC).")
    end_time = models.DateTimeField(help_text="End of the slot (UTC), exclusive.")
    created_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(
        max_length=16,
        choices=SlotSource.choices,
        default=SlotSource.RANGE,
        help_text="What published it: an availability range (appointmentBulkCreate) or the weekly schedule.",
    )
    withdrawn_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the provider withdrew it (UTC): no longer offered; kept for its reservations' history.",
    )

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "start_time"], name="appointment_unique_provider_start"),
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")), name="appointment_ends_after_start"
            ),
        ]
        indexes = [
            # The root lists' order (timeSlot, then id) and their start windows; a provider's slots use the unique
            # (provider, start_time) constraint's index.
            models.Index(fields=["start_time", "id"], name="appointment_start_id_idx"),
        ]

    def __str__(self) -> str:
        """ "Grace Hopper, Tue 2 Dec 2030 09:00 EST": the provider and the start in their zone (select the provider)."""
        provider = self.provider
        when = local_label(self.start_time, zone_or_utc(provider.time_zone))
        return f"{provider.first_name} {provider.last_name}, {when}"
