"""Query limits: graphql-core validation rules that refuse documents too deep, too wide or too costly to run.

Each rule measures every operation of a document, its fragments expanded (a fragment spread twice counts twice)
and reports one validation error per operation over its limit. The error's message names the limit and the
measured value, which ``extensions`` also holds as ``limit`` and ``measured``:

================  ===================  ==========================================================================
rule              ``extensions.code``  measure
================  ===================  ==========================================================================
depth             QUERY_TOO_DEEP       levels of nested fields: ``{ providers { edges { node { id } } } }`` is 4
                                       (a Relay page's ``edges { node }`` costs two levels)
selections        TOO_MANY_SELECTIONS  field selections, aliased ones included: each one the server resolves
aliases           TOO_MANY_ALIASES     aliased fields (``a: providers``): aliases are how a document asks for
                                       the same field many times, which the server cannot merge
cost              QUERY_TOO_COMPLEX    as GitHub and Shopify count it: each field costs 1, and a connection
                                       (a field whose type has ``edges`` and ``pageInfo``) multiplies the cost
                                       of its selection by the page the server returns: ``first`` or ``last``
                                       (literal or variable); not given, null or unknown, the default of the
                                       field's ``first`` argument (``GRAPHQL_NESTED_PAGE_SIZE``, 20, for nested
                                       connections), else the largest page, ``RELAY_CONNECTION_MAX_LIMIT`` (100,
                                       the root lists' default). Anonymous callers have a lower ceiling
                                       (``GRAPHQL_MAX_COST_ANONYMOUS``) than signed-in ones (``GRAPHQL_MAX_COST``)
================  ===================  ==========================================================================

Introspection meta-fields (``__typename``, ``__schema``, ``__type``) add no depth: graphql-core's standard
``MaxIntrospectionDepthRule`` bounds introspection's nesting (GraphiQL's introspection query nests 15 levels),
and production switches introspection off (``GRAPHQL_INTROSPECTION``). They count as selections, aliases and
cost like any other field.

Validation does not see the request's variables nor its caller, so the view runs it inside `request_variables`:
the cost rule then reads a page size passed as a variable, else the variable's default in the operation, else the
field's default page, and applies the ceiling of the caller (anonymous or signed in).

`validation_rules` assembles graphql-core's standard rules, these four and (with ``GRAPHQL_INTROSPECTION``
off) graphql-core's ``NoSchemaIntrospectionCustomRule`` from settings, once per process; Django's
``setting_changed`` signal (``override_settings`` in tests) clears it.
"""

import functools
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar

from django.conf import settings
from django.core.signals import setting_changed
from graphene_django.settings import graphene_settings
from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    NoSchemaIntrospectionCustomRule,
    OperationDefinitionNode,
    SelectionSetNode,
    TypeInfo,
    ValidationContext,
    ValidationRule,
    ValueNode,
    VariableNode,
    get_named_type,
    specified_rules,
    value_from_ast_untyped,
)
from graphql.language.visitor import SKIP, VisitorAction

from api.http.text_input import NoNulInStringLiteralsRule

_variables: ContextVar[Mapping[str, Any]] = ContextVar("graphql_request_variables", default=MappingProxyType({}))
_anonymous: ContextVar[bool] = ContextVar("graphql_request_anonymous", default=False)


@contextmanager
def request_variables(variables: Mapping[str, Any] | None, *, anonymous: bool = False) -> Iterator[None]:
    """Let the cost rule see the request's variables, and whether its caller is anonymous, during validation."""
    token = _variables.set(variables if isinstance(variables, Mapping) else {})
    caller = _anonymous.set(anonymous)
    try:
        yield
    finally:
        _anonymous.reset(caller)
        _variables.reset(token)


@dataclass(frozen=True)
class Measures:
    """What the limits measure of an operation (or of part of one)."""

    depth: int = 0
    selections: int = 0
    aliases: int = 0
    cost: int = 0


_NOTHING = Measures()


def _is_connection(type_: GraphQLNamedType | None) -> bool:
    """Whether ``type_`` is a Relay connection: an object type with ``edges`` and ``pageInfo``."""
    return isinstance(type_, GraphQLObjectType) and "edges" in type_.fields and "pageInfo" in type_.fields


