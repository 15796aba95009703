"""The relay `Node` interface of every type, with malformed global IDs reported as client errors."""

from typing import Any

from graphene import ResolveInfo, relay

from api.core.ids import InvalidGlobalId, describe_type, expectation, parse_global_id


class Node(relay.Node):
    """An object with a global ID (base64 of ``"TypeName:primaryKey"``).

    graphene's own Node raises a bare exception for an ID it cannot parse or whose type is not a node, which
    would be reported as an internal error; here it is `InvalidGlobalId`, reported as BAD_USER_INPUT. A
    well-formed ID of a deleted or never-existing object gives null, as relay expects.
    """

    class Meta:
        name = "Node"

    @classmethod
    def get_node_from_global_id(cls, info: ResolveInfo, global_id: str, only_type: Any = None) -> Any:
        type_name, pk = parse_global_id(global_id, "id")
        graphene_type = getattr(info.schema.get_type(type_name), "graphene_type", None)
        if graphene_type is None or cls not in getattr(graphene_type._meta, "interfaces", ()):
            raise InvalidGlobalId(
                f"{expectation(None, 'id')}; got the global ID of {describe_type(type_name)}, "
                "which is not a node type.",
                "id",
            )
        if only_type and graphene_type is not only_type:
            expected = only_type._meta.name
            raise InvalidGlobalId(
                f"{expectation(expected, 'id')}; got the global ID of {describe_type(type_name)}.", "id"
            )
        return graphene_type.get_node(info, pk)
