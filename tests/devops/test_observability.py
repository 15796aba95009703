"""Metrics and logs after real requests through /graphql: the numbers move, and the log lines say what happened
without a token, a password or a person's data.

Metrics are read from this process's registry before and after (no multiprocess directory here; the multiprocess
scrape through gunicorn is tested in test_database_pool.py). Log records are formatted with the project's
own JSON formatter (settings.LOGGING), as they are written in production.
"""

import json
import logging
import logging.config
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client as HttpClient

from api.http import metrics
from api.http.metrics import sample_value
from reservation.models import Reservation
from reservation.services.people import client_create
from tests.conftest import bearer
from tests.factories import NOW, make_provider, make_slot


def make_client(
    first_name: str = "Ada",
    last_name: str = "Lovelace",
    username: str | None = None,
    password: str = "client-password-2030",  # noqa: S107 - a test login
) -> Any:
    """A client with a login."""
    username = username or f"{first_name}.{last_name}".lower()
    return client_create(first_name=first_name, last_name=last_name, username=username, password=password)


RESERVE = """
mutation Reserve($appointmentId: ID!) {
  reservationCreate(input: {appointmentId: $appointmentId}) { reservation { id } errors { code } }
}
"""
CONFIRM = """
mutation Confirm($reservationId: ID!) {
  reservationConfirm(input: {reservationId: $reservationId}) { reservation { state } errors { code } }
}
"""
LOGIN = """
mutation Login($u: String!, $secret: String!) {
  tokenCreate(input: {username: $u, password: $secret}) { accessToken refreshToken errors { code } }
}
"""
AVAILABLE = "query Available { availableAppointments(first: 5) { edges { node { id } } } }"


def post(client: HttpClient, query: str, variables=None, headers=None, **extra):
    return client.post(
        "/graphql",
        json.dumps({"query": query, "variables": variables or {}}),
        content_type="application/json",
        headers=headers or {},
        **extra,
    )


class JsonLines(logging.Handler):
    """Collects every record as the production formatter writes it."""

    def __init__(self) -> None:
        super().__init__()
        formatter_config = settings.LOGGING["formatters"]["json"]
        factory = formatter_config["()"]
        module, name = factory.rsplit(".", 1)
        formatter_class = getattr(__import__(module, fromlist=[name]), name)
        self.setFormatter(formatter_class(**{k: v for k, v in formatter_config.items() if k != "()"}))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def log_lines():
    handler = JsonLines()
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.DEBUG)
    try:
        yield handler.lines
    finally:
        root.setLevel(previous)
        root.removeHandler(handler)


