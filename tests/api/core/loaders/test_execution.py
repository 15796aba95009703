"""`api.core.loaders.execution`: resolvers return DataLoader futures; one batch per loader and query level.

The schema is plain graphql-core: books, their authors and the authors' publishers, each relation loaded
through a `Loaders` registry whose batch functions record their keys, so a test sees every "query".
"""

from collections.abc import Sequence
from typing import Any

import pytest
from graphql import (
    ExecutionResult,
    GraphQLArgument,
    GraphQLField,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLString,
    graphql_sync,
)

from api.core.loaders import ExecutionContext, Future, Loaders

AUTHORS = {1: {"id": 1, "name": "Ada", "publisher": 10}, 2: {"id": 2, "name": "Grace", "publisher": 20}}
PUBLISHERS = {10: {"id": 10, "name": "Analytical"}, 20: {"id": 20, "name": "Compiler"}}
BOOKS = [{"id": index, "title": f"Book {index}", "author": 1 + index % 2} for index in range(1, 6)]


class Context:
    """The GraphQL context of these tests: a registry, the batches it ran, and failures to inject."""

    def __init__(self, failing: frozenset[str] = frozenset(), missing: frozenset[int] = frozenset()) -> None:
        self.loaders = Loaders()
        self.batches: list[tuple[str, list[Any]]] = []
        self.failing = failing
        self.missing = missing
        self.counter = 0

    def load(self, name: str, table: dict[int, Any], key: int) -> Future[Any]:
        def batch(keys: list[int]) -> Sequence[Any]:
            self.batches.append((name, keys))
            if name in self.failing:
                raise ConnectionError(f"{name}: the database went away")
            return [None if key in self.missing else table.get(key) for key in keys]

        return self.loaders.get(name, batch).load(key)


def author_of(book: dict[str, Any], info: Any) -> Future[Any]:
    loaded: Future[Any] = info.context.load("authors", AUTHORS, book["author"])
    return loaded


Publisher = GraphQLObjectType("Publisher", {"id": GraphQLField(GraphQLInt), "name": GraphQLField(GraphQLString)})
Author = GraphQLObjectType(
    "Author",
    {
        "id": GraphQLField(GraphQLInt),
        "name": GraphQLField(GraphQLString),
        "publisher": GraphQLField(
            Publisher, resolve=lambda author, info: info.context.load("publishers", PUBLISHERS, author["publisher"])
        ),
    },
)
Book = GraphQLObjectType(
    "Book",
    {
        "id": GraphQLField(GraphQLInt),
        "title": GraphQLField(GraphQLString),
        "author": GraphQLField(Author, resolve=author_of),
        "requiredAuthor": GraphQLField(GraphQLNonNull(Author), resolve=author_of),
    },
)


def total(_: Any, info: Any) -> Future[Any]:
    """The counter as a batch reads it: when the batch runs, not when the field is resolved."""
    context = info.context
    loaded: Future[Any] = context.loaders.get("total", lambda keys: [context.counter for _ in keys]).load(
        info.path.prev.key
    )
    return loaded


def add(_: Any, info: Any, n: int) -> dict[str, int]:
    info.context.counter += n
    return {}


Counter = GraphQLObjectType("Counter", {"total": GraphQLField(GraphQLInt, resolve=total)})

schema = GraphQLSchema(
    query=GraphQLObjectType(
        "Query",
        {
            "books": GraphQLField(GraphQLList(Book), resolve=lambda *_: BOOKS),
            "book": GraphQLField(GraphQLNonNull(Book), resolve=lambda *_: BOOKS[0]),
            "authors": GraphQLField(
                GraphQLList(Author),
                args={"ids": GraphQLArgument(GraphQLList(GraphQLInt))},
                resolve=lambda _, info, ids: [info.context.load("authors", AUTHORS, key) for key in ids],
            ),
        },
    ),
    mutation=GraphQLObjectType(
        "Mutation", {"add": GraphQLField(Counter, args={"n": GraphQLArgument(GraphQLInt)}, resolve=add)}
    ),
)


