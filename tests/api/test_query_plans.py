"""No hot query reads a whole table: at 10⁵ slots, PostgreSQL's plan for every SQL statement of the hot operations
uses an index on ``reservation_appointment`` and ``reservation_reservation``, never a sequential scan.

The data is `api.benchmark.data.populate`'s (the benchmark's), ANALYZEd, and the planner has compose's settings for
PostgreSQL on SSD storage (``random_page_cost=1.1``), so it chooses as it would in production. Each operation runs
through /graphql; every statement it ran is EXPLAINed as it was sent.
"""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id

from api.benchmark.data import FILLED_TABLES, FIRST_SLOT, Dataset, populate
from reservation.models import Appointment, Client
from tests.graphql import bearer

pytestmark = pytest.mark.postgresql

ROWS = 100_000
# compose.yml's db runs with these (PostgreSQL's default random_page_cost, 4, is for spinning disks).
PLANNER_SETTINGS = {"random_page_cost": "1.1"}
BIG_TABLES = {"reservation_appointment", "reservation_reservation"}
SLOT_FIELDS = "edges { node { id timeSlot endTime provider { id firstName lastName } } }"
RESERVATION_FIELDS = "edges { node { id state reservedAt appointment { id timeSlot } client { id } } }"


def hot_operations(dataset: Dataset) -> dict[str, tuple[str, dict[str, Any], bool]]:
    """Name: (document, variables, as staff?)."""
    provider = to_global_id("ProviderType", dataset.first_provider_id)
    client = to_global_id("ClientType", dataset.first_client_id)
    return {
        "global first page": (f"{{ availableAppointments(first: 100) {{ {SLOT_FIELDS} }} }}", {}, False),
        "one provider's week": (
            f"""query($p: ID!, $from: DateTime!, $to: DateTime!) {{
              availableAppointments(provider: $p, startFrom: $from, startBefore: $to, first: 100) {{ {SLOT_FIELDS} }}
            }}""",
            {"p": provider, "from": FIRST_SLOT.isoformat(), "to": (FIRST_SLOT + timedelta(days=7)).isoformat()},
            False,
        ),
        "a date in a time zone": (
            f"""query($d: Date!) {{ availableAppointments(date: $d, timeZone: "America/New_York", first: 100)
              {{ {SLOT_FIELDS} }} }}""",
            {"d": (FIRST_SLOT + timedelta(days=3)).date().isoformat()},
            False,
        ),
        "a provider's slots, nested": (
            f"""query($p: ID!) {{ node(id: $p) {{ ... on ProviderType {{
              availableAppointments(first: 100) {{ {SLOT_FIELDS} }} }} }} }}""",
            {"p": provider},
            False,
        ),
        "every slot, by time": (f"{{ appointments(first: 100) {{ {SLOT_FIELDS} }} }}", {}, True),
        "reservations, newest first": (f"{{ reservations(first: 100) {{ {RESERVATION_FIELDS} }} }}", {}, True),
        "a client's reservations": (
            f"query($c: ID!) {{ reservations(client: $c, first: 100) {{ {RESERVATION_FIELDS} }} }}",
            {"c": client},
            True,
        ),
        "a client's confirmed reservations, nested": (
            f"""query($c: ID!) {{ node(id: $c) {{ ... on ClientType {{
              confirmedReservations(first: 100) {{ {RESERVATION_FIELDS} }} }} }} }}""",
            {"c": client},
            True,
        ),
        "reservations of a provider": (
            f"query($p: ID!) {{ reservations(provider: $p, first: 100) {{ {RESERVATION_FIELDS} }} }}",
            {"p": provider},
            True,
        ),
    }


