"""Which requests read from a replica, and read-your-writes (see `api.core.replicas` for the router).

A GraphQL **query** reads from a replica when replicas are configured and its caller has not written in the last
``DATABASE_READ_YOUR_WRITES_SECONDS`` (5) seconds. Every **mutation** reads and writes on the primary, and after it
its caller is marked as a recent writer: their user id when signed in, and their address (so that what an
anonymous signup or login wrote is read back too). The marks live in the ``recent_writes`` cache, Redis in
production, so every app server sees them; a mark expires by itself after the window. Five seconds is thousands
of times a healthy replica's lag; a replica further behind than that is a fault (watch
``pg_last_xact_replay_timestamp()`` on it), and even then a reservation stays correct, because it is decided on
the primary.

The bearer token's user (and whether the token is revoked) is always read on the primary, before this choice.
"""

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest

from api.auth.client_address import client_address
from api.core.replicas import choose_replica, replica_aliases

CACHE_ALIAS = "recent_writes"


def _writer_keys(request: HttpRequest) -> list[str]:
    keys = [f"address:{client_address(request)}"]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        keys.append(f"user:{user.pk}")
    return keys


def mark_recent_writer(request: HttpRequest) -> None:
    """Remember that this request's caller wrote: their next reads, for the window, go to the primary."""
    if not replica_aliases():
        return
    window = settings.DATABASE_READ_YOUR_WRITES_SECONDS
    caches[CACHE_ALIAS].set_many(dict.fromkeys(_writer_keys(request), 1), timeout=window)


def replica_for_query(request: HttpRequest) -> str | None:
    """The replica this query reads from, or None for the primary (no replica, or the caller wrote recently)."""
    if not replica_aliases():
        return None
    if caches[CACHE_ALIAS].get_many(_writer_keys(request)):
        return None
    return choose_replica()
