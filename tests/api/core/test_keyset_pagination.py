"""Keyset pagination (issue 11): cursors name a node's sort key and ID, so pages never skip or repeat a node.

- The issue's repro: page 1 of ``availableAppointments`` (``first: 5``), another client holds its 2nd slot,
  page 2 from ``endCursor`` starts with the slot right after page 1's last one (with offsets it was skipped).
- ``last``/``before`` walk backward on root and nested connections; ``hasPreviousPage``/``hasNextPage`` are
  exact both ways; no request runs ``COUNT``.
- An altered cursor, a cursor of another list or of another ``orderBy`` is BAD_USER_INPUT, reason
  INVALID_CURSOR.
- A Hypothesis property: walks forward and backward through root and nested lists, with random inserts,
  holds, releases, confirmations and expiries (the frozen clock moved past the 30-minute hold) between the
  pages; every node that is in the list at every request of the walk is seen exactly once, nothing is seen
  twice, and the walk is in the list's order.
"""

import contextlib
import os
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from freezegun import freeze_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reservation.errors import DomainError
from reservation.models import Appointment, Provider, Reservation
from reservation.services.reservations import reservation_confirm, reservation_create, reservation_release
from tests.factories import NOW, gid, make_client, make_provider, make_slot
from tests.graphql import GraphQL, node_ids

pytestmark = pytest.mark.django_db

FIRST_START = NOW + timedelta(days=2)
SLOT = timedelta(minutes=15)

