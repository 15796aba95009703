"""The input checks every service shares: times with an offset, ranges of instants and of local times.

Each raises `DomainError` naming the service's parameter at fault (``field``), and is the only place its rule
is written down, so that publishing, withdrawing, schedules and local-time availability refuse the same
input with the same code.
"""

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from itertools import pairwise
from typing import TypeVar

from django.utils import timezone

from reservation.errors import DomainError, ErrorCode
from reservation.grid import check_on_grid
from reservation.timezones import LocalRange

Bound = TypeVar("Bound", datetime, time)


def check_aware(value: datetime, field: str) -> None:
    """Raise `DomainError(NAIVE_DATETIME)` unless ``value`` carries a UTC offset."""
    if timezone.is_naive(value):
        raise DomainError(
            ErrorCode.NAIVE_DATETIME, "Give the time with its UTC offset, e.g. 2030-01-07T09:00:00+00:00.", field
        )


def check_range(
    start: Bound,
    end: Bound,
    *,
    start_field: str = "start_time",
    end_field: str = "end_time",
    longest: timedelta | None = None,
    message: str = "The range must start before it ends.",
) -> None:
    """Raise unless ``[start, end)`` is a range: `DomainError(INVALID_RANGE)` on ``start_field`` unless
    ``start < end``, and `DomainError(RANGE_TOO_LONG)` on ``end_field`` if it spans more than ``longest``
    (instants only)."""
    if start >= end:
        raise DomainError(ErrorCode.INVALID_RANGE, message, start_field)
    if longest is not None and isinstance(start, datetime) and isinstance(end, datetime) and end - start > longest:
        raise DomainError(ErrorCode.RANGE_TOO_LONG, f"One range may span at most {longest.days} days.", end_field)


def check_local_ranges(ranges: Sequence[LocalRange], where: str, field: str = "ranges") -> list[LocalRange]:
    """``ranges`` by start time, after checking them: naive times on the slot grid, each start before its end
    (so not across midnight), none overlapping another (touching is fine).

    ``where`` names the day in messages. Raises `DomainError` INVALID, NOT_ALIGNED, INVALID_RANGE or
    OVERLAPPING_RANGES on ``field``.
    """
    for local in ranges:
        for value in (local.start, local.end):
            if value.tzinfo is not None:
                raise DomainError(
                    ErrorCode.INVALID, f"{where}: give local wall-clock times without an offset, e.g. 09:00.", field
                )
            check_on_grid(value, field, where=f"{where}: ")
        check_range(
            local.start,
            local.end,
            start_field=field,
            message=f"{where}: the start {local.start:%H:%M} must be before the end {local.end:%H:%M} "
            "(ranges cannot cross midnight).",
        )
    ordered = sorted(ranges, key=lambda local: local.start)
    for earlier, later in pairwise(ordered):
        if later.start < earlier.end:
            raise DomainError(
                ErrorCode.OVERLAPPING_RANGES,
                f"{where}: {earlier.start:%H:%M}-{earlier.end:%H:%M} and "
                f"{later.start:%H:%M}-{later.end:%H:%M} overlap.",
                field,
            )
    return ordered
