"""Defining visit types and who offers them (staff, through the API or the admin). Issue 13.

Lengths are given in minutes and must be whole slots (15, 30, 45, ...); they are stored as slot counts.
The notice may not go below the global minimum notice (24 hours): the 24-hour rule is a floor.
"""

from dataclasses import dataclass

from reservation import rules
from reservation.errors import DomainError, ErrorCode
from reservation.models import Provider, VisitType, VisitTypeOffer
from reservation.models.visit_type import MAX_SLOTS_PER_PART
from reservation.services.transactions import atomic

MAX_SLOTS = MAX_SLOTS_PER_PART  # a day of slots for a visit or a buffer (the columns' check constraint)


@dataclass(frozen=True)
class VisitTypeSpec:
    """The fields of a visit type; None leaves a field as it is (on update) or takes its default (on create)."""

    name: str | None = None
    description: str | None = None
    duration_minutes: int | None = None
    buffer_before_minutes: int | None = None
    buffer_after_minutes: int | None = None
    minimum_notice_hours: int | None = None
    booking_window_days: int | None = None
    is_video: bool | None = None


def _slots(minutes: int, field: str, *, at_least: int) -> int:
    """``minutes`` as a whole number of slots, at least ``at_least``; NOT_ALIGNED or INVALID otherwise."""
    slot_minutes = int(rules.slot_duration().total_seconds() // 60)
    if minutes % slot_minutes:
        raise DomainError(ErrorCode.NOT_ALIGNED, f"Give a whole number of {slot_minutes}-minute slots.", field)
    slots = minutes // slot_minutes
    if not at_least <= slots <= MAX_SLOTS:
        raise DomainError(
            ErrorCode.INVALID, f"Between {at_least * slot_minutes} and {MAX_SLOTS * slot_minutes} minutes.", field
        )
    return slots


def _apply(visit_type: VisitType, spec: VisitTypeSpec) -> None:
    """Check ``spec`` and copy it onto ``visit_type`` (not saved)."""
    if spec.name is not None:
        name = spec.name.strip()
        if not name or len(name) > 100:
            raise DomainError(ErrorCode.INVALID, "A name of 1 to 100 characters.", "name")
        if VisitType.objects.filter(name__iexact=name).exclude(pk=visit_type.pk).exists():
            raise DomainError(ErrorCode.INVALID, "Another visit type has this name.", "name")
        visit_type.name = name
    if spec.description is not None:
        visit_type.description = spec.description.strip()[:500]
    if spec.duration_minutes is not None:
        visit_type.duration_slots = _slots(spec.duration_minutes, "duration_minutes", at_least=1)
    if spec.buffer_before_minutes is not None:
        visit_type.buffer_before_slots = _slots(spec.buffer_before_minutes, "buffer_before_minutes", at_least=0)
    if spec.buffer_after_minutes is not None:
        visit_type.buffer_after_slots = _slots(spec.buffer_after_minutes, "buffer_after_minutes", at_least=0)
    if spec.minimum_notice_hours is not None:
        floor = int(rules.minimum_notice().total_seconds() // 3600)
        if not floor <= spec.minimum_notice_hours <= 24 * 365:
            raise DomainError(
                ErrorCode.INVALID,
                f"At least {floor} hours: no visit type lowers the global notice.",
                "minimum_notice_hours",
            )
        visit_type.minimum_notice_hours = spec.minimum_notice_hours
    if spec.booking_window_days is not None:
        if not 1 <= spec.booking_window_days <= 730:
            raise DomainError(ErrorCode.INVALID, "Between 1 and 730 days.", "booking_window_days")
        visit_type.booking_window_days = spec.booking_window_days
    if spec.is_video is not None:
        visit_type.is_video = spec.is_video


def visit_type_create(spec: VisitTypeSpec) -> VisitType:
    """A new visit type. ``name`` and ``duration_minutes`` are required; buffers default to 0, notice to 24 h,
    window to 60 days, not video. Raises `DomainError` (INVALID, NOT_ALIGNED) having written nothing."""
    if spec.name is None:
        raise DomainError(ErrorCode.INVALID, "A visit type needs a name.", "name")
    if spec.duration_minutes is None:
        raise DomainError(ErrorCode.INVALID, "A visit type needs a duration.", "duration_minutes")
    visit_type = VisitType()
    _apply(visit_type, spec)
    with atomic():
        visit_type.save()
    return visit_type


def visit_type_update(visit_type_id: int, spec: VisitTypeSpec) -> VisitType:
    """Change the given fields of a visit type. Visits already held or booked keep the times they cover; new
    ones follow the new definition. Raises NOT_FOUND, INVALID, NOT_ALIGNED, having written nothing."""
    with atomic():
        visit_type = VisitType.objects.select_for_update(no_key=True).filter(pk=visit_type_id).first()
        if visit_type is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No visit type with this ID.", "visit_type_id")
        _apply(visit_type, spec)
        visit_type.save()
        return visit_type


def visit_type_offer_set(
    *, visit_type_id: int, provider_id: int, offered: bool, daily_cap: int | None = None
) -> VisitType:
    """Say whether a provider offers a visit type, and their daily cap of it (None: no cap; per provider-local
    day). Withdrawing an offer leaves visits already held or booked alone. Raises NOT_FOUND, INVALID."""
    if daily_cap is not None and not 1 <= daily_cap <= 96:
        raise DomainError(ErrorCode.INVALID, "A daily cap between 1 and 96, or none.", "daily_cap")
    with atomic():
        visit_type = VisitType.objects.filter(pk=visit_type_id).first()
        if visit_type is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No visit type with this ID.", "visit_type_id")
        if not Provider.objects.filter(pk=provider_id).exists():
            raise DomainError(ErrorCode.NOT_FOUND, "No provider with this ID.", "provider_id")
        if offered:
            VisitTypeOffer.objects.update_or_create(
                visit_type=visit_type, provider_id=provider_id, defaults={"daily_cap": daily_cap}
            )
        else:
            VisitTypeOffer.objects.filter(visit_type=visit_type, provider_id=provider_id).delete()
        return visit_type