ROOT_AVAILABLE = """
query($first: Int, $after: String, $last: Int, $before: String) {
  availableAppointments(first: $first, after: $after, last: $last, before: $before) {
    edges { cursor node { id } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""

NESTED_AVAILABLE = """
query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  node(id: $id) { ... on ProviderType {
    availableAppointments(first: $first, after: $after, last: $last, before: $before) {
      edges { cursor node { id } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  } }
}
"""

PROVIDERS = "query($after: String) { providers(first: 1, after: $after) { pageInfo { endCursor } } }"
CLIENTS = "query($after: String) { clients(first: 1, after: $after) { edges { node { id } } } }"
SORTED_PROVIDERS = """query($after: String, $orderBy: [ProviderOrder!]) {
  providers(first: 1, after: $after, orderBy: $orderBy) { edges { node { id } } pageInfo { endCursor } }
}"""


def slots_of(provider: Provider, count: int) -> list[Appointment]:
    return [make_slot(provider, FIRST_START + SLOT * index) for index in range(count)]


def ids(slots: list[Appointment]) -> list[str]:
    return [gid("AppointmentType", slot.pk) for slot in slots]


def root_page(graphql: GraphQL, **variables: Any) -> dict[str, Any]:
    body = graphql(ROOT_AVAILABLE, variables)
    assert "errors" not in body, body
    page: dict[str, Any] = body["data"]["availableAppointments"]
    return page


def test_a_hold_between_two_pages_does_not_skip_a_slot(graphql, frozen):
    """The issue's repro: with offsets the slot that moved up into position 5 was never shown."""
    provider = make_provider()
    slots = slots_of(provider, 12)
    other = make_client("Other", "Client")

    page_1 = root_page(graphql, first=5)
    reservation_create(client_id=other.pk, appointment_id=slots[1].pk)  # another client holds page 1's 2nd slot
    page_2 = root_page(graphql, first=5, after=page_1["pageInfo"]["endCursor"])

    assert node_ids(page_1) == ids(slots[:5])
    assert node_ids(page_2) == ids(slots[5:10])
    assert page_2["pageInfo"]["hasPreviousPage"] is True
    assert page_2["pageInfo"]["hasNextPage"] is True


def test_a_release_between_two_pages_does_not_repeat_a_slot(graphql, frozen):
    provider = make_provider()
    slots = slots_of(provider, 8)
    other = make_client("Other", "Client")
    hold = reservation_create(client_id=other.pk, appointment_id=slots[0].pk)

    page_1 = root_page(graphql, first=3)
    reservation_release(reservation_id=hold.pk)  # slot 0 comes back, before the cursor
    page_2 = root_page(graphql, first=3, after=page_1["pageInfo"]["endCursor"])

    assert node_ids(page_1) == ids(slots[1:4])
    assert node_ids(page_2) == ids(slots[4:7])


@pytest.mark.parametrize("nested", [False, True], ids=["root", "nested"])
def test_walking_backward_with_last_and_before(graphql, frozen, nested):
    provider = make_provider()
    slots = slots_of(provider, 7)
    document = NESTED_AVAILABLE if nested else ROOT_AVAILABLE
    variables: dict[str, Any] = {"id": gid("ProviderType", provider.pk)} if nested else {}

    def page(**arguments: Any) -> dict[str, Any]:
        body = graphql(document, {**variables, **arguments})
        assert "errors" not in body, body
        found: dict[str, Any] = (
            body["data"]["node"]["availableAppointments"] if nested else body["data"]["availableAppointments"]
        )
        return found

    last_page = page(last=3)
    middle = page(last=3, before=last_page["pageInfo"]["startCursor"])
    first_page = page(last=3, before=middle["pageInfo"]["startCursor"])

    assert [node_ids(last_page), node_ids(middle), node_ids(first_page)] == [
        ids(slots[4:]),
        ids(slots[1:4]),
        ids(slots[:1]),
    ]
    assert last_page["pageInfo"] | {"startCursor": None, "endCursor": None} == {
        "hasPreviousPage": True,
        "hasNextPage": False,
        "startCursor": None,
        "endCursor": None,
    }
    assert (middle["pageInfo"]["hasPreviousPage"], middle["pageInfo"]["hasNextPage"]) == (True, True)
    assert (first_page["pageInfo"]["hasPreviousPage"], first_page["pageInfo"]["hasNextPage"]) == (False, True)
    # Forward from the first page's end cursor gives the rest, in order.
    rest = page(first=10, after=first_page["pageInfo"]["endCursor"])
    assert node_ids(rest) == ids(slots[1:])
    assert (rest["pageInfo"]["hasPreviousPage"], rest["pageInfo"]["hasNextPage"]) == (True, False)


def test_has_previous_page_is_false_when_everything_before_the_cursor_is_gone(graphql, frozen):
    provider = make_provider()
    slots = slots_of(provider, 4)
    other = make_client("Other", "Client")

    page_1 = root_page(graphql, first=2)
    for slot in slots[:2]:
        reservation_create(client_id=other.pk, appointment_id=slot.pk)
    page_2 = root_page(graphql, first=2, after=page_1["pageInfo"]["endCursor"])

    assert node_ids(page_2) == ids(slots[2:])
    assert page_2["pageInfo"]["hasPreviousPage"] is False
    assert page_2["pageInfo"]["hasNextPage"] is False


def test_offset_skips_nodes_after_the_cursor(graphql, frozen):
    slots = slots_of(make_provider(), 6)
    page_1 = root_page(graphql, first=2)

    body = graphql(
        "query($after: String) { availableAppointments(first: 2, after: $after, offset: 1) { edges { node { id } } } }",
        {"after": page_1["pageInfo"]["endCursor"]},
    )

    assert node_ids(body["data"]["availableAppointments"]) == ids(slots[3:5])


@pytest.mark.parametrize("variables", [{"last": 2, "offset": 1}, {"first": 2, "offset": 1, "before": "x"}])
def test_offset_pages_forward_only(graphql, frozen, variables):
    slots_of(make_provider(), 3)
    body = graphql(
        "query($first: Int, $last: Int, $offset: Int, $before: String) {"
        " availableAppointments(first: $first, last: $last, offset: $offset, before: $before) { edges { cursor } } }",
        variables,
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "forward only" in body["errors"][0]["message"]


def test_no_page_runs_count(graphql, frozen):
    provider = make_provider()
    slots_of(provider, 5)
    page_1 = root_page(graphql, first=2)

    with CaptureQueriesContext(connection) as queries:
        root_page(graphql, first=2, after=page_1["pageInfo"]["endCursor"])
        graphql(NESTED_AVAILABLE, {"id": gid("ProviderType", provider.pk), "last": 2})

    assert queries.captured_queries
    assert not [query for query in queries.captured_queries if "COUNT(" in query["sql"].upper()]


def invalid_cursor(body: dict[str, Any]) -> str:
    [error] = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "reason": "INVALID_CURSOR"}
    message: str = error["message"]
    return message


def tampered(cursor: str) -> str:
    """The cursor with one character of its body changed."""
    index = len(cursor) // 3
    return cursor[:index] + ("A" if cursor[index] != "A" else "B") + cursor[index + 1 :]


def test_a_tampered_cursor_is_refused(graphql, frozen):
    slots_of(make_provider(), 3)
    cursor = root_page(graphql, first=1)["pageInfo"]["endCursor"]

    message = invalid_cursor(graphql(ROOT_AVAILABLE, {"first": 1, "after": tampered(cursor)}))

    assert "`after` cursor on `availableAppointments`" in message
    invalid_cursor(graphql(ROOT_AVAILABLE, {"last": 1, "before": cursor + "x"}))


def test_a_cursor_of_another_list_is_refused(graphql, frozen):
    make_provider()
    make_client()
    cursor = graphql(PROVIDERS)["data"]["providers"]["pageInfo"]["endCursor"]

    invalid_cursor(graphql(CLIENTS, {"after": cursor}))


def test_a_cursor_of_another_order_is_refused(graphql, frozen):
    make_provider("Grace", "Hopper")
    make_provider("Alan", "Turing")
    cursor = graphql(SORTED_PROVIDERS, {"orderBy": ["NAME_ASC"]})["data"]["providers"]["pageInfo"]["endCursor"]

    assert graphql(SORTED_PROVIDERS, {"orderBy": ["NAME_ASC"], "after": cursor})["data"]["providers"]["edges"]
    invalid_cursor(graphql(SORTED_PROVIDERS, {"orderBy": ["CREATED_DESC"], "after": cursor}))


def test_a_nested_tampered_cursor_nulls_only_its_connection(graphql, frozen):
    provider = make_provider()
    slots_of(provider, 3)
    variables = {"id": gid("ProviderType", provider.pk), "first": 1}
    cursor = graphql(NESTED_AVAILABLE, variables)["data"]["node"]["availableAppointments"]["pageInfo"]["endCursor"]

    body = graphql(NESTED_AVAILABLE, {**variables, "after": tampered(cursor)})

    invalid_cursor(body)
    assert body["data"] == {"node": {"availableAppointments": None}}


# --- the property -------------------------------------------------------------------------------------------

CHANGES = st.sampled_from(["insert", "hold", "release", "confirm", "expire"])
RUNS = int(os.environ.get("KEYSET_PROPERTY_RUNS", "40"))


class World:
    """Slots of one provider (plus a second provider's, which a nested list must not show) and the changes."""

    def __init__(self) -> None:
        self.provider = make_provider()
        self.stranger = make_provider("Alan", "Turing")
        self.clients = [make_client("Client", f"Number {index}") for index in range(4)]
        for index in range(0, 24, 2):  # every other quarter hour: inserts fill the gaps
            make_slot(self.provider, FIRST_START + SLOT * index)
            make_slot(self.stranger, FIRST_START + SLOT * index)

    def change(self, kind: str, pick: int, clock: Any) -> None:
        """Apply one change; ``pick`` chooses the slot or reservation it applies to."""
        if kind == "insert":
            start = FIRST_START + SLOT * (pick % 30)
            if not Appointment.objects.filter(provider=self.provider, start_time=start).exists():
                make_slot(self.provider, start)
        elif kind == "hold":
            free = list(Appointment.objects.available(timezone.now()).order_by("id"))
            if free:
                client = self.clients[pick % len(self.clients)]
                # The client may hold three already: the rules say no and nothing changes.
                with contextlib.suppress(DomainError):
                    reservation_create(client_id=client.pk, appointment_id=free[pick % len(free)].pk)
        elif kind in ("release", "confirm"):
            held = list(Reservation.objects.held(timezone.now()).order_by("id"))
            if held:
                service = reservation_release if kind == "release" else reservation_confirm
                service(reservation_id=held[pick % len(held)].pk)
        else:  # every hold made so far runs out
            clock.tick(timedelta(minutes=31))

    def expected(self, nested: bool) -> list[str]:
        """The list as the server has it now, in its order (start time, then ID)."""
        rows = Appointment.objects.available(timezone.now())
        if nested:
            rows = rows.filter(provider=self.provider)
        return ids(list(rows.order_by("start_time", "id")))

    def every_slot(self) -> list[str]:
        """Every slot, available or not, in the list's order."""
        return ids(list(Appointment.objects.order_by("start_time", "id")))


@settings(
    max_examples=RUNS,
    deadline=None,
    derandomize="KEYSET_PROPERTY_SEED" not in os.environ,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=st.data(),
    nested=st.booleans(),
    backward=st.booleans(),
    page_size=st.integers(1, 5),
)
def test_walks_never_skip_or_repeat_a_node_that_stays(graphql, data, nested, backward, page_size):
    with transaction.atomic(), freeze_time(NOW) as clock:
        world = World()
        document = NESTED_AVAILABLE if nested else ROOT_AVAILABLE
        variables: dict[str, Any] = {"id": gid("ProviderType", world.provider.pk)} if nested else {}
        seen: list[str] = []
        present_every_time: set[str] | None = None
        cursor: str | None = None
        for _ in range(60):
            arguments = {"last": page_size, "before": cursor} if backward else {"first": page_size, "after": cursor}
            present = world.expected(nested)
            body = graphql(document, {**variables, **arguments})
            assert "errors" not in body, body
            page = body["data"]["node"]["availableAppointments"] if nested else body["data"]["availableAppointments"]
            got = node_ids(page)
            if backward:
                seen[0:0] = got  # keep `seen` in the list's order
            else:
                seen.extend(got)
            present_every_time = set(present) if present_every_time is None else present_every_time & set(present)
            assert all(node in present for node in got)
            more = page["pageInfo"]["hasPreviousPage" if backward else "hasNextPage"]
            if not more:
                break
            cursor = page["pageInfo"]["startCursor" if backward else "endCursor"]
            for kind, pick in data.draw(st.lists(st.tuples(CHANGES, st.integers(0, 1000)), max_size=3)):
                world.change(kind, pick, clock)
        else:
            raise AssertionError("the walk did not end")

        assert len(seen) == len(set(seen)), "a node was repeated"
        assert present_every_time is not None
        assert present_every_time <= set(seen), "a node that stayed in the list was skipped"
        order = {node: index for index, node in enumerate(world.every_slot())}
        assert [order[node] for node in seen] == sorted(order[node] for node in seen), "the walk is out of order"
        transaction.set_rollback(True)
