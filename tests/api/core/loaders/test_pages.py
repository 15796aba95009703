"""`api.core.loaders` through /graphql: relations and nested pages are batched, so the query count of a
response does not grow with its rows."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import NOW, SLOT_DAY, make_client, make_provider, make_reservation, make_slot
from tests.graphql import GraphQL, data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

DAY_AFTER = SLOT_DAY


# --- batching ----------------------------------------------------------------------------------------------

BATCHED = """
{
  reservations {
    edges { node { client { id } provider { id } appointment { id provider { id } } } }
  }
  providers {
    edges { node { clients { edges { node { id } } } availableAppointments(first: 2) { edges { node { id } } } } }
  }
}
"""


def make_busy_providers(count: int) -> None:
    for index in range(count):
        provider = make_provider("Grace", f"Hopper{index}")
        patient = make_client("Ada", f"Lovelace{index}")
        make_slot(provider, DAY_AFTER + timedelta(minutes=15))
        make_reservation(patient, make_slot(provider, DAY_AFTER), NOW, confirmed=True)


def count_queries(graphql: GraphQL) -> int:
    with CaptureQueriesContext(connection) as queries:
        data(graphql, BATCHED)
    return len(queries)


def test_nested_fields_are_batched_so_query_count_does_not_grow_with_rows(graphql):
    make_busy_providers(2)
    few = count_queries(graphql)
    make_busy_providers(6)

    many = count_queries(graphql)

    assert many == few
