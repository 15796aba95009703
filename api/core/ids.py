"""Relay global IDs in mutation inputs: decoding with a typed error instead of an exception."""

import graphene
from graphql_relay import from_global_id, to_global_id

from reservation.errors import DomainError, ErrorCode


def decode_global_id(global_id: str, node_type: type[graphene.ObjectType], field: str) -> int:
    """The primary key inside ``global_id``, which must be a global ID of ``node_type``.

    Raises `DomainError(INVALID)` naming ``field`` if the value is not a global ID of that type, spelled as this API
    spells it: ASCII digits (``str.isdigit`` also accepts "¹" and U+0661, ARABIC-INDIC DIGIT ONE), no leading
    zero, canonical base64.
    """
    try:
        type_name, raw_id = from_global_id(global_id)
    except (TypeError, ValueError):
        type_name, raw_id = "", ""
    canonical = raw_id.isascii() and raw_id.isdigit() and to_global_id(type_name, str(int(raw_id))) == global_id
    if type_name != node_type._meta.name or not canonical:
        raise DomainError(ErrorCode.INVALID, f"Not a {node_type._meta.name} ID.", field)
    return int(raw_id)
