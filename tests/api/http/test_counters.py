"""`api.http.counters.RedisCounterCache` on real Redis: atomic counters, one round trip each, expiry never lost.

Redis database 12 of ``TEST_REDIS_SERVER``, flushed before and after.
"""

from collections.abc import Iterator
from typing import Any

import pytest
import redis

from api.http.counters import RedisCounterCache
from tests.services import missing, redis_url

REDIS_URL = redis_url(12)


@pytest.fixture
def counters() -> Iterator[tuple[RedisCounterCache, redis.Redis]]:
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=2)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        missing(f"Redis at {REDIS_URL}")
    connection.flushdb()
    yield RedisCounterCache(REDIS_URL, {"KEY_PREFIX": "test"}), connection
    connection.flushdb()
    connection.close()


def commands_sent(cache: RedisCounterCache, monkeypatch: pytest.MonkeyPatch, test_connection: redis.Redis) -> list[Any]:
    """Every command the cache's clients send from now on (each one a round trip); not the test's own."""
    sent: list[Any] = []
    client_class = redis.Redis
    original: Any = client_class.execute_command

    def recording(self: redis.Redis, *args: Any, **options: Any) -> Any:
        if self is not test_connection:
            sent.append(args[0])
        return original(self, *args, **options)

    monkeypatch.setattr(client_class, "execute_command", recording)
    return sent


def test_incr_adds_to_an_existing_counter_in_one_round_trip_keeping_its_expiry(
    counters: tuple[RedisCounterCache, redis.Redis], monkeypatch: pytest.MonkeyPatch
) -> None:
    cache, connection = counters
    assert cache.add("hits", 1, timeout=60)
    sent = commands_sent(cache, monkeypatch, connection)

    assert cache.incr("hits") == 2
    assert cache.incr("hits", 5) == 7
    assert cache.decr("hits", 2) == 5

    assert sent == ["EVAL", "EVAL", "EVAL"]
    assert cache.get("hits") == 5
    assert 0 < connection.ttl(cache.make_key("hits")) <= 60


def test_incr_of_a_missing_counter_raises_and_creates_nothing(counters: tuple[RedisCounterCache, redis.Redis]) -> None:
    cache, connection = counters

    with pytest.raises(ValueError, match="not found"):
        cache.incr("gone")

    assert connection.exists(cache.make_key("gone")) == 0  # Django's EXISTS-then-INCRBY could make it, forever


def test_spend_makes_a_counter_with_its_expiry_once_and_adds_to_it(
    counters: tuple[RedisCounterCache, redis.Redis], monkeypatch: pytest.MonkeyPatch
) -> None:
    cache, connection = counters
    sent = commands_sent(cache, monkeypatch, connection)

    assert cache.spend("budget", 30, timeout=65) == 30
    connection.expire(cache.make_key("budget"), 10)  # as time passes
    assert cache.spend("budget", 12, timeout=65) == 42

    assert sent == ["EVAL", "EVAL"]
    assert 0 < connection.ttl(cache.make_key("budget")) <= 10  # the window's end is not pushed back
    assert cache.get("budget") == 42
