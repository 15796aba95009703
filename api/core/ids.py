"""Relay global IDs: the one decoder of every ID the API is sent, with one way to fail.

A global ID is the base64 of ``"TypeName:primaryKey"`` (graphql-relay's ``to_global_id``), as every ``id``
field returns it. `decode_global_id` and `parse_global_id` raise `InvalidGlobalId` (an `InputError`, code
INVALID, naming the input field) for anything else, and the place the ID came from decides how the client
hears it: in a mutation's input, a payload error on that field (`api.core.mutation`); in a query argument, a
BAD_USER_INPUT error (`api.core.errors.format_error`); in a filter, the same, through the filter's form
(`api.core.filters`).

The message says what was expected and what came, for example: "`appointmentId` must be the global ID of an
appointment slot (as returned in `id`), for example `QXBwb2ludG1lbnRUeXBlOjE=`; got the global ID of a client
(ClientType)". A bare number (the admin shows numeric ids) is answered with the global ID it may have meant.
"""

from graphql_relay import from_global_id, to_global_id

from api.core.errors import InputError
from reservation.errors import ErrorCode

# What each node type is called in messages, with its article.
NODE_NOUNS = {
    "ProviderType": "a provider",
    "ClientType": "a client",
    "AppointmentType": "an appointment slot",
    "ReservationType": "a reservation",
}


class InvalidGlobalId(InputError):
    """Not a global ID (of the expected type)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(ErrorCode.INVALID, message, field)


def describe_type(type_name: str) -> str:
    """``"a client (ClientType)"`` for a node type, ``"ExampleType"`` for another name."""
    noun = NODE_NOUNS.get(type_name)
    return f"{noun} ({type_name})" if noun else type_name


def expectation(type_name: str | None, field: str | None) -> str:
    """The first half of an ID error: what ``field`` must be (any node's global ID when ``type_name`` is None)."""
    subject = f"`{field}` must be" if field else "Expected"
    what = NODE_NOUNS.get(type_name, f"a {type_name}") if type_name else "an object"
    example = to_global_id(type_name or "ProviderType", "1")
    return f"{subject} the global ID of {what} (as returned in `id`), for example `{example}`"


def _received(text: str, type_name: str | None) -> str:
    """The second half: what came instead."""
    if text.isascii() and text.isdigit():
        answer = f"got the number {text}, which is a database id, not a global ID"
        if type_name is None:
            return answer
        return f"{answer}; the global ID of {type_name} {int(text)} is `{to_global_id(type_name, str(int(text)))}`"
    return f"got {text[:64]!r}, which is not a global ID"


def parse_global_id(global_id: object, field: str | None = None, expected: str | None = None) -> tuple[str, int]:
    """The type name and primary key inside ``global_id``; `InvalidGlobalId` unless it is spelled as this API
    spells it: one object, one ID. The key is ASCII digits (``str.isdigit`` also accepts "¹" and U+0661,
    ARABIC-INDIC DIGIT ONE) without a leading zero, and the base64 is canonical. ``expected`` (a type name)
    only shapes the message."""
    text = str(global_id)
    try:
        type_name, raw_id = from_global_id(text)
    except (TypeError, ValueError):
        type_name, raw_id = "", ""
    canonical = raw_id.isascii() and raw_id.isdigit() and to_global_id(type_name, str(int(raw_id))) == text
    if not type_name or not canonical:
        raise InvalidGlobalId(f"{expectation(expected, field)}; {_received(text, expected)}.", field)
    return type_name, int(raw_id)


def decode_global_id(global_id: object, type_name: str, field: str | None = None) -> int:
    """The primary key inside ``global_id``, which must be a global ID of the GraphQL type ``type_name``
    (e.g. "ProviderType"); `InvalidGlobalId` naming ``field``, the type expected and the type received otherwise."""
    found, pk = parse_global_id(global_id, field, expected=type_name)
    if found != type_name:
        raise InvalidGlobalId(f"{expectation(type_name, field)}; got the global ID of {describe_type(found)}.", field)
    return pk
