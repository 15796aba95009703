"""The fixtures every test may use: a GraphQL client for the real endpoint, a frozen clock, people, slots and the
shared worlds (`tests.factories`), and database vendor checks.

The tests mirror the code: ``tests/<package>/test_<module>.py`` tests ``<package>/<module>.py`` (a module with
many tests has several, ``test_<module>_<topic>.py``, or a folder of its own, ``tests/api/core/filters/``).
Cross-cutting suites keep their own folders: ``examples/`` (the example operations), ``concurrency/`` (real
threads on PostgreSQL), ``auth/`` and ``security/`` (who may call, and the edge), ``devops/``. Shared builders
are in `tests.factories`, documents and response helpers in `tests.graphql`, thread races in `tests.threads`,
real services in `tests.services`; nothing is defined twice.
"""

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import caches
from django.db import connection
from django.test import Client as HttpClient
from freezegun import freeze_time
from freezegun.api import FrozenDateTimeFactory

from reservation.models import Appointment, Client, Provider
from tests.factories import NOW, CalendarSchedule, Cast, make_client, make_provider, make_slot
from tests.graphql import STAFF, GraphQL, bearer

__all__ = ["STAFF", "GraphQL", "bearer", "on_postgresql"]  # tests import these from here too


@pytest.fixture
def staff_user(db: None) -> User:
    """A support-staff user (staff and superuser)."""
    return User.objects.create_user("staff", password="staff-password-2030", is_staff=True, is_superuser=True)


@pytest.fixture
def graphql(client: HttpClient, staff_user: User) -> GraphQL:
    """Post a GraphQL operation to /graphql as JSON and return the decoded response body.

    The caller is staff unless ``as_user`` names another user, or None for an anonymous caller; a fresh
    access token is issued for every call, so moving a frozen clock never expires it. ``expect_status``
    (default 200) is asserted, so a test never reads a failed response by accident.
    """

    def execute(
        query: str,
        variables: dict[str, Any] | None = None,
        expect_status: int = 200,
        as_user: User | None = STAFF,
    ) -> dict[str, Any]:
        user = staff_user if as_user is STAFF else as_user
        response = client.post(
            "/graphql",
            json.dumps({"query": query, "variables": variables or {}}),
            content_type="application/json",
            headers=bearer(user) if user is not None else {},
        )
        assert response.status_code == expect_status, response.content
        body: dict[str, Any] = response.json()
        return body

    return execute


@pytest.fixture(autouse=True)
def _fresh_rate_limit_counters() -> Iterator[None]:
    """Start every test with empty rate-limit counters: a frozen clock keeps all tests in one window."""
    caches["ratelimit"].clear()
    yield
    caches["ratelimit"].clear()


@pytest.fixture
def frozen() -> Iterator[FrozenDateTimeFactory]:
    """Freeze the clock at `tests.factories.NOW`; ``frozen.tick(delta)`` / ``frozen.move_to(t)`` move it."""
    with freeze_time(NOW) as frozen_time:
        assert isinstance(frozen_time, FrozenDateTimeFactory)
        yield frozen_time


@pytest.fixture
def provider() -> Provider:
    """A provider."""
    return make_provider()


@pytest.fixture
def patient() -> Client:
    """A client (named so as not to shadow pytest-django's HTTP ``client`` fixture)."""
    return make_client()


@pytest.fixture
def slot(provider: Provider) -> Appointment:
    """A slot of ``provider`` two days after `NOW`: reservable under the frozen clock."""
    return make_slot(provider, NOW + timedelta(days=2))


@pytest.fixture
def cast(db: None, frozen: FrozenDateTimeFactory, staff_user: User) -> Cast:
    """The lifecycle's people (`tests.factories.Cast`), under the frozen clock."""
    return Cast.make(staff_user)


@pytest.fixture
def schedule(db: None, frozen: FrozenDateTimeFactory) -> CalendarSchedule:
    """The calendar feeds' people and reservations (`tests.factories.CalendarSchedule`), under the frozen clock."""
    return CalendarSchedule.make()


def on_postgresql() -> bool:
    """Whether the test database is PostgreSQL."""
    return connection.vendor == "postgresql"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip tests marked ``postgresql`` when the suite runs on SQLite."""
    if on_postgresql():
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: run with DATABASE_URL=postgres://...")
    for item in items:
        if "postgresql" in item.keywords:
            item.add_marker(skip)
