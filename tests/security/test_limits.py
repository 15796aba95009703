"""Query limits (api/http/limits.py) through /graphql: depth, selections, aliases and cost.

Each limit is a validation error with its own ``extensions.code`` (never masked as INTERNAL_SERVER_ERROR),
its limit and measured value in the message and in ``extensions``, HTTP 400 and no ``data``. Every example
operation passes every limit with room to spare, and GraphiQL's introspection query passes too.
"""

import json
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings
from graphql import get_introspection_query, parse

from api.http.limits import Measures, measure_document
from api.schema import schema
from tests.examples import EXAMPLES, Example

pytestmark = pytest.mark.django_db

EDGE_CODES = {
    "QUERY_TOO_DEEP",
    "QUERY_TOO_COMPLEX",
    "TOO_MANY_ALIASES",
    "TOO_MANY_SELECTIONS",
    "QUERY_TOO_LARGE",
    "PERSISTED_QUERY_NOT_FOUND",
}


def post(client: Client, query: str, variables: dict[str, Any] | None = None) -> Any:
    return client.post(
        "/graphql", json.dumps({"query": query, "variables": variables or {}}), content_type="application/json"
    )


def refused(response: Any, code: str) -> dict[str, Any]:
    """Assert the response is a 400 whose only error has ``code``; return that error."""
    assert response.status_code == 400, response.content
    body = response.json()
    assert "data" not in body
    assert [error["extensions"]["code"] for error in body["errors"]] == [code], body
    error: dict[str, Any] = body["errors"][0]
    return error


def measures(document: str, variables: dict[str, Any] | None = None) -> Measures:
    (result,) = measure_document(schema.graphql_schema, parse(document), variables)
    return result


# --- depth ------------------------------------------------------------------------------------------------------------

# reservations > edges > node > provider > clients > edges > node > providers > edges > node > clients > pageInfo >
# hasNextPage: 13 levels.
DEPTH_13 = """{
  reservations(first: 1) { edges { node { provider {
    clients(first: 1) { edges { node { providers(first: 1) { edges { node {
      clients(first: 1) { pageInfo { hasNextPage } }
    } } } } } }
  } } } }
}"""
# reservations > edges > node > appointment > provider > clients > edges > node > providers > edges > node > id.
DEPTH_12 = """{
  reservations(first: 1) { edges { node { appointment { provider {
    clients(first: 1) { edges { node { providers(first: 1) { edges { node { id } } } } } }
  } } } } }
}"""


def test_depth_is_measured_in_field_levels():
    assert measures("{ providers { edges { node { id } } } }").depth == 4
    assert measures(DEPTH_13).depth == 13
    assert measures(DEPTH_12).depth == 12


def test_query_deeper_than_the_limit_is_refused(client):
    error = refused(post(client, DEPTH_13), "QUERY_TOO_DEEP")

    assert error["extensions"]["limit"] == settings.GRAPHQL_MAX_DEPTH == 12
    assert error["extensions"]["measured"] == 13
    assert "13" in error["message"]
    assert "12" in error["message"]


def test_query_as_deep_as_the_limit_runs(client):
    assert post(client, DEPTH_12).status_code == 200


def test_depth_counts_through_fragments_and_inline_fragments(client):
    document = """
    query { reservations(first: 1) { edges { node { ...R } } } }
    fragment R on ReservationType { appointment { ... on AppointmentType { provider { ...P } } } }
    fragment P on ProviderType { clients(first: 1) { edges { node { providers(first: 1) { edges { node {
      clients(first: 1) { pageInfo { hasNextPage } } } } } } } } }
    """

    assert measures(document).depth == 14
    refused(post(client, document), "QUERY_TOO_DEEP")


def test_introspection_fields_add_no_depth():
    assert measures("{ __typename providers { edges { node { __typename id } } } }").depth == 4
    assert measures("{ __schema { types { fields { type { ofType { name } } } } } }").depth == 0


@override_settings(GRAPHQL_MAX_DEPTH=3)
def test_depth_limit_comes_from_settings(client):
    error = refused(post(client, "{ providers { edges { node { id } } } }"), "QUERY_TOO_DEEP")

    assert (error["extensions"]["limit"], error["extensions"]["measured"]) == (3, 4)


# --- selections -------------------------------------------------------------------------------------------------------


def ids(count: int) -> str:
    return "{ providers(first: 1) { edges { node { " + " ".join(["id"] * count) + " } } } }"


