"""Row locks, taken in one order by every write so that no two writes can deadlock.

The order: a provider's row (schedule, time zone and withdrawal changes), then slot rows in primary-key order,
then a client's row, then reservation rows. A write takes only the locks it needs, but never one out of this
order. Each helper must run inside ``transaction.atomic()``; the lock is held until the transaction ends. On
SQLite, ``select_for_update`` is a no-op and the settings' ``BEGIN IMMEDIATE`` serializes writers instead.

Provider rows are locked ``FOR NO KEY UPDATE``: it serializes the writers that lock a provider, yet lets a
transaction that inserts a reservation (whose foreign key to the provider takes ``FOR KEY SHARE`` at commit)
finish while another holds the provider, which would otherwise deadlock against that one's slot locks.
"""

from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

from reservation.errors import DomainError, ErrorCode
from reservation.models import Appointment, Client, Provider, Reservation
from reservation.models.prepared import select_by_pk

T = TypeVar("T")
CHUNK = 500
"""IDs per ``IN (...)`` list: SQLite refuses more than 999 parameters in one statement."""


def chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    """``items`` in consecutive slices of at most `CHUNK`."""
    for index in range(0, len(items), CHUNK):
        yield items[index : index + CHUNK]


def lock_provider(provider_id: int) -> Provider:
    """The provider's row, locked; `DomainError(NOT_FOUND)` on ``provider_id`` if there is none."""
    provider = Provider.objects.select_for_update(no_key=True).filter(pk=provider_id).first()
    if provider is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No provider with this ID.", "provider_id")
    return provider


def lock_slots(appointment_ids: Iterable[int], *, offered_only: bool = False) -> dict[int, Appointment]:
    """The slots among ``appointment_ids`` that exist (only those not withdrawn, with ``offered_only``), locked
    in primary-key order, by primary key."""
    locked: dict[int, Appointment] = {}
    for chunk in chunks(sorted(set(appointment_ids))):
        # A single row (every hold of one slot): the statement made once (`select_by_pk`), not compiled each time.
        if len(chunk) == 1 and not offered_only:
            slot = select_by_pk(Appointment, chunk[0], for_update=True)
            if slot is not None:
                locked[slot.pk] = slot
            continue
        slots = Appointment.objects.select_for_update().filter(pk__in=chunk).order_by("pk")
        if offered_only:
            slots = slots.filter(withdrawn_at__isnull=True)
        locked.update((slot.pk, slot) for slot in slots)
    return locked


def lock_client(client_id: int) -> Client:
    """The client's row, locked; `DomainError(NOT_FOUND)` on ``client_id`` if there is none."""
    client = select_by_pk(Client, client_id, for_update=True)
    if client is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No client with this ID.", "client_id")
    return client


def lock_reservation(reservation_id: int) -> Reservation:
    """The reservation with its slot, both locked (the slot first); NOT_FOUND on ``reservation_id``."""
    slot_id = Reservation.objects.filter(pk=reservation_id).values_list("appointment_id", flat=True).first()
    if slot_id is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No reservation with this ID.", "reservation_id")
    lock_slots([slot_id])
    return Reservation.objects.select_for_update().get(pk=reservation_id)
