"""Loaders of nested connections: one page of children for many parents, in one query.

A window function ranks each parent's children in the connection's order and only the ranks the page needs
(offset + first + 1, the extra row telling whether there is a next page) leave the database.
"""

from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import F, Model, QuerySet, Window
from django.db.models.functions import DenseRank
from graphene import ResolveInfo
from graphene.relay import PageInfo
from graphene_django.settings import graphene_settings
from graphql import get_nullable_type
from graphql_relay import cursor_to_offset, offset_to_cursor

from api.auth.permissions import scope
from api.core.connections import check_page_arguments
from api.core.context import context_of

from .futures import Future, then


@dataclass(frozen=True)
class PageRequest:
    """A forward page of a connection: ``first`` nodes after the offset that ``after`` encodes."""

    first: int
    offset: int

    @classmethod
    def from_args(
        cls, first: int | None, after: str | None, field_name: str, default: int | None = None
    ) -> "PageRequest":
        """Validate relay ``first``/``after`` arguments; ``first`` null means ``default`` (the field's declared
        default: ``GRAPHQL_NESTED_PAGE_SIZE``, 20, unless given), and is capped at the maximum page.

        Raises GraphQLError (code BAD_USER_INPUT) for a negative or too large ``first`` or a foreign cursor.
        """
        check_page_arguments(field_name, first=first, after=after)
        offset = 0 if after is None else cursor_to_offset(after) + 1  # type: ignore[operator]
        if first is None:
            first = settings.GRAPHQL_NESTED_PAGE_SIZE if default is None else default
        return cls(first=min(first, graphene_settings.RELAY_CONNECTION_MAX_LIMIT), offset=offset)

    @property
    def rows_needed(self) -> int:
        """Rows to fetch per parent: those before and in the page, plus one to detect a next page."""
        return self.offset + self.first + 1

    def connection(self, rows: Sequence[Any], connection_type: Any, rows_start: int = 0) -> Any:
        """Build a ``connection_type`` instance for this page.

        ``rows`` are the connection's nodes in order from position ``rows_start`` on, reaching at least one
        past the page when there is a next page.
        """
        rows = rows[self.offset - rows_start :]
        page = rows[: self.first]
        edges = [
            connection_type.Edge(node=node, cursor=offset_to_cursor(self.offset + index))
            for index, node in enumerate(page)
        ]
        page_info = PageInfo(
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
            has_previous_page=self.offset > 0,
            has_next_page=len(rows) > self.first,
        )
        return connection_type(edges=edges, page_info=page_info)

    def connection_of_queryset(self, queryset: QuerySet[Any], connection_type: Any) -> Any:
        """Build this page of an ordered ``queryset`` with one query (LIMIT/OFFSET)."""
        rows = list(queryset[self.offset : self.rows_needed])
        return self.connection(rows, connection_type, rows_start=self.offset)


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
    (ending in a unique field), and ``node`` maps a row to the node to return (for connections through a
    join table, such as a provider's clients through reservations; rows mapping to the same node are
    merged, keeping the first). ``key`` names the connection and every argument that changes its rows (its
    filters): parents asking with the same key, order and page share one query; the order (``orderBy``) is
    part of the batch's identity by itself, so callers need not repeat it in ``key``.
    """

    context = context_of(info)
    viewer = context.viewer

    def batch(parent_ids: list[int]) -> list[list[Model]]:
        ordering = [F(field[1:]).desc() if field.startswith("-") else F(field).asc() for field in order_by]
        rows = (
            scope(queryset(), viewer)
            .filter(**{f"{parent_field}__in": parent_ids})
            .annotate(
                _parent_id=F(parent_field),
                _rank=Window(DenseRank(), partition_by=[F(parent_field)], order_by=ordering),
            )
            .filter(_rank__lte=page.rows_needed)
            .order_by("_parent_id", "_rank")
        )
        grouped: dict[int, list[Model]] = defaultdict(list)
        seen: set[tuple[int, Any]] = set()
        for row in rows:
            target = node(row)
            if (row._parent_id, target.pk) not in seen:
                seen.add((row._parent_id, target.pk))
                grouped[row._parent_id].append(target)
        return [grouped.get(parent_id, []) for parent_id in parent_ids]

    loader = context.loaders.get(("page", key, tuple(order_by), page), batch)
    connection_type = connection_type_of(info)
    return then(loader.load(parent_id), lambda rows: page.connection(rows, connection_type))


def connection_type_of(info: ResolveInfo) -> Any:
    """The graphene connection type that the field being resolved returns (so resolvers need not import it)."""
    return get_nullable_type(info.return_type).graphene_type
