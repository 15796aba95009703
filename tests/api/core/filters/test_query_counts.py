"""No N+1 with filters and sort orders: nested sorted, filtered connections cost as many queries over 100 slots
as over 5.

`populate` spreads slots over providers (10 each) and 20 clients; even 5 slots hold reservations in every
state (an empty list would skip its page query and make the smaller count smaller).
Each document is run over 5 slots, the same database is grown to 100, and it is run again; pages are asked
large enough that a query per parent would show. The counts must be equal. (They are not pinned to a number:
other reads, such as the schedule's, may add a constant query; tests/examples/test_query_counts.py pins the
examples' counts.)
"""

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reservation.models import ENDED_STATES, Appointment, Client, Provider, Reservation, ReservationState
from tests.api.core.filters.conftest import DAY, reserve
from tests.factories import NOW, make_client, make_provider
from tests.graphql import GraphQL

SIZES = (5, 100)
SLOTS_PER_PROVIDER = 10
CLIENTS = 20  # at 100 slots, 5 each, of 5 providers
SLOT = timedelta(minutes=15)
# Slot i had a reservation that ended (ENDED_STATES[i % 3], two days ago), and is now free or reserved in state
# CURRENT[i % 4], both by client i % 20.
CURRENT = [None, ReservationState.HELD, ReservationState.EXPIRED, ReservationState.CONFIRMED]
MINUTES_AGO = {ReservationState.HELD: 10, ReservationState.EXPIRED: 120, ReservationState.CONFIRMED: 1440}

DOCUMENTS = {
    "providers sorted, with sorted and filtered slots and clients": """
        query($from: DateTime) {
          providers(first: 100, search: "provider", orderBy: [NAME_DESC]) { edges { node { id
            availableAppointments(first: 5, startFrom: $from, orderBy: [TIME_SLOT_DESC]) { edges { node { id } } }
            confirmedAppointments(first: 5, orderBy: [TIME_SLOT_DESC]) { edges { node { id timeSlot } } }
            clients(first: 5, orderBy: [CREATED_DESC]) { edges { node { id
              providers(first: 5, orderBy: [NAME_DESC]) { edges { node { id } } }
            } } }
          } } }
        }""",
    "clients searched, with sorted and filtered reservations": """
        query($from: DateTime) {
          clients(first: 100, search: "client", orderBy: [NAME_DESC, CREATED_ASC]) { edges { node { id
            activeReservations(first: 5, startFrom: $from, orderBy: [CLIENT_NAME_DESC]) {
              edges { node { id appointment { id provider { id } } } }
            }
            confirmedReservations(first: 5, orderBy: [TIME_SLOT_DESC]) { edges { node { id client { id } } } }
            expiredReservations(first: 5, orderBy: [CREATED_ASC]) { edges { node { id } } }
            providers(first: 5, orderBy: [CREATED_DESC]) { edges { node { id } } }
          } } }
        }""",
    "slots sorted, with reservations by state and order": """
        {
          appointments(first: 100, orderBy: [TIME_SLOT_DESC]) { edges { node { id
            confirmed: reservations(first: 5, state: CONFIRMED, orderBy: [CLIENT_NAME_ASC]) {
              edges { node { id client { id } } }
            }
            ended: reservations(first: 5, state: CANCELLED, orderBy: [CREATED_ASC]) { edges { node { id } } }
            all: reservations(first: 5, orderBy: [TIME_SLOT_DESC]) { edges { node { id } } }
          } } }
        }""",
    "reservations filtered and sorted": """
        query($from: DateTime) {
          reservations(first: 100, startFrom: $from, orderBy: [CLIENT_NAME_DESC, TIME_SLOT_ASC]) { edges { node { id
            client { id } provider { id } appointment { id timeSlot }
          } } }
          byState: reservations(first: 100, state: RESCHEDULED, orderBy: [CREATED_DESC]) { edges { node { id } } }
          availableAppointments(first: 100, orderBy: [TIME_SLOT_DESC]) { edges { node { id provider { id } } } }
        }""",
}
pytestmark = pytest.mark.usefixtures("frozen")


def populate(start: int, stop: int) -> None:
    """Add slots ``start`` to ``stop - 1``: slot ``i`` of provider ``i // 10``, reserved by client ``i % 20``."""
    providers = list(Provider.objects.order_by("pk"))
    clients = list(Client.objects.order_by("pk"))
    for index in range(start, stop):
        if index // SLOTS_PER_PROVIDER == len(providers):
            providers.append(make_provider("Provider", f"Number {len(providers) + 1:03}"))
        if index % CLIENTS == len(clients):
            clients.append(make_client("Client", f"Number {len(clients) + 1:03}"))
        start_time = DAY + SLOT * (index % SLOTS_PER_PROVIDER)
        slot = Appointment.objects.create(
            provider=providers[index // SLOTS_PER_PROVIDER], start_time=start_time, end_time=start_time + SLOT
        )
        client = clients[index % CLIENTS]
        reserve(client, slot, ENDED_STATES[index % len(ENDED_STATES)], 2 * 24 * 60)
        state = CURRENT[index % len(CURRENT)]
        if state is not None:
            reserve(client, slot, state, MINUTES_AGO[state])


def count(graphql: GraphQL, document: str) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as context:
        body = graphql(document, {"from": (DAY + SLOT).isoformat()} if "$from" in document else {})
    assert "errors" not in body, body
    return len(context.captured_queries), [query["sql"] for query in context.captured_queries]


@pytest.mark.parametrize("name", DOCUMENTS)
def test_query_count_does_not_grow_with_the_data(graphql: GraphQL, name: str) -> None:
    counts: dict[int, int] = {}
    statements: dict[int, list[str]] = {}
    for start, size in zip((0, *SIZES), SIZES, strict=False):
        populate(start, size)
        counts[size], statements[size] = count(graphql, DOCUMENTS[name])

    listing = "\n".join(f"  {sql[:200]}" for sql in statements[SIZES[-1]])
    assert counts[SIZES[0]] == counts[SIZES[-1]], f"{name}: {counts}; queries at {SIZES[-1]}:\n{listing}"


def test_the_dataset_has_every_state_and_fills_the_pages(graphql: GraphQL) -> None:
    """5 slots already hold every state; at 100, every nested list of the documents has a parent with two children."""
    populate(0, SIZES[0])
    assert {reservation.state_at(NOW) for reservation in Reservation.objects.all()} == set(ReservationState)

    populate(SIZES[0], SIZES[-1])
    body: dict[str, Any] = graphql(DOCUMENTS["clients searched, with sorted and filtered reservations"], {"from": None})
    assert len(body["data"]["clients"]["edges"]) == CLIENTS
    for name in ("activeReservations", "confirmedReservations", "expiredReservations", "providers"):
        assert max(len(edge["node"][name]["edges"]) for edge in body["data"]["clients"]["edges"]) > 1, name
