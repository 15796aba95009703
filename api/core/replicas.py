"""Reads from streaming replicas: the database router, and the scope in which a request's reads may use one.

Replicas are PostgreSQL hot standbys of the primary (``DATABASE_REPLICA_URLS``, settings/base.py), each a database
alias ``replica1``, ``replica2`` ... The router sends every write, and every read outside `reading_from`, to the
primary (``default``). `api.http.replica_reads` decides which requests may read from a replica: queries (never a
mutation) from a caller who has not written in the last few seconds. One request reads from one replica, chosen
at random, so that its answer is one consistent snapshot of a moment of the primary's past.

A replica lags behind the primary by the time its WAL takes to arrive and be replayed (usually milliseconds). That
is why a mutation never reads from one: a hold or a confirmation is always decided on the primary under its row
locks, so a stale replica can at worst show as open a slot that was just taken, and the reservation is refused.
"""

import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db.models import Model

PRIMARY = "default"
REPLICA_PREFIX = "replica"
UNAVAILABLE_FOR_SECONDS = 10.0
"""How long a replica that failed a request is left out, before the next request tries it again."""

_replica_of_this_request: ContextVar[str | None] = ContextVar("replica_of_this_request", default=None)
_unavailable_until: dict[str, float] = {}


def replica_aliases() -> list[str]:
    """The database aliases of the configured replicas (none unless ``DATABASE_REPLICA_URLS`` is set)."""
    return [alias for alias in settings.DATABASES if alias.startswith(REPLICA_PREFIX)]


def choose_replica() -> str | None:
    """A replica to read from, at random among those not marked unavailable; None if there is none."""
    now = time.monotonic()
    candidates = [alias for alias in replica_aliases() if _unavailable_until.get(alias, 0.0) <= now]
    return random.choice(candidates) if candidates else None  # noqa: S311 - load spreading, not security


def mark_unavailable(alias: str) -> None:
    """Leave ``alias`` out for `UNAVAILABLE_FOR_SECONDS` (it refused a connection, timed out or cancelled a query)."""
    _unavailable_until[alias] = time.monotonic() + UNAVAILABLE_FOR_SECONDS


@contextmanager
def reading_from(alias: str) -> Iterator[None]:
    """Send the reads of the code inside (this thread, this context) to the database ``alias``."""
    token = _replica_of_this_request.set(alias)
    try:
        yield
    finally:
        _replica_of_this_request.reset(token)


def current_read_database() -> str:
    """Where a read made here goes: the replica of `reading_from`, or the primary."""
    return _replica_of_this_request.get() or PRIMARY


class ReplicaRouter:
    """Django's database router (``DATABASE_ROUTERS``): writes to the primary, reads where `reading_from` says.

    Only the primary is migrated: a replica replays the primary's schema changes.
    """

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        return current_read_database()

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return PRIMARY

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        return True  # every alias holds the same data

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == PRIMARY
