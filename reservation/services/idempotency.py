"""Idempotency keys: claiming a caller's key for one request, and storing that request's result under it.

The caller of a mutation may send a key; ``scope`` says whose it is (``user:<id>``, or ``anonymous:<address>``
for a caller without a token). The API layer (`api.core.idempotency`) runs every keyed mutation as:

1. `claim` the key, inside the ``transaction.atomic()`` block that also holds the mutation's writes;
2. if the claim is new, run the mutation and `complete` the record with its result before that block commits;
   otherwise replay the record's result and write nothing.

Consequences:

- The record and the mutation's writes commit or roll back together: a result is never stored without its
  change, nor a change without its result.
- A new claim inserts the record at once. A concurrent request with the same key then waits on the unique
  index ``(scope, key)`` until the first transaction ends (PostgreSQL); once the first has committed, its
  INSERT fails, and it reads and replays the stored result. Had the first rolled back, the second's INSERT
  goes through and it runs the mutation itself. On SQLite, whose ``BEGIN IMMEDIATE`` transactions serialize
  writers, the second request only starts once the first has committed.
- A record older than ``IDEMPOTENCY_KEY_TTL_HOURS`` (24 hours) no longer counts: its key is claimed anew and
  the record overwritten under a row lock, so that concurrent retries of an expired key also run once. Each
  new claim also deletes the caller's other expired records, skipping those another transaction holds.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from reservation.models import IdempotencyRecord

KEY_MAX_LENGTH: int = IdempotencyRecord._meta.get_field("key").max_length  # type: ignore[assignment]
# A claim is tried again if its record vanished between the failed INSERT and the locking read (another
# transaction's clean-up deleted it as expired); more than this many rounds means something else is wrong.
_CLAIM_ATTEMPTS = 3


@dataclass(frozen=True)
class Claim:
    """The record of a key for this request. ``new``: run the mutation and `complete` it; else replay it."""

    record: IdempotencyRecord
    new: bool


def key_lifetime() -> timedelta:
    """How long a key's stored result is replayed (``IDEMPOTENCY_KEY_TTL_HOURS``, 24 hours)."""
    return timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)


def is_expired(record: IdempotencyRecord, now: datetime) -> bool:
    """Whether ``record`` is too old to replay at ``now`` (expired at exactly its lifetime)."""
    return now >= record.created_at + key_lifetime()


def claim(*, scope: str, key: str, operation: str, request_hash: str, now: datetime | None = None) -> Claim:
    """The record of ``(scope, key)``: a new one (or an expired one taken over) for this request, or the stored one.

    Must run inside the transaction of the mutation it guards (``transaction.atomic()``), which keeps the new
    record's unique-index entry, or the taken-over record's row lock, until it ends. May wait for a concurrent
    request with the same key to finish. ``request_hash`` is stored with a new claim; comparing it with a
    stored record's is the caller's business.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("claim() must run inside the mutation's transaction.atomic() block.")
    now = now or timezone.now()
    fields: dict[str, Any] = {"operation": operation, "request_hash": request_hash, "response": {}, "created_at": now}
    for _attempt in range(_CLAIM_ATTEMPTS):
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(scope=scope, key=key, **fields)
        except IntegrityError:
            # The key is taken, by a committed record: read it, locked so that one request takes over an expired one.
            found = IdempotencyRecord.objects.select_for_update().filter(scope=scope, key=key).first()
            if found is None:
                continue
            if not is_expired(found, now):
                return Claim(found, new=False)
            for name, value in fields.items():
                setattr(found, name, value)
            found.save(update_fields=list(fields))
            return Claim(found, new=True)
        _delete_expired(scope, now, keep=record.pk)
        return Claim(record, new=True)
    raise RuntimeError(f"Could not claim idempotency key {key!r} of {scope} in {_CLAIM_ATTEMPTS} attempts.")


def complete(record: IdempotencyRecord, response: dict[str, Any]) -> None:
    """Store the result of the request that claimed ``record`` (in the same transaction as its writes)."""
    record.response = response
    record.save(update_fields=["response"])


def _delete_expired(scope: str, now: datetime, keep: int) -> None:
    """Delete the expired records of ``scope``, except ``keep`` and those locked by another transaction."""
    expired = (
        IdempotencyRecord.objects.select_for_update(skip_locked=True)
        .filter(scope=scope, created_at__lte=now - key_lifetime())
        .exclude(pk=keep)
        .values_list("pk", flat=True)
    )
    pks = list(expired)
    if pks:
        IdempotencyRecord.objects.filter(pk__in=pks).delete()
