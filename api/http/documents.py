"""Parsed and validated documents, cached per process: the same query text is parsed and validated once.

Clients send the same few documents over and over (the front ends' operations, the persisted queries), so the view
keeps the last `CACHED_DOCUMENTS` parsed documents and validation results, least recently used out first. A
validation result depends on more than the text: the cost rule reads the page sizes (``first``/``last``) from the
variables and has a lower ceiling for anonymous callers, and messages lose "Did you mean ...?" when suggestions are
hidden. So a result is keyed on the text, the integer variables (the only ones the cost rule reads), the caller
being anonymous and the suggestions setting. Both caches forget everything when a GRAPHQL_* setting changes
(tests). Nothing that depends on the data is cached: execution always runs.
"""

import functools
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from graphene_django.settings import graphene_settings
from graphql import DocumentNode, GraphQLError, GraphQLSchema, get_operation_ast, parse, validate

from api.http.limits import operation_cost, request_variables, validation_rules

CACHED_DOCUMENTS = 512
IntegerVariables = tuple[tuple[str, int], ...]


def integer_variables(variables: Mapping[str, Any] | None) -> IntegerVariables:
    """The variables that are integers (booleans excepted), sorted: what the cost rule can read of them."""
    return tuple(
        sorted(
            (name, value)
            for name, value in (variables or {}).items()
            if isinstance(value, int) and not isinstance(value, bool)
        )
    )


@functools.lru_cache(maxsize=CACHED_DOCUMENTS)
def parsed(query: str) -> DocumentNode:
    """``query`` parsed, at most ``GRAPHQL_MAX_TOKENS`` tokens. Raises GraphQLSyntaxError (not cached)."""
    return parse(query, max_tokens=settings.GRAPHQL_MAX_TOKENS)


@functools.lru_cache(maxsize=CACHED_DOCUMENTS)
def validation_errors(
    schema: GraphQLSchema, query: str, variables: IntegerVariables, anonymous: bool, hide_suggestions: bool
) -> tuple[GraphQLError, ...]:
    """The errors of validating ``query`` (already parsed once) with `api.http.limits.validation_rules`."""
    with request_variables(dict(variables), anonymous=anonymous):
        return tuple(
            validate(
                schema,
                parsed(query),
                validation_rules(),
                graphene_settings.MAX_VALIDATION_ERRORS,
                hide_suggestions=hide_suggestions,
            )
        )


@functools.lru_cache(maxsize=CACHED_DOCUMENTS)
def cost(schema: GraphQLSchema, query: str, operation_name: str | None, variables: IntegerVariables) -> int:
    """The cost of the operation ``operation_name`` of ``query`` (valid), as the cost rule measures it."""
    document = parsed(query)
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        raise ValueError(f"No operation {operation_name!r} in the document.")
    return operation_cost(schema, document, operation, dict(variables))


def _forget(*, setting: str, **_kwargs: Any) -> None:
    if setting.startswith("GRAPHQL_") or setting == "GRAPHENE":
        for cache in (parsed, validation_errors, cost):
            cache.cache_clear()


setting_changed.connect(_forget, dispatch_uid="api.http.documents")
