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


def schedule_horizon_days() -> int:
    """How many local dates the weekly schedule is published for (``RESERVATION_SCHEDULE_HORIZON_DAYS``).

    28 by default: today and the next 27 days, in the provider's time zone.
    """
    return max(1, int(settings.RESERVATION_SCHEDULE_HORIZON_DAYS))


def maximum_active_holds() -> int:
    """Most unconfirmed, unexpired reservations one client may hold at once (``RESERVATION_MAX_ACTIVE_HOLDS``, 3)."""
    return int(settings.RESERVATION_MAX_ACTIVE_HOLDS)


def video_visit_url_template() -> str:
    """The join link's template of a video visit (``VIDEO_VISIT_URL_TEMPLATE``); ``{room}`` is the room name."""
    return str(settings.VIDEO_VISIT_URL_TEMPLATE)
