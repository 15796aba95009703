"""Snapshot tests: every example in examples/ runs as written and answers as recorded in snapshots/.

Each test starts from an empty database whose primary keys start at 1 (``reset_sequences``), with the clock
frozen at `tests.factories.NOW` (2030-01-07 09:00 UTC), so that the examples' variables (object 1 of each
type) are right as written and every response is the same on SQLite and PostgreSQL.

- A mutation runs after the walkthrough's earlier mutations, replayed as written (the state a reader has
  reached at that step on a fresh database). The walkthrough's steps run a minute apart, from 08:56 to the
  confirmation at 09:00, so that its timestamps differ from one another.
- A query runs against `build_dataset`: the whole walkthrough, then more providers, clients and reservations
  made with the builders so that slots are available, held, expired and confirmed.

A missing snapshot is written; ``UPDATE_SNAPSHOTS=1`` rewrites them all. Either way the test passes with a
warning naming the file. Otherwise a difference fails with a diff of the JSON.
"""

import difflib
import json
import os
import warnings
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from reservation.models import Appointment, Client
from tests.examples import EXAMPLES, MUTATIONS, Example, assert_no_errors, example
from tests.factories import NOW, gid, make_client, make_provider, make_reservation, make_slot

SNAPSHOTS_DIR = Path(__file__).resolve().parent / "snapshots"

pytestmark = pytest.mark.django_db(transaction=True, reset_sequences=True)


class SnapshotWritten(UserWarning):
    """A snapshot was (re)written instead of compared."""


def run(graphql, example: Example, **overrides: Any) -> dict[str, Any]:
    """Run ``example`` as written (``overrides`` replace some variables) and check it reported no error."""
    body: dict[str, Any] = graphql(example.query, {**example.variables, **overrides})
    assert_no_errors(example, body)
    return body


def step_time(mutation: Example) -> datetime:
    """When the walkthrough runs ``mutation``: one step a minute, the last one (confirming) at NOW."""
    return NOW - timedelta(minutes=len(MUTATIONS) - 1 - MUTATIONS.index(mutation))


def replay_walkthrough(graphql, frozen, before: Example | None = None) -> None:
    """Run the walkthrough's mutations as written, each at its `step_time`, stopping at ``before``.

    With ``before`` None, all of them run. Either way the clock is at the next step's time afterwards.
    """
    for mutation in MUTATIONS:
        frozen.move_to(step_time(mutation))
        if mutation == before:
            return
        run(graphql, mutation)
    frozen.move_to(NOW)


def build_dataset(graphql, frozen) -> None:
    """The walkthrough on a fresh database, plus slots and reservations in every state.

    At NOW, 2030-01-07 09:00 UTC, this leaves:

    - Rosalind Franklin (provider 1), slots 1-12 on 2030-01-08 from 09:00 to 12:00: slot 1 reserved at 08:59
      and confirmed at 09:00 by Margaret Hamilton (client 1), as the walkthrough did; slot 2 held by Alan Kay;
      slot 3 with an expired hold (so available again); slot 4 held by Margaret Hamilton; slots 5-12 free.
    - Barbara McClintock (provider 2), slots 13-16 on 2030-01-08 from 09:00: 13 with an expired hold
      (available), 14 confirmed by Alan Kay, 15 held by Frances Allen, 16 free; slot 17 at 2030-01-07 15:00
      is free but too soon (less than 24 hours ahead) to be available.
    """
    replay_walkthrough(graphql, frozen)
    hamilton = Client.objects.get(pk=1)
    franklin = list(Appointment.objects.filter(provider_id=1).order_by("start_time"))  # slots 1-12
    mcclintock = make_provider("Barbara", "McClintock")
    kay = make_client("Alan", "Kay")
    allen = make_client("Frances", "Allen")
    tomorrow = NOW + timedelta(days=1)
    mcclintock_slots = [make_slot(mcclintock, tomorrow + timedelta(minutes=15 * index)) for index in range(4)]
    make_slot(mcclintock, NOW + timedelta(hours=6))

    make_reservation(kay, franklin[1], created_at=NOW - timedelta(minutes=10))  # held
    make_reservation(hamilton, franklin[2], created_at=NOW - timedelta(minutes=45))  # expired
    make_reservation(allen, mcclintock_slots[0], created_at=NOW - timedelta(hours=2))  # expired
    make_reservation(allen, mcclintock_slots[2], created_at=NOW - timedelta(minutes=29))  # held, 1 minute left
    make_reservation(kay, mcclintock_slots[1], created_at=NOW - timedelta(days=1), confirmed=True)
    make_reservation(hamilton, franklin[3], created_at=NOW - timedelta(minutes=5))  # held


