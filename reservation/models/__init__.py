"""The scheduling data model, one module per model."""

from .appointment import Appointment, AppointmentQuerySet
from .client import Client
from .identity import ExternalIdentity, RefreshToken, TokenRevocation
from .provider import Provider
from .reservation import Reservation, ReservationQuerySet, ReservationState

__all__ = [
    "Appointment",
    "AppointmentQuerySet",
    "Client",
    "ExternalIdentity",
    "Provider",
    "RefreshToken",
    "Reservation",
    "ReservationQuerySet",
    "ReservationState",
    "TokenRevocation",
]
