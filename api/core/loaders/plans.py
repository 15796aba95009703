"""Field plans: what executing a field needs that is the same for every object of a list, worked out once.

A page of 100 nodes executes the same few fields 100 times over (about 800 field executions for
``availableAppointments`` with its providers). graphql-core looks up each field's definition, wraps its resolver
with the middleware, coerces its arguments and walks ``complete_value``'s chain of type checks again for every
object. A `FieldPlan` holds what does not change within one operation: the definition, the resolver, the
arguments (when they are plain values: the variables are fixed for the operation), and what the field's type
unwraps to, so that a scalar is serialized and an object's fields executed without the chain. Plans live as long
as one execution context (one operation); nothing in them depends on the data.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from functools import partial
from typing import Any, Protocol, TypeVar

from graphene.relay import GlobalID
from graphene.types.resolver import dict_or_attr_resolver
from graphene_django import DjangoObjectType
from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    MiddlewareManager,
)
from graphql.execution.execute import get_field_def
from graphql.execution.values import get_argument_values
from graphql.pyutils import Undefined

from .futures import Future

Resolver = Callable[..., Any]
R = TypeVar("R", bound=Resolver)
# Argument values that a resolver cannot change in place: safe to pass to every call of the operation.
_IMMUTABLE = (str, int, float, bool, Decimal, date, datetime, time, timedelta, Enum, type(None))


def source_only(resolver: R) -> R:
    """Mark a scalar field's resolver as reading only its source and arguments, never ``info``: execution may then
    call it with ``info`` None and skip building the resolve info and the path of each call (`SourceLeaf`). It must
    have no side effects: on a null or an error it is called again the ordinary way, which reports it."""
    resolver.reads_source_only = True  # type: ignore[attr-defined]
    return resolver


class Shortcut(Protocol):
    """A leaf field's value without the resolve info, the path and ``complete_value``: ``value_of`` gives the
    serialized value, or None when the full path must run instead (a null, or an error to report, at its path)."""

    def value_of(self, source: Any) -> Any: ...


@dataclass(frozen=True)
class PlainLeaf:
    """A scalar or enum field without arguments whose resolver is graphene's default (an attribute or key of its
    source of the same name): its value is the source's attribute, serialized, with nothing else to run."""

    attribute: str
    default: Any
    serialize: Callable[[Any], Any]

    def value_of(self, source: Any) -> Any:
        """The serialized value, or None when the full path must run."""
        try:
            if isinstance(source, dict):
                raw = source.get(self.attribute, self.default)
            else:
                raw = getattr(source, self.attribute, self.default)
            return _serialized(raw, self.serialize)
        except Exception:  # noqa: BLE001 - the full path reports it as a field error
            return None


@dataclass(frozen=True)
class GlobalIdLeaf:
    """The relay ``id`` of a graphene-django node: ``Node.to_global_id(type name, pk)``, as graphene's
    ``GlobalID.id_resolver`` over ``DjangoObjectType.resolve_id`` answers it."""

    type_name: str
    node: Any
    serialize: Callable[[Any], Any]

    def value_of(self, source: Any) -> Any:
        """The serialized global ID, or None when the full path must run."""
        try:
            pk = getattr(source, "pk", None)
            return None if pk is None else _serialized(self.node.to_global_id(self.type_name, pk), self.serialize)
        except Exception:  # noqa: BLE001 - the full path reports it as a field error
            return None


@dataclass(frozen=True)
class SourceLeaf:
    """A scalar field whose resolver is marked `source_only` and whose arguments are fixed for the operation."""

    resolve: Resolver
    arguments: dict[str, Any]
    serialize: Callable[[Any], Any]

    def value_of(self, source: Any) -> Any:
        """The serialized value, or None when the full path must run."""
        try:
            return _serialized(self.resolve(source, None, **self.arguments), self.serialize)
        except Exception:  # noqa: BLE001 - the full path reports it as a field error
            return None


def _serialized(raw: Any, serialize: Callable[[Any], Any]) -> Any:
    """``raw`` serialized, or None when the full path must handle it (null, a future, an error value, Undefined)."""
    if raw is None or isinstance(raw, Future | Exception):
        return None
    serialized = serialize(raw)
    return None if serialized is Undefined else serialized


