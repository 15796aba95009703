"""Reads: the questions the API, the admin and the commands ask of the schedule. Nothing here writes.

Building blocks live on the models' querysets (``Appointment.objects.available(now)``,
``Reservation.objects.in_state(state, now)``); a read that takes more than one of them, or several queries,
is a selector here, so that every caller gets the same answer. Time-dependent reads take ``now`` (aware).
"""

import hmac
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache, reduce
from operator import or_
from zoneinfo import ZoneInfo

from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, Subquery, Value, When

from reservation import rules, visits
from reservation.errors import DomainError
from reservation.models import (
    Appointment,
    CalendarFeed,
    DateOverride,
    EventKind,
    Provider,
    Reservation,
    ReservationEvent,
    ReservationState,
    SlotState,
    VisitType,
    VisitTypeOffer,
    WeeklyScheduleRange,
)
from reservation.models.appointment import covered_by, uncovered
from reservation.shifted import Shifted
from reservation.timezones import get_zone, known_time_zone_names, local_date, local_day

# --- slots ----------------------------------------------------------------------------------------------------


def slots_with_state(now: datetime, slots: QuerySet[Appointment] | None = None) -> QuerySet[Appointment]:
    """``slots`` (by default every slot) annotated with ``state``, a `SlotState`, at ``now``.

    BOOKED (a confirmed reservation covers it: a visit covers its slots and buffers), HELD (a live hold), OPEN
    (exactly ``Appointment.objects.available(now)``: free, offered, at least the minimum notice ahead),
    WITHDRAWN, or else CLOSED (inside the notice period or past), in that order of precedence. One query.
    """
    slots = Appointment.objects.all() if slots is None else slots
    reservations = Reservation.objects.all()
    available = Appointment.objects.available(now).filter(pk=OuterRef("pk"))
    return slots.annotate(
        state=Case(
            When(covered_by(reservations.confirmed()), then=Value(SlotState.BOOKED.value)),
            When(covered_by(reservations.held(now)), then=Value(SlotState.HELD.value)),
            When(Exists(available), then=Value(SlotState.OPEN.value)),
            When(withdrawn_at__isnull=False, then=Value(SlotState.WITHDRAWN.value)),
            default=Value(SlotState.CLOSED.value),
        )
    )


def slots_in_state(
    state: SlotState, now: datetime, slots: QuerySet[Appointment] | None = None
) -> QuerySet[Appointment]:
    """``slots`` (by default every slot) that are in ``state`` at ``now``: exactly those `slots_with_state`
    annotates with it, as plain conditions the database can plan as semi-joins (filtering on the annotation's
    CASE would evaluate it for every row). One query."""
    slots = Appointment.objects.all() if slots is None else slots
    reservations = Reservation.objects.all()
    confirmed, held_now = reservations.confirmed(), reservations.held(now)
    bookable_from = now + rules.minimum_notice()
    if state is SlotState.BOOKED:
        return slots.filter(covered_by(confirmed))
    if state is SlotState.HELD:
        return uncovered(slots.filter(covered_by(held_now)), confirmed)
    free = uncovered(uncovered(slots, confirmed), held_now)
    if state is SlotState.OPEN:
        return free.filter(withdrawn_at__isnull=True, start_time__gte=bookable_from)
    if state is SlotState.WITHDRAWN:
        return free.filter(withdrawn_at__isnull=False)
    return free.filter(withdrawn_at__isnull=True, start_time__lt=bookable_from)


# --- reservations -----------------------------------------------------------------------------------------------


def reservation_histories(reservations: Sequence[Reservation], now: datetime) -> dict[int, list[ReservationEvent]]:
    """Each reservation's history at ``now``, oldest first, by reservation id. One query.

    The recorded events, and for a hold that ran out unconfirmed an EXPIRED event at its ``expires_at``, made
    up here and never stored: the history says it expired whether or not anyone reserved the slot since
    (nothing can happen to an expired hold afterwards, so it is always the last event).
    """
    histories: dict[int, list[ReservationEvent]] = {reservation.pk: [] for reservation in reservations}
    recorded = ReservationEvent.objects.filter(reservation_id__in=list(histories)).order_by("at", "id")
    for event in recorded:
        histories[event.reservation_id].append(event)
    for reservation in reservations:
        if reservation.state_at(now) is ReservationState.EXPIRED:
            expiry = ReservationEvent(reservation=reservation, kind=EventKind.EXPIRED.value, at=reservation.expires_at)
            histories[reservation.pk].append(expiry)
    return histories


