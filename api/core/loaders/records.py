"""Loaders of single records: a row by primary key, and a slot's confirmed reservation.

Rows the viewer may not see load as None.
"""

from collections.abc import Sequence
from typing import Any

from django.db.models import Model
from graphene import ResolveInfo

from api.auth.permissions import scope
from api.core.context import context_of
from reservation.models import Reservation, ReservationEvent

from .futures import Future


def load_by_id(info: ResolveInfo, model: type[Model], pk: int) -> Future[Any]:
    """A future of the ``model`` row with primary key ``pk`` (None if it is gone); one query per model."""

    viewer = context_of(info).viewer

    def batch(keys: list[int]) -> Sequence[Model | None]:
        rows = scope(model._default_manager.all(), viewer).in_bulk(keys)
        return [rows.get(key) for key in keys]

    return context_of(info).loaders.get(("by-id", model), batch).load(pk)


def load_confirmed_reservation(info: ResolveInfo, appointment_id: int) -> Future[Any]:
    """A future of slot ``appointment_id``'s confirmed reservation (at most one, by constraint), or None."""

    viewer = context_of(info).viewer

    def batch(keys: list[int]) -> Sequence[Reservation | None]:
        confirmed = scope(Reservation.objects.confirmed(), viewer).filter(appointment_id__in=keys)
        rows = {row.appointment_id: row for row in confirmed}
        return [rows.get(key) for key in keys]

    return context_of(info).loaders.get("confirmed-reservation", batch).load(appointment_id)


def load_history(info: ResolveInfo, reservation_id: int) -> Future[Any]:
    """A future of reservation ``reservation_id``'s events, oldest first (one query for all reservations)."""

    def batch(keys: list[int]) -> Sequence[list[ReservationEvent]]:
        grouped: dict[int, list[ReservationEvent]] = {key: [] for key in keys}
        for event in ReservationEvent.objects.filter(reservation_id__in=keys).order_by("at", "id"):
            grouped[event.reservation_id].append(event)
        return [grouped[key] for key in keys]

    return context_of(info).loaders.get("reservation-history", batch).load(reservation_id)