@dataclass(frozen=True)
class FieldPlan:
    """One field of one selection on one parent type, as executed within one operation.

    ``arguments`` is None when they must be coerced on every call (a value a resolver could change in place, or
    coercion fails: the error is then the field's, raised where graphql-core raises it). ``leaf`` is the scalar or
    enum the type unwraps to, ``object_type`` the object type; ``shortcut`` is set for a leaf whose value needs no
    resolve info (`PlainLeaf`, `GlobalIdLeaf`, `SourceLeaf`; never with middleware, which must see every call).
    """

    response_name: str
    field_nodes: list[FieldNode]
    parent_type: GraphQLObjectType
    definition: GraphQLField
    resolve: Resolver
    arguments: dict[str, Any] | None
    leaf: GraphQLScalarType | GraphQLEnumType | None
    object_type: GraphQLObjectType | None
    shortcut: Shortcut | None

    @property
    def return_type(self) -> GraphQLOutputType:
        """The field's declared type (non-null wrapper included)."""
        return self.definition.type

    def serialize_leaf(self, result: Any) -> Any:
        """``result`` serialized by the field's scalar or enum, or Undefined when the full completion must run
        (not a leaf, null, an error value, or a serialization that gives nothing: graphql-core reports those)."""
        if self.leaf is None or result is None or isinstance(result, Exception):
            return Undefined
        serialized = self.leaf.serialize(result)
        return Undefined if serialized is None else serialized


def plan_field(
    schema: Any,
    parent_type: GraphQLObjectType,
    response_name: str,
    field_nodes: list[FieldNode],
    default_resolver: Resolver,
    middleware: MiddlewareManager | None,
    variable_values: dict[str, Any],
) -> FieldPlan | None:
    """The plan of ``field_nodes`` on ``parent_type``; None when the schema has no such field (graphql-core then
    leaves it out of the response)."""
    definition = get_field_def(schema, parent_type, field_nodes[0])
    if not definition:
        return None
    resolve = definition.resolve or default_resolver
    if middleware is not None and not middleware.middlewares:
        middleware = None  # graphene-django passes a manager of no middleware when none is configured
    if middleware is not None:
        resolve = middleware.get_field_resolver(resolve)
    unwrapped = definition.type.of_type if isinstance(definition.type, GraphQLNonNull) else definition.type
    leaf = unwrapped if isinstance(unwrapped, GraphQLScalarType | GraphQLEnumType) else None
    arguments = _fixed_arguments(definition, field_nodes[0], variable_values)
    return FieldPlan(
        response_name=response_name,
        field_nodes=field_nodes,
        parent_type=parent_type,
        definition=definition,
        resolve=resolve,
        arguments=arguments,
        leaf=leaf,
        object_type=unwrapped if isinstance(unwrapped, GraphQLObjectType) else None,
        shortcut=_shortcut(definition, parent_type, leaf, arguments) if middleware is None else None,
    )


def _fixed_arguments(
    definition: GraphQLField, node: FieldNode, variable_values: dict[str, Any]
) -> dict[str, Any] | None:
    """The field's coerced arguments if every call of the operation can share them, else None."""
    if not definition.args:
        return {}
    try:
        arguments = get_argument_values(definition, node, variable_values)
    except Exception:  # noqa: BLE001 - coerced again per call, where the error belongs to the field
        return None
    return arguments if all(isinstance(value, _IMMUTABLE) for value in arguments.values()) else None


def _shortcut(
    definition: GraphQLField,
    parent_type: GraphQLObjectType,
    leaf: GraphQLScalarType | GraphQLEnumType | None,
    arguments: dict[str, Any] | None,
) -> Shortcut | None:
    """The `Shortcut` of a leaf field whose value needs no resolve info, if it has one."""
    resolve = definition.resolve
    if leaf is None or arguments is None:
        return None
    if getattr(resolve, "reads_source_only", False):
        return SourceLeaf(resolve, arguments, leaf.serialize)  # type: ignore[arg-type]
    if not isinstance(resolve, partial) or arguments:
        return None
    if resolve.func is dict_or_attr_resolver and len(resolve.args) == 2 and not resolve.keywords:
        return PlainLeaf(resolve.args[0], resolve.args[1], leaf.serialize)
    if (
        resolve.func is GlobalID.id_resolver
        and len(resolve.args) == 2
        and resolve.args[0] is DjangoObjectType.resolve_id
        and set(resolve.keywords) == {"parent_type_name"}
    ):
        type_name = resolve.keywords["parent_type_name"] or parent_type.name
        return GlobalIdLeaf(type_name, resolve.args[1], leaf.serialize)
    return None


def checks_class_only(object_type: GraphQLObjectType) -> bool:
    """Whether ``object_type``'s ``is_type_of`` is graphene-django's, which depends only on the value's class
    (lazy objects aside): its answer for one class holds for every object of that class."""
    check = object_type.is_type_of
    return getattr(check, "__func__", None) is DjangoObjectType.is_type_of.__func__
