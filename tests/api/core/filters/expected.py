"""What the lists should return, worked out in Python from the rows: sort keys and the default orders."""

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from reservation.models import Appointment, Client, Provider, Reservation
from tests.factories import NOW


def _name(person: Provider | Client) -> tuple[str, str]:
    return (person.last_name, person.first_name)


# Sort key of each value of each list's enum (without direction), as Python sees it.
SORT_KEYS: dict[str, dict[str, Callable[[Any], Any]]] = {
    "ProviderOrder": {"NAME": _name, "CREATED": lambda provider: provider.created_at},
    "ClientOrder": {"NAME": _name, "CREATED": lambda client: client.created_at},
    "AppointmentOrder": {"TIME_SLOT": lambda slot: slot.start_time},
    "ReservationOrder": {
        "TIME_SLOT": lambda reservation: reservation.appointment.start_time,
        "CREATED": lambda reservation: reservation.created_at,
        "CLIENT_NAME": lambda reservation: _name(reservation.client),
    },
}

ENUM_VALUES = {
    enum: [f"{key}_{direction}" for key in keys for direction in ("ASC", "DESC")] for enum, keys in SORT_KEYS.items()
}


def ordered(
    rows: Iterable[Any], enum: str, values: Sequence[str], primary_key: Callable[[Any], int] | None = None
) -> list[int]:
    """The primary keys of ``rows`` sorted by ``values`` of ``enum``, the primary key last in the first's direction.

    ``primary_key`` maps a row to the listed node's key (by default the row's own).
    """
    key_of = primary_key or (lambda row: row.pk)
    result = sorted(rows, key=key_of, reverse=values[0].endswith("_DESC"))
    for value in reversed(values):
        key, direction = value.rsplit("_", 1)
        result = sorted(result, key=SORT_KEYS[enum][key], reverse=direction == "DESC")
    return [key_of(row) for row in result]


def providers() -> list[Provider]:
    return list(Provider.objects.all())


def clients() -> list[Client]:
    return list(Client.objects.all())


def appointments() -> list[Appointment]:
    return list(Appointment.objects.all())


def available_appointments() -> list[Appointment]:
    return list(Appointment.objects.available(NOW))


def reservations() -> list[Reservation]:
    return list(Reservation.objects.select_related("appointment", "client"))


def name_matches(person: Provider | Client, search: str) -> bool:
    """Whether every word of ``search`` appears, in any case, in the person's first or last name."""
    return all(
        word.lower() in person.first_name.lower() or word.lower() in person.last_name.lower() for word in search.split()
    )
