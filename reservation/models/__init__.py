"""The scheduling data model, one module per model."""

from .appointment import Appointment, AppointmentQuerySet, SlotSource, SlotState
from .client import Client
from .history import EventKind, ReservationEvent
from .identity import ExternalIdentity, RefreshToken, TokenRevocation
from .provider import Provider
from .requests import CalendarFeed, IdempotencyRecord
from .reservation import ENDED_STATES, Reservation, ReservationQuerySet, ReservationState
from .schedule import DateOverride, DateOverrideRange, WeeklyScheduleRange

__all__ = [
    "ENDED_STATES",
    "Appointment",
    "AppointmentQuerySet",
    "CalendarFeed",
    "Client",
    "DateOverride",
    "DateOverrideRange",
    "EventKind",
    "ExternalIdentity",
    "IdempotencyRecord",
    "Provider",
    "RefreshToken",
    "Reservation",
    "ReservationEvent",
    "ReservationQuerySet",
    "ReservationState",
    "SlotSource",
    "SlotState",
    "TokenRevocation",
    "WeeklyScheduleRange",
]
