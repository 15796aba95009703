"""Idempotency keys for mutations: a retried request with the same key returns the first result, changing nothing.

Every `DomainMutation` whose ``Meta`` says ``idempotent = True`` takes an optional ``idempotencyKey`` in its input
(`api.core.mutation` adds it); the token mutations and those whose payload cannot be stored say False. `run_once`
runs a mutation sent with a key:

- **Whose key.** Keys are per caller: ``user:<id>`` for a signed-in caller, ``anonymous:<address>`` otherwise
  (a sign-up). Another caller's identical key is another key.
- **Same request?** The record keeps an HMAC-SHA-256 (keyed with ``SECRET_KEY``) of the operation's name and
  the canonical JSON of its input without ``idempotencyKey`` and ``clientMutationId``. A keyed hash, not a
  plain SHA-256, because inputs may hold passwords (``clientCreate``): a plain hash of a known name and
  username would let anyone reading the table test password guesses offline.
- **First request:** the key is claimed, the mutation runs and its result is stored, all in the mutation's one
  transaction (`reservation.services.idempotency`). The result is the payload's objects (model and primary key; a
  queryset as its rows' keys) and its errors (code, field, message). A domain error is stored too, so a
  retry gets the same error, except RATE_LIMITED and LOCKED_OUT, which only say "not now".
- **Retry, same input:** the stored result, its objects re-read from the database as they are now; the
  mutation does not run. **Same key, other input** (or other operation): IDEMPOTENCY_KEY_REUSED, on
  ``idempotencyKey``. A key longer than 255 characters, or blank: INVALID.
- **Not stored:** top-level errors (UNAUTHENTICATED, FORBIDDEN, an internal error). They roll the claim back
  with everything else, so a retry runs the mutation again.
- **Concurrent retries** with one key: one runs, the others wait for its commit and replay its result (see
  `reservation.services.idempotency`).
- Keys expire after ``IDEMPOTENCY_KEY_TTL_HOURS`` (24): then the same key runs the mutation again.
"""

import json
from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

import graphene
from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils.crypto import constant_time_compare, salted_hmac

from api.auth.ratelimits import client_address
from api.core.context import context_of
from api.core.errors import InputError, MutationError
from reservation.errors import DomainError, ErrorCode
from reservation.services import idempotency

# A mutation's payload class (a `api.core.mutation.DomainMutation` subclass): its fields are stored and replayed.
PayloadClass = type[graphene.ObjectType]
# The input field, as the Python (snake_case) name graphene passes it under.
KEY_FIELD = "idempotency_key"
# Payload errors that say "not now" rather than "no": not stored, so a retry with the same key runs again.
NOT_STORED = frozenset({ErrorCode.RATE_LIMITED, ErrorCode.LOCKED_OUT})
# Payload fields that are no part of the stored result.
_PAYLOAD_FRAME = frozenset({"errors", "client_mutation_id"})
_HASH_SALT = "api.core.idempotency.request_hash"


def key_field() -> graphene.String:
    """The ``idempotencyKey`` input field."""
    return graphene.String(
        description=(
            "Optional: a unique string (a UUID) that makes retrying this mutation safe. A request whose key the "
            f"same caller already used in the last {settings.IDEMPOTENCY_KEY_TTL_HOURS} hours does not run again: "
            "it returns the first request's result (its objects as they are now). The same key with another input "
            f"is IDEMPOTENCY_KEY_REUSED. At most {idempotency.KEY_MAX_LENGTH} characters. (The token mutations take "
            "no key: a login or token refresh is never replayed.)"
        )
    )


def scope_of(info: graphene.ResolveInfo) -> str:
    """Whose key it is: ``user:<id>``, or ``anonymous:<address>`` for a caller without a token."""
    context = context_of(info)
    if context.viewer.user_id is not None:
        return f"user:{context.viewer.user_id}"
    return f"anonymous:{client_address(context.request) or 'unknown'}"[:64]