def test_selections_count_every_field_aliases_and_fragments_included():
    assert measures(ids(1)).selections == 4
    assert (
        measures(
            "{ a: providers(first: 1) { edges { node { id } } } b: providers { pageInfo { hasNextPage } } }"
        ).selections
        == 7
    )
    assert (
        measures("{ ...Q ...Q } fragment Q on Query { providers(first: 1) { edges { node { id } } } }").selections == 8
    )


def test_query_selecting_more_fields_than_the_limit_is_refused(client):
    error = refused(post(client, ids(settings.GRAPHQL_MAX_SELECTIONS - 2)), "TOO_MANY_SELECTIONS")

    assert error["extensions"]["limit"] == settings.GRAPHQL_MAX_SELECTIONS == 300
    assert error["extensions"]["measured"] == 301
    assert "301" in error["message"]
    assert "300" in error["message"]


def test_query_selecting_as_many_fields_as_the_limit_runs(client):
    assert post(client, ids(settings.GRAPHQL_MAX_SELECTIONS - 3)).status_code == 200


@override_settings(GRAPHQL_MAX_SELECTIONS=5)
def test_selection_limit_comes_from_settings_and_counts_aliases(client):
    error = refused(
        post(client, "{ a: __typename b: __typename c: __typename d: __typename e: __typename f: __typename }"),
        "TOO_MANY_SELECTIONS",
    )

    assert error["extensions"]["measured"] == 6


# --- aliases ----------------------------------------------------------------------------------------------------------


def aliases(count: int) -> str:
    return "{ " + " ".join(f"a{index}: __typename" for index in range(count)) + " }"


def test_query_with_more_aliases_than_the_limit_is_refused(client):
    error = refused(post(client, aliases(31)), "TOO_MANY_ALIASES")

    assert error["extensions"]["limit"] == settings.GRAPHQL_MAX_ALIASES == 30
    assert error["extensions"]["measured"] == 31
    assert "31" in error["message"]
    assert "30" in error["message"]


def test_query_with_as_many_aliases_as_the_limit_runs(client):
    response = post(client, aliases(30))

    assert response.status_code == 200
    assert len(response.json()["data"]) == 30


def test_a_thousand_aliases_do_not_run(client):
    response = post(client, aliases(1000))

    assert response.status_code in (400, 413)
    assert "data" not in response.json()
    assert {error["extensions"]["code"] for error in response.json()["errors"]} <= EDGE_CODES


def test_aliases_in_fragments_count_each_time_the_fragment_is_spread(client):
    fragment = "fragment A on Query { " + " ".join(f"a{index}: __typename" for index in range(10)) + " }"
    document = "{ x: __typename ...A ...A ...A ...A } " + fragment

    assert measures(document).aliases == 41
    error = refused(post(client, document), "TOO_MANY_ALIASES")
    assert error["extensions"]["measured"] == 41


@override_settings(GRAPHQL_MAX_ALIASES=1)
def test_alias_limit_comes_from_settings(client):
    refused(post(client, "{ a: __typename b: __typename }"), "TOO_MANY_ALIASES")


# --- cost -------------------------------------------------------------------------------------------------------------

PAGE = "query($n: Int) { providers(first: $n) { edges { node { id } } } }"


