"""The read budget: cost points per address per minute, as GitHub and Shopify budget their GraphQL APIs.

Every query operation spends its cost (`api.http.limits`, the points the validation measured) from its caller's
address (`api.auth.client_address`): at most ``GRAPHQL_READ_BUDGET_POINTS`` (300,000) per fixed window of
``GRAPHQL_READ_BUDGET_SECONDS`` (60). A query that would overspend is refused before it runs, with HTTP 429,
``Retry-After`` (seconds to the next window) and the code RATE_LIMITED, and spends nothing. Mutations are not
charged: each has rate limits of its own (`api.auth.ratelimits`).

Counted in the "ratelimit" cache: Redis in production, so every app server shares the counters; Redis's INCRBY is
atomic, so concurrent queries cannot overspend together. If Redis cannot be reached, reads are served uncounted
(and a warning logged once a window): the cost ceilings still bound every query, and a shared cache's outage should
not take the whole API down with it. Every answered query carries ``X-RateLimit-Limit``, ``X-RateLimit-Remaining``
and ``X-RateLimit-Reset`` (Unix time of the next window), as GitHub's API does.
"""

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.http import HttpRequest, HttpResponse

from api.auth.client_address import client_address
from api.http.counters import RedisCounterCache

logger = logging.getLogger("api")
_KEY_PREFIX = "read-budget"
_last_outage_window = -1


@dataclass(frozen=True)
class Spending:
    """One query's charge: the budget, what is left of it, and when the window ends (Unix time)."""

    limit: int
    remaining: int
    reset_at: int
    refused: bool


def charge(request: HttpRequest, cost: int) -> Spending | None:
    """Spend ``cost`` points of the caller's address's budget; ``refused`` when that would overspend it.

    None when the counter cannot be reached (the query is then served uncounted).
    """
    global _last_outage_window
    limit: int = settings.GRAPHQL_READ_BUDGET_POINTS
    period: int = settings.GRAPHQL_READ_BUDGET_SECONDS
    window = int(time.time()) // period
    reset_at = (window + 1) * period
    key = f"{_KEY_PREFIX}:{client_address(request)}:{window}"
    cache = caches[settings.RATELIMIT_USE_CACHE]
    try:
        spent = _spend(cache, key, cost, timeout=period + 5)
        if spent > limit:
            cache.decr(key, cost)
            return Spending(limit, max(0, limit - (spent - cost)), reset_at, refused=True)
    except Exception:
        if _last_outage_window != window:
            _last_outage_window = window
            logger.warning("Read budget not counted: the rate-limit cache is unreachable.", exc_info=True)
        return None
    return Spending(limit, limit - spent, reset_at, refused=False)


def _spend(cache: BaseCache, key: str, cost: int, timeout: int) -> int:
    """Add ``cost`` to the counter ``key`` (made with ``timeout`` seconds to live if new); the new total. On Redis
    (`RedisCounterCache`) one round trip on every query; on another cache (a process's own, in development) add,
    then incr."""
    if isinstance(cache, RedisCounterCache):
        return cache.spend(key, cost, timeout)
    cache.add(key, 0, timeout=timeout)
    return int(cache.incr(key, cost))


def add_headers(response: HttpResponse, spending: Spending) -> None:
    """The budget's headers on ``response`` (and Retry-After when the query was refused)."""
    response["X-RateLimit-Limit"] = str(spending.limit)
    response["X-RateLimit-Remaining"] = str(spending.remaining)
    response["X-RateLimit-Reset"] = str(spending.reset_at)
    if spending.refused:
        response["Retry-After"] = str(max(1, spending.reset_at - int(time.time())))
