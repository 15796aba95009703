"""Reservation: a client's hold on an appointment slot, which confirmation turns into a booking.

Expiry is worked out at query time from timestamps, never by a background job. A reservation is

- ``RELEASED``, ``CANCELLED`` or ``RESCHEDULED`` once ended (``ended_at`` set, ``end_reason`` says which);
  otherwise
- ``CONFIRMED`` once ``confirmed_at`` is set;
- ``HELD`` while unconfirmed and ``now < expires_at``;
- ``EXPIRED`` when unconfirmed and ``now >= expires_at`` (at exactly 30:00 the hold is gone).

A reservation is *live* when held or confirmed; a slot has at most one live reservation.
"""

import enum
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils import timezone

from reservation.timezones import local_label, zone_or_utc

from .loading import LoadedWithoutInit


class ReservationState(enum.Enum):
    """The state of a reservation at a given instant."""

    HELD = "held"
    EXPIRED = "expired"
    CONFIRMED = "confirmed"
    RELEASED = "released"
    """The client gave the hold up before confirming."""
    CANCELLED = "cancelled"
    """The booking was cancelled, by its client or by the slot's provider."""
    RESCHEDULED = "rescheduled"
    """The booking moved to another slot (``rescheduled_to``)."""


# How an ended reservation ended: the values of ``end_reason``, each a final state.
ENDED_STATES = (ReservationState.RELEASED, ReservationState.CANCELLED, ReservationState.RESCHEDULED)


class ReservationQuerySet(models.QuerySet["Reservation"]):
    """Reads over reservations by state; time-dependent filters take ``now`` (aware, UTC)."""

    def confirmed(self) -> "ReservationQuerySet":
        """Bookings: confirmed and not ended."""
        return self.filter(confirmed_at__isnull=False, ended_at__isnull=True)

    def held(self, now: datetime) -> "ReservationQuerySet":
        """Unconfirmed, not ended reservations whose hold has not run out at ``now``."""
        return self.filter(confirmed_at__isnull=True, ended_at__isnull=True, expires_at__gt=now)

    def expired(self, now: datetime) -> "ReservationQuerySet":
        """Unconfirmed, not ended reservations whose hold ran out at or before ``now``."""
        return self.filter(confirmed_at__isnull=True, ended_at__isnull=True, expires_at__lte=now)

    def live(self, now: datetime) -> "ReservationQuerySet":
        """Reservations that occupy their slot at ``now``: not ended, and confirmed or held and not expired.

        The same rule is written out in SQL in the hold's checks (`reservation.services.reservations.check_room`)
        and in the exclusion constraint (migration 0005): a change here changes them too."""
        return self.filter(Q(confirmed_at__isnull=False) | Q(expires_at__gt=now), ended_at__isnull=True)

    def in_state(self, state: ReservationState, now: datetime) -> "ReservationQuerySet":
        """Reservations in ``state`` at ``now``."""
        if state is ReservationState.CONFIRMED:
            return self.confirmed()
        if state is ReservationState.HELD:
            return self.held(now)
        if state is ReservationState.EXPIRED:
            return self.expired(now)
        return self.filter(end_reason=state.value)

    def with_state(self, now: datetime) -> "ReservationQuerySet":
        """Annotate each row with ``state`` (a `ReservationState` value) computed in SQL at ``now``."""
        return self.annotate(
            state=Case(
                *(When(end_reason=state.value, then=Value(state.value)) for state in ENDED_STATES),
                When(confirmed_at__isnull=False, then=Value(ReservationState.CONFIRMED.value)),
                When(expires_at__gt=now, then=Value(ReservationState.HELD.value)),
                default=Value(ReservationState.EXPIRED.value),
                output_field=models.CharField(),
            )
        )