# --- weekly schedules -----------------------------------------------------------------------------------------


def weekly_schedule_of(provider_ids: Sequence[int]) -> dict[int, list[WeeklyScheduleRange]]:
    """The weekly schedule ranges of each provider, by weekday and start (one query)."""
    result: dict[int, list[WeeklyScheduleRange]] = defaultdict(list)
    ranges = WeeklyScheduleRange.objects.filter(provider_id__in=provider_ids).order_by("weekday", "start_time")
    for row in ranges:
        result[row.provider_id].append(row)
    return result


def provider_today(provider: Provider, now: datetime) -> date:
    """The provider's local date at ``now`` (the UTC date if their zone is unknown to this machine)."""
    try:
        return local_date(now, get_zone(provider.time_zone))
    except DomainError:
        return now.astimezone(UTC).date()


def upcoming_overrides_of(providers: Sequence[Provider], now: datetime) -> dict[int, list[DateOverride]]:
    """Each provider's date overrides from their local today on, by date, with their ranges (two queries)."""
    result: dict[int, list[DateOverride]] = defaultdict(list)
    if not providers:
        return result
    today = {provider.pk: provider_today(provider, now) for provider in providers}
    overrides = DateOverride.objects.filter(provider_id__in=list(today), date__gte=min(today.values()))
    for override in overrides.order_by("date").prefetch_related("ranges"):
        if override.date >= today[override.provider_id]:
            result[override.provider_id].append(override)
    return result


@lru_cache(maxsize=4)
def _zones_by_local_date(minute: datetime) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The zone names whose local date at ``minute`` is the UTC date's day before, and its day after."""
    utc_date = minute.date()
    behind, ahead = [], []
    for name in sorted(known_time_zone_names()):
        local = local_date(minute, ZoneInfo(name))
        if local < utc_date:
            behind.append(name)
        elif local > utc_date:
            ahead.append(name)
    return tuple(behind), tuple(ahead)


def providers_due_for_publishing(now: datetime, limit: int | None = None) -> list[Provider]:
    """Providers with a schedule whose published horizon ends before their local today + 27 days (the horizon,
    ``RESERVATION_SCHEDULE_HORIZON_DAYS``), the furthest behind first; at most ``limit`` of them.

    One query. A provider is due when ``schedule_published_until < local today + horizon - 1``; local today
    is the UTC date, the day before or the day after, by zone, so the condition is spelled out per group.
    """
    horizon = rules.schedule_horizon_days()
    utc_now = now.astimezone(UTC)
    behind, ahead = _zones_by_local_date(utc_now.replace(second=0, microsecond=0))
    last_if_today = utc_now.date() + timedelta(days=horizon - 1)  # the target of zones on the UTC date
    due = (
        Q(schedule_published_until__lt=last_if_today - timedelta(days=1))
        | (Q(schedule_published_until=last_if_today - timedelta(days=1)) & ~Q(time_zone__in=behind))
        | Q(schedule_published_until=last_if_today, time_zone__in=ahead)
    )
    providers = Provider.objects.filter(due).order_by("schedule_published_until", "pk")
    return list(providers if limit is None else providers[:limit])


# --- calendar feeds -------------------------------------------------------------------------------------------

FEED_TOKEN_MAX_LENGTH = 64  # CalendarFeed.token's column
FEED_TOKEN_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
FEED_PAST_WINDOW = timedelta(days=30)
"""A feed lists confirmed bookings from this long before now ..."""
FEED_FUTURE_WINDOW = timedelta(days=365)
"""... to this long after."""
FEED_ENDED_KEPT_FOR = timedelta(days=30)
"""A cancelled or rescheduled booking stays in the feed (as cancelled) this long after it ended."""
FEED_CALLED_OFF = (ReservationState.CANCELLED, ReservationState.RESCHEDULED)


