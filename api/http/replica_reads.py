"""Which requests read from a replica, and read-your-writes (see `api.core.replicas` for the router).

A GraphQL **query** reads from a replica when replicas are configured and its caller has not written in the last
``DATABASE_READ_YOUR_WRITES_SECONDS`` (5) seconds. Every **mutation** reads and writes on the primary, and after it
its caller is marked as a recent writer: by user id when signed in, else by address (so that what an anonymous
signup or login wrote is read back too). The marks live in the ``recent_writes`` cache, Redis in production, so
every app server sees them; a mark expires by itself after the window. Five seconds is thousands of times a
healthy replica's lag; a replica further behind than that is a fault (watch ``pg_last_xact_replay_timestamp()``
on it), and even then a reservation stays correct, because it is decided on the primary.

The bearer token's user (and whether the token is revoked) is always read on the primary, before this choice.
"""

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest

from api.auth.client_address import client_address
from api.core.replicas import choose_replica, replica_aliases

CACHE_ALIAS = "recent_writes"


def _user_key(request: HttpRequest) -> str | None:
    user = getattr(request, "user", None)
    return f"user:{user.pk}" if user is not None and user.is_authenticated else None


def _address_key(request: HttpRequest) -> str:
    return f"address:{client_address(request)}"


def mark_recent_writer(request: HttpRequest) -> None:
    """Remember that this request's caller wrote: their next reads, for the window, go to the primary.

    A signed-in caller is marked by user id (other people behind the same address keep reading replicas); an
    anonymous one (signup, login) by address.
    """
    if not replica_aliases():
        return
    key = _user_key(request) or _address_key(request)
    caches[CACHE_ALIAS].set(key, 1, timeout=settings.DATABASE_READ_YOUR_WRITES_SECONDS)


def replica_for_query(request: HttpRequest) -> str | None:
    """The replica this query reads from, or None for the primary (no replica, or the caller wrote recently:
    as this user, or anonymously from this address). One cache round trip."""
    if not replica_aliases():
        return None
    keys = [_address_key(request), *filter(None, [_user_key(request)])]
    if caches[CACHE_ALIAS].get_many(keys):
        return None
    return choose_replica()
