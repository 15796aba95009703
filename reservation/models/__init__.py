"""The scheduling data model, one module per model."""

from .appointment import Appointment, AppointmentQuerySet, SlotSource, SlotState
from .client import Client
from .history import EventKind, ReservationEvent
from .identity import ExternalIdentity, RefreshToken, TokenRevocation
from .provider import Provider
from .requests import CalendarFeed, IdempotencyRecord
from .reservation import ENDED_STATES, Reservation, ReservationQuerySet, ReservationState
from .schedule import DateOverride, DateOverrideRange, WeeklyScheduleRange
from .visit_type import MINIMUM_NOTICE_FLOOR_HOURS, VisitType, VisitTypeOffer

__all__ = [
    "ENDED_STATES",
    "MINIMUM_NOTICE_FLOOR_HOURS",
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
    "VisitType",
    "VisitTypeOffer",
    "WeeklyScheduleRange",
]