@pytest.mark.parametrize(
    ("document", "variables", "cost"),
    [
        # Each field costs 1; a connection multiplies the cost of its selection (edges 1 + node 1 + id 1) by its page.
        ("{ providers(first: 2) { edges { node { id } } } }", None, 1 + 2 * 3),
        ("{ providers(last: 3) { edges { node { id } } } }", None, 1 + 3 * 3),
        ("{ providers(first: 0) { edges { node { id } } } }", None, 1),
        # Not given, or null: the largest page, 100; more than that counts as 100 (the server refuses it anyway).
        ("{ providers { edges { node { id } } } }", None, 1 + 100 * 3),
        ("{ providers(first: null) { edges { node { id } } } }", None, 1 + 100 * 3),
        ("{ providers(first: 1000) { edges { node { id } } } }", None, 1 + 100 * 3),
        # Page sizes given as variables, their defaults, or neither.
        (PAGE, {"n": 5}, 1 + 5 * 3),
        (PAGE, {"n": None}, 1 + 100 * 3),
        (PAGE, {}, 1 + 100 * 3),
        ("query($n: Int = 7) { providers(first: $n) { edges { node { id } } } }", {}, 1 + 7 * 3),
        ("query($n: Int = 7) { providers(first: $n) { edges { node { id } } } }", {"n": 2}, 1 + 2 * 3),
        # pageInfo is part of the selection, as everything under a connection.
        ("{ providers(first: 2) { pageInfo { hasNextPage } edges { node { id } } } }", None, 1 + 2 * (2 + 3)),
        # A nested connection without `first` counts its default page, 20 (what the server returns); a null or
        # unknown size too. A root list without one counts 100, as graphene-django returns.
        (
            "{ providers(first: 10) { edges { node { clients { edges { node { id } } } } } } }",
            None,
            1 + 10 * (1 + 1 + (1 + 20 * 3)),
        ),
        (
            "query($n: Int) { providers(first: 1) { edges { node { clients(first: $n) { edges { node { id } } } } } }"
            " }",
            {"n": None},
            1 + 1 * (1 + 1 + (1 + 20 * 3)),
        ),
        # Nested connections multiply.
        (
            "{ providers(first: 10) { edges { node { clients(first: 5) { edges { node { id } } } } } } }",
            None,
            1 + 10 * (1 + 1 + (1 + 5 * 3)),
        ),
        # A plain object (appointment) or a list that is not a connection (a payload's errors) does not multiply.
        ("{ reservations(first: 2) { edges { node { appointment { id timeSlot } } } } }", None, 1 + 2 * (1 + 1 + 3)),
        # Fragments and inline fragments are expanded.
        (
            "{ providers(first: 4) { edges { node { ...P } } } }"
            " fragment P on ProviderType { id ... on ProviderType { lastName } }",
            None,
            1 + 4 * (1 + 1 + 2),
        ),
        ("{ __typename }", None, 1),
    ],
)
def test_cost_model(document, variables, cost):
    assert measures(document, variables).cost == cost


THREE_LEVELS = (
    "{ providers(first: 100) { edges { node { clients(first: 100) { edges { node {"
    " providers(first: 100) { edges { node { id } } } } } } } } } }"
)


def test_three_levels_of_100_node_pages_are_refused_even_for_signed_in_callers(graphql):
    body = graphql(THREE_LEVELS, expect_status=400)

    (error,) = body["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"]["limit"] == settings.GRAPHQL_MAX_COST == 50_000
    assert error["extensions"]["measured"] == 1 + 100 * (3 + 100 * (3 + 100 * 3)) == 3_030_301
    assert "3030301" in error["message"]
    assert "50000" in error["message"]


def test_anonymous_callers_have_a_lower_ceiling_and_are_told_the_signed_in_one(client):
    error = refused(post(client, THREE_LEVELS), "QUERY_TOO_COMPLEX")

    assert error["extensions"]["limit"] == settings.GRAPHQL_MAX_COST_ANONYMOUS == 10_000
    assert "Signed-in callers may send operations of cost up to 50000" in error["message"]


def test_nested_connections_without_first_count_their_default_page(client):
    # Three levels without `first`: the root list's 100, then 20 and 20, as the server returns them.
    document = "{ providers { edges { node { clients { edges { node { providers { edges { node { id } } } } } } } } } }"

    assert measures(document).cost == 1 + 100 * (3 + 20 * (3 + 20 * 3)) == 126_301


def test_smaller_pages_bring_the_same_query_under_the_limit(client):
    document = (
        "query($a: Int, $b: Int, $c: Int) { providers(first: $a) { edges { node { clients(first: $b) { edges { node {"
        " providers(first: $c) { edges { node { id } } } } } } } } } }"
    )

    refused(post(client, document, {"a": 100, "b": 100, "c": 100}), "QUERY_TOO_COMPLEX")
    assert post(client, document, {"a": 10, "b": 10, "c": 10}).status_code == 200


@override_settings(GRAPHQL_MAX_COST=6, GRAPHQL_MAX_COST_ANONYMOUS=6)
def test_cost_limit_comes_from_settings_and_reads_variables(client):
    assert post(client, PAGE, {"n": 1}).status_code == 200  # 1 + 1 * 3 = 4

    error = refused(post(client, PAGE, {"n": 2}), "QUERY_TOO_COMPLEX")

    assert (error["extensions"]["limit"], error["extensions"]["measured"]) == (6, 7)


