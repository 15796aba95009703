"""Prometheus metrics of the service, and the `/metrics` endpoint that Prometheus scrapes.

Every metric is named ``reservation_*``. Under gunicorn each worker process counts in files of its own
(prometheus-client's multiprocess mode: ``PROMETHEUS_MULTIPROC_DIR`` names an empty directory, which the
entrypoint clears at start and gunicorn's ``child_exit`` hook tidies), and a scrape of any worker sums them all.
Without that variable (tests, ``manage.py runserver``) the process's own registry is served.

What is counted, and where it is counted:

- per request (`api.http.observability.RequestObservationMiddleware`): HTTP requests by route and status; GraphQL
  requests and their latency by operation and outcome; SQL queries per request; requests in progress;
- per domain outcome: reservation events (held, confirmed, expired as observed, released, cancelled,
  rescheduled) when their row is committed (`reservation_events_total`), every typed mutation error by code
  (`mutation_errors_total`: SLOT_UNAVAILABLE, RATE_LIMITED, INVALID_CREDENTIALS, LOCKED_OUT, ...), failed logins
  and lock-outs (Django's and django-axes' signals);
- at scrape time: whether the database and Redis answer (`dependency_up`), and the database connections this
  process holds open (`db_connections_open`).

``operation`` is the GraphQL operation's root field (``availableAppointments``, ``reservationCreate``; ``multiple``
when a document asks for several; ``none`` when the request never reached GraphQL), not the client's free-form
``operationName``: the root fields are the schema's, so the label's values are bounded whatever clients send.
"""

import os
import weakref
from collections.abc import Callable, Iterator
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import Http404, HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

OUTCOMES = ("ok", "user_error", "bad_request", "unauthenticated", "internal_error", "unavailable")
"""GraphQL request outcomes: no error; a typed payload error (a rule said no); refused at the edge or by
validation (HTTP 4xx); a refused bearer token (401); an unexpected error, masked behind an error id; an outage of
the database or Redis (HTTP 503)."""

HTTP_REQUESTS = Counter(
    "reservation_http_requests",
    "HTTP requests answered by Django, by route (the URL pattern, never the raw path) and status code.",
    ["route", "method", "status"],
)
GRAPHQL_REQUESTS = Counter(
    "reservation_graphql_requests",
    "Requests to /graphql by operation (root field) and outcome.",
    ["operation", "outcome"],
)
GRAPHQL_DURATION = Histogram(
    "reservation_graphql_request_duration_seconds",
    "Time from the request reaching Django to its response, for /graphql, by operation and outcome.",
    ["operation", "outcome"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.35, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0),
)
SQL_QUERIES = Histogram(
    "reservation_sql_queries_per_request",
    "SQL queries one request ran, by route.",
    ["route"],
    buckets=(0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144),
)
IN_PROGRESS = Gauge(
    "reservation_requests_in_progress",
    "Requests being answered right now.",
    multiprocess_mode="livesum",
)
RESERVATION_EVENTS = Counter(
    "reservation_events",
    "Committed reservation state changes by kind: held, confirmed, expired (observed), released, cancelled, "
    "rescheduled.",
    ["kind"],
)
MUTATION_ERRORS = Counter(
    "reservation_mutation_errors",
    "Typed mutation payload errors by code (SLOT_UNAVAILABLE, RATE_LIMITED, INVALID_CREDENTIALS, LOCKED_OUT, ...).",
    ["code"],
)
LOGIN_FAILURES = Counter("reservation_login_failures", "Failed logins (wrong username or password).")
LOCKOUTS = Counter("reservation_lockouts", "Logins refused because the username and address are locked out.")

_open_connections: "weakref.WeakSet[BaseDatabaseWrapper]" = weakref.WeakSet()


def track_connection(connection: BaseDatabaseWrapper) -> None:
    """Remember a database wrapper whose connection was just opened (Django's ``connection_created``)."""
    _open_connections.add(connection)