class Reservation(LoadedWithoutInit, models.Model):
    """A client's reservation of one appointment slot, or of a visit (a `VisitType`) starting at that slot.

    ``appointment`` is the slot the visit starts at. ``starts_at``/``ends_at`` are the visit itself and
    ``covers_from``/``covers_until`` the time it occupies with its buffers, on ``provider``'s slots; for a
    single-slot reservation all four are the slot's times. The database refuses two live reservations of one
    provider whose covered times overlap (migration 0008, on PostgreSQL).

    ``expires_at`` is fixed when the hold is made (``created_at`` + ``RESERVATION_HOLD_MINUTES``), so that
    changing the setting never shortens or extends holds already given. Expired reservations are kept as
    history; they simply stop occupying the slot.
    """

    # No single-column index on a foreign key whose column leads a composite index below (appointment, client,
    # provider), and partial ones where most rows are NULL (ended_by, visit_type): a hold's INSERT maintains every
    # index of the table, and those five repeated others or indexed NULLs (docs/performance.md, 22).
    appointment = models.ForeignKey(
        "Appointment", on_delete=models.PROTECT, related_name="reservations", db_index=False
    )
    client = models.ForeignKey("Client", on_delete=models.PROTECT, related_name="reservations", db_index=False)
    created_at = models.DateTimeField(help_text="When the hold was made (UTC).")
    expires_at = models.DateTimeField(help_text="When the hold runs out unless confirmed (UTC).")
    confirmed_at = models.DateTimeField(null=True, blank=True, help_text="When the client confirmed (UTC).")
    ended_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was released, cancelled or rescheduled (UTC); it frees the slot."
    )
    end_reason = models.CharField(
        max_length=16,
        blank=True,
        choices=[(state.value, state.value) for state in ENDED_STATES],
        help_text="released, cancelled or rescheduled; empty while not ended.",
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    cancel_reason = models.CharField(max_length=500, blank=True, help_text="Why it was cancelled, if given.")
    rescheduled_to = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="rescheduled_from"
    )
    provider = models.ForeignKey(
        "Provider",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        help_text="Whose slots it covers (the slot's).",
    )
    visit_type = models.ForeignKey(
        "VisitType",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reservations",
        db_index=False,
        help_text="The visit booked; empty for a single 15-minute slot.",
    )
    starts_at = models.DateTimeField(help_text="Start of the visit (UTC): its first slot's start.")
    ends_at = models.DateTimeField(help_text="End of the visit (UTC), exclusive, buffers excluded.")
    covers_from = models.DateTimeField(help_text="Start of the time it occupies, buffer before included (UTC).")
    covers_until = models.DateTimeField(help_text="End of the time it occupies, buffer after included (UTC).")
    video_url = models.CharField(
        max_length=300,
        blank=True,
        help_text="The video visit's join link, given on confirmation; cleared when cancelled or moved.",
    )

    objects = ReservationQuerySet.as_manager()

    class Meta:
        constraints = [
            # At most one booking per slot, on every database. (On PostgreSQL an exclusion constraint added by
            # migration 0002 also forbids overlapping holds; see there.)
            models.UniqueConstraint(
                fields=["appointment"],
                condition=Q(confirmed_at__isnull=False, ended_at__isnull=True),
                name="reservation_one_booking_per_appointment",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True, end_reason="") | Q(ended_at__isnull=False) & ~Q(end_reason=""),
                name="reservation_ended_with_a_reason",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")), name="reservation_expires_after_creation"
            ),
            models.CheckConstraint(
                condition=Q(covers_from__lte=models.F("starts_at"))
                & Q(starts_at__lt=models.F("ends_at"))
                & Q(ends_at__lte=models.F("covers_until")),
                name="reservation_visit_within_cover",
            ),
            models.UniqueConstraint(
                fields=["video_url"], condition=~Q(video_url=""), name="reservation_unique_video_url"
            ),
        ]
        indexes = [
            models.Index(fields=["appointment", "expires_at"], name="reservation_appointment_idx"),
            models.Index(fields=["client", "expires_at"], name="reservation_client_idx"),
            # The root list's default order, newest first (reservedAt, then id).
            models.Index(fields=["created_at", "id"], name="reservation_created_id_idx"),
            models.Index(fields=["provider", "covers_from"], name="reservation_provider_cover_idx"),
            models.Index(
                fields=["provider", "covers_from"],
                condition=Q(visit_type__isnull=False),
                name="reservation_visit_cover_idx",
            ),
            # For deleting a user or a visit type (SET_NULL, PROTECT): only the rows that name one.
            models.Index(fields=["ended_by"], condition=Q(ended_by__isnull=False), name="reservation_ended_by_idx"),
            models.Index(
                fields=["visit_type"], condition=Q(visit_type__isnull=False), name="reservation_visit_type_idx"
            ),
        ]

    def __str__(self) -> str:
        """As people say it: "Ada Lovelace with Grace Hopper, Tue 2 Dec 2030 09:00 EST, confirmed" (the slot's
        time in the provider's zone, the state now). Reads the client, the slot and its provider: select them."""
        return f"{self.title()}, {self.state_at(timezone.now()).value}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Fill the provider and the covered times from the slot when not given: a single-slot reservation."""
        if self.provider_id is None or self.starts_at is None:
            slot = self.appointment
            self.provider_id = self.provider_id or slot.provider_id
            self.starts_at = self.starts_at or slot.start_time
            self.ends_at = self.ends_at or slot.end_time
            self.covers_from = self.covers_from or self.starts_at
            self.covers_until = self.covers_until or self.ends_at
        super().save(*args, **kwargs)

    def title(self) -> str:
        """Who with whom when: "Ada Lovelace with Grace Hopper, Tue 2 Dec 2030 09:00 EST" (no state)."""
        slot = self.appointment
        provider = slot.provider
        when = local_label(slot.start_time, zone_or_utc(provider.time_zone))
        client = self.client
        return f"{client.first_name} {client.last_name} with {provider.first_name} {provider.last_name}, {when}"

    def state_at(self, now: datetime) -> ReservationState:
        """This reservation's state at ``now``."""
        if self.ended_at is not None:
            return ReservationState(self.end_reason)
        if self.confirmed_at is not None:
            return ReservationState.CONFIRMED
        if now < self.expires_at:
            return ReservationState.HELD
        return ReservationState.EXPIRED
