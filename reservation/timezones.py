"""Local wall-clock time and UTC instants: IANA time zones (zoneinfo) and the daylight-saving rules of schedules.

Slots are stored and generated in UTC; providers describe their availability in local wall-clock time. Going
from local to UTC is ambiguous twice a year in zones with daylight saving time, so the rules are fixed here:

- a local time that does not exist (the spring-forward gap, e.g. 02:30 in New York on 2030-03-10) moves
  forward to the first instant that exists, the end of the gap (03:00 local, 07:00 UTC);
- a local time that occurs twice (the fall-back overlap, e.g. 01:30 in New York on 2030-11-03) is its first
  occurrence when it starts a range and its second when it ends one, so a range over the repeated hour
  covers every instant of it once;
- a local day runs from its midnight to the next day's, both as range starts, so it lasts 23 or 25 hours on
  the days the clocks change.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from reservation import rules
from reservation.errors import DomainError, ErrorCode
from reservation.grid import is_on_grid

MAX_NAME_LENGTH = 64  # Provider.time_zone's max_length


@lru_cache(maxsize=1)
def known_time_zone_names() -> frozenset[str]:
    """Every IANA zone name the installed time zone database knows (read once: it scans the database)."""
    return frozenset(available_timezones())


def is_time_zone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone name known to the time zone database (e.g. "Europe/Paris")."""
    return len(name) <= MAX_NAME_LENGTH and name in known_time_zone_names()


@lru_cache(maxsize=512)
def get_zone(name: str) -> ZoneInfo:
    """The zone named ``name``; raise `DomainError(UNKNOWN_TIME_ZONE)` unless it is an IANA name."""
    if not is_time_zone(name):
        raise DomainError(
            ErrorCode.UNKNOWN_TIME_ZONE,
            f"Unknown time zone {name[:MAX_NAME_LENGTH]!r}: give an IANA name such as Europe/Paris.",
            "time_zone",
        )
    return ZoneInfo(name)


def to_zone(instant: datetime, zone: ZoneInfo) -> datetime:
    """``instant`` in ``zone``, with the right offset in a repeated hour too.

    ``zone.fromutc`` sets ``fold`` itself, which survives datetime subclasses that rebuild the value and drop it
    in ``astimezone`` (freezegun's, for one).
    """
    return zone.fromutc(instant.astimezone(UTC).replace(tzinfo=zone))


def _wall_time(instant: datetime, zone: ZoneInfo) -> datetime:
    """The naive local wall-clock time of ``instant`` in ``zone``."""
    return to_zone(instant, zone).replace(tzinfo=None)


def _end_of_gap(before: datetime, after: datetime, zone: ZoneInfo) -> datetime:
    """The transition instant (UTC) between ``before`` and ``after``, whose offsets in ``zone`` differ.

    Bisects to the second: the first instant that has ``after``'s offset.
    """
    target = to_zone(after, zone).utcoffset()
    low, high = int(before.timestamp()), int(after.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if to_zone(datetime.fromtimestamp(middle, UTC), zone).utcoffset() == target:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def local_to_utc(day: date, wall: time, zone: ZoneInfo, *, end: bool = False) -> datetime:
    """The UTC instant of local wall-clock time ``wall`` on ``day`` in ``zone``.

    In a spring-forward gap the time moves forward to the first existing instant. In a fall-back overlap it is
    the first occurrence, or with ``end`` (the end of a range) the second.
    """
    naive = datetime.combine(day, wall.replace(tzinfo=None))
    first = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    second = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if first == second:
        return first
    if _wall_time(first, zone) == naive and _wall_time(second, zone) == naive:
        # Both exist: the hour that repeats when clocks go back.
        return second if end else first
    # Neither exists: the gap when clocks go forward. fold=1 applies the later offset (an earlier instant,
    # before the transition), fold=0 the earlier one (a later instant, after it).
    return _end_of_gap(min(first, second), max(first, second), zone)


def local_day(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """``[start, end)`` in UTC of the local calendar day ``day`` in ``zone`` (23, 24 or 25 hours long)."""
    return local_to_utc(day, time(0), zone), local_to_utc(day + timedelta(days=1), time(0), zone)


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    """The local calendar date in ``zone`` at ``instant``."""
    return to_zone(instant, zone).date()


def check_zone_fits_grid(zone: ZoneInfo, now: datetime, field: str = "time_zone") -> None:
    """Raise `DomainError(NOT_ALIGNED)` if ``zone``'s UTC offset is not a whole number of slots over the next year.

    Local times on the 15-minute grid then map to UTC times on it, and slots stay aligned in UTC (offsets such
    as +05:30 and +05:45 are fine). Sampled monthly, which sees both sides of every daylight saving change.
    """
    slot = rules.slot_duration()
    for month in range(13):
        offset = to_zone(now + timedelta(days=30 * month), zone).utcoffset() or timedelta(0)
        if offset % slot:
            minutes = int(slot.total_seconds() // 60)
            raise DomainError(
                ErrorCode.NOT_ALIGNED,
                f"{zone.key}'s UTC offset ({offset}) is not a multiple of {minutes} minutes, so its local times "
                "cannot be mapped onto the slot grid.",
                field,
            )


@dataclass(frozen=True)
class LocalRange:
    """A working range ``[start, end)`` in local wall-clock time (naive times)."""

    start: time
    end: time


def local_range_to_utc(
    day: date, local: LocalRange, zone: ZoneInfo, field: str = "ranges"
) -> tuple[datetime, datetime]:
    """``[start, end)`` in UTC of the local range on ``day`` (see `local_to_utc` for gaps and overlaps).

    Raises `DomainError(NOT_ALIGNED)` on ``field`` if an end does not land on the UTC slot grid (a zone whose
    offset is not a multiple of 15 minutes).
    """
    start = local_to_utc(day, local.start, zone)
    end = local_to_utc(day, local.end, zone, end=True)
    for instant in (start, end):
        if not is_on_grid(instant):
            raise DomainError(
                ErrorCode.NOT_ALIGNED,
                f"{day:%Y-%m-%d} {local.start:%H:%M}-{local.end:%H:%M} in {zone.key} is not on the UTC slot grid: "
                "the zone's offset is not a multiple of the slot length.",
                field,
            )
    return start, end


def local_label(instant: datetime, zone: ZoneInfo) -> str:
    """``instant`` as a person reads it in ``zone``, with the zone's abbreviation: "Tue 2 Dec 2030 09:00 EST"."""
    local = to_zone(instant, zone)
    return f"{local:%a} {local.day} {local:%b %Y %H:%M} {local.tzname()}"


def zone_or_utc(name: str) -> ZoneInfo:
    """The zone named ``name``, or UTC if this machine's time zone database does not know it."""
    return ZoneInfo(name) if is_time_zone(name) else ZoneInfo("UTC")
