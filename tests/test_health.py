"""`/healthz`: 200 "ok" while the database answers, 503 when it does not."""

import pytest


@pytest.mark.django_db
def test_healthz_is_ok(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_fails(client, monkeypatch):
    class BrokenConnection:
        def cursor(self):
            raise RuntimeError("database is down")

    monkeypatch.setattr("api.http.health.connection", BrokenConnection())

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.content == b"database unavailable"
