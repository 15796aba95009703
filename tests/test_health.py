"""`/healthz` (liveness) and `/readyz` (readiness: database, Redis, migrations)."""

import pytest

from api.http import health


@pytest.mark.django_db
def test_healthz_is_ok_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.django_db
def test_readyz_is_ok_when_every_dependency_answers(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok", "migrations": "ok"}}


@pytest.mark.django_db
def test_readyz_names_the_database_when_it_fails(client, monkeypatch):
    class BrokenConnection:
        def cursor(self):
            raise RuntimeError("database is down")

    monkeypatch.setattr(health, "connections", {"default": BrokenConnection()})

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "unavailable: RuntimeError: database is down"
    assert body["checks"]["redis"] == "ok"
    assert body["checks"]["migrations"] == "not checked: no database"


@pytest.mark.django_db
def test_readyz_names_redis_when_it_fails(client, settings):
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {
            "BACKEND": "api.http.counters.RedisCounterCache",
            # Nothing listens on port 1: refused at once.
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
    }

    response = client.get("/readyz")

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == "ok"
    assert checks["redis"].startswith("unavailable: ConnectionError")


@pytest.mark.django_db
def test_readyz_names_unapplied_migrations(client, monkeypatch):
    class Plan:
        def __init__(self, connection):
            self.loader = type("Loader", (), {"graph": type("Graph", (), {"leaf_nodes": lambda self: []})()})()

        def migration_plan(self, targets):
            return [("reservation", "0099_future")]

    monkeypatch.setattr(health, "MigrationExecutor", Plan)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == "1 migration(s) not applied"