def calendar_feed_by_token(token: str) -> CalendarFeed | None:
    """The feed whose secret is ``token``, with its user and their profiles; None if there is none or the
    user is inactive. A malformed token is refused without a query."""
    if not 0 < len(token) <= FEED_TOKEN_MAX_LENGTH or not FEED_TOKEN_ALPHABET.issuperset(token):
        return None
    feed = CalendarFeed.objects.select_related("user__provider", "user__client").filter(token=token).first()
    # The lookup found an equal token; compare again in constant time in case a collation ever folds case.
    if feed is None or not feed.user.is_active or not hmac.compare_digest(feed.token, token):
        return None
    return feed


def calendar_feed_reservations(feed: CalendarFeed, now: datetime) -> list[Reservation]:
    """The reservations ``feed`` lists at ``now``: confirmed bookings in the window, and recently called-off
    ones still to come; with their slot, provider and client; by start time. One query (none for staff).

    A provider's feed has the bookings of their slots, a client's their own; a user with both profiles both.
    """
    provider = getattr(feed.user, "provider", None)
    client = getattr(feed.user, "client", None)
    whose = [
        *([Q(appointment__provider_id=provider.pk)] if provider is not None else []),
        *([Q(client_id=client.pk)] if client is not None else []),
    ]
    if not whose:
        return []
    booked = Q(ended_at__isnull=True)
    called_off = Q(
        end_reason__in=[state.value for state in FEED_CALLED_OFF],
        ended_at__gte=now - FEED_ENDED_KEPT_FOR,
        appointment__start_time__gte=now,
    )
    return list(
        Reservation.objects.filter(
            reduce(or_, whose),
            booked | called_off,
            confirmed_at__isnull=False,
            appointment__start_time__gte=now - FEED_PAST_WINDOW,
            appointment__start_time__lt=now + FEED_FUTURE_WINDOW,
        )
        .select_related("appointment__provider", "client", "visit_type")
        .order_by("appointment__start_time", "pk")
    )


# --- support staff --------------------------------------------------------------------------------------------


def live_reservations_of(slot_ids: Sequence[int], now: datetime) -> dict[int, Reservation]:
    """The live reservation (a hold not yet expired, or a booking) that covers each slot among ``slot_ids``
    that has one, by slot id, with its client and the client's user: a reservation of the slot itself, or a
    visit whose slots and buffers include it. Two queries. (A slot has at most one: the constraints.)"""
    slots = list(Appointment.objects.filter(pk__in=list(slot_ids)).only("pk", "provider_id", "start_time", "end_time"))
    if not slots:
        return {}
    live = list(
        Reservation.objects.live(now)
        .filter(
            Q(appointment_id__in=[slot.pk for slot in slots])
            | Q(
                visit_type__isnull=False,
                provider_id__in={slot.provider_id for slot in slots},
                covers_from__lt=max(slot.end_time for slot in slots),
                covers_until__gt=min(slot.start_time for slot in slots),
            )
        )
        .select_related("client__user")
    )
    covering: dict[int, Reservation] = {}
    for slot in slots:
        for reservation in live:
            if reservation.appointment_id == slot.pk or (
                reservation.visit_type_id is not None
                and reservation.provider_id == slot.provider_id
                and reservation.covers_from < slot.end_time
                and reservation.covers_until > slot.start_time
            ):
                covering[slot.pk] = reservation
                break
    return covering


def reservations_covering(slot: Appointment) -> QuerySet[Reservation]:
    """Every reservation, live or ended, that covers ``slot``: made for the slot itself, or a visit of its
    provider whose slots and buffers include it (newest first, with the client's user). One query."""
    return (
        Reservation.objects.filter(
            Q(appointment=slot)
            | Q(
                visit_type__isnull=False,
                provider_id=slot.provider_id,
                covers_from__lt=slot.end_time,
                covers_until__gt=slot.start_time,
            )
        )
        .select_related("client__user")
        .order_by("-created_at", "-pk")
    )