@pytest.mark.django_db(transaction=True)
def test_a_booking_moves_the_request_and_domain_metrics(client, frozen):
    provider = make_provider()
    patient = make_client()
    slot = make_slot(provider, NOW + timedelta(days=2))
    second = make_slot(provider, NOW + timedelta(days=3))
    rival = make_client("Grace", "Hopper")
    before = {
        "held": sample_value("reservation_events_total", {"kind": "held"}),
        "confirmed": sample_value("reservation_events_total", {"kind": "confirmed"}),
        "unavailable": sample_value("reservation_mutation_errors_total", {"code": "SLOT_UNAVAILABLE"}),
        "ok": sample_value("reservation_graphql_requests_total", {"operation": "reservationCreate", "outcome": "ok"}),
        "user_error": sample_value(
            "reservation_graphql_requests_total", {"operation": "reservationCreate", "outcome": "user_error"}
        ),
        "latency": sample_value(
            "reservation_graphql_request_duration_seconds_count", {"operation": "reservationCreate", "outcome": "ok"}
        ),
        "sql": sample_value("reservation_sql_queries_per_request_sum", {"route": "graphql"}),
        "http": sample_value(
            "reservation_http_requests_total", {"route": "graphql", "method": "POST", "status": "200"}
        ),
    }
    from graphql_relay import to_global_id

    hold = post(client, RESERVE, {"appointmentId": to_global_id("AppointmentType", slot.pk)}, bearer(patient.user))
    reservation_id = hold.json()["data"]["reservationCreate"]["reservation"]["id"]
    post(client, CONFIRM, {"reservationId": reservation_id}, bearer(patient.user))
    taken = post(client, RESERVE, {"appointmentId": to_global_id("AppointmentType", slot.pk)}, bearer(rival.user))
    assert taken.json()["data"]["reservationCreate"]["errors"] == [{"code": "SLOT_UNAVAILABLE"}]
    assert second.pk

    assert sample_value("reservation_events_total", {"kind": "held"}) == before["held"] + 1
    assert sample_value("reservation_events_total", {"kind": "confirmed"}) == before["confirmed"] + 1
    assert sample_value("reservation_mutation_errors_total", {"code": "SLOT_UNAVAILABLE"}) == before["unavailable"] + 1
    assert (
        sample_value("reservation_graphql_requests_total", {"operation": "reservationCreate", "outcome": "ok"})
        == before["ok"] + 1
    )
    assert (
        sample_value("reservation_graphql_requests_total", {"operation": "reservationCreate", "outcome": "user_error"})
        == before["user_error"] + 1
    )
    assert (
        sample_value(
            "reservation_graphql_request_duration_seconds_count", {"operation": "reservationCreate", "outcome": "ok"}
        )
        == before["latency"] + 1
    )
    assert sample_value("reservation_sql_queries_per_request_sum", {"route": "graphql"}) >= before["sql"] + 3
    assert (
        sample_value("reservation_http_requests_total", {"route": "graphql", "method": "POST", "status": "200"})
        == before["http"] + 3
    )
    assert Reservation.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_hold_that_rolls_back_is_not_counted(frozen):
    from django.db import transaction

    from reservation.services.reservations import reservation_create

    provider = make_provider()
    patient = make_client()
    slot = make_slot(provider, NOW + timedelta(days=2))
    held = sample_value("reservation_events_total", {"kind": "held"})

    # Its event row is written, then the surrounding transaction rolls back: the hold never happened.
    with transaction.atomic():
        reservation_create(client_id=patient.pk, appointment_id=slot.pk)
        transaction.set_rollback(True)
    assert sample_value("reservation_events_total", {"kind": "held"}) == held
    assert not Reservation.objects.exists()

    reservation_create(client_id=patient.pk, appointment_id=slot.pk)
    assert sample_value("reservation_events_total", {"kind": "held"}) == held + 1


@pytest.mark.django_db
def test_failed_logins_lockouts_and_rate_limits_are_counted(client, settings):
    from django.contrib.auth.models import User

    User.objects.create_user("counted", password="right-password-2030")
    settings.AXES_FAILURE_LIMIT = 2
    failures = sample_value("reservation_login_failures_total")
    lockouts = sample_value("reservation_lockouts_total")
    invalid = sample_value("reservation_mutation_errors_total", {"code": "INVALID_CREDENTIALS"})
    locked = sample_value("reservation_mutation_errors_total", {"code": "LOCKED_OUT"})

    codes = [
        post(client, LOGIN, {"u": "counted", "secret": "wrong"}).json()["data"]["tokenCreate"]["errors"][0]["code"]
        for _ in range(3)
    ]

    assert codes == ["INVALID_CREDENTIALS", "LOCKED_OUT", "LOCKED_OUT"]
    assert sample_value("reservation_login_failures_total") >= failures + 2
    assert sample_value("reservation_lockouts_total") >= lockouts + 1
    assert sample_value("reservation_mutation_errors_total", {"code": "INVALID_CREDENTIALS"}) == invalid + 1
    assert sample_value("reservation_mutation_errors_total", {"code": "LOCKED_OUT"}) == locked + 2