class _Analysis:
    """Measures one operation of a validated document, each fragment measured once however often it is spread.

    Fragments are memoized, so a document of fragments that each spread the previous one twice is measured in
    linear time (its cost, exponential in the number of fragments, is still reported and refused). A fragment
    cycle or an unknown fragment or field measures nothing here; graphql-core's standard rules report those.
    """

    def __init__(self, context: ValidationContext, operation: OperationDefinitionNode, max_page_size: int) -> None:
        self.context = context
        self.schema = context.schema
        self.max_page_size = max_page_size
        self.variables = _variables.get()
        self.defaults = {
            definition.variable.name.value: value_from_ast_untyped(definition.default_value)
            for definition in operation.variable_definitions or ()
            if definition.default_value is not None
        }
        self.fragments: dict[str, Measures] = {}
        self.expanding: set[str] = set()
        self.result = self.selection_set(operation.selection_set, self.schema.get_root_type(operation.operation))

    def selection_set(self, node: SelectionSetNode, parent: GraphQLNamedType | None) -> Measures:
        depth = selections = aliases = cost = 0
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                measures = self.field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                type_ = self.schema.get_type(condition.name.value) if condition else parent
                measures = self.selection_set(selection.selection_set, type_)
            elif isinstance(selection, FragmentSpreadNode):
                measures = self.fragment(selection.name.value)
            else:  # pragma: no cover - the three kinds of selection
                continue
            depth = max(depth, measures.depth)
            selections += measures.selections
            aliases += measures.aliases
            cost += measures.cost
        return Measures(depth, selections, aliases, cost)

    def fragment(self, name: str) -> Measures:
        if name in self.fragments:
            return self.fragments[name]
        definition = self.context.get_fragment(name)
        if definition is None or name in self.expanding:
            return _NOTHING
        self.expanding.add(name)
        measures = self.selection_set(
            definition.selection_set, self.schema.get_type(definition.type_condition.name.value)
        )
        self.expanding.discard(name)
        self.fragments[name] = measures
        return measures

    def field(self, node: FieldNode, parent: GraphQLNamedType | None) -> Measures:
        field = (
            parent.fields.get(node.name.value) if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType) else None
        )
        type_ = get_named_type(field.type) if field is not None else None
        inner = self.selection_set(node.selection_set, type_) if node.selection_set else _NOTHING
        page = self.page_size(node, field) if _is_connection(type_) else 1
        return Measures(
            depth=0 if node.name.value.startswith("__") else 1 + inner.depth,
            selections=1 + inner.selections,
            aliases=(node.alias is not None) + inner.aliases,
            cost=1 + page * inner.cost,
        )

    def page_size(self, node: FieldNode, field: GraphQLField | None) -> int:
        """The page a connection field returns: the larger of ``first`` and ``last``, within 0..max; when neither is
        known, the default of its ``first`` argument (nested connections: 20), else the largest page."""
        sizes = [
            self.integer(argument.value) for argument in node.arguments if argument.name.value in ("first", "last")
        ]
        given = [size for size in sizes if size is not None]
        if given:
            return min(max(max(given), 0), self.max_page_size)
        argument = field.args.get("first") if field is not None else None
        default = argument.default_value if argument is not None else None
        if isinstance(default, int) and not isinstance(default, bool) and 0 <= default <= self.max_page_size:
            return default
        return self.max_page_size

    def integer(self, value: ValueNode) -> int | None:
        """An Int argument's value (a literal, or a variable's value or default), or None if unknown."""
        if isinstance(value, IntValueNode):
            return int(value.value)
        if isinstance(value, VariableNode):
            name = value.name.value
            resolved = self.variables[name] if name in self.variables else self.defaults.get(name)
            if isinstance(resolved, int) and not isinstance(resolved, bool):
                return resolved
        return None


def measure(context: ValidationContext, operation: OperationDefinitionNode, max_page_size: int) -> Measures:
    """Measure ``operation`` of the document being validated in ``context``."""
    return _Analysis(context, operation, max_page_size).result


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any] | None,
) -> int:
    """The cost of ``operation`` of ``document`` (already validated) as the cost rule measured it."""
    context = ValidationContext(schema, document, TypeInfo(schema), lambda _error: None)
    with request_variables(variables):
        return measure(context, operation, graphene_settings.RELAY_CONNECTION_MAX_LIMIT).cost


def measure_document(
    schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any] | None = None, max_page_size: int = 100
) -> list[Measures]:
    """Measure each operation of a (valid) document, as the rules do; for tests and for choosing limits."""
    context = ValidationContext(schema, document, TypeInfo(schema), lambda _error: None)
    operations = [node for node in document.definitions if isinstance(node, OperationDefinitionNode)]
    with request_variables(variables):
        return [measure(context, operation, max_page_size) for operation in operations]