def test_exponential_fragments_are_measured_fast_and_refused(client):
    fragments = ["fragment F0 on ProviderType { id firstName }"]
    fragments += [f"fragment F{index} on ProviderType {{ ...F{index - 1} ...F{index - 1} }}" for index in range(1, 40)]
    document = "{ providers(first: 1) { edges { node { ...F39 } } } }\n" + "\n".join(fragments)

    body = post(client, document).json()

    assert {"TOO_MANY_SELECTIONS", "QUERY_TOO_COMPLEX"} <= {error["extensions"]["code"] for error in body["errors"]}


def test_fragment_cycle_is_a_validation_error_not_a_crash(client):
    document = "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }"

    refused(post(client, document), "GRAPHQL_VALIDATION_FAILED")


def test_several_limits_exceeded_are_all_reported(client):
    # 60 aliases of 7 selections each, each costing 1 + 100 * (1 + 1 + (1 + 10 * 3)) = 3,301.
    page = "providers { edges { node { clients(first: 10) { edges { node { id } } } } } }"
    document = "{ " + " ".join(f"a{index}: {page}" for index in range(60)) + " }"

    body = post(client, document).json()

    assert {error["extensions"]["code"] for error in body["errors"]} == {
        "TOO_MANY_SELECTIONS",
        "TOO_MANY_ALIASES",
        "QUERY_TOO_COMPLEX",
    }


# --- the examples and GraphiQL pass, with room to spare ---------------------------------------------------------------


def with_largest_pages(example: Example) -> dict[str, Any]:
    return {name: 100 if name == "first" else value for name, value in example.variables.items()}


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_every_example_is_well_within_the_limits(example):
    measured = measures(example.query, example.variables)
    at_largest_pages = measures(example.query, with_largest_pages(example))

    # One more nested connection (field, edges, node: 3 levels) would still fit.
    assert measured.depth + 3 <= settings.GRAPHQL_MAX_DEPTH
    assert measured.selections * 2 <= settings.GRAPHQL_MAX_SELECTIONS
    assert measured.aliases * 2 <= settings.GRAPHQL_MAX_ALIASES
    assert measured.cost * 2 <= settings.GRAPHQL_MAX_COST
    # Even asking for the largest pages (`first`: 100) leaves room.
    assert at_largest_pages.cost * 2 <= settings.GRAPHQL_MAX_COST
    query_bytes = len(example.query.encode("utf-8"))
    assert query_bytes * 2 <= settings.GRAPHQL_MAX_QUERY_BYTES


# The examples an anonymous caller may send: the lists of providers and slots anyone may browse.
ANONYMOUS_EXAMPLES = [
    example
    for example in EXAMPLES
    if example.field
    in ("availableAppointments", "providers", "appointments", "availableAppointmentsOnDate", "providersSorted")
]


@pytest.mark.parametrize("example", ANONYMOUS_EXAMPLES, ids=str)
def test_the_examples_anonymous_callers_send_fit_their_ceiling_even_at_the_largest_pages(client, example):
    assert measures(example.query, with_largest_pages(example)).cost <= settings.GRAPHQL_MAX_COST_ANONYMOUS

    response = post(client, example.query, with_largest_pages(example))

    assert response.status_code == 200, response.content


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_every_example_passes_the_edge_with_every_limit_halved(graphql, example):
    halved = override_settings(
        GRAPHQL_MAX_QUERY_BYTES=settings.GRAPHQL_MAX_QUERY_BYTES // 2,
        GRAPHQL_MAX_TOKENS=settings.GRAPHQL_MAX_TOKENS // 2,
        GRAPHQL_MAX_DEPTH=settings.GRAPHQL_MAX_DEPTH - 3,
        GRAPHQL_MAX_SELECTIONS=settings.GRAPHQL_MAX_SELECTIONS // 2,
        GRAPHQL_MAX_ALIASES=settings.GRAPHQL_MAX_ALIASES // 2,
        GRAPHQL_MAX_COST=settings.GRAPHQL_MAX_COST // 2,
    )
    with halved:
        body = graphql(example.query, example.variables)
        at_largest_pages = graphql(example.query, with_largest_pages(example))

    for response in (body, at_largest_pages):
        codes = {error.get("extensions", {}).get("code") for error in response.get("errors", [])}
        assert not codes & EDGE_CODES, response


def test_graphiql_introspection_query_passes_the_limits(client):
    document = get_introspection_query(
        descriptions=True,
        specified_by_url=True,
        directive_is_repeatable=True,
        schema_description=True,
        input_value_deprecation=True,
    )

    response = post(client, document)

    assert response.status_code == 200, response.content
    assert response.json()["data"]["__schema"]["queryType"]["name"] == "Query"
