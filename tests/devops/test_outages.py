"""Every failure on /graphql is JSON with an error id; outages of the database or Redis are HTTP 503, wherever they
happen (the token check before GraphQL runs, a resolver, a mutation); user errors stay 200.

The outages here are simulated in-process (an OperationalError where the database would raise one); the real
ones, a frozen PostgreSQL and a stopped PgBouncer, are in test_database_pool.py, and Redis going away in
tests/auth/test_rate_limits.py.
"""

import json

import pytest
from django.db import OperationalError
from django.test import Client as HttpClient

from tests.conftest import bearer

VIEWER = "{ viewer { username } }"


def post(client: HttpClient, query: str, headers=None):
    return client.post("/graphql", json.dumps({"query": query}), content_type="application/json", headers=headers or {})


def assert_json_error(response, status: int, code: str) -> str:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert "data" not in body
    (error,) = body["errors"]
    assert error["extensions"]["code"] == code
    error_id = error["extensions"]["errorId"]
    assert len(error_id) == 32
    assert error_id in error["message"]
    return str(error_id)


@pytest.fixture
def http_client() -> HttpClient:
    """A test client that answers like the server does (no re-raising of unhandled exceptions)."""
    return HttpClient(raise_request_exception=False)


@pytest.mark.django_db
def test_the_token_check_during_a_database_outage_is_a_json_503(http_client, staff_user, monkeypatch, caplog):
    def outage(*args, **kwargs):
        raise OperationalError('connection to server at "db" (10.0.0.5), port 5432 failed: Connection refused')

    monkeypatch.setattr("api.auth.middleware.authenticate_bearer", outage)

    response = post(http_client, VIEWER, headers=bearer(staff_user))

    error_id = assert_json_error(response, 503, "SERVICE_UNAVAILABLE")
    assert response["Retry-After"] == "5"
    assert "10.0.0.5" not in response.content.decode()
    assert error_id in caplog.text


@pytest.mark.django_db
def test_a_resolver_meeting_an_outage_fails_the_request_with_503(http_client, monkeypatch):
    def outage(*args, **kwargs):
        raise OperationalError("canceling statement due to statement timeout")

    monkeypatch.setattr("api.query.provider.ProviderType.get_queryset", classmethod(outage))

    response = post(http_client, "{ providers(first: 2) { edges { node { id } } } }")

    assert_json_error(response, 503, "SERVICE_UNAVAILABLE")


@pytest.mark.django_db
def test_a_mutation_meeting_an_outage_is_503_and_writes_nothing(http_client, staff_user, monkeypatch):
    from reservation.models import Provider

    def outage(**kwargs):
        Provider.objects.create(first_name="Half", last_name="Written")
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("api.mutation.provider.provider_create", outage)

    response = post(
        http_client,
        'mutation { providerCreate(input: {firstName: "A", lastName: "B"}) { provider { id } errors { code } } }',
        headers=bearer(staff_user),
    )

    assert_json_error(response, 503, "SERVICE_UNAVAILABLE")


@pytest.mark.django_db
def test_an_unexpected_error_before_graphql_runs_is_a_json_500(http_client, staff_user, monkeypatch):
    def bug(*args, **kwargs):
        raise KeyError("surprise")

    monkeypatch.setattr("api.auth.middleware.authenticate_bearer", bug)

    response = post(http_client, VIEWER, headers=bearer(staff_user))

    assert_json_error(response, 500, "INTERNAL_SERVER_ERROR")
    assert "surprise" not in response.content.decode()


@pytest.mark.django_db
def test_an_outage_elsewhere_is_django_s_page_with_503(http_client, monkeypatch):
    def outage(*args, **kwargs):
        raise OperationalError("database is down")

    monkeypatch.setattr("django.contrib.admin.sites.AdminSite.each_context", outage)

    response = http_client.get("/admin/login/")

    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_user_errors_stay_200(client, staff_user):
    response = post(
        client,
        'mutation { reservationConfirm(input: {reservationId: "UmVzZXJ2YXRpb25UeXBlOjk5OQ=="}) { errors { code } } }',
        headers=bearer(staff_user),
    )

    assert response.status_code == 200
    assert response.json()["data"]["reservationConfirm"]["errors"] == [{"code": "NOT_FOUND"}]
