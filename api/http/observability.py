"""One JSON log line and the metrics of every request.

`RequestObservationMiddleware` comes first in ``MIDDLEWARE``. For each request it:

- takes the request id from nginx's ``X-Request-ID`` (letters, digits, ``-``, ``_``, ``.``; at most 64), or makes
  one, and returns it in the response's ``X-Request-ID``, so that a client's report, nginx's access log and this
  log line meet;
- counts the SQL queries the request runs (Django's ``execute_wrapper`` on every database: primary and replicas);
- once answered, logs one line on the ``api.request`` logger (JSON, `settings.base.LOGGING`) and updates the
  metrics of `api.http.metrics`.

The line's fields: ``request_id``, ``method``, ``route`` (the URL pattern, e.g. ``calendar/<str:token>.ics``:
never the raw path, which can carry a calendar feed's secret token), ``operation`` (the GraphQL root field),
``operation_name`` (the client's, at most 64 characters), ``outcome``, ``user_id`` (a number, never a name),
``status``, ``duration_ms``, ``sql_queries``, ``read_from`` (on /graphql: the database alias the operation read
from, ``default`` for the primary or ``replica1`` ...) and ``error_id`` (when an unexpected error or an outage was
logged under one). Nothing else of the request is logged: no headers (bearer tokens), no body (passwords, refresh
tokens, names), no query string and no client address (personal data).
"""

import logging
import re
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import connections
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils.functional import SimpleLazyObject, empty
from graphql import FieldNode, OperationDefinitionNode

from api.http import metrics

logger = logging.getLogger("api.request")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_GRAPHQL_PATHS = ("graphql", "graphql/")
_MAX_OPERATION_NAME = 64


@dataclass
class Observation:
    """What one request did, filled in while it runs."""

    request_id: str
    sql_queries: int = 0
    operation: str = "none"
    operation_name: str | None = None
    error_id: str | None = None
    user_errors: list[str] = field(default_factory=list)
    internal_error: bool = False
    read_from: str = "default"


_current: ContextVar[Observation | None] = ContextVar("reservation_request_observation", default=None)


def record_read_database(alias: str) -> None:
    """Note the database alias the request's operation reads from (the ``read_from`` field)."""
    observation = _current.get()
    if observation is not None:
        observation.read_from = alias


def current() -> Observation | None:
    """The observation of the request being answered on this thread, if any."""
    return _current.get()


def record_error_id(error_id: str) -> None:
    """Note that an unexpected error or an outage was logged under ``error_id``."""
    observation = _current.get()
    if observation is not None:
        observation.error_id = observation.error_id or error_id
        observation.internal_error = True


def record_user_error(code: str) -> None:
    """Count a typed mutation error (a rule said no) for the metrics and the request's outcome."""
    metrics.MUTATION_ERRORS.labels(code).inc()
    observation = _current.get()
    if observation is not None:
        observation.user_errors.append(code)


def record_operation(operation: OperationDefinitionNode | None, operation_name: str | None) -> None:
    """Note the GraphQL operation about to run: its root field (``multiple`` for several, or a fragment at the
    root) and its name (the request's ``operationName``, else the document's)."""
    observation = _current.get()
    if observation is None or operation is None:
        return
    names = {
        selection.name.value if isinstance(selection, FieldNode) else "multiple"
        for selection in operation.selection_set.selections
    }
    observation.operation = names.pop() if len(names) == 1 else "multiple"
    name = operation_name or (operation.name.value if operation.name else None)
    if name:
        observation.operation_name = name[:_MAX_OPERATION_NAME]


def _outcome(observation: Observation, status: int) -> str:
    if status == 503:
        return "unavailable"
    if status >= 500 or observation.internal_error:
        return "internal_error"
    if status == 401:
        return "unauthenticated"
    if status >= 400:
        return "bad_request"
    if observation.user_errors:
        return "user_error"
    return "ok"


def _route(request: HttpRequest) -> str:
    """The URL pattern that matched (``graphql``, ``calendar/<str:token>.ics``), also when a middleware answered
    before the URL was resolved (the token check); ``static`` or ``unmatched`` otherwise."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            match = None
    if match is not None and match.route:
        return str(match.route)
    if request.path_info.startswith("/static/"):
        return "static"
    return "unmatched"


class RequestObservationMiddleware:
    """Request id, SQL count, one JSON log line and the metrics of each request (see the module)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        observation = Observation(request_id=incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex)
        request.request_id = observation.request_id  # type: ignore[attr-defined]
        token = _current.set(observation)
        started = time.perf_counter()
        metrics.IN_PROGRESS.inc()
        try:
            with ExitStack() as wrappers:
                for alias in connections:
                    wrappers.enter_context(connections[alias].execute_wrapper(_counter(observation)))
                response = self.get_response(request)
        finally:
            metrics.IN_PROGRESS.dec()
            _current.reset(token)
        duration = time.perf_counter() - started
        response["X-Request-ID"] = observation.request_id
        self._record(request, response, observation, duration)
        return response

    def _record(self, request: HttpRequest, response: HttpResponse, observation: Observation, duration: float) -> None:
        route = _route(request)
        status = response.status_code
        metrics.HTTP_REQUESTS.labels(route, request.method or "", str(status)).inc()
        metrics.SQL_QUERIES.labels(route).observe(observation.sql_queries)
        metrics.refresh_connection_gauge()
        line: dict[str, Any] = {
            "request_id": observation.request_id,
            "method": request.method,
            "route": route,
            "status": status,
            "duration_ms": round(duration * 1000, 2),
            "sql_queries": observation.sql_queries,
            "user_id": _user_id(request),
        }
        if route in _GRAPHQL_PATHS:
            outcome = _outcome(observation, status)
            metrics.GRAPHQL_REQUESTS.labels(observation.operation, outcome).inc()
            metrics.GRAPHQL_DURATION.labels(observation.operation, outcome).observe(duration)
            line.update(
                operation=observation.operation,
                operation_name=observation.operation_name,
                outcome=outcome,
                read_from=observation.read_from,
            )
            if observation.user_errors:
                line["user_errors"] = observation.user_errors
        if observation.error_id:
            line["error_id"] = observation.error_id
        level = logging.ERROR if status >= 500 else logging.INFO
        logger.log(level, "request", extra=line)


def _user_id(request: HttpRequest) -> int | None:
    user = getattr(request, "user", None)
    # Never a query of its own: a session user that nothing has loaded stays unread (None).
    if isinstance(user, SimpleLazyObject) and user._wrapped is empty:
        return None
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    pk = getattr(user, "pk", None)
    return int(pk) if pk is not None else None


def _counter(observation: Observation) -> Callable[..., Any]:
    def count(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        observation.sql_queries += 1
        return execute(sql, params, many, context)

    return count
