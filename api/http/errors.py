"""Failures on /graphql are JSON with an error id, wherever they happen, and outages are HTTP 503.

GraphQL's own errors are formatted by `api.core.errors.format_error` (HTTP 200 or 4xx). This module covers what
happens around it:

- an **outage**: the database or Redis cannot be reached, does not answer in time (``connect_timeout``,
  ``statement_timeout``, ``lock_timeout``, PgBouncer's ``query_timeout``, Redis' socket timeouts) or dropped the
  connection. The answer is HTTP 503 with ``Retry-After``, so that nginx's logs, load balancers and the 5xx alert
  see it, and the body ``{"errors": [{"message": "... (error id X)", "extensions": {"code":
  "SERVICE_UNAVAILABLE", "errorId": X}}]}``. A resolver that meets an outage fails the whole request this way
  (`raise_outage`): a half-answered page or a rolled-back mutation reported as 200 would hide it.
- any other **unexpected exception** before or after GraphQL runs (a middleware, the view): HTTP 500 with the same
  body and code INTERNAL_SERVER_ERROR.

Both are logged once, with the error id and the traceback, and the id is in the request's log line.
`EdgeErrorMiddleware` catches what the view raises; `server_error` (Django's ``handler500``) what a middleware
raises, such as the bearer-token check reading the user while the database is down; the token middleware itself
answers an outage with `error_response` too, so that this holds with DEBUG on.
"""

import logging
import sys
import uuid
from collections.abc import Callable, Iterable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from graphql import GraphQLError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from api.http import observability

logger = logging.getLogger("api")

OUTAGES: tuple[type[BaseException], ...] = (OperationalError, InterfaceError, RedisConnectionError, RedisTimeoutError)
"""Exceptions that mean a dependency is unavailable rather than a bug: Django's OperationalError covers
connection failures and the server's timeouts (psycopg's QueryCanceled and LockNotAvailable)."""

RETRY_AFTER_SECONDS = 5
GRAPHQL_PREFIX = "/graphql"


def is_outage(error: BaseException) -> bool:
    """Whether ``error`` (or what caused it) is an outage of the database or Redis."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, OUTAGES):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def first_outage(errors: Iterable[Exception] | None) -> BaseException | None:
    """The original exception of the first GraphQL error caused by an outage, if any."""
    for error in errors or ():
        original = error.original_error if isinstance(error, GraphQLError) else error
        if original is not None and is_outage(original):
            return original
    return None


class OutageDuringExecution(Exception):
    """Raised by the view when a resolver met an outage, so that the request fails as a whole with 503."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


def raise_outage(errors: Iterable[Exception] | None) -> None:
    """Raise `OutageDuringExecution` when one of GraphQL's ``errors`` was caused by an outage."""
    outage = first_outage(errors)
    if outage is not None:
        raise OutageDuringExecution(outage) from outage


def error_response(request: HttpRequest, error: BaseException) -> JsonResponse:
    """Log ``error`` under a new id and answer with JSON: 503 SERVICE_UNAVAILABLE for an outage, else 500."""
    cause = error.cause if isinstance(error, OutageDuringExecution) else error
    error_id = uuid.uuid4().hex
    observability.record_error_id(error_id)
    if is_outage(cause):
        status, code = 503, "SERVICE_UNAVAILABLE"
        message = f"The service is unavailable; try again in a few seconds (error id {error_id})."
        logger.error(
            "Outage %s: %s", error_id, type(cause).__name__, exc_info=(type(cause), cause, cause.__traceback__)
        )
    else:
        status, code = 500, "INTERNAL_SERVER_ERROR"
        message = f"Internal server error (error id {error_id})."
        logger.error("Unexpected error %s", error_id, exc_info=(type(cause), cause, cause.__traceback__))
    response = JsonResponse(
        {"errors": [{"message": message, "extensions": {"code": code, "errorId": error_id}}]}, status=status
    )
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class EdgeErrorMiddleware:
    """Turn an exception raised by a /graphql view into `error_response` (JSON, 503 or 500)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if request.path_info.startswith(GRAPHQL_PREFIX) or isinstance(exception, OutageDuringExecution):
            return error_response(request, exception)
        return None


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's ``handler500``: JSON on /graphql (503 for an outage); Django's page elsewhere, 503 for an outage.

    Django calls it while handling the exception, so ``sys.exc_info()`` names it.
    """
    error = sys.exc_info()[1]
    if request.path_info.startswith(GRAPHQL_PREFIX):
        return error_response(request, error if error is not None else RuntimeError("unknown error"))
    response = defaults.server_error(request)
    if error is not None and is_outage(error):
        response.status_code = 503
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