class ProcessCollector(Collector):
    """Values read when Prometheus scrapes: whether the database and Redis answer (``reservation_dependency_up``)."""

    def __init__(self, dependencies: bool) -> None:
        self.dependencies = dependencies

    def describe(self) -> Iterator[GaugeMetricFamily]:
        # Registering a collector without describe() would run collect(), i.e. the checks, at import time.
        yield from self._families(check=False)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from self._families(check=True)

    def _families(self, check: bool) -> Iterator[GaugeMetricFamily]:
        if self.dependencies:
            from api.http.health import check_database, check_redis

            up = GaugeMetricFamily(
                "reservation_dependency_up",
                "1 when the dependency answered this scrape's check, else 0.",
                labels=["dependency"],
            )
            if check:
                up.add_metric(["database"], 1.0 if check_database() is None else 0.0)
                up.add_metric(["redis"], 1.0 if check_redis() is None else 0.0)
            yield up


DB_CONNECTIONS = Gauge(
    "reservation_db_connections_open",
    "Database connections held open by the app (one per busy or idle gunicorn thread at most).",
    multiprocess_mode="livesum",
)


def refresh_connection_gauge() -> None:
    """Set `DB_CONNECTIONS` to this process's open connections (called at the end of every request)."""
    DB_CONNECTIONS.set(sum(1 for wrapper in list(_open_connections) if wrapper.connection is not None))


def _registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        registry.register(ProcessCollector(dependencies=True))
        return registry
    return _single_process_registry


_single_process_registry = REGISTRY
REGISTRY.register(ProcessCollector(dependencies=True))


def metrics_view(request: HttpRequest) -> HttpResponse:
    """``GET /metrics``: the Prometheus text format, for Prometheus on the internal network only.

    A request that came through nginx (it always sets X-Forwarded-For and X-Real-IP) is 404, as if there were
    no such page: nginx refuses /metrics on its public side too (devops/nginx/nginx.conf), so this only matters
    if something else ever proxies to the app.
    """
    if "HTTP_X_FORWARDED_FOR" in request.META or "HTTP_X_REAL_IP" in request.META:
        raise Http404
    refresh_connection_gauge()
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)


class MetricsEndpointMiddleware:
    """Answer ``/metrics`` before anything else runs (first in ``MIDDLEWARE``).

    Prometheus scrapes each app server by its address on the internal network (compose: DNS discovery of the
    ``app`` service), so the Host header is an address that ``ALLOWED_HOSTS`` does not list, and Django's host
    check would refuse it. The answer does not depend on the host, so it is given before that check.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == "/metrics" and request.method in ("GET", "HEAD"):
            try:
                return metrics_view(request)
            except Http404:
                return HttpResponse("Not Found", status=404, content_type="text/plain")
        return self.get_response(request)


def sample_value(name: str, labels: dict[str, str] | None = None) -> float:
    """The current value of one sample in this process's registry (0 when absent): for tests and benchmarks."""
    value: Any = _single_process_registry.get_sample_value(name, labels or {})
    return float(value or 0.0)


def connect_signals() -> None:
    """Count domain outcomes from the signals that announce them (called once, from `ApiConfig.ready`)."""
    from axes.signals import user_locked_out
    from django.contrib.auth.signals import user_login_failed
    from django.db import transaction
    from django.db.backends.signals import connection_created
    from django.db.models.signals import post_save

    from reservation.models import ReservationEvent

    def on_connection(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
        track_connection(connection)

    def on_event(sender: Any, instance: ReservationEvent, created: bool, **kwargs: Any) -> None:
        if created:
            kind = instance.kind
            # Counted once the change is committed: a rolled-back hold never happened.
            transaction.on_commit(lambda: RESERVATION_EVENTS.labels(kind).inc())

    def on_login_failed(sender: Any, **kwargs: Any) -> None:
        LOGIN_FAILURES.inc()

    def on_locked_out(sender: Any, **kwargs: Any) -> None:
        LOCKOUTS.inc()

    connection_created.connect(on_connection, weak=False, dispatch_uid="reservation-metrics-connection")
    post_save.connect(on_event, sender=ReservationEvent, weak=False, dispatch_uid="reservation-metrics-event")
    user_login_failed.connect(on_login_failed, weak=False, dispatch_uid="reservation-metrics-login-failed")
    user_locked_out.connect(on_locked_out, weak=False, dispatch_uid="reservation-metrics-locked-out")