def run(document: str, context: Context) -> ExecutionResult:
    return graphql_sync(schema, document, context_value=context, execution_context_class=ExecutionContext)


def errors(result: ExecutionResult) -> list[tuple[str, list[str | int] | None]]:
    return [(error.message, error.path) for error in result.errors or []]


def test_each_level_is_one_batch_and_the_data_is_in_order() -> None:
    context = Context()
    result = run("{ books { id author { name publisher { name } } title } }", context)

    assert result.errors is None
    assert result.data is not None
    assert [list(book) for book in result.data["books"]] == [["id", "author", "title"]] * 5
    assert [book["author"]["name"] for book in result.data["books"]] == ["Grace", "Ada", "Grace", "Ada", "Grace"]
    assert result.data["books"][0]["author"]["publisher"] == {"name": "Compiler"}
    assert context.batches == [("authors", [2, 1]), ("publishers", [20, 10])]


def test_a_list_of_futures_is_one_batch() -> None:
    context = Context()
    result = run("{ authors(ids: [2, 1, 2]) { name } }", context)

    assert result.data == {"authors": [{"name": "Grace"}, {"name": "Ada"}, {"name": "Grace"}]}
    assert context.batches == [("authors", [2, 1])]


def test_a_failing_batch_nulls_only_the_fields_that_asked_with_their_paths() -> None:
    result = run("{ books { id author { name } } }", Context(failing=frozenset({"authors"})))

    assert result.data is not None
    assert [book["author"] for book in result.data["books"]] == [None] * 5
    assert [book["id"] for book in result.data["books"]] == [1, 2, 3, 4, 5]
    assert errors(result) == [("authors: the database went away", ["books", index, "author"]) for index in range(5)]


def test_an_error_of_a_non_null_field_nulls_its_nullable_parent() -> None:
    result = run("{ books { id requiredAuthor { name } } }", Context(failing=frozenset({"authors"})))

    assert result.data == {"books": [None] * 5}
    assert errors(result) == [
        ("authors: the database went away", ["books", index, "requiredAuthor"]) for index in range(5)
    ]


def test_a_deferred_null_of_a_non_null_field_is_an_error() -> None:
    result = run("{ books { id requiredAuthor { name } } }", Context(missing=frozenset({1})))

    assert result.data is not None
    assert [book and book["id"] for book in result.data["books"]] == [1, None, 3, None, 5]
    assert errors(result) == [
        ("Cannot return null for non-nullable field Book.requiredAuthor.", ["books", index, "requiredAuthor"])
        for index in (1, 3)
    ]


def test_an_error_that_reaches_a_non_null_root_field_nulls_the_data() -> None:
    result = run("{ book { requiredAuthor { name } } }", Context(failing=frozenset({"authors"})))

    assert result.data is None
    assert errors(result) == [("authors: the database went away", ["book", "requiredAuthor"])]


def test_a_publisher_failing_below_a_working_author_nulls_only_the_publisher() -> None:
    result = run("{ books { author { name publisher { name } } } }", Context(failing=frozenset({"publishers"})))

    assert result.data is not None
    assert result.data["books"][1]["author"] == {"name": "Ada", "publisher": None}
    assert len(result.errors or []) == 5


def test_mutations_run_serially_each_payload_complete_before_the_next_mutation() -> None:
    result = run("mutation { first: add(n: 1) { total } second: add(n: 2) { total } }", Context())

    assert result.errors is None
    assert result.data == {"first": {"total": 1}, "second": {"total": 3}}


@pytest.mark.parametrize("document", ["{ books { id title } }", "{ book { id } }"])
def test_fields_without_futures_need_no_batch(document: str) -> None:
    context = Context()
    result = run(document, context)

    assert result.errors is None
    assert context.batches == []
