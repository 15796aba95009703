"""The rules of a visit (issue 13): which slots it covers, and when a start is allowed. Plain Python, no writes.

A visit of a `VisitType` starting at a slot's start ``s`` occupies ``[s - buffer before, s + duration + buffer
after)`` on one provider's 15-minute slots, all of which must exist, be offered and be free. Its start must
be at least the type's notice ahead (never less than the global 24 hours), within its booking window, on a
provider-local day with room under the provider's daily cap, and the covered time must not straddle a change
of the provider's UTC offset: on a spring-forward night such a visit would span the missing hour (a 60-minute
visit from 01:30 would read 01:30-03:30), on a fall-back night the repeated one (01:30-01:30).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from reservation import rules
from reservation.models import VisitType
from reservation.models.appointment import LONGEST_COVER_SLOTS


def longest_cover() -> timedelta:
    """The longest time a reservation can cover: a visit and its two buffers of at most 96 slots each."""
    return LONGEST_COVER_SLOTS * rules.slot_duration()


@dataclass(frozen=True)
class Cover:
    """The times of a visit starting at ``starts_at`` (UTC): the visit, and the time it covers with buffers."""

    covers_from: datetime
    starts_at: datetime
    ends_at: datetime
    covers_until: datetime

    @property
    def slot_count(self) -> int:
        """How many 15-minute slots the covered time is."""
        return int((self.covers_until - self.covers_from) / rules.slot_duration())


def cover_of(visit_type: VisitType, starts_at: datetime) -> Cover:
    """The `Cover` of a visit of ``visit_type`` starting at ``starts_at``."""
    slot = rules.slot_duration()
    ends_at = starts_at + visit_type.duration_slots * slot
    return Cover(
        covers_from=starts_at - visit_type.buffer_before_slots * slot,
        starts_at=starts_at,
        ends_at=ends_at,
        covers_until=ends_at + visit_type.buffer_after_slots * slot,
    )


def minimum_notice(visit_type: VisitType) -> timedelta:
    """The type's notice, never below the global minimum notice (24 h): the global rule is a floor."""
    return max(timedelta(hours=visit_type.minimum_notice_hours), rules.minimum_notice())


def booking_window(visit_type: VisitType) -> timedelta:
    """How far ahead of now a visit of ``visit_type`` may start (its start must be before now + this)."""
    return timedelta(days=visit_type.booking_window_days)


def utc_offset(zone: ZoneInfo, instant: datetime) -> timedelta:
    """``zone``'s UTC offset at ``instant``, as its wall clock minus UTC (no reliance on ``fold``, which some
    datetime subclasses drop when converting)."""
    utc = instant.astimezone(ZoneInfo("UTC"))
    return utc.astimezone(zone).replace(tzinfo=None) - utc.replace(tzinfo=None)


def offset_changes(zone: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """The instants (UTC) in ``(start, end]`` at which ``zone``'s UTC offset changes, to the slot grid."""
    return [change for change in _offset_changes_by_year(zone, start.year, end.year) if start < change <= end]


@lru_cache(maxsize=256)
def _offset_changes_by_year(zone: ZoneInfo, first_year: int, last_year: int) -> tuple[datetime, ...]:
    """Every offset change of ``zone`` from ``first_year`` to ``last_year``, found on the slot grid.

    Offsets are sampled every day, then the day with a change is searched to the slot (15 minutes): zones
    change on whole quarters of an hour in UTC (`reservation.timezones.check_zone_fits_grid` refuses others).
    """
    slot = rules.slot_duration()
    changes: list[datetime] = []
    day = datetime(first_year, 1, 1, tzinfo=ZoneInfo("UTC"))
    stop = datetime(last_year + 1, 1, 1, tzinfo=ZoneInfo("UTC"))
    while day < stop:
        following = day + timedelta(days=1)
        if utc_offset(zone, day) != utc_offset(zone, following):
            low, high = day, following  # offset(low) differs from offset(high)
            while high - low > slot:
                middle = low + ((high - low) / slot // 2) * slot
                if utc_offset(zone, middle) == utc_offset(zone, low):
                    low = middle
                else:
                    high = middle
            changes.append(high)
        day = following
    return tuple(changes)


def straddles_offset_change(cover: Cover, zone: ZoneInfo) -> bool:
    """Whether the zone's UTC offset differs between the covered time's start and its end."""
    return utc_offset(zone, cover.covers_from) != utc_offset(zone, cover.covers_until)
