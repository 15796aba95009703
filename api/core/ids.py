"""Relay global IDs: the one decoder of every ID the API is sent, with one way to fail.

A global ID is the base64 of ``"TypeName:primaryKey"`` (graphql-relay's ``to_global_id``). `decode_global_id`
and `parse_global_id` raise `InvalidGlobalId` (an `InputError`, code INVALID, naming the input field) for
anything else, and the place the ID came from decides how the client hears it: in a mutation's input, a
payload error on that field (`api.core.mutation`); in a query argument, a BAD_USER_INPUT error
(`api.core.errors.format_error`); in a filter, the same, through the filter's form (`api.core.filters`).
"""

from graphql_relay import from_global_id, to_global_id

from api.core.errors import InputError
from reservation.errors import ErrorCode


class InvalidGlobalId(InputError):
    """Not a global ID (of the expected type)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(ErrorCode.INVALID, message, field)


def parse_global_id(global_id: object, field: str | None = None) -> tuple[str, int]:
    """The type name and primary key inside ``global_id``; `InvalidGlobalId` unless it is spelled as this API
    spells it: one object, one ID. The key is ASCII digits (``str.isdigit`` also accepts "¹" and U+0661,
    ARABIC-INDIC DIGIT ONE) without a leading zero, and the base64 is canonical."""
    text = str(global_id)
    try:
        type_name, raw_id = from_global_id(text)
    except (TypeError, ValueError):
        type_name, raw_id = "", ""
    canonical = raw_id.isascii() and raw_id.isdigit() and to_global_id(type_name, str(int(raw_id))) == text
    if not type_name or not canonical:
        raise InvalidGlobalId(f"Not a valid global ID: {text[:64]!r}.", field)
    return type_name, int(raw_id)


def decode_global_id(global_id: object, type_name: str, field: str | None = None) -> int:
    """The primary key inside ``global_id``, which must be a global ID of the GraphQL type ``type_name``
    (e.g. "ProviderType"); `InvalidGlobalId` naming ``field`` otherwise."""
    try:
        found, pk = parse_global_id(global_id, field)
    except InvalidGlobalId:
        found, pk = "", 0
    if found != type_name:
        raise InvalidGlobalId(f"Not a {type_name} ID.", field)
    return pk
