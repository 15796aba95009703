"""Holding and moving a visit of a `VisitType` (issue 13): every slot it and its buffers need, all or nothing.

Locks, in the one order of `reservation.services.locks`: the row of each provider who could take the visit
(one, or with "any provider" every provider offering the type), in primary-key order; then every slot of
theirs in the visit's covered time, in primary-key order; then the client's row; then, to move a booking,
its row. Only then is the clock read and are the rules checked, so the provider an "any provider" request
gets is chosen from what the locks protect, never from a read made before them. Locking the providers'
rows serializes the visits of one provider, which is what keeps a daily cap exact under concurrency; the
slot locks serialize a visit against single-slot holds of the same slots. On PostgreSQL the exclusion
constraint of migration 0010 refuses overlapping covered times of one provider even if this were bypassed.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Max
from django.utils import timezone

from reservation import rules, visits
from reservation.actors import SYSTEM, Actor
from reservation.errors import DomainError, ErrorCode
from reservation.models import Appointment, Client, EventKind, Provider, Reservation, VisitType, VisitTypeOffer
from reservation.selectors import visits_per_local_day
from reservation.services.locks import lock_client, lock_slots
from reservation.services.reservations import (
    _record as record_event,
)
from reservation.services.reservations import (
    check_movable,
    check_notice,
    check_room,
    insert_reservation,
    move_booking,
)
from reservation.services.transactions import atomic
from reservation.timezones import get_zone, local_date, local_day

FIELD = "appointment_id"


@dataclass(frozen=True)
class Candidate:
    """A provider who could take the visit, with their offer and, once locked, their slots in its cover."""

    provider: Provider
    offer: VisitTypeOffer
    slots: list[Appointment]


def _visit_type(visit_type_id: int) -> VisitType:
    visit_type = VisitType.objects.filter(pk=visit_type_id).first()
    if visit_type is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No visit type with this ID.", "visit_type_id")
    return visit_type


def _lock_candidates(visit_type: VisitType, provider_ids: Sequence[int] | None, cover: visits.Cover) -> list[Candidate]:
    """Lock the offering providers (all, or those of ``provider_ids``) and their slots in ``cover``."""
    offers = VisitTypeOffer.objects.filter(visit_type=visit_type)
    if provider_ids is not None:
        offers = offers.filter(provider_id__in=list(provider_ids))
    offer_by_provider = {offer.provider_id: offer for offer in offers}
    providers = list(
        Provider.objects.select_for_update(no_key=True).filter(pk__in=list(offer_by_provider)).order_by("pk")
    )
    slot_ids = Appointment.objects.filter(
        provider_id__in=[provider.pk for provider in providers],
        start_time__gte=cover.covers_from,
        start_time__lt=cover.covers_until,
    ).values_list("pk", flat=True)
    locked = sorted(lock_slots(list(slot_ids)).values(), key=lambda slot: slot.start_time)
    return [
        Candidate(
            provider, offer_by_provider[provider.pk], [slot for slot in locked if slot.provider_id == provider.pk]
        )
        for provider in providers
    ]


def _refusal(
    candidate: Candidate,
    visit_type: VisitType,
    cover: visits.Cover,
    busy: set[int],
    day_counts: dict[tuple[int, date], int],
) -> DomainError | None:
    """Why ``candidate`` cannot take the visit now, or None if they can."""
    slots = candidate.slots
    if len(slots) != cover.slot_count or any(slot.withdrawn_at is not None for slot in slots):
        return DomainError(
            ErrorCode.SLOT_UNAVAILABLE,
            f"The visit and its buffers need {cover.slot_count} consecutive offered slots of one provider "
            "from this start.",
            FIELD,
        )
    zone = _zone(candidate.provider)
    if visits.straddles_offset_change(cover, zone):
        return DomainError(ErrorCode.SLOT_UNAVAILABLE, "The visit would span the provider's clock change (DST).", FIELD)
    if candidate.provider.pk in busy:
        return DomainError(ErrorCode.SLOT_UNAVAILABLE, "Part of this visit's time is already taken.", FIELD)
    cap = candidate.offer.daily_cap
    if cap is not None and day_counts.get((candidate.provider.pk, local_date(cover.starts_at, zone)), 0) >= cap:
        return DomainError(
            ErrorCode.DAILY_CAP_REACHED,
            f"This provider takes at most {cap} visits of this type that day.",
            FIELD,
        )
    return None


def _zone(provider: Provider) -> ZoneInfo:
    """The provider's zone (UTC if this machine does not know it)."""
    try:
        return get_zone(provider.time_zone)
    except DomainError:
        return ZoneInfo("UTC")


