"""The slot grid: slots are ``RESERVATION_SLOT_MINUTES`` (15) long and start a whole number of slots past the hour.

The one place that says whether a time is on the grid, and which slots fill a range.
"""

from datetime import UTC, datetime, time, timedelta

from reservation import rules
from reservation.errors import DomainError, ErrorCode


def is_on_grid(value: datetime | time) -> bool:
    """Whether ``value`` is a whole number of slots past the hour.

    An instant is judged in UTC (an offset such as +05:45 or +00:07 moves it off, or onto, the grid); a local
    wall-clock time as it reads.
    """
    if isinstance(value, datetime):
        value = value.astimezone(UTC).timetz()
    since_hour = timedelta(minutes=value.minute, seconds=value.second, microseconds=value.microsecond)
    return not since_hour % rules.slot_duration()


def check_on_grid(value: datetime | time, field: str, where: str = "") -> None:
    """Raise `DomainError(NOT_ALIGNED)` on ``field`` unless ``value`` is on the grid (`is_on_grid`).

    ``where`` starts the message (``"2030-01-08: "``) when the value is one of several.
    """
    if not is_on_grid(value):
        minutes = int(rules.slot_duration().total_seconds() // 60)
        raise DomainError(ErrorCode.NOT_ALIGNED, f"{where}Times must fall on a {minutes}-minute boundary.", field)


def slot_starts(start_time: datetime, end_time: datetime) -> list[datetime]:
    """Start times (UTC) of the slots that fill ``[start_time, end_time)``."""
    slot = rules.slot_duration()
    starts = []
    current = start_time.astimezone(UTC)
    end = end_time.astimezone(UTC)
    while current + slot <= end:
        starts.append(current)
        current += slot
    return starts
