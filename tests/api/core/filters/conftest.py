"""A world for the filter and sort tests: names, registration times and slot times that disagree with the IDs.

Under the ``frozen`` clock (Monday 2030-01-07 09:00 UTC):

- providers A Grace Hopper, B Alan Turing, C Katherine Johnson, D Ada Hopper (same last name as A), registered
  in the order D, B, C, A; clients X Edsger Dijkstra, Y Barbara Liskov, Z Donald Knuth, W Anna Dijkstra,
  registered in the order Y, W, X, Z. So by name, by registration and by ID are three different orders.
- each provider has seven slots two days ahead, 09:00 to 10:30, created in an order that is not their time
  order, and one slot six hours ahead (too soon to reserve); providers share start times, so sorting by time
  needs the ID to break ties.
- `PLAN` gives reservations in every state (HELD, EXPIRED, CONFIRMED, RELEASED, CANCELLED, RESCHEDULED); slot
  A6 has four of them, one after another. Every person has a login named after their label (``client-x``).
"""

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.contrib.auth.models import User

from reservation.models import ENDED_STATES, Appointment, Client, Provider, Reservation, ReservationState
from tests.factories import NOW, gid, make_client, make_provider, make_reservation, make_slot

HELD, EXPIRED, CONFIRMED = ReservationState.HELD, ReservationState.EXPIRED, ReservationState.CONFIRMED
RELEASED, CANCELLED, RESCHEDULED = ReservationState.RELEASED, ReservationState.CANCELLED, ReservationState.RESCHEDULED

DAY = NOW + timedelta(days=2)  # 2030-01-09 09:00 UTC
SOON = NOW + timedelta(hours=6)
SLOTS_PER_PROVIDER = 7

PROVIDERS = {  # label: (first name, last name, registered this long before NOW)
    "A": ("Grace", "Hopper", timedelta(days=1)),
    "B": ("Alan", "Turing", timedelta(days=3)),
    "C": ("Katherine", "Johnson", timedelta(days=2)),
    "D": ("Ada", "Hopper", timedelta(days=4)),
}
CLIENTS = {
    "X": ("Edsger", "Dijkstra", timedelta(hours=2)),
    "Y": ("Barbara", "Liskov", timedelta(hours=5)),
    "Z": ("Donald", "Knuth", timedelta(hours=1)),
    "W": ("Anna", "Dijkstra", timedelta(hours=3)),
}
# Slot (provider label + index, or + "soon"), client, state, made this many minutes before NOW.
PLAN = [
    ("A0", "X", HELD, 10),
    ("A1", "Y", EXPIRED, 120),
    ("A2", "Z", CONFIRMED, 1440),
    ("A3", "W", RELEASED, 90),
    ("A4", "X", CANCELLED, 2000),
    ("A6", "Y", EXPIRED, 300),
    ("A6", "Z", RELEASED, 240),
    ("A6", "W", CANCELLED, 180),
    ("A6", "X", HELD, 5),
    ("B0", "X", CONFIRMED, 1500),
    ("B1", "Y", RESCHEDULED, 1600),
    ("B2", "W", HELD, 20),
    ("B3", "Z", EXPIRED, 100),
    ("B5", "W", CONFIRMED, 1300),
    ("B6", "Y", CONFIRMED, 1200),
    ("C0", "Y", CONFIRMED, 1000),
    ("C2", "X", EXPIRED, 200),
    ("C3", "Y", HELD, 15),
    ("C4", "Z", CONFIRMED, 900),
    ("C5", "X", RESCHEDULED, 1100),
    ("Csoon", "W", CONFIRMED, 800),
]


@dataclass
class World:
    """The people, slots and reservations of the module docstring, by label."""

    providers: dict[str, Provider]
    clients: dict[str, Client]
    slots: dict[str, Appointment]
    reservations: list[Reservation] = field(default_factory=list)

    def id(self, label: str) -> str:
        """The global ID of provider or client ``label`` ("A", "X"), or of slot ``label`` ("A6")."""
        if label in self.providers:
            return gid("ProviderType", self.providers[label].pk)
        if label in self.clients:
            return gid("ClientType", self.clients[label].pk)
        return gid("AppointmentType", self.slots[label].pk)

    def user(self, label: str) -> User:
        """The login of provider or client ``label``."""
        person = self.providers.get(label) or self.clients[label]
        assert person.user is not None
        return person.user


def reserve(client: Client, slot: Appointment, state: ReservationState, minutes_ago: int) -> Reservation:
    """A reservation of ``slot`` by ``client`` made ``minutes_ago`` before NOW, in ``state`` at NOW."""
    created_at = NOW - timedelta(minutes=minutes_ago)
    reservation = make_reservation(client, slot, created_at, confirmed=state in (CONFIRMED, CANCELLED, RESCHEDULED))
    if state in ENDED_STATES:
        reservation.ended_at = created_at + timedelta(minutes=10)
        reservation.end_reason = state.value
        reservation.save(update_fields=["ended_at", "end_reason"])
    assert reservation.state_at(NOW) is state
    return reservation


def with_login(person: Provider | Client, label: str) -> None:
    kind = "provider" if isinstance(person, Provider) else "client"
    person.user = User.objects.create_user(f"{kind}-{label.lower()}", password="filters-password-2030")
    person.save(update_fields=["user"])


@pytest.fixture
def world(frozen: object) -> World:
    providers = {label: make_provider(first, last) for label, (first, last, _) in PROVIDERS.items()}
    clients = {label: make_client(first, last) for label, (first, last, _) in CLIENTS.items()}
    for people, registered in ((providers, PROVIDERS), (clients, CLIENTS)):
        for label, person in people.items():
            type(person).objects.filter(pk=person.pk).update(created_at=NOW - registered[label][2])
            with_login(person, label)
    slots: dict[str, Appointment] = {}
    # Slot indexes in an order that is not time order, and providers interleaved: IDs follow neither.
    for index in (3, 0, 6, 2, 5, 1, 4):
        for label in ("C", "A", "D", "B"):
            slots[f"{label}{index}"] = make_slot(providers[label], DAY + timedelta(minutes=15 * index))
    for label, provider in providers.items():
        slots[f"{label}soon"] = make_slot(provider, SOON)
    world = World(providers=providers, clients=clients, slots=slots)
    for slot, client, state, minutes_ago in PLAN:
        world.reservations.append(reserve(clients[client], slots[slot], state, minutes_ago))
    return world
