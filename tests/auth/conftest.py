"""A small world of roles for the security tests, and a way to call /graphql as each of them.

Under the ``frozen`` clock (Monday 2030-01-07 09:00 UTC):

- staff: the ``staff_user`` fixture (staff and superuser);
- provider A (user ``provider-a``) with slots a1, a2, a3 two days ahead, and provider B (``provider-b``)
  with slots b1, b2, b3 three days ahead;
- client X (``client-x``): a hold on a1 made 5 minutes ago (``x-held``) and a confirmed reservation of a2
  (``x-confirmed``);
- client Y (``client-y``): a confirmed reservation of b1 (``y-confirmed``) and a hold on b2 that ran out an
  hour and a half ago (``y-expired``).

So A's reservations are all X's and B's all Y's: provider A may see client X but not Y, provider B the reverse.
Available now: a3, b2 (its hold expired) and b3. Every user's password is `tests.auth.PASSWORD`.
"""

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import caches
from freezegun.api import FrozenDateTimeFactory

from api.auth import oidc
from reservation.models import Appointment, Client, Provider, Reservation, VisitType
from tests.auth import ANONYMOUS, CLIENT_X, CLIENT_Y, PASSWORD, PROVIDER_A, PROVIDER_B, STAFF
from tests.factories import NOW, gid, make_reservation, make_slot, make_visit_type

CallAs = Callable[..., dict[str, Any]]


@dataclass
class World:
    """The people, slots and reservations of the module docstring, with a label for every global ID."""

    users: dict[str, User | None]
    providers: dict[str, Provider]
    clients: dict[str, Client]
    slots: dict[str, Appointment]
    reservations: dict[str, Reservation]
    visit_types: dict[str, VisitType] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for kind, rows in (
            ("ProviderType", self.providers),
            ("ClientType", self.clients),
            ("AppointmentType", self.slots),
            ("ReservationType", self.reservations),
            ("VisitTypeType", self.visit_types),
        ):
            for label, row in rows.items():
                self.labels[gid(kind, row.pk)] = label

    def id(self, label: str) -> str:
        """The global ID of the provider, client, slot or reservation labelled ``label`` ("A", "x-held", ...)."""
        return next(global_id for global_id, known in self.labels.items() if known == label)

    def user(self, role: str) -> User | None:
        """The user acting as ``role`` (None for the anonymous caller)."""
        return self.users[role]

    def secrets_of(self, client_label: str) -> list[str]:
        """What identifies client ``client_label`` in a JSON text: names, username, global IDs of them and theirs.

        IDs are quoted JSON strings, so that one ID is never found inside a longer one.
        """
        client = self.clients[client_label]
        assert client.user is not None
        ids = [self.id(client_label)] + [
            self.id(label) for label, reservation in self.reservations.items() if reservation.client_id == client.pk
        ]
        return [client.first_name, client.last_name, client.user.username, *(json.dumps(value) for value in ids)]


def _person_user(username: str, first_name: str, last_name: str) -> User:
    return User.objects.create_user(username, password=PASSWORD, first_name=first_name, last_name=last_name)


@pytest.fixture(autouse=True)
def _fresh_counters() -> Iterator[None]:
    """Start (and end) every test with empty rate-limit counters and no cached JWKS.

    The "ratelimit" cache is per process (LocMemCache) unless REDIS_URL is set, and the frozen clock puts every
    test in the same one-minute window: without this, the logins of earlier tests would count against later ones.
    """
    caches["ratelimit"].clear()
    oidc._jwks_from_file.cache_clear()
    oidc._jwks_client.cache_clear()
    yield
    caches["ratelimit"].clear()  # nor should these tests' logins count against the tests run after them
    oidc._jwks_from_file.cache_clear()
    oidc._jwks_client.cache_clear()


@pytest.fixture
def world(db: None, frozen: FrozenDateTimeFactory, staff_user: User) -> World:
    """The world of the module docstring (requires and uses the frozen clock)."""
    provider_a = Provider.objects.create(
        user=_person_user("provider-a", "Agatha", "Ashcombe"), first_name="Agatha", last_name="Ashcombe"
    )
    provider_b = Provider.objects.create(
        user=_person_user("provider-b", "Bertram", "Blackwood"), first_name="Bertram", last_name="Blackwood"
    )
    client_x = Client.objects.create(
        user=_person_user("client-x", "Xenia", "Xanthopoulos"), first_name="Xenia", last_name="Xanthopoulos"
    )
    client_y = Client.objects.create(
        user=_person_user("client-y", "Yusuf", "Yardley"), first_name="Yusuf", last_name="Yardley"
    )
    slots = {}
    for provider, prefix, day in ((provider_a, "a", 2), (provider_b, "b", 3)):
        for index in range(3):
            start = NOW + timedelta(days=day, minutes=15 * index)
            slots[f"{prefix}{index + 1}"] = make_slot(provider, start)
    reservations = {
        "x-held": make_reservation(client_x, slots["a1"], NOW - timedelta(minutes=5)),
        "x-confirmed": make_reservation(client_x, slots["a2"], NOW - timedelta(hours=1), confirmed=True),
        "y-confirmed": make_reservation(client_y, slots["b1"], NOW - timedelta(hours=1), confirmed=True),
        "y-expired": make_reservation(client_y, slots["b2"], NOW - timedelta(hours=2)),
    }
    return World(
        users={
            ANONYMOUS: None,
            CLIENT_X: client_x.user,
            CLIENT_Y: client_y.user,
            PROVIDER_A: provider_a.user,
            PROVIDER_B: provider_b.user,
            STAFF: staff_user,
        },
        providers={"A": provider_a, "B": provider_b},
        clients={"X": client_x, "Y": client_y},
        slots=slots,
        reservations=reservations,
        # A 15-minute video follow-up that A offers: it fits at a3, A's one free slot (issue 13).
        visit_types={"V": make_visit_type("Video follow-up", slots=1, video=True, offered_by=(provider_a,))},
    )


@pytest.fixture
def call_as(graphql: Callable[..., dict[str, Any]], world: World) -> CallAs:
    """``call_as(role, query, variables=None, expect_status=200)``: the response body of ``query`` sent as ``role``."""

    def call(
        role: str, query: str, variables: dict[str, Any] | None = None, expect_status: int = 200
    ) -> dict[str, Any]:
        return graphql(query, variables, expect_status=expect_status, as_user=world.user(role))

    return call
