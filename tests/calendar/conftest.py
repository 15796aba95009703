"""A small schedule for the calendar feed tests, under the ``frozen`` clock (Monday 2030-01-07 09:00 UTC).

- provider P (Grace Hopper, user ``provider-p``) and provider Q (Alan Turing, ``provider-q``);
- client C (Ada Lovelace, ``client-c``) and client D (Edsger Dijkstra, ``client-d``).

Reservations, by label (``who-what-where``); "listed" means the feed shows it:

| label | slot (start) | state | listed |
| --- | --- | --- | --- |
| c-booked-p | P, in 2 days 09:00 | confirmed | CONFIRMED |
| d-booked-p | P, in 2 days 09:15 | confirmed | CONFIRMED |
| c-held-p | P, in 2 days 09:30 | held | no |
| d-expired-p | P, in 2 days 09:45 | hold expired | no |
| d-released-p | P, in 2 days 10:00 | hold released | no |
| c-cancelled-p | P, in 3 days | cancelled 2 days ago | CANCELLED |
| c-moved-from-p | P, in 4 days | rescheduled yesterday to c-moved-to-p | CANCELLED |
| c-moved-to-p | P, in 5 days | confirmed (by the reschedule) | CONFIRMED |
| d-cancelled-long-ago-p | P, in 6 days | cancelled 40 days ago | no |
| d-past-p | P, 10 days ago | confirmed | CONFIRMED (within the 30 past days) |
| d-too-old-p | P, 40 days ago | confirmed | no |
| c-too-far-p | P, in 400 days | confirmed | no |
| c-cancelled-past-p | P, 5 days ago | cancelled yesterday | no (the slot is over) |
| c-booked-q | Q, in 2 days 11:00 | confirmed | CONFIRMED |
| d-booked-q | Q, in 2 days 12:00 | confirmed | CONFIRMED |
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

import pytest
from django.contrib.auth.models import User
from freezegun.api import FrozenDateTimeFactory

from reservation import rules
from reservation.models import Client, Provider, Reservation, ReservationState
from tests.factories import NOW, make_slot

DAY = timedelta(days=1)
PersonT = TypeVar("PersonT", Provider, Client)

# What each user's feed lists: labels of the table above.
LISTED = {
    "P": {
        "c-booked-p",
        "d-booked-p",
        "c-cancelled-p",
        "c-moved-from-p",
        "c-moved-to-p",
        "d-past-p",
    },
    "Q": {"c-booked-q", "d-booked-q"},
    "C": {"c-booked-p", "c-cancelled-p", "c-moved-from-p", "c-moved-to-p", "c-booked-q"},
    "D": {"d-booked-p", "d-past-p", "d-booked-q"},
}
CANCELLED = {"c-cancelled-p", "c-moved-from-p"}


@dataclass
class Schedule:
    """The people and reservations of the module docstring."""

    users: dict[str, User]
    providers: dict[str, Provider]
    clients: dict[str, Client]
    reservations: dict[str, Reservation]

    def uid(self, label: str) -> str:
        """The UID the feed gives reservation ``label``, as served to the test client (host ``testserver``)."""
        return f"reservation-{self.reservations[label].pk}@testserver"

    def label(self, uid: str) -> str:
        return next(label for label in self.reservations if self.uid(label) == uid)


def person(model: type[PersonT], username: str, first_name: str, last_name: str) -> PersonT:
    """A provider or client with a login of their own."""
    user = User.objects.create_user(username, password="calendar-test-2030", first_name=first_name, last_name=last_name)
    return model.objects.create(user=user, first_name=first_name, last_name=last_name)


def book(
    client: Client,
    provider: Provider,
    start: datetime,
    *,
    confirmed: bool = True,
    made: datetime | None = None,
    ended: datetime | None = None,
    end_reason: ReservationState | None = None,
) -> Reservation:
    """A reservation of a new slot of ``provider`` at ``start``, made at ``made`` (a day before it ended, or
    2 days before now), confirmed a minute later unless ``confirmed`` is false, and ended if ``ended`` is given."""
    slot = make_slot(provider, start)
    made = made or (ended - DAY if ended else NOW - 2 * DAY)
    return Reservation.objects.create(
        client=client,
        appointment=slot,
        created_at=made,
        expires_at=made + rules.hold_duration(),
        confirmed_at=made + timedelta(minutes=1) if confirmed else None,
        ended_at=ended,
        end_reason=end_reason.value if end_reason else "",
    )


@pytest.fixture
def schedule(db: None, frozen: FrozenDateTimeFactory) -> Schedule:
    """The schedule of the module docstring."""
    p = person(Provider, "provider-p", "Grace", "Hopper")
    q = person(Provider, "provider-q", "Alan", "Turing")
    c = person(Client, "client-c", "Ada", "Lovelace")
    d = person(Client, "client-d", "Edsger", "Dijkstra")
    in_2_days = NOW + 2 * DAY
    cancelled, rescheduled = ReservationState.CANCELLED, ReservationState.RESCHEDULED
    reservations = {
        "c-booked-p": book(c, p, in_2_days),
        "d-booked-p": book(d, p, in_2_days + timedelta(minutes=15)),
        "c-held-p": book(c, p, in_2_days + timedelta(minutes=30), confirmed=False, made=NOW - timedelta(minutes=5)),
        "d-expired-p": book(d, p, in_2_days + timedelta(minutes=45), confirmed=False, made=NOW - timedelta(hours=2)),
        "d-released-p": book(
            d,
            p,
            in_2_days + timedelta(minutes=60),
            confirmed=False,
            made=NOW - timedelta(minutes=20),
            ended=NOW - timedelta(minutes=10),
            end_reason=ReservationState.RELEASED,
        ),
        "c-cancelled-p": book(c, p, NOW + 3 * DAY, ended=NOW - 2 * DAY, end_reason=cancelled),
        "c-moved-to-p": book(c, p, NOW + 5 * DAY, made=NOW - DAY),
        "c-moved-from-p": book(c, p, NOW + 4 * DAY, ended=NOW - DAY, end_reason=rescheduled),
        "d-cancelled-long-ago-p": book(d, p, NOW + 6 * DAY, ended=NOW - 40 * DAY, end_reason=cancelled),
        "d-past-p": book(d, p, NOW - 10 * DAY, made=NOW - 12 * DAY),
        "d-too-old-p": book(d, p, NOW - 40 * DAY, made=NOW - 42 * DAY),
        "c-too-far-p": book(c, p, NOW + 400 * DAY),
        "c-cancelled-past-p": book(c, p, NOW - 5 * DAY, made=NOW - 7 * DAY, ended=NOW - DAY, end_reason=cancelled),
        "c-booked-q": book(c, q, in_2_days + timedelta(hours=2)),
        "d-booked-q": book(d, q, in_2_days + timedelta(hours=3)),
    }
    moved = reservations["c-moved-from-p"]
    moved.rescheduled_to = reservations["c-moved-to-p"]
    moved.save(update_fields=["rescheduled_to"])
    return Schedule(
        users={"P": p.user, "Q": q.user, "C": c.user, "D": d.user},  # type: ignore[dict-item]
        providers={"P": p, "Q": q},
        clients={"C": c, "D": d},
        reservations=reservations,
    )