def assert_matches_snapshot(name: str, body: dict[str, Any]) -> None:
    """Compare ``body`` with snapshots/``name``.json, or write that file (missing, or UPDATE_SNAPSHOTS=1)."""
    path = SNAPSHOTS_DIR / f"{name}.json"
    actual = json.dumps(body, indent=2, ensure_ascii=False) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1" or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        warnings.warn(f"Wrote snapshot tests/examples/snapshots/{path.name}; review and commit it.", SnapshotWritten, 2)
        return
    stored = path.read_text(encoding="utf-8")
    if json.loads(stored) != body:
        diff = "".join(
            difflib.unified_diff(
                stored.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                fromfile=f"snapshots/{path.name} (stored)",
                tofile=f"{name} (this run)",
            )
        )
        pytest.fail(
            f"The response of {name} differs from its snapshot; if the change is intended, rerun with "
            f"UPDATE_SNAPSHOTS=1 and review the new file.\n{diff}",
            pytrace=False,
        )


@pytest.mark.parametrize("operation", EXAMPLES, ids=str)
def test_example_matches_snapshot(operation: Example, graphql, frozen) -> None:
    if operation.is_mutation:
        replay_walkthrough(graphql, frozen, before=operation)
    else:
        build_dataset(graphql, frozen)
    assert_matches_snapshot(operation.name, run(graphql, operation))


@pytest.mark.parametrize("type_name", ["ProviderType", "ClientType", "AppointmentType"])
def test_node_example_for_each_type(type_name: str, graphql, frozen) -> None:
    """The node example, given object 1 of each other type: each fragment answers for its own type."""
    build_dataset(graphql, frozen)
    node = example("node")
    body = run(graphql, node, id=gid(type_name, 1))
    assert body["data"]["node"]["__typename"] == type_name
    assert_matches_snapshot(f"{node.name}.{type_name}", body)


def test_dataset_has_every_state(graphql, frozen) -> None:
    """The query snapshots cover an available slot and held, expired and confirmed reservations."""
    build_dataset(graphql, frozen)
    states = {
        edge["node"]["state"]
        for state in ("HELD", "EXPIRED", "CONFIRMED")
        for edge in run(graphql, example("reservations"), client=None, state=state)["data"]["reservations"]["edges"]
    }
    assert states == {"HELD", "EXPIRED", "CONFIRMED"}
    available = run(graphql, example("availableAppointments"))["data"]["availableAppointments"]["edges"]
    assert available, "no available slot in the dataset"


def test_walkthrough_chains_with_returned_ids(graphql, frozen) -> None:
    """Each step's variables name the objects the previous steps returned, as the README's walkthrough does."""
    frozen.move_to(step_time(MUTATIONS[0]))
    provider = run(graphql, example("providerCreate"))["data"]["providerCreate"]["provider"]["id"]
    client = run(graphql, example("clientCreate"))["data"]["clientCreate"]["client"]["id"]
    created = run(graphql, example("appointmentBulkCreate"), providerId=provider)
    slots = created["data"]["appointmentBulkCreate"]["appointments"]["edges"]
    listed = run(graphql, example("availableAppointments"), provider=provider)
    appointment = listed["data"]["availableAppointments"]["edges"][0]["node"]["id"]
    held = run(graphql, example("reservationCreate"), clientId=client, appointmentId=appointment)
    reservation = held["data"]["reservationCreate"]["reservation"]["id"]
    confirmed = run(graphql, example("reservationConfirm"), reservationId=reservation)

    assert (provider, client, appointment, reservation) == tuple(
        example(name).variables[key]
        for name, key in [
            ("appointmentBulkCreate", "providerId"),
            ("reservationCreate", "clientId"),
            ("reservationCreate", "appointmentId"),
            ("reservationConfirm", "reservationId"),
        ]
    ), "the example variables should name the objects a fresh database gives primary key 1"
    assert len(slots) == 12
    assert confirmed["data"]["reservationConfirm"]["reservation"]["state"] == "CONFIRMED"
