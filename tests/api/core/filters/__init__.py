"""Tests of the lists' filters and sort orders (``orderBy``), root and nested, through /graphql.

The helpers here fetch a whole list (walking its pages) as the primary keys of its nodes, so that a test can
compare what the API returns with what Python computes from the same rows.
"""

from typing import Any

from graphql_relay import from_global_id

from tests.graphql import STAFF, GraphQL

TYPE_OF_FIELD = {
    "providers": "ProviderType",
    "clients": "ClientType",
    "appointments": "AppointmentType",
    "availableAppointments": "AppointmentType",
    "reservations": "ReservationType",
}

# The argument types of every filter of the lists, for the documents the tests build.
ARGUMENT_TYPES = {
    "search": "String",
    "provider": "ID",
    "client": "ID",
    "state": "ReservationState",
    "startFrom": "DateTime",
    "startBefore": "DateTime",
}
ORDER_TYPES = {
    "providers": "ProviderOrder",
    "clients": "ClientOrder",
    "appointments": "AppointmentOrder",
    "availableAppointments": "AppointmentOrder",
    "reservations": "ReservationOrder",
}


def pks(connection: dict[str, Any]) -> list[int]:
    """The primary keys of a connection's nodes, in order."""
    return [int(from_global_id(edge["node"]["id"])[1]) for edge in connection["edges"]]


def root_document(field: str, arguments: dict[str, Any]) -> str:
    """A query of one page of root list ``field`` with ``arguments`` (names) as variables, plus first/after."""
    types = {name: ARGUMENT_TYPES.get(name, f"[{ORDER_TYPES[field]}!]") for name in arguments}
    declared = "".join(f", ${name}: {kind}" for name, kind in types.items())
    passed = "".join(f", {name}: ${name}" for name in arguments)
    return (
        f"query($first: Int, $after: String{declared}) {{ {field}(first: $first, after: $after{passed}) "
        "{ edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }"
    )


def walk(
    graphql: GraphQL,
    document: str,
    path: list[str],
    variables: dict[str, Any],
    page_size: int,
    as_user: Any = STAFF,
) -> list[int]:
    """The primary keys of every node of the connection at ``path``, following ``endCursor`` page by page.

    Each page must be full but the last, and ``endCursor`` must be the last edge's cursor. Sent as ``as_user``
    (by default staff).
    """
    found: list[int] = []
    after: str | None = None
    for _ in range(200):
        body = graphql(document, {**variables, "first": page_size, "after": after}, as_user=as_user)
        assert "errors" not in body, body
        connection = body["data"]
        for key in path:
            connection = connection[key]
        page = pks(connection)
        found += page
        if not connection["pageInfo"]["hasNextPage"]:
            assert len(page) <= page_size
            return found
        assert len(page) == page_size
        assert connection["pageInfo"]["endCursor"] == connection["edges"][-1]["cursor"]
        after = connection["pageInfo"]["endCursor"]
    raise AssertionError("pagination did not end")
