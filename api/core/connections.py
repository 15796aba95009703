"""Relay connection fields: argument checks shared by every connection, and nested connection fields.

Every connection takes ``first`` (default and maximum ``RELAY_CONNECTION_MAX_LIMIT``, 100) and ``after``;
root connections also take ``last``/``before``. Out-of-range sizes and cursors that this API did not issue
are refused with a GraphQL error whose code is BAD_USER_INPUT, instead of being clamped or ignored.
"""

from typing import Any

import graphene
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.module_loading import import_string
from graphene_django.filter import DjangoFilterConnectionField
from graphene_django.filter.fields import convert_enum
from graphene_django.settings import graphene_settings
from graphql_relay import cursor_to_offset

from api.core.errors import bad_user_input


def check_page_arguments(field_name: str, **args: Any) -> None:
    """Raise BAD_USER_INPUT unless ``first``/``last`` are within 0..100, ``offset`` is not negative and
    ``after``/``before`` are our cursors."""
    max_limit: int = graphene_settings.RELAY_CONNECTION_MAX_LIMIT
    for size in ("first", "last"):
        value = args.get(size)
        if value is not None and not 0 <= value <= max_limit:
            raise bad_user_input(f"`{size}` on `{field_name}` must be between 0 and {max_limit}.")
    offset = args.get("offset")
    if offset is not None and offset < 0:
        raise bad_user_input(f"`offset` on `{field_name}` must be 0 or more.")
    for cursor in ("after", "before"):
        value = args.get(cursor)
        if value is not None and (cursor_to_offset(value) is None or cursor_to_offset(value) < 0):  # type: ignore[operator]
            raise bad_user_input(f"Invalid `{cursor}` cursor on `{field_name}`.")


class FilterConnectionField(DjangoFilterConnectionField):
    """graphene-django's django-filter connection field with `check_page_arguments` applied first."""

    @classmethod
    def connection_resolver(cls, *args: Any, **kwargs: Any) -> Any:
        info = args[-1]
        check_page_arguments(info.field_name, **kwargs)
        return super().connection_resolver(*args, **kwargs)

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
    """A connection field of the connection of ``node_type`` (a dotted path), with ``first``/``after``.

    ``first`` defaults to ``GRAPHQL_NESTED_PAGE_SIZE`` (20), which the cost model counts (`api.http.limits`).

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
        **filters,
    )
