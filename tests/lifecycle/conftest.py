"""The people of the lifecycle tests, each with a login, and slots of their providers, under the frozen clock.

``cast`` is the provider (user ``provider``), whose slots the tests reserve, another provider
(``other-provider``), the client (``client``), who reserves and acts, another client (``other-client``), and
the staff user of ``tests/conftest.py``. Slots start two days after `tests.factories.NOW` (Monday
2030-01-07 09:00 UTC) unless a test says otherwise, so every rule passes at NOW.

The authorization tests reuse the role world of ``tests/auth/conftest.py`` (its fixtures are imported here).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import User
from freezegun.api import FrozenDateTimeFactory

from reservation import rules
from reservation.models import Appointment, Client, Provider
from tests.auth.conftest import call_as, world  # noqa: F401 - fixtures for test_authorization.py
from tests.factories import NOW, make_slot

SLOT_DAY = NOW + timedelta(days=2)  # Wednesday 2030-01-09 09:00 UTC: 48 hours ahead of NOW
PASSWORD = "lifecycle-password-2030"


@dataclass
class Cast:
    provider: Provider
    other_provider: Provider
    client: Client
    other_client: Client
    staff: User

    def slot(self, offset: timedelta = timedelta(0), provider: Provider | None = None) -> Appointment:
        """A slot of ``provider`` (the cast's provider by default) starting ``offset`` after `SLOT_DAY`."""
        return make_slot(provider or self.provider, SLOT_DAY + offset)

    def slot_at(self, start: datetime, provider: Provider | None = None) -> Appointment:
        return make_slot(provider or self.provider, start)

    def next_slots(self, count: int, provider: Provider | None = None) -> list[Appointment]:
        """``count`` consecutive slots from `SLOT_DAY`."""
        return [self.slot(index * rules.slot_duration(), provider) for index in range(count)]

    @property
    def provider_user(self) -> User:
        assert self.provider.user is not None
        return self.provider.user

    @property
    def other_provider_user(self) -> User:
        assert self.other_provider.user is not None
        return self.other_provider.user

    @property
    def client_user(self) -> User:
        assert self.client.user is not None
        return self.client.user

    @property
    def other_client_user(self) -> User:
        assert self.other_client.user is not None
        return self.other_client.user


def _user(username: str, first_name: str, last_name: str) -> User:
    return User.objects.create_user(username, password=PASSWORD, first_name=first_name, last_name=last_name)


def _provider(username: str, first_name: str, last_name: str) -> Provider:
    user = _user(username, first_name, last_name)
    return Provider.objects.create(user=user, first_name=first_name, last_name=last_name)


def _client(username: str, first_name: str, last_name: str) -> Client:
    user = _user(username, first_name, last_name)
    return Client.objects.create(user=user, first_name=first_name, last_name=last_name)


@pytest.fixture
def cast(db: None, frozen: FrozenDateTimeFactory, staff_user: User) -> Cast:
    """The people of the module docstring (requires and uses the frozen clock)."""
    return Cast(
        provider=_provider("provider", "Grace", "Hopper"),
        other_provider=_provider("other-provider", "Alan", "Turing"),
        client=_client("client", "Ada", "Lovelace"),
        other_client=_client("other-client", "Edsger", "Dijkstra"),
        staff=staff_user,
    )