def _canonical(value: Any) -> Any:
    """``value`` (a mutation's input) as plain JSON values, the same for the same input."""
    if isinstance(value, Mapping):
        return {str(name): _canonical(item) for name, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Enum):
        return _canonical(value.value)
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def request_hash(operation: str, data: Mapping[str, Any], secret: str | None = None) -> str:
    """HMAC-SHA-256 (hex) of ``operation`` and the canonical JSON of ``data``, less the key and clientMutationId."""
    given = {name: value for name, value in data.items() if name not in (KEY_FIELD, "client_mutation_id")}
    document = json.dumps(_canonical(given), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return salted_hmac(_HASH_SALT, f"{operation}\n{document}", secret=secret, algorithm="sha256").hexdigest()


def _same_request(stored_hash: str, operation: str, data: Mapping[str, Any]) -> bool:
    """Whether ``stored_hash`` is this request's hash, under the current secret key or a previous one."""
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return any(constant_time_compare(stored_hash, request_hash(operation, data, secret)) for secret in secrets)


def key_problem(key: str) -> str | None:
    """Why ``key`` is not a valid idempotency key, or None."""
    if not key.strip():
        return "An idempotency key may not be blank."
    if len(key) > idempotency.KEY_MAX_LENGTH:
        return f"An idempotency key may be at most {idempotency.KEY_MAX_LENGTH} characters."
    return None


# --- the stored result ----------------------------------------------------------------------------------------


def _dump(value: Any) -> Any:
    """One payload value as JSON: a model as its label and primary key, a queryset as its rows' keys."""
    if value is None:
        return None
    if isinstance(value, Model):
        return {"model": value._meta.label_lower, "pk": value.pk}
    if isinstance(value, QuerySet):
        order_by = list(value.query.order_by)
        if not all(isinstance(term, str) for term in order_by):
            raise TypeError("A queryset ordered by expressions cannot be stored as an idempotent result.")
        pks = list(value.values_list("pk", flat=True))
        return {"model": value.model._meta.label_lower, "pks": pks, "order_by": order_by}
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, list | tuple):
        return {"list": [_dump(item) for item in value]}
    if isinstance(value, bool | int | float | str):
        return {"value": value}
    raise TypeError(f"A {type(value).__name__} cannot be stored as an idempotent result; see api/core/idempotency.py.")


def _load(stored: Any) -> Any:
    """The value `_dump` stored, its objects read again from the database (None if deleted since)."""
    if stored is None:
        return None
    if "pk" in stored:
        return apps.get_model(stored["model"])._default_manager.filter(pk=stored["pk"]).first()
    if "pks" in stored:
        rows = apps.get_model(stored["model"])._default_manager.filter(pk__in=stored["pks"])
        return rows.order_by(*stored["order_by"]) if stored["order_by"] else rows
    if "datetime" in stored:
        return datetime.fromisoformat(stored["datetime"])
    if "list" in stored:
        return [_load(item) for item in stored["list"]]
    return stored["value"]


def dump_payload(mutation: PayloadClass, payload: Any) -> dict[str, Any]:
    """What is stored of a mutation's result: its payload fields' values, and its errors."""
    fields = {name: _dump(getattr(payload, name, None)) for name in mutation._meta.fields if name not in _PAYLOAD_FRAME}
    errors = [
        {"code": ErrorCode(error.code).name, "field": error.field, "message": error.message}
        for error in payload.errors or []
    ]
    return {"fields": fields, "errors": errors}


def load_payload(mutation: PayloadClass, stored: dict[str, Any]) -> Any:
    """The payload of a stored result."""
    errors = [
        MutationError(code=ErrorCode[error["code"]], field=error["field"], message=error["message"])
        for error in stored["errors"]
    ]
    return mutation(**{name: _load(value) for name, value in stored["fields"].items()}, errors=errors)


# --- running a mutation once ----------------------------------------------------------------------------------


def _refusal(mutation: PayloadClass, code: ErrorCode, message: str) -> Any:
    return mutation.refused(InputError(code, message, "idempotencyKey"))


def run_once(
    mutation: PayloadClass, info: graphene.ResolveInfo, key: str, data: dict[str, Any], perform: Callable[[], Any]
) -> Any:
    """Run ``perform`` (the mutation with input ``data``) under idempotency key ``key``, or replay its result.

    Runs inside the mutation's transaction. ``perform`` returns the payload or raises `DomainError`; any other
    exception (a top-level error) rolls the key's claim back along with the mutation's writes, and propagates.
    """
    problem = key_problem(key)
    if problem is not None:
        return _refusal(mutation, ErrorCode.INVALID, problem)
    operation = info.field_name
    claim = idempotency.claim(
        scope=scope_of(info), key=key, operation=operation, request_hash=request_hash(operation, data)
    )
    if not claim.new:
        if not _same_request(claim.record.request_hash, operation, data):
            return _refusal(
                mutation,
                ErrorCode.IDEMPOTENCY_KEY_REUSED,
                "This idempotency key was used for another request: send a new key with a new request.",
            )
        return load_payload(mutation, claim.record.response)
    try:
        # A savepoint: a domain error undoes whatever the mutation wrote, and only that (the claim stays).
        with transaction.atomic():
            payload = perform()
    except DomainError as error:
        if error.code in NOT_STORED:
            transaction.set_rollback(True)  # the claim goes too: a retry with the key runs again
            return mutation.refused(error)
        payload = mutation.refused(error)
    idempotency.complete(claim.record, dump_payload(mutation, payload))
    return payload