class _LimitRule(ValidationRule):
    """Refuse an operation whose measure exceeds ``limit``; subclasses say which measure and how to word it."""

    limit: ClassVar[int]
    anonymous_limit: ClassVar[int | None] = None  # a lower limit for anonymous callers, if any
    max_page_size: ClassVar[int]
    code: ClassVar[str]
    template: ClassVar[str]  # formatted with operation, measured and limit
    anonymous_template: ClassVar[str] = ""  # appended for an anonymous caller, formatted with signed_in_limit

    @staticmethod
    def value(measures: Measures) -> int:
        raise NotImplementedError

    def enter_operation_definition(self, node: OperationDefinitionNode, *_args: Any) -> VisitorAction:
        measured = self.value(measure(self.context, node, self.max_page_size))
        anonymous = self.anonymous_limit is not None and _anonymous.get()
        limit = self.anonymous_limit if anonymous and self.anonymous_limit is not None else self.limit
        if measured > limit:
            operation = f"Operation '{node.name.value}'" if node.name else "The operation"
            message = self.template.format(operation=operation, measured=measured, limit=limit)
            if anonymous:
                message += self.anonymous_template.format(signed_in_limit=self.limit)
            self.report_error(
                GraphQLError(message, node, extensions={"code": self.code, "limit": limit, "measured": measured})
            )
        return SKIP


class MaxDepthRule(_LimitRule):
    code = "QUERY_TOO_DEEP"
    template = "{operation} nests fields {measured} levels deep; the limit is {limit}."

    @staticmethod
    def value(measures: Measures) -> int:
        return measures.depth


class MaxSelectionsRule(_LimitRule):
    code = "TOO_MANY_SELECTIONS"
    template = "{operation} selects {measured} fields (fragments expanded, aliases included); the limit is {limit}."

    @staticmethod
    def value(measures: Measures) -> int:
        return measures.selections


class MaxAliasesRule(_LimitRule):
    code = "TOO_MANY_ALIASES"
    template = "{operation} uses {measured} aliases (fragments expanded); the limit is {limit}."

    @staticmethod
    def value(measures: Measures) -> int:
        return measures.aliases


class MaxCostRule(_LimitRule):
    code = "QUERY_TOO_COMPLEX"
    template = (
        "{operation} has a cost of {measured}; the limit is {limit}. Each field costs 1 and a connection multiplies"
        " the cost of its selection by its page size (`first` or `last`; when not given, 20 for a nested connection"
        " and 100 for a root list): ask for smaller pages or fewer nested connections."
    )
    anonymous_template = " Signed-in callers may send operations of cost up to {signed_in_limit}."

    @staticmethod
    def value(measures: Measures) -> int:
        return measures.cost


def limit_rule(
    rule: type[_LimitRule], limit: int, max_page_size: int = 100, anonymous_limit: int | None = None
) -> type[ASTValidationRule]:
    """``rule`` with its limit, its lower limit for anonymous callers if any, and the largest page fixed."""
    return type(
        rule.__name__, (rule,), {"limit": limit, "max_page_size": max_page_size, "anonymous_limit": anonymous_limit}
    )


@functools.cache
def validation_rules() -> tuple[type[ASTValidationRule], ...]:
    """graphql-core's standard rules, then the limits of settings, then no introspection if it is switched off.

    Built once per process from ``GRAPHQL_MAX_DEPTH``, ``GRAPHQL_MAX_SELECTIONS``, ``GRAPHQL_MAX_ALIASES``,
    ``GRAPHQL_MAX_COST``, ``GRAPHQL_MAX_COST_ANONYMOUS``, ``GRAPHQL_INTROSPECTION`` and graphene's
    ``RELAY_CONNECTION_MAX_LIMIT``. Also refuses NUL characters in string literals (`api.http.text_input`).
    """
    page: int = graphene_settings.RELAY_CONNECTION_MAX_LIMIT
    rules: list[type[ASTValidationRule]] = [
        *specified_rules,
        limit_rule(MaxDepthRule, settings.GRAPHQL_MAX_DEPTH, page),
        limit_rule(MaxSelectionsRule, settings.GRAPHQL_MAX_SELECTIONS, page),
        limit_rule(MaxAliasesRule, settings.GRAPHQL_MAX_ALIASES, page),
        limit_rule(MaxCostRule, settings.GRAPHQL_MAX_COST, page, settings.GRAPHQL_MAX_COST_ANONYMOUS),
        NoNulInStringLiteralsRule,
    ]
    if not settings.GRAPHQL_INTROSPECTION:
        rules.append(NoSchemaIntrospectionCustomRule)
    return tuple(rules)


def _rebuild_on_setting_change(*, setting: str, **_kwargs: Any) -> None:
    """Forget the rules when a setting they read changes (``override_settings``)."""
    if setting.startswith("GRAPHQL_") or setting == "GRAPHENE":
        validation_rules.cache_clear()


setting_changed.connect(_rebuild_on_setting_change, dispatch_uid="api.http.limits.validation_rules")
