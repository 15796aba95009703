"""Sort orders of the lists: one GraphQL enum per kind of node, and the model fields behind each value.

Every list takes ``orderBy``, a list of values, most significant first (``[CLIENT_NAME_ASC, TIME_SLOT_DESC]``).
Absent or empty, the list keeps its documented default order. The node's primary key always ends the order,
in the direction of the first value, so that no two rows tie: an offset, and so a cursor, names the same row
from one page to the next, and each ``*_DESC`` order is exactly the reverse of its ``*_ASC``.

Root lists sort through their FilterSet (`api.core.filters.OrderByFilter`); nested lists hand the same fields to
`api.core.loaders.pages.load_page`, whose window function ranks each parent's children in that order.
"""

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import graphene

DIRECTIONS = {"ASC": "ascending", "DESC": "descending"}


@dataclass(frozen=True)
class SortKey:
    """One thing to sort by: model fields, most significant first (ascending), and what it means."""

    fields: tuple[str, ...]
    description: str


class Sorting:
    """The sort orders of one kind of node: a GraphQL enum with ``KEY_ASC`` and ``KEY_DESC`` per key.

    ``default`` is the order of a list asked without ``orderBy``.
    """

    def __init__(self, name: str, description: str, keys: Mapping[str, SortKey], default: Sequence[str]) -> None:
        self.name = name
        self.keys = dict(keys)
        self.values = [f"{key}_{direction}" for key in self.keys for direction in DIRECTIONS]
        self.default = tuple(default)
        if not set(self.default) <= set(self.values):
            raise ValueError(f"{name}: unknown default {self.default}")

        def describe(value: enum.Enum | None) -> str:
            if value is None:
                return description
            key, direction = value.name.rsplit("_", 1)
            return f"{self.keys[key].description}, {DIRECTIONS[direction]}."

        self.enum: Any = graphene.Enum.from_enum(
            enum.Enum(name, {value: value for value in self.values}), description=describe
        )

    def __deepcopy__(self, memo: dict[int, Any]) -> "Sorting":
        """Itself: a `Sorting` never changes (django-filter deep-copies its filters for every FilterSet)."""
        return self

    def argument(self, default: Sequence[str] | None = None) -> Any:
        """The GraphQL type of an ``orderBy`` argument, a list of this enum's values, described with its default."""
        return graphene.List(graphene.NonNull(self.enum), description=self.describe_argument(default))

    def describe_argument(self, default: Sequence[str] | None = None) -> str:
        """What an ``orderBy`` argument does, naming the list's default order (by default the `Sorting`'s own)."""
        shown = ", ".join(self.default if default is None else default)
        return f"Sort order, most significant first; the ID breaks ties. Without it: {shown}."

    def fields(
        self,
        values: Sequence[Any] | None,
        *,
        default: Sequence[str] | None = None,
        prefix: str = "",
        tiebreaker: str | None = None,
    ) -> tuple[str, ...]:
        """The ``order_by`` fields of ``values`` (enum members or their names), ending with the tiebreaker.

        Without values (None or empty), ``default`` (value names; by default the `Sorting`'s own). ``prefix``
        is the path from the rows to the sorted node, for lists of nodes reached through other rows
        (``"client__"`` for a provider's clients, listed through reservations); ``tiebreaker`` is the path to
        the node's primary key (by default ``prefix + "id"``). A field named twice counts once, at its first place.
        """
        names = [value.name if isinstance(value, enum.Enum) else str(value) for value in values or ()]
        names = names or list(self.default if default is None else default)
        ordering: list[str] = []
        seen: set[str] = set()
        for name in names:
            key, direction = name.rsplit("_", 1)
            for field in self.keys[key].fields:
                if prefix + field not in seen:
                    seen.add(prefix + field)
                    ordering.append(("-" if direction == "DESC" else "") + prefix + field)
        first_direction = "-" if names[0].endswith("_DESC") else ""
        return (*ordering, first_direction + (tiebreaker or f"{prefix}id"))


PROVIDER_ORDER = Sorting(
    "ProviderOrder",
    "How to sort providers.",
    {
        "NAME": SortKey(("last_name", "first_name"), "By last name, then first name"),
        "CREATED": SortKey(("created_at",), "By when the provider was registered"),
    },
    default=["NAME_ASC"],
)

CLIENT_ORDER = Sorting(
    "ClientOrder",
    "How to sort clients.",
    {
        "NAME": SortKey(("last_name", "first_name"), "By last name, then first name"),
        "CREATED": SortKey(("created_at",), "By when the client was registered"),
    },
    default=["NAME_ASC"],
)

APPOINTMENT_ORDER = Sorting(
    "AppointmentOrder",
    "How to sort appointment slots.",
    {"TIME_SLOT": SortKey(("start_time",), "By start time (timeSlot)")},
    default=["TIME_SLOT_ASC"],
)

RESERVATION_ORDER = Sorting(
    "ReservationOrder",
    "How to sort reservations.",
    {
        "TIME_SLOT": SortKey(("appointment__start_time",), "By the reserved slot's start time (appointment.timeSlot)"),
        "CREATED": SortKey(("created_at",), "By when the hold was made (reservedAt)"),
        "CLIENT_NAME": SortKey(("client__last_name", "client__first_name"), "By the client's last, then first name"),
    },
    default=["CREATED_DESC"],
)
