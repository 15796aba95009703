"""Health endpoints for load balancers, compose and Prometheus.

- ``/healthz`` (liveness): 200 "ok" while the process answers HTTP. It touches nothing else, so that a database
  outage never gets healthy app servers restarted: restarting cannot fix the database.
- ``/readyz`` (readiness): 200 when the app can serve every request: the database answers, Redis answers (the
  rate limits of every mutation count there) and every migration is applied. Otherwise 503, with the failed
  dependencies named: ``{"status": "unavailable", "checks": {"database": "ok", "redis": "unavailable: ...",
  "migrations": "ok"}}``. compose's health check of the app calls it, and so does nginx's upstream
  check before a drained server is put back (devops/rolling-restart.sh).
"""

import logging

from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger("api.health")


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: 200 "ok", always, from a process that can answer."""
    return HttpResponse("ok", content_type="text/plain")


def check_database() -> str | None:
    """None when the default database answers ``SELECT 1``, else why not."""
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # noqa: BLE001 - any failure means "not ready"; the reason is reported
        return _reason(error)
    return None


def check_redis() -> str | None:
    """None when the rate-limit cache answers (Redis in production; a local cache answers always)."""
    try:
        cache = caches["ratelimit"]
        client = getattr(cache, "_cache", None)
        if client is not None and hasattr(client, "get_client"):
            client.get_client(write=True).ping()
        else:
            cache.get("readiness-probe")
    except Exception as error:  # noqa: BLE001 - any failure means "not ready"; the reason is reported
        return _reason(error)
    return None


def check_migrations() -> str | None:
    """None when every migration of the code is applied to the default database, else how many are not."""
    try:
        connection = connections[DEFAULT_DB_ALIAS]
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as error:  # noqa: BLE001 - any failure means "not ready"; the reason is reported
        return _reason(error)
    if plan:
        return f"{len(plan)} migration(s) not applied"
    return None


def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 with every check "ok", or 503 naming each failed dependency."""
    failures = {"database": check_database(), "redis": check_redis()}
    # Migrations are read from the database: only worth checking when it answers.
    failures["migrations"] = check_migrations() if failures["database"] is None else "not checked: no database"
    checks = {name: "ok" if failure is None else failure for name, failure in failures.items()}
    ready = all(failure is None for failure in failures.values())
    if not ready:
        logger.warning("not ready", extra={"checks": checks})
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)


def _reason(error: Exception) -> str:
    """A short, one-line reason: the exception's class and first line (no connection strings or passwords:
    libpq and redis-py name only the host and port)."""
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"unavailable: {type(error).__name__}: {first_line}"[:200]