def _choose(
    visit_type: VisitType,
    candidates: Sequence[Candidate],
    cover: visits.Cover,
    now: datetime,
    *,
    moving: Reservation | None = None,
) -> Candidate:
    """The candidate who takes the visit, under the locks: the only one, or, among several who fit, the one
    with the fewest live reservations on their local day of the visit, then the one whose last visit of this
    type was reserved longest ago (round robin), then by primary key. Raises the first refusal when none fits."""
    live = Reservation.objects.live(now)
    if moving is not None:
        live = live.exclude(pk=moving.pk)
    provider_ids = [candidate.provider.pk for candidate in candidates]
    busy = set(
        live.filter(
            provider_id__in=provider_ids, covers_from__lt=cover.covers_until, covers_until__gt=cover.covers_from
        ).values_list("provider_id", flat=True)
    )
    margin = timedelta(hours=26)  # a local day lies within 26 hours of any of its instants
    day_counts = visits_per_local_day(
        visit_type,
        [candidate.provider for candidate in candidates],
        now,
        cover.starts_at - margin,
        cover.starts_at + margin,
        excluding=moving.pk if moving is not None else None,
    )
    fitting, first_refusal = [], None
    for candidate in candidates:
        refusal = _refusal(candidate, visit_type, cover, busy, day_counts)
        if refusal is None:
            fitting.append(candidate)
        else:
            first_refusal = first_refusal or refusal
    if not fitting:
        if len(candidates) == 1 and first_refusal is not None:
            raise first_refusal
        raise DomainError(
            ErrorCode.SLOT_UNAVAILABLE, "No provider who offers this visit type is free at this time.", FIELD
        )
    if len(fitting) == 1:
        return fitting[0]
    counts = {}
    for candidate in fitting:  # a handful of providers: one COUNT each
        zone = _zone(candidate.provider)
        day_start, day_end = local_day(local_date(cover.starts_at, zone), zone)
        counts[candidate.provider.pk] = live.filter(
            provider_id=candidate.provider.pk, starts_at__gte=day_start, starts_at__lt=day_end
        ).count()
    last_given = dict(
        Reservation.objects.filter(visit_type=visit_type, provider_id__in=list(counts))
        .values("provider_id")
        .annotate(last=Max("created_at"))
        .values_list("provider_id", "last")
    )
    never = datetime.min.replace(tzinfo=now.tzinfo)
    return min(
        fitting,
        key=lambda candidate: (
            counts[candidate.provider.pk],
            last_given.get(candidate.provider.pk) or never,
            candidate.provider.pk,
        ),
    )


def _check_window(visit_type: VisitType, cover: visits.Cover, now: datetime) -> None:
    check_notice(cover.starts_at, now, visits.minimum_notice(visit_type), FIELD)
    if cover.starts_at >= now + visits.booking_window(visit_type):
        raise DomainError(
            ErrorCode.OUTSIDE_BOOKING_WINDOW,
            f"This visit can be booked at most {visit_type.booking_window_days} days ahead.",
            FIELD,
        )


