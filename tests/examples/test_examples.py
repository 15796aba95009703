"""Snapshot tests: every example in examples/ runs as written and answers as recorded in snapshots/.

Each test starts from an empty database whose primary keys start at 1 (``reset_sequences``), with the clock
frozen at `tests.factories.NOW` (2030-01-07 09:00 UTC), so that the examples' variables (object 1 of each
type) are right as written and every response is the same on SQLite and PostgreSQL.

- A mutation of the walkthrough (01 to 06) runs after the walkthrough's earlier mutations, replayed as written
  (the state a reader has reached at that step on a fresh database), each sent by the role the README gives
  it: staff register the provider and the client, the provider publishes their availability, the client
  reserves and confirms. The steps run a minute apart, from 08:56 to the confirmation at 09:00, so that
  their timestamps differ from one another.
- A query runs against `build_dataset`: the whole walkthrough, then more providers, clients and reservations
  made with the builders so that slots are available, held, expired and confirmed. Queries are sent as staff.
- The token mutations (00, 13, 14) log in over the endpoint as the demo staff user (created with the
  example's password), as the README does; their tokens are random, so each JWT is snapshotted as "<jwt>".

`test_walkthrough_as_in_the_readme` runs the README's whole chain with real logins: every request carries
the access token that tokenCreate returned to the role sending it.

A missing snapshot is written; ``UPDATE_SNAPSHOTS=1`` rewrites them all. Either way the test passes with a
warning naming the file, except under CI (``CI`` set, `tests.services.under_ci`), where either is a failure:
CI compares snapshots and never writes one. Otherwise a difference fails with a diff of the JSON.
"""

import difflib
import json
import os
import re
import warnings
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client as HttpClient

from reservation.models import Appointment, Client, Provider
from tests.examples import EXAMPLES, MUTATIONS, Example, assert_no_errors, example
from tests.factories import NOW, gid, make_client, make_provider, make_reservation, make_slot
from tests.graphql import STAFF
from tests.services import under_ci

SNAPSHOTS_DIR = Path(__file__).resolve().parent / "snapshots"

# The walkthrough's mutations (01 to 06): those that change the schedule, not the token mutations, nor the calendar
# feed's (23, 24) or the idempotent reservation (25), which run after the whole walkthrough, as staff, nor the
# lifecycle's (26 to 28), sent by the client: cancel and reschedule after the whole walkthrough, release in
# place of the confirmation (`INSTEAD_OF`).
LIFECYCLE = ("reservationRelease", "reservationCancel", "reservationReschedule")
# The scheduling steps (15 to 18, 29, 30): after the whole walkthrough, each after the ones before it, by the
# provider.
SCHEDULING = (
    "providerTimeZoneSet",
    "weeklyScheduleSet",
    "dateOverrideSet",
    "availabilityWithdraw",
    "availabilityAddLocal",
    "dateOverrideDelete",
)
# The visit steps (31, 32, 35, 36; issue 13): after the whole walkthrough, each after the ones before it; staff
# define the visit type, the client holds and confirms a visit. The query snapshots' dataset has the first two.
VISITS = ("visitTypeCreate", "visitTypeOfferSet", "reservationCreateVisit", "reservationConfirmVisit")
VISIT_SETUP = VISITS[:2]
AFTER_THE_WALKTHROUGH = ("token", "calendarFeed", "reservationCreateIdempotent", *LIFECYCLE, *SCHEDULING, *VISITS)
INSTEAD_OF = {"reservationRelease": "reservationConfirm"}
WALKTHROUGH = [mutation for mutation in MUTATIONS if not mutation.field.startswith(AFTER_THE_WALKTHROUGH)]
TOKEN_MUTATIONS = [mutation for mutation in MUTATIONS if mutation.field.startswith("token")]
# Who sends each step of the walkthrough, as the README does; the others are sent by staff.
PROVIDER_STEPS = {"appointmentBulkCreate", *SCHEDULING}
CLIENT_STEPS = {"reservationCreate", "reservationConfirm", *LIFECYCLE, *VISITS[2:]}
JWT = re.compile(r"^eyJ[\w-]+\.[\w-]+\.[\w-]+$")
VIDEO_URL = re.compile(r"^(https://meet\.example\.org/)[\w-]{22}$")
CALENDAR_FEED_URL = re.compile(r"^(https?://[^/]+/calendar/)[\w-]{43}(\.ics)$")

