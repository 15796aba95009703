"""Reads are budgeted per address by cost (api/http/read_budget.py), counted in real Redis as production counts them.

A query spends its cost (api/http/limits.py) from its address's ``GRAPHQL_READ_BUDGET_POINTS`` per minute; one that
would overspend is HTTP 429 RATE_LIMITED with Retry-After, runs nothing and spends nothing. Mutations are not
charged. The Redis tests use database 11 of ``TEST_REDIS_SERVER``, flushed before and after; the frozen clock keeps a
test inside one window until it moves the clock.
"""

import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import redis
from django.conf import settings
from django.core.cache import caches
from django.test import Client as HttpClient
from django.test import override_settings

from tests.conftest import bearer
from tests.factories import NOW, make_slot
from tests.services import missing, redis_url

pytestmark = pytest.mark.django_db

REDIS_URL = redis_url(11)
PAGE = "query($n: Int) { providers(first: $n) { edges { node { id } } } }"  # costs 1 + 3n


def cache_settings(location: str) -> dict[str, Any]:
    return {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "ratelimit": {
            "BACKEND": "api.http.counters.RedisCounterCache",
            "LOCATION": location,
            "KEY_PREFIX": "ratelimit",
        },
    }


@pytest.fixture
def redis_db() -> Iterator[redis.Redis]:
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=2)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        missing(f"Redis at {REDIS_URL}")
    connection.flushdb()
    with override_settings(CACHES=cache_settings(REDIS_URL), GRAPHQL_READ_BUDGET_POINTS=100):
        assert type(caches["ratelimit"]).__name__ == "RedisCounterCache"
        yield connection
    connection.flushdb()
    connection.close()


def post(client: HttpClient, query: str, variables: dict[str, Any] | None = None, **extra: Any) -> Any:
    return client.post(
        "/graphql",
        json.dumps({"query": query, "variables": variables or {}}),
        content_type="application/json",
        **extra,
    )


def test_a_query_past_the_budget_is_429_with_retry_after_and_other_addresses_are_untouched(client, redis_db, frozen):
    # 31 points a query (first: 10): three fit in 100, the fourth does not.
    answers = [post(client, PAGE, {"n": 10}) for _ in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    refused = answers[3]
    assert refused["Content-Type"] == "application/json"
    assert [error["extensions"]["code"] for error in refused.json()["errors"]] == ["RATE_LIMITED"]
    assert "data" not in refused.json()
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert answers[2]["X-RateLimit-Remaining"] == "7"
    assert answers[0]["X-RateLimit-Limit"] == "100"
    assert post(client, PAGE, {"n": 10}, REMOTE_ADDR="198.51.100.20").status_code == 200


def test_a_refused_query_spends_nothing_so_a_cheaper_one_still_fits(client, redis_db, frozen):
    assert post(client, PAGE, {"n": 30}).status_code == 200  # 91 points
    assert post(client, PAGE, {"n": 10}).status_code == 429  # 31 more would overspend

    assert post(client, PAGE, {"n": 2}).status_code == 200  # 7 points still fit


def test_the_budget_comes_back_with_the_next_window(client, redis_db, frozen):
    for _ in range(3):
        post(client, PAGE, {"n": 10})
    assert post(client, PAGE, {"n": 10}).status_code == 429

    frozen.tick(timedelta(seconds=settings.GRAPHQL_READ_BUDGET_SECONDS))

    assert post(client, PAGE, {"n": 10}).status_code == 200


def test_signed_in_callers_spend_from_their_address_too(client, redis_db, frozen, staff_user):
    for _ in range(3):
        assert post(client, PAGE, {"n": 10}, headers=bearer(staff_user)).status_code == 200

    assert post(client, PAGE, {"n": 10}, headers=bearer(staff_user)).status_code == 429


def test_mutations_are_not_charged(client, redis_db, frozen, staff_user):
    for _ in range(3):
        post(client, PAGE, {"n": 10})
    document = 'mutation { providerCreate(input: {firstName: "Grace", lastName: "Hopper"}) { provider { id } } }'

    response = post(client, document, headers=bearer(staff_user))

    assert response.status_code == 200
    assert response.json()["data"]["providerCreate"]["provider"]["id"]


def test_the_counts_live_in_redis(client, redis_db, frozen):
    post(client, PAGE, {"n": 10})

    keys = [key.decode() for key in redis_db.keys("*read-budget*")]
    assert len(keys) == 1
    assert int(redis_db.get(keys[0]) or 0) == 31


def test_a_query_refused_by_validation_spends_nothing(client, redis_db, frozen):
    assert post(client, "{ nope }").status_code == 400

    assert redis_db.keys("*read-budget*") == []


def test_reads_are_served_uncounted_when_redis_is_unreachable(client, frozen, caplog):
    unreachable = override_settings(CACHES=cache_settings("redis://127.0.0.1:1/0"), GRAPHQL_READ_BUDGET_POINTS=10)
    with unreachable, caplog.at_level(logging.WARNING, logger="api"):
        answers = [post(client, PAGE, {"n": 10}) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert "X-RateLimit-Remaining" not in answers[0]
    assert [record.getMessage() for record in caplog.records if "Read budget" in record.getMessage()]


def test_the_costliest_anonymous_read_of_the_issue_is_refused_but_staff_may_send_it(client, graphql, frozen):
    from reservation.models import Provider

    provider = Provider.objects.create(first_name="Grace", last_name="Hopper")
    for index in range(5):
        make_slot(provider, NOW + timedelta(days=2, minutes=15 * index))
    # The issue's probe: about 40,000 points (440 ms and 857 KB at 100 slots in production).
    document = (
        "{ appointments(first: 100) { edges { node { id timeSlot provider { id firstName lastName"
        " availableAppointments(first: 100) { edges { node { id timeSlot } } } } } } } }"
    )

    anonymous = post(client, document)
    signed_in = graphql(document)

    assert anonymous.status_code == 400
    (error,) = anonymous.json()["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"]["measured"] > settings.GRAPHQL_MAX_COST_ANONYMOUS
    assert "errors" not in signed_in
    assert len(signed_in["data"]["appointments"]["edges"]) == 5


def test_the_budget_numbers(settings):
    assert settings.GRAPHQL_READ_BUDGET_POINTS == 300_000
    assert settings.GRAPHQL_READ_BUDGET_SECONDS == 60
    assert settings.GRAPHQL_MAX_COST_ANONYMOUS == 10_000
    assert settings.GRAPHQL_MAX_COST == 50_000