def visit_hold(
    *, client_id: int, appointment_id: int, visit_type_id: int, any_provider: bool = False, actor: Actor = SYSTEM
) -> Reservation:
    """Hold a visit of ``visit_type_id`` starting at the slot ``appointment_id`` (or, with ``any_provider``,
    at its start time with any provider offering the type) for ``client_id``, for 30 minutes.

    All or nothing: every slot of the visit and its buffers must exist, be offered and be free, or nothing is
    written. Rules: the type's notice (at least 24 h) and booking window, the provider offers the type
    (NOT_OFFERED), the daily cap on the provider's local day (DAILY_CAP_REACHED), no clock change inside the
    visit, no live reservation of the client overlapping the visit, the hold limit (a visit is one hold).
    Raises `DomainError` as `reservation.services.reservations.reservation_create` documents.
    """
    with atomic():
        visit_type = _visit_type(visit_type_id)
        start_slot = Appointment.objects.filter(pk=appointment_id).first()
        if start_slot is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No appointment slot with this ID.", FIELD)
        cover = visits.cover_of(visit_type, start_slot.start_time)
        wanted = None if any_provider else [start_slot.provider_id]
        candidates = _lock_candidates(visit_type, wanted, cover)
        if not candidates:
            raise DomainError(
                ErrorCode.NOT_OFFERED,
                "No provider offers this visit type."
                if any_provider
                else "This provider does not offer this visit type.",
                "visit_type_id",
            )
        client = lock_client(client_id)
        now = timezone.now()  # read once the locks are held
        _check_window(visit_type, cover, now)
        check_room(client, cover.starts_at, cover.ends_at, now, field=FIELD, new_hold=True)
        chosen = _choose(visit_type, candidates, cover, now)
        hold = insert_reservation(
            **_visit_fields(visit_type, chosen, cover, client),
            created_at=now,
            expires_at=now + rules.hold_duration(),
        )
        record_event(hold, EventKind.HELD, now, actor, "" if not any_provider else f"any provider: {chosen.provider}")
        return hold


def _visit_fields(visit_type: VisitType, chosen: Candidate, cover: visits.Cover, client: Client) -> dict[str, object]:
    start_slot = next(slot for slot in chosen.slots if slot.start_time == cover.starts_at)
    return {
        "appointment": start_slot,
        "client": client,
        "provider": chosen.provider,
        "visit_type": visit_type,
        "starts_at": cover.starts_at,
        "ends_at": cover.ends_at,
        "covers_from": cover.covers_from,
        "covers_until": cover.covers_until,
    }


def visit_reschedule(*, reservation_id: int, appointment_id: int, actor: Actor = SYSTEM) -> Reservation:
    """Move a booked visit to start at the slot ``appointment_id`` (its provider must offer the visit type),
    atomically; the rules of `visit_hold` apply to the new time, the booking being moved left behind (it may
    move onto time it covers itself). Returns the new booking, confirmed; a video visit gets a new link.
    Raises as `reservation.services.reservations.reservation_reschedule` documents."""
    with atomic():
        booking_row = Reservation.objects.filter(pk=reservation_id).select_related("visit_type").first()
        new_slot = Appointment.objects.filter(pk=appointment_id).first()
        if booking_row is None or booking_row.visit_type is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No reservation with this ID.", "reservation_id")
        if new_slot is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No appointment slot with this ID.", FIELD)
        visit_type = booking_row.visit_type
        cover = visits.cover_of(visit_type, new_slot.start_time)
        # Providers first (the old and the new, in key order), then slots (the new cover's and the old start).
        old_provider = booking_row.provider_id
        list(
            Provider.objects.select_for_update(no_key=True)
            .filter(pk__in={old_provider, new_slot.provider_id})
            .order_by("pk")
        )
        candidates = _lock_candidates(visit_type, [new_slot.provider_id], cover)
        lock_slots([booking_row.appointment_id])
        booking = Reservation.objects.select_for_update().get(pk=reservation_id)
        client = lock_client(booking.client_id)
        now = timezone.now()
        check_movable(booking, booking.appointment, now)
        if not candidates:
            raise DomainError(ErrorCode.NOT_OFFERED, "This provider does not offer this visit type.", FIELD)
        if new_slot.pk == booking.appointment_id:
            raise DomainError(ErrorCode.SLOT_UNAVAILABLE, "The booking is already in this slot.", FIELD)
        _check_window(visit_type, cover, now)
        check_room(client, cover.starts_at, cover.ends_at, now, field=FIELD, moving=booking)
        chosen = _choose(visit_type, candidates, cover, now, moving=booking)
        return move_booking(booking, now, actor, **_visit_fields(visit_type, chosen, cover, client))
