"""`RedisCounterCache`: the "ratelimit" cache's backend, Django's RedisCache with counters that are atomic.

The rate limits (django-ratelimit: ``add``, then ``incr``) and the read budget (`api.http.read_budget`) count in
this cache on every mutation and query. Django's ``RedisCache.incr`` is EXISTS, then INCRBY: two round trips, and
a counter that expires between the two is made again by INCRBY with no time to live, so its window never ends
(a rate limit that never lifts). Here ``incr`` is one server-side script, atomic and one round trip, and
`RedisCounterCache.spend` adds to a counter, creating it with its time to live if new, in one round trip too.
Django also builds a new ``redis.Redis`` for every command (setting up its ~170 response callbacks each time);
here each connection pool keeps one, which is thread-safe.
"""

from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

# INCRBY only if the key exists (Django's incr raises ValueError for a missing key); nil otherwise.
_INCREMENT_EXISTING = """
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCRBY', KEYS[1], ARGV[1]) end
return false
"""
# INCRBY, and a time to live for a counter that has none (just made): the window's counter ends with its window.
_SPEND = """
local total = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('TTL', KEYS[1]) == -1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return total
"""


class _ReusedClients(RedisCacheClient):
    """Django's Redis cache client, with one ``redis.Redis`` per connection pool instead of one per command."""

    def __init__(self, servers: list[str], **options: Any) -> None:
        super().__init__(servers, **options)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]  # Django's, not in its stubs
        client = self._clients.get(id(pool))  # pools live as long as this client: ids are not reused
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class RedisCounterCache(RedisCache):
    """Django's RedisCache whose counters take one round trip each and never lose their expiry."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _ReusedClients

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        """Add ``delta`` to an existing counter; its new value. ValueError if ``key`` does not exist, as Django's."""
        full_key = self.make_and_validate_key(key, version=version)
        client = self._cache.get_client(full_key, write=True)
        total = client.eval(_INCREMENT_EXISTING, 1, full_key, delta)
        if total is None:
            raise ValueError(f"Key '{key}' not found.")
        return int(total)

    def spend(self, key: str, amount: int, timeout: int) -> int:
        """Add ``amount`` to the counter ``key``, made with ``timeout`` seconds to live if new; the new total.

        Django's RedisCache stores integers unpickled, so ``get``, ``incr`` and ``decr`` read the same counter.
        """
        full_key = self.make_and_validate_key(key)
        client = self._cache.get_client(full_key, write=True)
        return int(client.eval(_SPEND, 1, full_key, amount, timeout))
