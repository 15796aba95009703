"""Keyset cursors: a connection's position as the sort key values (and the ID) of the node at that position.

A connection lists rows in an `Order`: model field paths, most significant first, a ``-`` for descending, the
last one unique (the node's ID: `api.core.sorting.Sorting.fields` always ends with it). A cursor names the
values of those fields for one node, so the next page is "the rows after these values" (a ``WHERE`` on the sort
key, not an ``OFFSET``): rows inserted, held, released or expiring before the cursor between two requests
cannot make a client skip or repeat a node that is there on both.

Cursors are opaque: the values, signed with an HMAC keyed on the server's ``SECRET_KEY``, the node type and
the order's fields (`encode_cursor`). A cursor that was altered, that another
list or another ``orderBy`` issued, or that is not a cursor at all is refused with `InvalidCursor`, which the
API reports as a GraphQL error with ``extensions.code`` BAD_USER_INPUT and ``extensions.reason``
INVALID_CURSOR. Rotating ``SECRET_KEY`` invalidates the cursors issued before: clients start again from the
first page.
"""

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache, cached_property, reduce
from operator import or_
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import F, Model, OrderBy, Q
from django.utils.crypto import constant_time_compare, salted_hmac
from graphql import GraphQLError

SALT = "api.cursor"
# The prefix of the annotations that carry each row's sort key values out of the database.
KEY_ANNOTATION = "_keyset_{}"


class InvalidCursor(GraphQLError):
    """A cursor this list did not issue (altered, from another list or order, or not a cursor)."""

    def __init__(self, argument: str, field_name: str) -> None:
        super().__init__(
            f"Invalid `{argument}` cursor on `{field_name}`: pass a `cursor` or `endCursor`/`startCursor` that this "
            "list returned with the same `orderBy`; cursors are opaque and signed.",
            extensions={"code": "BAD_USER_INPUT", "reason": "INVALID_CURSOR"},
        )


@dataclass(frozen=True)
class Order:
    """A connection's order: field paths (``"-start_time"``, ``"client__last_name"``), the last one unique."""

    fields: tuple[str, ...]

    @cached_property
    def paths(self) -> tuple[str, ...]:
        """The field paths without their direction."""
        return tuple(field.removeprefix("-") for field in self.fields)

    def reversed(self) -> "Order":
        """The opposite order (for ``last``/``before``: the page is read backwards, then turned around)."""
        return Order(tuple(field[1:] if field.startswith("-") else f"-{field}" for field in self.fields))

    def expressions(self) -> list[OrderBy]:
        """The order as ORM expressions (for ``order_by`` and window functions)."""
        return [F(field[1:]).desc() if field.startswith("-") else F(field).asc() for field in self.fields]

    def annotations(self, model: type[Model]) -> dict[str, F]:
        """Annotations that bring each row's sort key values along (`values_of` reads them), for the paths that are
        not already columns of ``model`` (a related field's, say); those are read from the row itself."""
        return {
            attribute: F(path)
            for attribute, path in zip(_attributes(self, model), self.paths, strict=True)
            if attribute != path
        }

    def values_of(self, row: Model) -> tuple[Any, ...]:
        """The sort key values of a row of a queryset annotated with `annotations`."""
        return tuple(getattr(row, attribute) for attribute in _attributes(self, type(row)))

    def after(self, values: Sequence[Any]) -> Q:
        """Rows strictly after ``values`` in this order: ``(a, b, id) > (va, vb, vid)``, direction by direction."""
        terms = []
        for index, field in enumerate(self.fields):
            equal = {path: value for path, value in zip(self.paths[:index], values[:index], strict=True)}
            lookup = "lt" if field.startswith("-") else "gt"
            terms.append(Q(**equal, **{f"{field.removeprefix('-')}__{lookup}": values[index]}))
        return reduce(or_, terms)


@cache
def _attributes(order: Order, model: type[Model]) -> tuple[str, ...]:
    """The attributes of a row of ``model`` that hold its sort key values in ``order``: the column's own, or the
    annotation's (`Order.annotations`)."""
    return tuple(
        path if _is_column(model, path) else KEY_ANNOTATION.format(index) for index, path in enumerate(order.paths)
    )


@cache
def _is_column(model: type[Model], path: str) -> bool:
    """Whether ``path`` names one of ``model``'s own non-relation columns (or its primary key), which every row of
    a queryset of ``model`` carries as the attribute of that name."""
    if path == "pk":
        return True
    try:
        field = model._meta.get_field(path)
    except FieldDoesNotExist:
        return False
    return bool(field.concrete and not field.is_relation and getattr(field, "attname", None) == path)


def encode_cursor(kind: str, order: Order, values: Sequence[Any]) -> str:
    """The opaque cursor of the node of type ``kind`` whose sort key in ``order`` is ``values``:
    ``base64url(JSON of the values) "." base64url(HMAC)``, the HMAC keyed on ``SECRET_KEY``, the kind and the order."""
    body = _b64encode(json.dumps([_encode_value(value) for value in values], separators=(",", ":")).encode())
    return f"{body}.{_signature(kind, order, body)}"


def decode_cursor(cursor: str, kind: str, order: Order, argument: str, field_name: str) -> tuple[Any, ...]:
    """The sort key values inside ``cursor``; `InvalidCursor` (naming ``argument`` and ``field_name``) unless this
    server signed it for a node of type ``kind`` listed in ``order``."""
    body, _, signature = str(cursor).partition(".")
    if not constant_time_compare(signature, _signature(kind, order, body)):
        raise InvalidCursor(argument, field_name)
    try:
        values = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        if not isinstance(values, list) or len(values) != len(order.fields):
            raise ValueError("wrong length")
        return tuple(_decode_value(value) for value in values)
    except (KeyError, TypeError, ValueError):  # signed by us, so only after a change of this format
        raise InvalidCursor(argument, field_name) from None


def _signature(kind: str, order: Order, body: str) -> str:
    """96 bits of HMAC-SHA256 over the body, keyed on ``SECRET_KEY``, ``kind`` and ``order``: a cursor of another
    list or order does not verify."""
    key_salt = f"{SALT}:{kind}:{','.join(order.fields)}"
    return _b64encode(salted_hmac(key_salt, body, algorithm="sha256").digest()[:12])


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _encode_value(value: Any) -> Any:
    """A sort key value as JSON: datetimes as ``{"t": ISO 8601}``, strings and integers as they are."""
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, str | int) and not isinstance(value, bool):
        return value
    raise TypeError(f"cannot put {type(value).__name__} in a cursor")  # a sort key of another type: a bug


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict):
        moment = datetime.fromisoformat(value["t"])
        if moment.tzinfo is None:
            raise ValueError("naive")
        return moment
    if isinstance(value, str | int) and not isinstance(value, bool):
        return value
    raise TypeError(type(value).__name__)