pytestmark = pytest.mark.django_db(transaction=True, reset_sequences=True)


class SnapshotWritten(UserWarning):
    """A snapshot was (re)written instead of compared."""


def run(graphql, example: Example, as_user: Any = STAFF, **overrides: Any) -> dict[str, Any]:
    """Run ``example`` as written (``overrides`` replace some variables) and check it reported no error.

    It is sent as ``as_user`` with a fresh access token (None: without a token); by default, as staff.
    """
    body: dict[str, Any] = graphql(example.query, {**example.variables, **overrides}, as_user=as_user)
    assert_no_errors(example, body)
    return body


def sender(mutation: Example) -> Any:
    """The user who sends a walkthrough step: the walkthrough's provider or client (object 1), or staff."""
    if mutation.field in PROVIDER_STEPS:
        return Provider.objects.get(pk=1).user
    if mutation.field in CLIENT_STEPS:
        return Client.objects.get(pk=1).user
    return STAFF


def replay_scheduling(graphql, before: Example, chain: tuple[str, ...] = SCHEDULING) -> None:
    """Run the steps of ``chain`` (the scheduling steps, or the visits') that come before ``before`` (if it is
    one of them), as written, each by its `sender`."""
    if before.field not in chain:
        return
    for mutation in MUTATIONS:
        if mutation == before:
            return
        if mutation.field in chain:
            run(graphql, mutation, as_user=sender(mutation))


def step_time(mutation: Example) -> datetime:
    """When the walkthrough runs ``mutation``: one step a minute, the last one (confirming) at NOW."""
    return NOW - timedelta(minutes=len(WALKTHROUGH) - 1 - WALKTHROUGH.index(mutation))


def replay_walkthrough(graphql, frozen, before: Example | None = None) -> None:
    """Run the walkthrough's mutations as written, each at its `step_time` by its `sender`, stopping at ``before``.

    With ``before`` None, all of them run. Either way the clock is at the next step's time afterwards.
    """
    for mutation in WALKTHROUGH:
        frozen.move_to(step_time(mutation))
        if mutation == before:
            return
        run(graphql, mutation, as_user=sender(mutation))
    frozen.move_to(NOW)


def without_tokens(body: Any) -> Any:
    """``body`` with every JWT replaced by "<jwt>" (tokens carry random IDs), and the random secret of every
    calendar feed URL by "<token>", and the random room of every video link by "<room>"."""
    if isinstance(body, dict):
        return {key: without_tokens(value) for key, value in body.items()}
    if isinstance(body, list):
        return [without_tokens(value) for value in body]
    if isinstance(body, str) and JWT.match(body):
        return "<jwt>"
    if isinstance(body, str) and CALENDAR_FEED_URL.match(body):
        return CALENDAR_FEED_URL.sub(r"\1<token>\2", body)
    if isinstance(body, str) and VIDEO_URL.match(body):
        return VIDEO_URL.sub(r"\1<room>", body)
    return body


def demo_staff_user() -> User:
    """The demo staff user of seed_demo, with the username and password of the tokenCreate example."""
    login = example("tokenCreate").variables
    return User.objects.create_user(login["username"], password=login["password"], is_staff=True, is_superuser=True)


def log_in(graphql, **credentials: Any) -> dict[str, Any]:
    """The payload of the tokenCreate example sent without a token (``credentials`` replace its variables)."""
    payload: dict[str, Any] = run(graphql, example("tokenCreate"), as_user=None, **credentials)["data"]["tokenCreate"]
    return payload


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
    for step in VISIT_SETUP:  # the video intake (visit type 1), offered by Rosalind Franklin
        run(graphql, example(step))


def assert_matches_snapshot(name: str, body: dict[str, Any]) -> None:
    """Compare ``body`` with snapshots/``name``.json, or write that file (missing, or UPDATE_SNAPSHOTS=1)."""
    path = SNAPSHOTS_DIR / f"{name}.json"
    actual = json.dumps(body, indent=2, ensure_ascii=False) + "\n"
    if under_ci() and (os.environ.get("UPDATE_SNAPSHOTS") == "1" or not path.exists()):
        pytest.fail(
            f"Snapshot tests/examples/snapshots/{path.name} is missing (or UPDATE_SNAPSHOTS=1 is set): under CI "
            "snapshots are compared, never written. Run the test locally, review the file and commit it.",
            pytrace=False,
        )
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