def reschedule_options(
    booking: Reservation, now: datetime, *, provider_id: int | None = None, limit: int = 50
) -> list[Appointment]:
    """The slots ``booking`` may move to at ``now``, soonest first, at most ``limit``: those of ``provider_id``
    (by default the booking's provider) that obey every rule `reservation_reschedule` checks.

    A single-slot booking: available slots (offered, free, at least the minimum notice ahead:
    ``Appointment.objects.available``), not its own, not overlapping another live reservation of the client (the
    booking excepted); one query. A visit: the start slots where a visit of its type fits (`visit_start_slots`:
    buffers, notice, window, daily cap, no clock change) whose visit time overlaps no other live reservation of
    the client; four queries. The service checks again under its locks: a slot taken meanwhile is refused there.
    """
    provider_id = booking.appointment.provider_id if provider_id is None else provider_id
    others = Reservation.objects.live(now).filter(client_id=booking.client_id).exclude(pk=booking.pk)
    if booking.visit_type is not None:
        visit_length = booking.visit_type.duration_slots * rules.slot_duration()
        clashes = list(others.values_list("starts_at", "ends_at"))
        starts = (
            visit_start_slots(booking.visit_type, now, [provider_id])
            .exclude(pk=booking.appointment_id)
            .select_related("provider__user")
            .order_by("start_time", "pk")
        )
        fitting = (
            slot
            for slot in starts.iterator()
            if not any(start < slot.start_time + visit_length and end > slot.start_time for start, end in clashes)
        )
        return [slot for _, slot in zip(range(limit), fitting, strict=False)]
    clash = others.filter(starts_at__lt=OuterRef("end_time"), ends_at__gt=OuterRef("start_time"))
    return list(
        Appointment.objects.available(now)
        .filter(provider_id=provider_id)
        .exclude(pk=booking.appointment_id)
        .exclude(Exists(clash))
        .select_related("provider__user")
        .order_by("start_time", "pk")[:limit]
    )


# --- visits ---------------------------------------------------------------------------------------------------


def visit_start_slots(
    visit_type: VisitType, now: datetime, provider_ids: Sequence[int] | None = None
) -> QuerySet[Appointment]:
    """The slots at which a visit of ``visit_type`` may start at ``now``, of every provider who offers it (or
    of those among ``provider_ids``): the rules of `reservation.visits`, as one queryset of start slots.

    A start fits when the visit and its buffers take ``visit_type.total_slots`` offered slots of its provider
    in a row (counted in one correlated subquery: slots are on the 15-minute grid, one per provider and start,
    so that many slots inside the covered time are consecutive) and no live reservation of the provider
    overlaps that time (correlated EXISTS over single slots and over visits), it is within the type's notice
    and booking window, its covered time does not straddle the provider's UTC offset change, and the
    provider's local day still has room under the daily cap. Three queries to build (offers, zones and caps'
    counts), none per slot; the result is lazy and pages like any slot queryset.
    """
    offers = VisitTypeOffer.objects.filter(visit_type=visit_type).select_related("provider")
    if provider_ids is not None:
        offers = offers.filter(provider_id__in=list(provider_ids))
    offers_list = list(offers)
    if not offers_list:
        return Appointment.objects.none()
    slot = rules.slot_duration()
    before = visit_type.buffer_before_slots * slot
    rest = (visit_type.duration_slots + visit_type.buffer_after_slots) * slot
    earliest, latest = now + visits.minimum_notice(visit_type), now + visits.booking_window(visit_type)

    # In a row: as many offered slots of the provider inside the covered time as it takes (one slot per
    # provider and start, on the grid), and no live reservation of the provider overlapping that time.
    offered_in_cover = (
        Appointment.objects.filter(
            provider=OuterRef("provider_id"),
            withdrawn_at__isnull=True,
            start_time__gte=Shifted(OuterRef("start_time"), -before),
            start_time__lt=Shifted(OuterRef("start_time"), rest),
        )
        .order_by()
        .values("provider")
        .annotate(count=Count("pk"))
        .values("count")
    )
    live = Reservation.objects.live(now).filter(provider=OuterRef("provider_id"))
    singles_in_cover = live.filter(  # a single slot covers its own 15 minutes: the covered time is a tight range
        visit_type__isnull=True,
        covers_from__gte=Shifted(OuterRef("start_time"), -before),
        covers_from__lt=Shifted(OuterRef("start_time"), rest),
    )
    visits_over_cover = live.filter(  # bounded below so that the partial index on visits reads a few days
        visit_type__isnull=False,
        covers_from__gt=Shifted(OuterRef("start_time"), -before - visits.longest_cover()),
        covers_from__lt=Shifted(OuterRef("start_time"), rest),
        covers_until__gt=Shifted(OuterRef("start_time"), -before),
    )
    excluded = [
        *_offset_change_starts(offers_list, earliest - before, latest + rest, before, rest),
        *_full_days(visit_type, offers_list, now, earliest, latest),
    ]
    starts = Appointment.objects.filter(
        provider_id__in=[offer.provider_id for offer in offers_list],
        withdrawn_at__isnull=True,
        start_time__gte=earliest,
        start_time__lt=latest,
    )
    if excluded:
        starts = starts.exclude(reduce(or_, excluded))
    return (
        starts.alias(offered_in_cover=Subquery(offered_in_cover))
        .filter(offered_in_cover=visit_type.total_slots)
        .exclude(Exists(singles_in_cover))
        .exclude(Exists(visits_over_cover))
    )


