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
from reservation.selectors import reservation_histories

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


def load_history(info: ResolveInfo, reservation: Reservation) -> Future[Any]:
    """A future of ``reservation``'s history at the request's instant, oldest first, its expiry derived
    (`reservation.selectors.reservation_histories`); one query for every reservation of the response."""
    context = context_of(info)

    def batch(keys: list[Reservation]) -> Sequence[list[ReservationEvent]]:
        histories = reservation_histories(keys, context.now)
        return [histories[key.pk] for key in keys]

    return context.loaders.get("reservation-history", batch).load(reservation)