def run_token_example(graphql, operation: Example) -> dict[str, Any]:
    """Run a token mutation as the README does: the demo staff user logs in, refreshes, logs out."""
    demo_staff_user()
    if operation.field == "tokenCreate":
        return run(graphql, operation, as_user=None)
    refresh_token = log_in(graphql)["refreshToken"]
    return run(graphql, operation, as_user=None, refreshToken=refresh_token)


@pytest.mark.parametrize("operation", EXAMPLES, ids=str)
def test_example_matches_snapshot(operation: Example, graphql, frozen) -> None:
    if operation in TOKEN_MUTATIONS:
        body = run_token_example(graphql, operation)
    elif operation.is_mutation:
        replaced = INSTEAD_OF.get(operation.field)
        replay_walkthrough(graphql, frozen, before=example(replaced) if replaced else operation)
        replay_scheduling(graphql, before=operation)
        replay_scheduling(graphql, before=operation, chain=VISITS)
        body = run(graphql, operation, as_user=sender(operation))
    else:
        build_dataset(graphql, frozen)
        body = run(graphql, operation)
    assert_matches_snapshot(operation.name, without_tokens(body))


@pytest.mark.parametrize("operation", TOKEN_MUTATIONS, ids=str)
def test_token_examples_return_working_tokens(operation: Example, graphql, frozen) -> None:
    """The "<jwt>" of the snapshots stand for real tokens: the access token names its user in `viewer`."""
    body = run_token_example(graphql, operation)
    payload = body["data"][operation.field]
    if operation.field == "tokenRevoke":
        assert payload["revoked"] is True
        return
    assert JWT.match(payload["accessToken"])
    assert JWT.match(payload["refreshToken"])
    viewer = HttpClient().post(
        "/graphql",
        json.dumps({"query": example("viewer").query}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {payload['accessToken']}"},
    )
    assert viewer.json()["data"]["viewer"]["username"] == example("tokenCreate").variables["username"]


@pytest.mark.parametrize("role", ["provider", "client"])
def test_viewer_example_for_each_role(role: str, graphql, frozen) -> None:
    """The viewer example sent by the walkthrough's provider and client names their profile."""
    build_dataset(graphql, frozen)
    person = Provider.objects.get(pk=1) if role == "provider" else Client.objects.get(pk=1)
    body = run(graphql, example("viewer"), as_user=person.user)
    assert body["data"]["viewer"][role] is not None
    assert_matches_snapshot(f"{example('viewer').name}.{role}", body)


def test_viewer_example_without_a_token(graphql) -> None:
    assert run(graphql, example("viewer"), as_user=None) == {"data": {"viewer": None}}


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


class Caller:
    """Sends examples to /graphql over HTTP as the README's `gql` does: ``token`` (if any) as a bearer token."""

    def __init__(self) -> None:
        self.http = HttpClient()

    def post(self, operation: Example, token: str | None = None, **overrides: Any) -> tuple[int, dict[str, Any]]:
        """HTTP status and body of ``operation`` with its variables (``overrides`` replacing some)."""
        response = self.http.post(
            "/graphql",
            json.dumps({"query": operation.query, "variables": {**operation.variables, **overrides}}),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"} if token else {},
        )
        body: dict[str, Any] = response.json()
        return response.status_code, body

    def send(self, operation: Example, token: str | None = None, **overrides: Any) -> dict[str, Any]:
        """The data of ``operation``, which must succeed (HTTP 200, no errors)."""
        status, body = self.post(operation, token, **overrides)
        assert status == 200, body
        assert_no_errors(operation, body)
        data: dict[str, Any] = body["data"][operation.field]
        return data

    def log_in(self, username: str, password: str) -> dict[str, Any]:
        """The tokenCreate payload of ``username``, sent without a token as the README does."""
        return self.send(example("tokenCreate"), username=username, password=password)


def test_walkthrough_as_in_the_readme(frozen) -> None:
    """The README's walkthrough on a fresh database, each role logging in with tokenCreate over the endpoint.

    Staff (the demo staff login) register the provider and the client with the usernames and passwords of the
    examples; the provider logs in and publishes availability; the client logs in, lists the slots, reserves
    without clientId and confirms; staff read everything back, check who they are, refresh their token and
    log out. Each step's variables name the objects the previous steps returned, which on a fresh database are
    object 1 of each type, as the examples' variables are written.
    """
    demo_staff_user()
    caller = Caller()
    frozen.move_to(step_time(WALKTHROUGH[0]))
    staff = caller.send(example("tokenCreate"))
    assert staff["accessTokenExpiresAt"] == (step_time(WALKTHROUGH[0]) + timedelta(minutes=5)).isoformat()
    staff_token = staff["accessToken"]

    provider_example, client_example = example("providerCreate"), example("clientCreate")
    provider_id = caller.send(provider_example, staff_token)["provider"]["id"]
    client_id = caller.send(client_example, staff_token)["client"]["id"]

    provider_token = caller.log_in(provider_example.variables["username"], provider_example.variables["password"])
    created = caller.send(example("appointmentBulkCreate"), provider_token["accessToken"], providerId=provider_id)
    slots = created["appointments"]["edges"]

    frozen.tick(timedelta(minutes=1))
    client_token = caller.log_in(client_example.variables["username"], client_example.variables["password"])
    token = client_token["accessToken"]
    listed = caller.send(example("availableAppointments"), token, provider=provider_id)
    appointment_id = listed["edges"][0]["node"]["id"]
    held = caller.send(example("reservationCreate"), token, appointmentId=appointment_id)["reservation"]
    assert "clientId" not in example("reservationCreate").variables
    assert held["client"]["id"] == client_id
    confirmed = caller.send(example("reservationConfirm"), token, reservationId=held["id"])["reservation"]
    assert confirmed["state"] == "CONFIRMED"

    assert (provider_id, client_id, appointment_id, held["id"]) == tuple(
        example(name).variables[key]
        for name, key in [
            ("appointmentBulkCreate", "providerId"),
            ("reservations", "client"),
            ("reservationCreate", "appointmentId"),
            ("reservationConfirm", "reservationId"),
        ]
    ), "the example variables should name the objects a fresh database gives primary key 1"
    assert len(slots) == 12

    # Staff log in again (the README's step 0 token may have expired by then) and read it back: every row.
    staff = caller.send(example("tokenCreate"))
    staff_token = staff["accessToken"]
    caller.send(example("providers"), staff_token)
    caller.send(example("clients"), staff_token)
    caller.send(example("appointments"), staff_token, provider=provider_id)
    reservations = caller.send(example("reservations"), staff_token, client=client_id)["edges"]
    assert [edge["node"]["id"] for edge in reservations] == [held["id"]]
    assert caller.send(example("node"), staff_token, id=held["id"])["state"] == "CONFIRMED"

    staff_login = example("tokenCreate").variables
    staff_username, staff_password = staff_login["username"], staff_login["password"]
    viewer = caller.send(example("viewer"), staff_token)
    assert (viewer["username"], viewer["isStaff"]) == (staff_username, True)
    assert caller.send(example("viewer"), token)["client"]["id"] == client_id
    assert caller.send(example("viewer"), provider_token["accessToken"])["provider"]["id"] == provider_id

    # Refresh: a new pair; the old refresh token is used up.
    refreshed = caller.send(example("tokenRefresh"), refreshToken=staff["refreshToken"])
    assert refreshed["refreshToken"] != staff["refreshToken"]
    staff_token = refreshed["accessToken"]
    assert caller.send(example("viewer"), staff_token)["username"] == staff_username

    # Log out of this session: its refresh token stops working.
    assert caller.send(example("tokenRevoke"), refreshToken=refreshed["refreshToken"])["revoked"] is True
    _, body = caller.post(example("tokenRefresh"), refreshToken=refreshed["refreshToken"])
    assert body["data"]["tokenRefresh"]["errors"][0]["code"] == "INVALID_TOKEN"
    assert caller.send(example("viewer"), staff_token)["username"] == staff_username, "works until it expires"

    # An expired access token (they live 5 minutes): HTTP 401, INVALID_TOKEN.
    frozen.tick(timedelta(minutes=5, seconds=1))
    status, body = caller.post(example("viewer"), token)
    assert status == 401
    assert body == {"errors": [{"message": "The token has expired.", "extensions": {"code": "INVALID_TOKEN"}}]}

    # Log out everywhere: every access token issued so far is refused.
    staff_token = caller.log_in(staff_username, staff_password)["accessToken"]
    frozen.tick(timedelta(seconds=1))
    assert caller.send(example("tokenRevoke"), staff_token, refreshToken=None, everywhere=True)["revoked"] is True
    status, body = caller.post(example("viewer"), staff_token)
    assert status == 401
    assert body == {"errors": [{"message": "The token has been revoked.", "extensions": {"code": "INVALID_TOKEN"}}]}