def _zone_of(provider: Provider) -> ZoneInfo:
    try:
        return get_zone(provider.time_zone)
    except DomainError:
        return ZoneInfo("UTC")


def _offset_change_starts(
    offers: Sequence[VisitTypeOffer], start: datetime, end: datetime, before: timedelta, rest: timedelta
) -> list[Q]:
    """Per provider, the starts whose covered time straddles an offset change T: ``[T - rest, T + before)``."""
    return [
        Q(provider_id=offer.provider_id, start_time__gte=change - rest, start_time__lt=change + before)
        for offer in offers
        for change in visits.offset_changes(_zone_of(offer.provider), start, end)
    ]


def visits_per_local_day(
    visit_type: VisitType,
    providers: Sequence[Provider],
    now: datetime,
    start: datetime,
    end: datetime,
    excluding: int | None = None,
) -> dict[tuple[int, date], int]:
    """Live visits of ``visit_type`` starting in ``[start, end)`` (the reservation ``excluding`` left out),
    counted per provider and provider-local date. One query; the rows are few (a day's visits are capped)."""
    zones = {provider.pk: _zone_of(provider) for provider in providers}
    counts: dict[tuple[int, date], int] = defaultdict(int)
    live = Reservation.objects.live(now).filter(
        visit_type=visit_type, provider_id__in=list(zones), starts_at__gte=start, starts_at__lt=end
    )
    if excluding is not None:
        live = live.exclude(pk=excluding)
    for provider_pk, starts_at in live.values_list("provider_id", "starts_at"):
        counts[(provider_pk, local_date(starts_at, zones[provider_pk]))] += 1
    return counts


def _full_days(
    visit_type: VisitType, offers: Sequence[VisitTypeOffer], now: datetime, earliest: datetime, latest: datetime
) -> list[Q]:
    """Per capped provider, the provider-local days (as UTC ranges of starts) that already hold their cap."""
    capped = {offer.provider_id: offer for offer in offers if offer.daily_cap is not None}
    if not capped:
        return []
    # Whole local days around the window: a day's count includes visits booked before its first open start.
    margin = timedelta(days=2)
    counts = visits_per_local_day(
        visit_type, [offer.provider for offer in capped.values()], now, earliest - margin, latest + margin
    )
    full = []
    for (provider_pk, day), count in counts.items():
        if count >= (capped[provider_pk].daily_cap or 0):
            day_start, day_end = local_day(day, _zone_of(capped[provider_pk].provider))
            full.append(Q(provider_id=provider_pk, start_time__gte=day_start, start_time__lt=day_end))
    return full
