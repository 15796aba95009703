"""Shared fixtures: a GraphQL client for the real endpoint, a frozen clock, database vendor checks."""

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client as HttpClient
from freezegun import freeze_time
from freezegun.api import FrozenDateTimeFactory

from reservation.models import Appointment, Client, Provider
from tests.factories import NOW, make_client, make_provider, make_slot

GraphQL = Callable[..., dict[str, Any]]


@pytest.fixture
def graphql(client: HttpClient) -> GraphQL:
    """Post a GraphQL operation to /graphql as JSON and return the decoded response body.

    ``expect_status`` (default 200) is asserted, so a test never reads a failed response by accident.
    """

    def execute(query: str, variables: dict[str, Any] | None = None, expect_status: int = 200) -> dict[str, Any]:
        response = client.post(
            "/graphql",
            json.dumps({"query": query, "variables": variables or {}}),
            content_type="application/json",
        )
        assert response.status_code == expect_status, response.content
        body: dict[str, Any] = response.json()
        return body

    return execute


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
