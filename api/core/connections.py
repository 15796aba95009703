"""Relay connections with keyset pagination: the page arguments, the page itself, and the connection fields.

Every connection, root or nested, takes ``first``/``after`` (forward) and ``last``/``before`` (backward); root
connections also keep ``offset`` (nodes to skip after ``after``, forward only). A page is read with a ``WHERE``
on the connection's sort key and ID (`api.core.cursors`), never an ``OFFSET`` from the top: whatever is
inserted, held, released or expires between two requests, a node that is in the list on both requests is
neither skipped nor repeated. ``hasNextPage`` (forward) and ``hasPreviousPage`` (backward) come from reading
one row more than the page; the other side of the cursor is an ``EXISTS`` (only when a cursor is given). No
``COUNT(*)`` is ever run.

``first`` and ``last`` are 0..``RELAY_CONNECTION_MAX_LIMIT`` (100); without either a root connection gives 100
nodes, a nested one ``GRAPHQL_NESTED_PAGE_SIZE`` (20, the declared default of its ``first``). With ``last`` the
page is read backwards and ``first`` is not applied. Out-of-range sizes, ``offset`` with ``last``/``before``,
and cursors that this list did not issue are refused with a GraphQL error whose code is BAD_USER_INPUT,
instead of being clamped or ignored.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import graphene
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.module_loading import import_string
from graphene.relay import PageInfo
from graphene_django.filter import DjangoFilterConnectionField
from graphene_django.filter.fields import convert_enum
from graphene_django.settings import graphene_settings
from graphene_django.utils import maybe_queryset

from api.core.cursors import Order, decode_cursor, encode_cursor
from api.core.errors import bad_user_input


def check_page_arguments(field_name: str, **args: Any) -> None:
    """Raise BAD_USER_INPUT unless ``first``/``last`` are within 0..100, ``offset`` is not negative and is not
    combined with ``last``/``before``."""
    max_limit: int = graphene_settings.RELAY_CONNECTION_MAX_LIMIT
    for size in ("first", "last"):
        value = args.get(size)
        if value is not None and not 0 <= value <= max_limit:
            raise bad_user_input(f"`{size}` on `{field_name}` must be between 0 and {max_limit}.")
    offset = args.get("offset")
    if offset is not None and offset < 0:
        raise bad_user_input(f"`offset` on `{field_name}` must be 0 or more.")
    if offset and (args.get("last") is not None or args.get("before") is not None):
        raise bad_user_input(f"`offset` on `{field_name}` pages forward only: not with `last` or `before`.")


@dataclass(frozen=True)
class PageRequest:
    """One page of a connection as asked: ``size`` nodes forward after ``after`` (skipping ``offset``), or
    backward before ``before`` when ``backward``; the cursors are still opaque strings (`Keyset` reads them)."""

    field_name: str
    size: int
    backward: bool = False
    after: str | None = None
    before: str | None = None
    offset: int = 0

    @classmethod
    def from_args(
        cls,
        field_name: str,
        *,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        offset: int | None = None,
        default: int | None = None,
    ) -> "PageRequest":
        """Validate relay page arguments (`check_page_arguments`). ``last`` given means a backward page of
        ``last`` nodes; otherwise ``first`` nodes, ``default`` when null (by default ``GRAPHQL_NESTED_PAGE_SIZE``).

        Raises GraphQLError (code BAD_USER_INPUT) for sizes out of 0..100 or a negative or misplaced ``offset``.
        """
        check_page_arguments(field_name, first=first, last=last, offset=offset, before=before)
        if last is not None:
            return cls(field_name, last, backward=True, after=after, before=before)
        if first is None:
            first = settings.GRAPHQL_NESTED_PAGE_SIZE if default is None else default
        size = min(first, graphene_settings.RELAY_CONNECTION_MAX_LIMIT)
        return cls(field_name, size, after=after, before=before, offset=offset or 0)

    def keyset(self, kind: str, order: Sequence[str]) -> "Keyset":
        """This page over a list of ``kind`` nodes (the GraphQL type name) in ``order`` (`api.core.cursors.Order`
        fields, the last one unique), its cursors decoded; `InvalidCursor` for a cursor the list did not issue."""
        keyset_order = Order(tuple(order))
        return Keyset(
            page=self,
            kind=kind,
            order=keyset_order,
            after=None
            if self.after is None
            else decode_cursor(self.after, kind, keyset_order, "after", self.field_name),
            before=(
                None
                if self.before is None
                else decode_cursor(self.before, kind, keyset_order, "before", self.field_name)
            ),
        )


class PageEdge:
    """An edge of a page (the connection's ``Edge`` type reads its ``node`` and ``cursor``): the cursor is signed
    only when something reads it (an HMAC each, and most pages ask for no edge's cursor), then kept."""

    __slots__ = ("_cursor", "kind", "node", "order", "values")

    def __init__(self, node: Any, kind: str, order: Order, values: tuple[Any, ...]) -> None:
        self.node, self.kind, self.order, self.values = node, kind, order, values
        self._cursor: str | None = None

    @property
    def cursor(self) -> str:
        """The node's opaque cursor (`api.core.cursors.encode_cursor`)."""
        if self._cursor is None:
            self._cursor = encode_cursor(self.kind, self.order, self.values)
        return self._cursor


@dataclass(frozen=True)
class Keyset:
    """A `PageRequest` over one list: its order and the sort key values its cursors name."""

    page: PageRequest
    kind: str
    order: Order
    after: tuple[Any, ...] | None
    before: tuple[Any, ...] | None

    @property
    def read_order(self) -> Order:
        """The order rows are read in: the list's, or its reverse for a backward page."""
        return self.order.reversed() if self.page.backward else self.order

    @property
    def rows_needed(self) -> int:
        """Rows to read (after skipping ``offset``): the page and one more, which tells if the list goes on."""
        return self.page.size + 1

    def window(self) -> Q:
        """The rows strictly between the cursors (all rows without cursors)."""
        condition = Q()
        if self.after is not None:
            condition &= self.order.after(self.after)
        if self.before is not None:
            condition &= self.order.reversed().after(self.before)
        return condition

    def beyond(self) -> Q | None:
        """The rows on the far side of the cursor the page starts from (before ``after`` going forward, after
        ``before`` going backward), or None without that cursor: whether any exist is the page's other
        ``has*Page``."""
        start = self.before if self.page.backward else self.after
        if start is None:
            return None
        return ~self.read_order.after(start)

    def connection(self, rows: Sequence[tuple[Any, tuple[Any, ...]]], connection_type: Any, beyond: bool) -> Any:
        """A ``connection_type`` of this page from ``rows``: (node, sort key values) in `read_order`, up to
        `rows_needed` of them, ``offset`` already skipped; ``beyond`` says if rows exist past the start cursor."""
        page = list(rows[: self.page.size])
        more = len(rows) > self.page.size
        if self.page.backward:
            page.reverse()
        edges = [PageEdge(node, self.kind, self.order, values) for node, values in page]
        before_page = (more if self.page.backward else beyond) or self.page.offset > 0
        after_page = beyond if self.page.backward else more
        page_info = PageInfo(
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
            has_previous_page=before_page,
            has_next_page=after_page,
        )
        return connection_type(edges=edges, page_info=page_info)

    def connection_of_queryset(self, queryset: QuerySet[Any], connection_type: Any) -> Any:
        """This page of ``queryset`` (its own order is replaced by the keyset's): one query for the page, and
        one ``EXISTS`` when a cursor is given."""
        rows = (
            queryset.filter(self.window())
            .annotate(**self.order.annotations(queryset.model))
            .order_by(*self.read_order.expressions())[self.page.offset : self.page.offset + self.rows_needed]
        )
        beyond_condition = self.beyond()
        beyond = beyond_condition is not None and queryset.filter(beyond_condition).exists()
        return self.connection([(row, self.order.values_of(row)) for row in rows], connection_type, beyond)


def order_of(queryset: QuerySet[Any]) -> tuple[str, ...]:
    """The field paths ``queryset`` is ordered by (set by the list's `api.core.filters.OrderByFilter`), ending
    with the primary key; the primary key alone if it has no explicit order."""
    fields = tuple(str(field) for field in queryset.query.order_by)
    if not fields or fields[-1].removeprefix("-") not in ("id", "pk"):
        raise ValueError(f"{queryset.model.__name__} list is not ordered by a unique key last: {fields}")
    return fields


class FilterConnectionField(DjangoFilterConnectionField):
    """graphene-django's django-filter connection field, paged by keyset (`PageRequest`, `Keyset`) instead of
    graphene-django's offsets and ``COUNT(*)``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("first", graphene.Int(description="Page size, at most 100 (the default)."))
        kwargs.setdefault("after", graphene.String(description="Return nodes after this cursor."))
        kwargs.setdefault(
            "last", graphene.Int(description="Page backward: the last nodes before `before`, at most 100.")
        )
        kwargs.setdefault("before", graphene.String(description="Return nodes before this cursor."))
        kwargs.setdefault(
            "offset", graphene.Int(description="Nodes to skip after `after` (forward pages only); prefer cursors.")
        )
        super().__init__(*args, **kwargs)

    @classmethod
    def connection_resolver(
        cls,
        resolver: Any,
        connection: Any,
        default_manager: Any,
        queryset_resolver: Any,
        max_limit: int | None,
        enforce_first_or_last: bool,
        root: Any,
        info: Any,
        **args: Any,
    ) -> Any:
        """Check the page arguments, filter (`resolve_queryset`), and read one keyset page of the result."""
        page = PageRequest.from_args(
            info.field_name,
            first=args.get("first"),
            after=args.get("after"),
            last=args.get("last"),
            before=args.get("before"),
            offset=args.get("offset"),
            default=max_limit or graphene_settings.RELAY_CONNECTION_MAX_LIMIT,
        )
        iterable = resolver(root, info, **args)
        if iterable is None:
            iterable = default_manager
        queryset = maybe_queryset(queryset_resolver(connection, iterable, info, args))
        keyset = page.keyset(connection._meta.node._meta.name, order_of(queryset))
        return keyset.connection_of_queryset(queryset, connection)

    @classmethod
    def resolve_queryset(
        cls,
        connection: Any,
        iterable: Any,
        info: Any,
        args: dict[str, Any],
        filtering_args: dict[str, Any],
        filterset_class: Any,
    ) -> Any:
        """Filter with ``filterset_class`` as graphene-django does, passing ``orderBy`` on as a list of values.

        graphene-django snake-cases an ``order_by`` argument, which it takes for django-filter's OrderingFilter
        (one string); ours is a list of enum values (`api.core.filters.OrderByFilter`). An invalid filter raises
        Django's ValidationError, reported as BAD_USER_INPUT (`api.core.errors.format_error`).
        """
        queryset = super(DjangoFilterConnectionField, cls).resolve_queryset(connection, iterable, info, args)
        data = {name: convert_enum(value) for name, value in args.items() if name in filtering_args}
        # django-filter's ``request`` is the RequestContext: a filter judged at a time reads the request's clock.
        filterset = filterset_class(data=data, queryset=queryset, request=info.context)
        if not filterset.is_valid():
            raise ValidationError(filterset.form.errors.as_json())
        return filterset.qs


def nested_connection(node_type: str, description: str, **filters: Any) -> graphene.Field:
    """A connection field of the connection of ``node_type`` (a dotted path), with ``first``/``after`` and
    ``last``/``before``.

    ``first`` defaults to ``GRAPHQL_NESTED_PAGE_SIZE`` (20), which the cost model counts (`api.http.limits`);
    with ``last`` the page is read backward and ``first`` is not applied.

    Nullable on purpose: the page comes from a DataLoader, and if its batch fails only this field becomes
    null (with an error naming its path) instead of the whole response. The resolver must return a future
    of the connection (see `api.core.loaders.pages.load_page`).
    """
    return graphene.Field(
        lambda: import_string(node_type)._meta.connection,
        description=description,
        first=graphene.Int(
            default_value=settings.GRAPHQL_NESTED_PAGE_SIZE,
            description=f"Page size, at most 100; {settings.GRAPHQL_NESTED_PAGE_SIZE} when not given.",
        ),
        after=graphene.String(description="Return nodes after this cursor."),
        last=graphene.Int(
            description="Page backward: the last nodes before `before`, at most 100 (`first` then does not apply)."
        ),
        before=graphene.String(description="Return nodes before this cursor."),
        **filters,
    )
