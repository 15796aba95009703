"""Fixtures of the admin tests: a support login under the frozen clock, and a small clinic in New York."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client as HttpClient

from reservation.models import Appointment, Client, Provider, Reservation
from tests.factories import NEW_YORK, NOW, make_client, make_provider, make_reservation, make_slot


@pytest.fixture
def support(frozen: Any, admin_client: HttpClient) -> HttpClient:
    """A superuser's browser session, logged in under the frozen clock (a session from the real clock would
    already have expired in 2030)."""
    return admin_client


@dataclass
class Clinic:
    """A New York provider (user ``grace``) with slots two days ahead, two clients named alike (``ada`` and
    ``ada2``), a hold, a booking and an expired hold."""

    provider: Provider
    client: Client
    namesake: Client
    slots: list[Appointment]
    held: Reservation
    booked: Reservation
    expired: Reservation


@pytest.fixture
def clinic(frozen: Any) -> Clinic:
    provider = make_provider("Grace", "Hopper", username="grace", time_zone=NEW_YORK)
    ada = make_client("Ada", "Lovelace", username="ada")
    namesake = make_client("Ada", "Lovelace", username="ada2")
    ada.user.email = "ada@example.org"  # type: ignore[union-attr]
    ada.user.save()  # type: ignore[union-attr]
    start = NOW + timedelta(days=2)  # Wed 9 Jan 2030 09:00 UTC, 04:00 EST
    slots = [make_slot(provider, start + index * timedelta(minutes=15)) for index in range(8)]
    held = make_reservation(ada, slots[0], NOW - timedelta(minutes=10))
    booked = make_reservation(ada, slots[1], NOW - timedelta(hours=1), confirmed=True)
    expired = make_reservation(namesake, slots[2], NOW - timedelta(hours=2))
    return Clinic(provider, ada, namesake, slots, held, booked, expired)


def shown(response: Any) -> list[tuple[int, str]]:
    """The messages the page shows (follow the redirect to it): (level, text)."""
    return [(message.level, str(message)) for message in response.context["messages"]]


def listed(response: Any) -> list[int]:
    """The primary keys of a changelist's rows, in order."""
    assert response.status_code == 200, response.status_code
    return [row.pk for row in response.context["cl"].result_list]