@pytest.mark.django_db
def test_metrics_endpoint_serves_the_counters_but_not_through_a_proxy(client):
    post(client, AVAILABLE)

    direct = client.get("/metrics", HTTP_HOST="10.1.2.3:8000")
    proxied = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9", "X-Real-IP": "203.0.113.9"})

    assert direct.status_code == 200
    text = direct.content.decode()
    assert 'reservation_graphql_requests_total{operation="availableAppointments",outcome="ok"}' in text
    assert 'reservation_dependency_up{dependency="database"} 1.0' in text
    assert "reservation_sql_queries_per_request_bucket" in text
    assert "reservation_db_connections_open" in text
    assert proxied.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_one_json_line_per_request_with_its_fields(client, log_lines):
    patient = make_client()
    response = post(client, AVAILABLE, headers={**bearer(patient.user), "X-Request-ID": "req-from-nginx-42"})

    assert response["X-Request-ID"] == "req-from-nginx-42"
    lines = [json.loads(line) for line in log_lines]
    (line,) = [entry for entry in lines if entry.get("logger") == "api.request"]
    assert line["request_id"] == "req-from-nginx-42"
    assert line["operation"] == "availableAppointments"
    assert line["operation_name"] == "Available"
    assert line["outcome"] == "ok"
    assert line["user_id"] == patient.user.pk
    assert line["status"] == 200
    assert line["duration_ms"] > 0
    assert line["sql_queries"] >= 2
    assert line["route"] == "graphql"
    assert line["level"] == "INFO"


@pytest.mark.django_db
def test_a_request_id_that_is_not_safe_is_replaced(client, log_lines):
    response = client.get("/healthz", headers={"X-Request-ID": "bad id\nwith newline"})

    made = response["X-Request-ID"]
    assert made != "bad id\nwith newline"
    assert len(made) == 32
    assert json.loads(log_lines[-1])["request_id"] == made


@pytest.mark.django_db(transaction=True)
def test_no_log_line_carries_a_token_a_password_or_personal_data(client, log_lines, frozen):
    from django.contrib.auth.models import User

    secret_password = "Secret-Password-2030"
    patient = make_client(first_name="Margaretha", last_name="Zelle", username="mata.hari", password=secret_password)
    staff = User.objects.create_user("staff.person", password="staff-Secret-2030", is_staff=True, is_superuser=True)
    # A login with the password in a variable of any name, one with a wrong password, a refresh, an internal error,
    # a calendar feed (its URL is a secret) and an outage.
    tokens = post(client, LOGIN, {"u": "mata.hari", "secret": secret_password}).json()["data"]["tokenCreate"]
    post(client, LOGIN, {"u": "mata.hari", "secret": "Wrong-Password-2030"})
    refresh = post(
        client,
        "mutation($r: String!) { tokenRefresh(input: {refreshToken: $r}) { accessToken refreshToken } }",
        {"r": tokens["refreshToken"]},
    ).json()
    feed = post(client, "mutation { calendarFeedCreate(input: {}) { url } }", headers=bearer(patient.user)).json()
    feed_url = feed["data"]["calendarFeedCreate"]["url"]
    client.get(feed_url.split("testserver", 1)[-1])
    post(client, "{ viewer { username } }", headers={"Authorization": f"Bearer {tokens['accessToken']}"})
    post(client, "{ viewer { username } }", headers={"Authorization": "Bearer not-a-token"})
    post(client, 'query { clients(search: "Zelle") { edges { node { firstName } } } }', headers=bearer(staff))

    secrets = [
        secret_password,
        "Wrong-Password-2030",
        tokens["accessToken"],
        tokens["refreshToken"],
        refresh["data"]["tokenRefresh"]["accessToken"],
        feed_url.rsplit("/", 1)[-1].removesuffix(".ics"),
        "not-a-token",
        "Margaretha",
        "Zelle",
        "mata.hari",
        "staff.person",
        "127.0.0.1",
    ]
    assert log_lines, "nothing was logged"
    request_lines = [json.loads(line) for line in log_lines if '"api.request"' in line]
    assert len(request_lines) >= 8
    for line in log_lines:
        for secret in secrets:
            assert secret not in line, f"{secret!r} in {line}"


def test_gauges_are_live_sums_across_gunicorn_workers():
    # In multiprocess mode a dead worker's in-progress count or connection count must not be summed in.
    assert metrics.IN_PROGRESS._multiprocess_mode == "livesum"
    assert metrics.DB_CONNECTIONS._multiprocess_mode == "livesum"