@pytest.fixture
def statistics_restored(django_db_blocker: Any) -> Iterator[None]:
    """After the test's transaction is rolled back, VACUUM ANALYZE the tables it filled.

    ANALYZE writes a table's size (``pg_class.reltuples``, ``relpages``) in place, so the rollback keeps it, and
    the rolled-back rows stay in the heap as dead tuples: the tests after this one would be planned for 10⁵ rows
    that are not there. Requested before ``db``, so its teardown runs after the rollback (VACUUM refuses to run
    inside a transaction, so a wrong order fails here rather than passing unnoticed)."""
    yield
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        for table in FILLED_TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")


@pytest.fixture
def dataset(statistics_restored: None, db: None) -> Dataset:
    with connection.cursor() as cursor:
        for name, value in PLANNER_SETTINGS.items():
            cursor.execute("SELECT set_config(%s, %s, true)", [name, value])  # for this test's transaction
    return populate(ROWS)


def test_compose_gives_postgresql_the_planner_settings_tested_here():
    compose = yaml.safe_load((Path(settings.BASE_DIR) / "compose.yml").read_text())
    command = " ".join(compose["services"]["db"]["command"])
    for name, value in PLANNER_SETTINGS.items():
        assert f"{name}={value}" in command


def is_checked(sql: str) -> bool:
    """Whether the plan of ``sql`` is checked: every read (there is no COUNT(*) of a whole list: keyset pages)."""
    return sql.lstrip().startswith("SELECT")


def sequential_scans(plan: dict[str, Any]) -> Iterator[str]:
    """The big tables that ``plan`` (EXPLAIN's JSON node) reads with a sequential scan, anywhere in its tree."""
    if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") in BIG_TABLES:
        yield plan["Relation Name"]
    for child in plan.get("Plans", []):
        yield from sequential_scans(child)


def test_no_hot_query_scans_a_big_table(dataset: Dataset, client: HttpClient, staff_user: User):
    assert Appointment.objects.count() == ROWS
    found: dict[str, list[str]] = {}
    for name, (document, variables, as_staff) in hot_operations(dataset).items():
        headers = bearer(staff_user) if as_staff else {}
        with CaptureQueriesContext(connection) as captured:
            response = client.post(
                "/graphql",
                {"query": document, "variables": variables},
                content_type="application/json",
                headers=headers,
            )
        body = response.json()
        assert "errors" not in body, (name, body)
        assert any(body["data"].values()), (name, body)
        statements = [query["sql"] for query in captured.captured_queries if is_checked(query["sql"])]
        assert any(table in sql for sql in statements for table in BIG_TABLES), name
        for sql in statements:
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
                (plan,) = cursor.fetchone()[0]
            scanned = sorted(set(sequential_scans(plan["Plan"])))
            if scanned:
                found.setdefault(name, []).append(f"{', '.join(scanned)}: {sql}")
    assert found == {}, "\n\n".join(f"{name}: {line}" for name, lines in found.items() for line in lines)


def test_the_reservation_checks_use_indexes(dataset: Dataset, client: HttpClient):
    """reservationCreate's reads and locks, on a free slot, as the client who reserves it."""
    user = User.objects.create_user("plan-client")
    Client.objects.filter(pk=dataset.first_client_id).update(user=user)
    free = Appointment.objects.available(FIRST_SLOT - timedelta(days=2)).order_by("start_time", "id").first()
    assert free is not None
    document = (
        "mutation($a: ID!) { reservationCreate(input: {appointmentId: $a}) { reservation { id } errors { code } } }"
    )
    with CaptureQueriesContext(connection) as captured:
        response = client.post(
            "/graphql",
            {"query": document, "variables": {"a": to_global_id("AppointmentType", free.pk)}},
            content_type="application/json",
            headers=bearer(user),
        )
    assert response.json()["data"]["reservationCreate"]["errors"] == []
    for query in captured.captured_queries:
        sql = query["sql"]
        if not is_checked(sql) or not any(table in sql for table in BIG_TABLES):
            continue
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
            (plan,) = cursor.fetchone()[0]
        assert not list(sequential_scans(plan["Plan"])), sql
