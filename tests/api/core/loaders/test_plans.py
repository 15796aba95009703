"""`api.core.loaders.plans`: fields worked out once per operation answer exactly as graphql-core's own execution.

A small graphene schema with every kind of leaf the plans shortcut (graphene's default resolver, a `source_only`
resolver with arguments from variables, an enum) and the cases that must take the full path (a null in a
nullable and in a non-null field, a resolver that raises, a serialization that fails) is run by our
`ExecutionContext` and by graphql-core's stock one: the results, data and errors with their paths, are the same.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

import graphene
import pytest
from graphql import ExecutionContext as StockExecutionContext
from graphql import ExecutionResult, graphql_sync

from api.core.loaders import ExecutionContext, source_only

CALLS: list[Any] = []


class Colour(graphene.Enum):
    RED = 1
    BLUE = 2


class Item:
    def __init__(self, index: int) -> None:
        self.index = index
        self.name = f"item {index}" if index % 5 else None  # every fifth is null
        self.colour = 1 if index % 2 else 2  # Colour.RED, Colour.BLUE
        self.start = datetime(2030, 1, 1, tzinfo=UTC) + timedelta(minutes=15 * index)
        self.count = index if index != 7 else "seven"  # an Int that cannot be serialized


class ItemType(graphene.ObjectType):
    index = graphene.Int(required=True)
    name = graphene.String()
    required_name = graphene.String(required=True)
    colour = graphene.Field(Colour, required=True)
    count = graphene.Int()
    shifted = graphene.DateTime(required=True, minutes=graphene.Int(required=True))
    broken = graphene.String()

    @staticmethod
    @source_only
    def resolve_required_name(item: Item, info: Any) -> str | None:
        return item.name

    @staticmethod
    @source_only
    def resolve_shifted(item: Item, info: Any, minutes: int) -> datetime:
        CALLS.append(info)
        return item.start + timedelta(minutes=minutes)

    @staticmethod
    @source_only
    def resolve_broken(item: Item, info: Any) -> str:
        if item.index == 3:
            raise ValueError("item 3 is broken")
        return "fine"


class Query(graphene.ObjectType):
    items = graphene.List(graphene.NonNull(ItemType), required=True, n=graphene.Int(required=True))
    strict_items = graphene.List(ItemType, n=graphene.Int(required=True))

    @staticmethod
    def resolve_items(root: None, info: Any, n: int) -> list[Item]:
        return [Item(index) for index in range(n)]

    @staticmethod
    def resolve_strict_items(root: None, info: Any, n: int) -> list[Item]:
        return [Item(index) for index in range(n)]


SCHEMA = graphene.Schema(query=Query).graphql_schema

DOCUMENTS = [
    "query($n: Int!, $m: Int!) { items(n: $n) { index name colour shifted(minutes: $m) broken count } }",
    "query($n: Int!) { strictItems(n: $n) { index requiredName } }",  # a non-null null: that item is null
    "query($n: Int!) { items(n: $n) { requiredName } }",  # ...and here the whole list, so data is null
    "query($n: Int!, $m: Int!) { a: items(n: $n) { shifted(minutes: $m) } b: items(n: $n) { s: shifted(minutes: 5) } }",
]


def run(document: str, context_class: type[StockExecutionContext], **variables: Any) -> ExecutionResult:
    return graphql_sync(SCHEMA, document, variable_values=variables, execution_context_class=context_class)


def formatted(result: ExecutionResult) -> dict[str, Any]:
    return {
        "data": result.data,
        "errors": sorted(((error.message, tuple(error.path or ())) for error in result.errors or []), key=str),
    }


@pytest.mark.parametrize("document", DOCUMENTS)
def test_the_planned_execution_answers_as_graphql_core_does(document: str) -> None:
    ours = run(document, ExecutionContext, n=30, m=45)
    stock = run(document, StockExecutionContext, n=30, m=45)

    assert formatted(ours) == formatted(stock)
    assert ours.errors or ours.data  # each document exercises something


@pytest.mark.parametrize("middleware", [None, []], ids=["no middleware", "an empty list, as graphene-django's"])
def test_a_source_only_resolver_is_called_once_per_object_without_resolve_info(middleware: list[Any] | None) -> None:
    CALLS.clear()

    result = graphql_sync(
        SCHEMA,
        "query($n: Int!) { items(n: $n) { shifted(minutes: 15) } }",
        variable_values={"n": 20},
        middleware=middleware,
        execution_context_class=ExecutionContext,
    )

    assert result.errors is None
    assert result.data is not None
    assert result.data["items"][1] == {"shifted": "2030-01-01T00:30:00+00:00"}
    assert CALLS == [None] * 20


def test_errors_keep_their_paths_when_the_shortcut_falls_back() -> None:
    result = run("query($n: Int!) { items(n: $n) { broken count } }", ExecutionContext, n=10)

    assert sorted((error.message, error.path) for error in result.errors or []) == [
        ("Int cannot represent non-integer value: 'seven'", ["items", 7, "count"]),
        ("item 3 is broken", ["items", 3, "broken"]),
    ]


def test_middleware_sees_every_field_even_those_with_a_shortcut() -> None:
    seen: list[str] = []

    def spy(next_: Any, root: Any, info: Any, **args: Any) -> Any:
        seen.append(info.field_name)
        return next_(root, info, **args)

    result = graphql_sync(
        SCHEMA,
        "{ items(n: 3) { index name shifted(minutes: 0) } }",
        middleware=[spy],
        execution_context_class=ExecutionContext,
    )

    assert result.errors is None
    assert sorted(seen) == sorted(["items"] + ["index", "name", "shifted"] * 3)
