"""The scheduling rules' numbers, read from settings (each defined once in `settings/base.py`).

Functions rather than constants so that a test can change a setting with ``override_settings``.
"""

from datetime import timedelta

from django.conf import settings


def slot_duration() -> timedelta:
    """Length of one appointment slot (``RESERVATION_SLOT_MINUTES``, 15 minutes by default)."""
    return timedelta(minutes=settings.RESERVATION_SLOT_MINUTES)


def hold_duration() -> timedelta:
    """How long an unconfirmed reservation holds its slot (``RESERVATION_HOLD_MINUTES``, 30 by default)."""
    return timedelta(minutes=settings.RESERVATION_HOLD_MINUTES)


def minimum_notice() -> timedelta:
    """Least time between reserving and the slot's start (``RESERVATION_MIN_NOTICE_HOURS``, 24 h by default)."""
    return timedelta(hours=settings.RESERVATION_MIN_NOTICE_HOURS)


def maximum_range() -> timedelta:
    """Longest availability range one submission may cover (``RESERVATION_MAX_RANGE_DAYS``, 31 days)."""
    return timedelta(days=settings.RESERVATION_MAX_RANGE_DAYS)
