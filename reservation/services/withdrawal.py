"""Withdrawing slots: a provider stops offering them, and what a schedule change did to the slots.

A withdrawn slot gets ``withdrawn_at``; it is never deleted, so its reservations' history stays, and it is no
longer available or reservable. A slot that a live or confirmed reservation holds is never withdrawn: it is
kept as it is and reported (`KeptSlot`), so a provider learns which clients to talk to first.
"""

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from reservation import rules
from reservation.errors import DomainError, ErrorCode
from reservation.models import Appointment, Reservation
from reservation.services.locks import chunks, lock_provider, lock_slots
from reservation.services.transactions import atomic
from reservation.validation import check_aware, check_range

MAX_WITHDRAW_IDS = 100
"""Most slots one availabilityWithdraw may name by ID."""


class KeptReason(enum.Enum):
    """Why a slot that was to be withdrawn is still offered."""

    HELD = "held"
    """A client holds it (an unconfirmed reservation younger than 30 minutes)."""
    BOOKED = "booked"
    """A client booked it (a confirmed reservation)."""


@dataclass(frozen=True)
class KeptSlot:
    """A slot left as it was because a live or confirmed reservation holds it."""

    appointment: Appointment
    reason: KeptReason


@dataclass
class SlotChanges:
    """What a schedule change or a withdrawal did to the slots: counts, and the slots kept (by start time)."""

    added: int = 0
    restored: int = 0
    withdrawn: int = 0
    kept: list[KeptSlot] = field(default_factory=list)

    def __add__(self, other: "SlotChanges") -> "SlotChanges":
        return SlotChanges(
            added=self.added + other.added,
            restored=self.restored + other.restored,
            withdrawn=self.withdrawn + other.withdrawn,
            kept=sorted([*self.kept, *other.kept], key=lambda kept: (kept.appointment.start_time, kept.appointment.pk)),
        )


def withdraw_free_slots(appointment_ids: Sequence[int], now: datetime) -> tuple[int, list[KeptSlot]]:
    """Withdraw the free slots among ``appointment_ids``; keep (and return, by start time) those a live
    reservation holds or covers (a visit's slots and buffers). Returns how many were withdrawn and the kept slots.

    Locks the slots first (`reservation.services.locks`), then looks for live reservations with a fresh query,
    so a hold committed while waiting is seen. Already withdrawn slots are left as they are. The caller runs
    this inside its transaction.
    """
    slots = list(lock_slots(appointment_ids, offered_only=True).values())
    reasons: dict[int, KeptReason] = {}
    for batch in chunks(slots):
        # A slot is held or booked when a live reservation of its provider covers it: a visit covers every
        # slot of its time and buffers, not only the one it starts at.
        live = Reservation.objects.live(now).filter(
            provider_id__in={slot.provider_id for slot in batch},
            covers_from__lt=max(slot.end_time for slot in batch),
            covers_until__gt=min(slot.start_time for slot in batch),
        )
        covers = list(live.values_list("provider_id", "covers_from", "covers_until", "confirmed_at"))
        for slot in batch:
            covering = [
                confirmed_at
                for provider_pk, covers_from, covers_until, confirmed_at in covers
                if provider_pk == slot.provider_id and covers_from < slot.end_time and covers_until > slot.start_time
            ]
            if covering:
                booked = any(confirmed_at is not None for confirmed_at in covering)
                reasons[slot.pk] = KeptReason.BOOKED if booked else KeptReason.HELD
    withdrawn = 0
    for chunk in chunks([slot.pk for slot in slots if slot.pk not in reasons]):
        withdrawn += Appointment.objects.filter(pk__in=chunk).update(withdrawn_at=now)
    kept = [
        KeptSlot(slot, reasons[slot.pk])
        for slot in sorted(slots, key=lambda slot: (slot.start_time, slot.pk))
        if slot.pk in reasons
    ]
    return withdrawn, kept


def availability_withdraw(
    *,
    provider_id: int,
    start_time: datetime | None = None,
    end_time: datetime | None = None,
    appointment_ids: Sequence[int] | None = None,
    now: datetime | None = None,
) -> SlotChanges:
    """Stop offering a provider's slots: those starting in ``[start_time, end_time)``, or those named by ID.

    Free slots get ``withdrawn_at``; slots with a live or confirmed reservation are kept as they are and
    reported (HELD, BOOKED). Slots that already started are left alone by a range, and refused (IN_THE_PAST)
    by ID. Withdrawing twice is harmless. Raises `DomainError` INVALID, NOT_FOUND, NAIVE_DATETIME,
    INVALID_RANGE, RANGE_TOO_LONG, IN_THE_PAST.
    """
    now = now or timezone.now()
    window: tuple[datetime, datetime] | None = None
    if start_time is not None or end_time is not None:
        if appointment_ids is not None:
            raise DomainError(ErrorCode.INVALID, "Give either a start and an end, or slot IDs.")
        window = _window(start_time, end_time)
    elif appointment_ids is None:
        raise DomainError(ErrorCode.INVALID, "Give either a start and an end, or slot IDs.")
    elif not 0 < len(set(appointment_ids)) <= MAX_WITHDRAW_IDS:
        raise DomainError(ErrorCode.INVALID, f"Name 1 to {MAX_WITHDRAW_IDS} slots.", "appointment_ids")

    with atomic():
        provider = lock_provider(provider_id)
        if window is not None:
            ids = list(
                Appointment.objects.filter(
                    provider=provider,
                    start_time__gte=max(window[0], now),
                    start_time__lt=window[1],
                    withdrawn_at__isnull=True,
                ).values_list("pk", flat=True)
            )
        else:
            ids = sorted(set(appointment_ids or ()))
            found = dict(Appointment.objects.filter(pk__in=ids, provider=provider).values_list("pk", "start_time"))
            if len(found) != len(ids):
                raise DomainError(ErrorCode.NOT_FOUND, "No slot of this provider with this ID.", "appointment_ids")
            if any(start < now for start in found.values()):
                raise DomainError(
                    ErrorCode.IN_THE_PAST, "A slot that has already started cannot be withdrawn.", "appointment_ids"
                )
        withdrawn, kept = withdraw_free_slots(ids, now)
    return SlotChanges(withdrawn=withdrawn, kept=kept)


def _window(start_time: datetime | None, end_time: datetime | None) -> tuple[datetime, datetime]:
    """``(start_time, end_time)`` after checking them: both given, with offsets, in order, at most 31 days."""
    if start_time is None or end_time is None:
        missing = "end_time" if end_time is None else "start_time"
        raise DomainError(ErrorCode.INVALID, "Give both the start and the end.", missing)
    check_aware(start_time, "start_time")
    check_aware(end_time, "end_time")
    check_range(start_time, end_time, longest=rules.maximum_range())
    return start_time, end_time
