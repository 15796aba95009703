"""Loaders of nested connections: one keyset page of children for many parents, in one query.

The rows past the cursor (`api.core.connections.Keyset.window`) are ranked per parent by a window function
in the page's reading order, and only the ranks the page needs (the page and one more, telling whether the
list goes on) leave the database. When a cursor is given, one more batched query asks which parents have
rows on its far side (the page's other ``has*Page``). No ``COUNT(*)``.
"""

from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from typing import Any

from django.db.models import F, Model, QuerySet, Window
from django.db.models.functions import DenseRank
from graphene import ResolveInfo
from graphql import get_nullable_type

from api.auth.permissions import scope
from api.core.connections import PageRequest
from api.core.context import context_of

from .futures import Future, then

# Re-exported: the resolvers of nested connections build their `PageRequest` from here.
__all__ = ["PageRequest", "connection_type_of", "load_page"]

Row = tuple[Model, tuple[Any, ...]]


def load_page(
    info: ResolveInfo,
    *,
    key: Hashable,
    parent_id: int,
    queryset: Callable[[], QuerySet[Any]],
    parent_field: str,
    order_by: Sequence[str],
    page: PageRequest,
    node: Callable[[Any], Model] = lambda row: row,
) -> Future[Any]:
    """A future of one connection page of ``parent_id``'s children.

    ``queryset()`` gives the children of all parents (narrowed to what the viewer may see),
    ``parent_field`` the path from a child row to its parent's ID, ``order_by`` the connection's order
    (ending in a unique field: the node's ID, which cursors name), and ``node`` maps a row to the node to
    return (for connections through a join table, such as a provider's clients through reservations; rows
    mapping to the same node are merged, keeping the first). ``key`` names the connection and every argument
    that changes its rows (its filters): parents asking with the same key, order and page share one query;
    the order (``orderBy``) and the page (with its cursors) are part of the batch's identity by themselves, so
    callers need not repeat them in ``key``.

    Raises `api.core.cursors.InvalidCursor` (BAD_USER_INPUT) at once for a cursor this list did not issue.
    """

    context = context_of(info)
    viewer = context.viewer
    connection_type = connection_type_of(info)
    keyset = page.keyset(connection_type._meta.node._meta.name, order_by)

    def children() -> QuerySet[Any]:
        return scope(queryset(), viewer)

    def batch(parent_ids: list[int]) -> list[tuple[list[Row], bool]]:
        listed = children()
        rows = (
            listed.filter(**{f"{parent_field}__in": parent_ids})
            .filter(keyset.window())
            .annotate(
                _parent_id=F(parent_field),
                _rank=Window(DenseRank(), partition_by=[F(parent_field)], order_by=keyset.read_order.expressions()),
                **keyset.order.annotations(listed.model),
            )
            .filter(_rank__lte=keyset.rows_needed)
            .order_by("_parent_id", "_rank")
        )
        grouped: dict[int, list[Row]] = defaultdict(list)
        seen: set[tuple[int, Any]] = set()
        for row in rows:
            target = node(row)
            if (row._parent_id, target.pk) not in seen:
                seen.add((row._parent_id, target.pk))
                grouped[row._parent_id].append((target, keyset.order.values_of(row)))
        beyond_condition = keyset.beyond()
        beyond: set[int] = set()
        if beyond_condition is not None:
            beyond = set(
                children()
                .filter(beyond_condition, **{f"{parent_field}__in": parent_ids})
                .order_by()
                .values_list(parent_field, flat=True)
                .distinct()
            )
        return [(grouped.get(parent_id, []), parent_id in beyond) for parent_id in parent_ids]

    loader = context.loaders.get(("page", key, tuple(order_by), page), batch)
    return then(loader.load(parent_id), lambda result: keyset.connection(result[0], connection_type, beyond=result[1]))


def connection_type_of(info: ResolveInfo) -> Any:
    """The graphene connection type that the field being resolved returns (so resolvers need not import it)."""
    return get_nullable_type(info.return_type).graphene_type
