"""Nested connection fields: relay connections on an object, paged with `first`/`after` through a loader."""

from typing import Any

import graphene
from django.utils.module_loading import import_string


def nested_connection(node_type: str, description: str, **filters: Any) -> graphene.Field:
    """A required connection field of the connection of ``node_type`` (a dotted path), with ``first``/``after``.

    Pages hold at most ``RELAY_CONNECTION_MAX_LIMIT`` (100) nodes; ``first`` defaults to that. The resolver
    must return a future of the connection (see `api.loaders.pages.load_page`).
    """
    return graphene.Field(
        lambda: graphene.NonNull(import_string(node_type)._meta.connection),
        description=description,
        first=graphene.Int(description="Page size, at most 100 (the default)."),
        after=graphene.String(description="Return nodes after this cursor."),
        **filters,
    )
