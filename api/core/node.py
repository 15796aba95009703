"""The relay `Node` interface of every type, with malformed global IDs reported as client errors."""

from typing import Any

from graphene import ResolveInfo, relay
from graphql_relay import to_global_id

from api.core.connections import bad_input


class Node(relay.Node):
    """An object with a global ID (base64 of ``"TypeName:primaryKey"``).

    graphene's own Node raises a bare exception for an ID it cannot parse or whose type is not a node, which
    would be reported as an internal error; here it is BAD_USER_INPUT. A well-formed ID of a deleted or
    never-existing object gives null, as relay expects.
    """

    class Meta:
        name = "Node"

    @classmethod
    def get_node_from_global_id(cls, info: ResolveInfo, global_id: str, only_type: Any = None) -> Any:
        try:
            type_name, raw_id = cls.resolve_global_id(info, global_id)
        except Exception as error:
            raise bad_input(f"Not a valid global ID: {global_id!r}.") from error
        schema_type = info.schema.get_type(type_name)
        graphene_type = getattr(schema_type, "graphene_type", None)
        # One object, one ID: ASCII digits only (isdigit accepts "¹" and U+0661), in the canonical spelling.
        canonical = raw_id.isascii() and raw_id.isdigit() and to_global_id(type_name, str(int(raw_id))) == global_id
        if graphene_type is None or cls not in getattr(graphene_type._meta, "interfaces", ()) or not canonical:
            raise bad_input(f"Not a valid global ID: {global_id!r}.")
        if only_type and graphene_type is not only_type:
            raise bad_input(f"Expected a {only_type._meta.name} ID.")
        return graphene_type.get_node(info, raw_id)
