"""No N+1: each example answers with as many SQL queries over 500 slots as over 5.

`populate` fills the database with slots spread over providers (50 each) and clients (25 each), with every
state: a quarter of the slots free, a quarter held, a quarter with an expired hold (available again) and a
quarter confirmed. Each test runs its example over 5 slots, grows the same database to 500 and runs it again,
counting the SQL queries of each request; pages are asked as large as allowed (``first`` 100) so that a
query per node would show. The counts must be equal, and equal to the number recorded in `EXPECTED`, which
is what a regression shows.

The objects the examples' variables name (object 1 of each type) are the first ones `populate` makes, so the
variables are used as written apart from ``first``.
"""

import json
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext

from api.auth.tokens import issue_access_token
from reservation.models import (
    ENDED_STATES,
    Appointment,
    Client,
    Provider,
    Reservation,
    ReservationState,
    VisitType,
    VisitTypeOffer,
)
from reservation.services.schedules import weekly_schedule_set
from tests.examples import EXAMPLES, Example, assert_no_errors, example
from tests.factories import (
    MORNINGS,
    NOW,
    make_client,
    make_provider,
    make_reservation,
    make_slot,
    make_visit_type,
    refreshed,
)
from tests.graphql import bearer, slot_gid

SIZES = (5, 500)
SLOTS_PER_PROVIDER = 50
SLOTS_PER_CLIENT = 25
FIRST_SLOT = NOW + timedelta(days=1)  # 2030-01-08 09:00 UTC, as in the examples
SLOT = timedelta(minutes=15)

# SQL queries per request, the same at 5 and at 500 slots (on SQLite and PostgreSQL alike). Each count
# includes the one query that loads the bearer token's user (with their profile and revocation marker). Reads
# never write, so no read checks whether a schedule's horizon is due any more (issue 9: one query less each).
EXPECTED = {
    # BEGIN (the mutation's one transaction), provider exists?, one INSERT of the range, the range's withdrawn or
    # schedule slots to take over (none, locked), COMMIT; the payload's page of slots; their providers.
    "03_appointmentBulkCreate": 8,
    # The page of slots, their providers joined to it (issue 12).
    "04_availableAppointments": 2,
    # The page of providers; one page query each for availableAppointments and clients.
    "07_providers": 4,
    # The page of clients; one page query each for the three reservation lists and providers; the
    # reservations' slots; the slots' providers.
    "08_clients": 8,
    # The page of slots; providers; reservation pages; confirmed reservations; their clients.
    "09_appointments": 6,
    # The page of reservations; their clients; slots; the slots' providers.
    "10_reservations": 5,
    # The reservation; its client; its slot; the slot's provider.
    "11_node": 5,
    # The page of providers; one page query each for availableAppointments and clients.
    "20_providersSorted": 4,
    # The page of reservations; their clients; slots; the slots' providers.
    "21_reservationsFiltered": 5,
    # Only the token's user: staff have no provider or client profile to load.
    "12_viewer": 1,
    # The page of the slots (keyset pagination counts nothing: issue 11) starting on the local date, their
    # providers joined to it (issue 12).
    "19_availableAppointmentsOnDate": 2,
    # The visit types; their offers with their providers (one prefetch).
    "33_visitTypes": 3,
    # The visit type; its offers with their providers (zones); the live visits of the capped days; the page of
    # the start slots (the fit is correlated subqueries per row, in SQL) with their providers joined to it.
    "34_availableVisitStarts": 5,
}

# SQL queries of the token examples, sent as the README sends them (without an Authorization header), and of
# the viewer example sent by a client. None of them reads the schedule, so they are measured on an empty one.
EXPECTED_AUTH = {
    # Before the mutation's transaction: django-axes' lock-out check (failures for this username and address); the
    # user (the password check). Then BEGIN; axes' attempts (read, and reset: it joins the transaction) and its
    # INSERT into the access log (the login audit trail); UPDATE of last_login; INSERT of the refresh token; COMMIT.
    "00_tokenCreate": 9,
    # BEGIN (the mutation's); SAVEPOINT (the rotation's own block); the refresh token's row (locked, with its
    # user); the user's revocation marker; UPDATE of the row as used; INSERT of its successor; RELEASE; COMMIT.
    "13_tokenRefresh": 8,
    # BEGIN (the mutation's); the refresh token's row; UPDATE of its session's rows as revoked; COMMIT.
    "14_tokenRevoke": 4,
    # The token's user with their profile; the client profile (DataLoader).
    "12_viewer as a client": 2,
}

# reservationCreate (example 05) sent by a client. The token's user with their profile and revocation marker;
# BEGIN (the mutation's); the slot's row, locked; the client's row, locked; one statement for every rule about the
# other live reservations (one covering the slot, one of the client's overlapping it, the client's holds); INSERT
# of the hold, with no savepoint of its own (a constraint error refuses and the mutation rolls back); INSERT of its
# history's event; COMMIT; then the payload's client, slot and provider (one DataLoader each). On SQLite the same
# (its BEGIN is IMMEDIATE, the settings' transaction mode).
EXPECTED_RESERVATION_CREATE = 11

pytestmark = pytest.mark.django_db(transaction=True, reset_sequences=True)


def populate(start: int, stop: int) -> None:
    """Add slots ``start`` to ``stop - 1`` of the dataset, with their providers, clients and reservations.

    Slot ``i`` belongs to provider ``i // 50`` and, unless free, is reserved by client ``i // 25``;
    by ``i % 4`` it is free, held (10 minutes ago), expired (held 2 hours ago) or confirmed (yesterday).
    Every provider offers visit type 1 (a 15-minute follow-up with a daily cap of 40), so that the visit
    examples find where it fits.
    """
    with transaction.atomic():
        providers = list(Provider.objects.order_by("pk"))
        clients = list(Client.objects.order_by("pk"))
        follow_up = VisitType.objects.first() or make_visit_type("Follow-up", slots=1)
        for index in range(start, stop):
            if index // SLOTS_PER_PROVIDER == len(providers):
                providers.append(make_provider("Provider", f"Number {len(providers) + 1:03}"))
                VisitTypeOffer.objects.create(visit_type=follow_up, provider=providers[-1], daily_cap=40)
            if index // SLOTS_PER_CLIENT == len(clients):
                clients.append(make_client("Client", f"Number {len(clients) + 1:03}"))
            start_time = FIRST_SLOT + SLOT * (index % SLOTS_PER_PROVIDER)
            slot = Appointment.objects.create(
                provider=providers[index // SLOTS_PER_PROVIDER], start_time=start_time, end_time=start_time + SLOT
            )
            client = clients[index // SLOTS_PER_CLIENT]
            state = index % 4
            if state == 1:
                make_reservation(client, slot, created_at=NOW - timedelta(minutes=10))
            elif state == 2:
                make_reservation(client, slot, created_at=NOW - timedelta(hours=2))
            elif state == 3:
                make_reservation(client, slot, created_at=NOW - timedelta(days=1), confirmed=True)


def variables_at(operation: Example, size: int) -> dict[str, Any]:
    """The example's variables with the largest pages; for the bulk creation, a range of ``size`` slots."""
    variables = dict(operation.variables)
    if "first" in variables:
        variables["first"] = 100
    if operation.field == "appointmentBulkCreate":
        # The payload lists the slots of the submitted range: 5, then 100 (a full page). A larger range would
        # only make SQLite split the INSERT into batches of 249 rows (its 999 parameters), which is batching,
        # not a query per node.
        variables["endTime"] = (FIRST_SLOT + SLOT * min(size, 100)).isoformat()
    return variables


def count_queries(graphql, operation: Example, size: int) -> tuple[int, list[str]]:
    variables = variables_at(operation, size)
    with CaptureQueriesContext(connection) as context:
        body = graphql(operation.query, variables)
    assert_no_errors(operation, body)
    return len(context.captured_queries), [query["sql"] for query in context.captured_queries]


MEASURED = [example(name) for name in EXPECTED]


@pytest.mark.parametrize("operation", MEASURED, ids=str)
def test_query_count_does_not_grow_with_the_data(operation: Example, graphql, frozen) -> None:
    counts = {}
    statements = {}
    for start, size in zip((0, *SIZES), SIZES, strict=False):
        populate(start, size)
        counts[size], statements[size] = count_queries(graphql, operation, size)
    listing = "\n".join(f"  {sql[:200]}" for sql in statements[SIZES[-1]])
    assert counts == dict.fromkeys(SIZES, EXPECTED[operation.name]), (
        f"{operation.name}: {counts} SQL queries at {SIZES} slots, expected {EXPECTED[operation.name]} each. "
        f"Queries at {SIZES[-1]} slots:\n{listing}"
    )


def test_every_example_query_is_measured() -> None:
    queries = {operation.name for operation in EXAMPLES if not operation.is_mutation}
    assert queries <= EXPECTED.keys()
    tokens = {operation.name for operation in EXAMPLES if operation.field.startswith("token")}
    assert tokens <= EXPECTED_AUTH.keys()


def post_counting(operation: Example, token: str | None = None, **overrides: Any) -> tuple[dict[str, Any], int]:
    data, count, _ = post_listing(operation, token, **overrides)
    return data, count


def post_listing(
    operation: Example, token: str | None = None, **overrides: Any
) -> tuple[dict[str, Any], int, list[str]]:
    """The data of ``operation`` sent over HTTP (with ``token`` as bearer token, if any) and its SQL query count."""
    with CaptureQueriesContext(connection) as context:
        response = HttpClient().post(
            "/graphql",
            json.dumps({"query": operation.query, "variables": {**operation.variables, **overrides}}),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"} if token else {},
        )
    body = response.json()
    assert_no_errors(operation, body)
    statements = [query["sql"] for query in context.captured_queries]
    return body["data"][operation.field], len(statements), statements


def test_token_examples_query_counts(frozen) -> None:
    """The token examples and the viewer take the queries of `EXPECTED_AUTH`, sent as in the README."""
    login = example("tokenCreate")
    User.objects.create_user(login.variables["username"], password=login.variables["password"], is_staff=True)
    client = make_client("Margaret", "Hamilton")
    client.user = User.objects.create_user("margaret", password=login.variables["password"])
    client.save(update_fields=["user"])
    counts = {}
    pair, counts["00_tokenCreate"] = post_counting(login)
    refreshed, counts["13_tokenRefresh"] = post_counting(example("tokenRefresh"), refreshToken=pair["refreshToken"])
    _, counts["14_tokenRevoke"] = post_counting(example("tokenRevoke"), refreshToken=refreshed["refreshToken"])
    client_pair, _ = post_counting(login, username="margaret")
    viewer, counts["12_viewer as a client"] = post_counting(example("viewer"), client_pair["accessToken"])
    assert viewer["client"] is not None
    assert counts == EXPECTED_AUTH


def test_the_dataset_has_every_state(frozen) -> None:
    for start, size in zip((0, *SIZES), SIZES, strict=False):
        populate(start, size)
        reservations = Reservation.objects.all()
        # The dataset's states; ended reservations (released, cancelled, rescheduled) are not part of it.
        states = {
            state: reservations.in_state(state, NOW).count() for state in ReservationState if state not in ENDED_STATES
        }
        free = Appointment.objects.filter(reservations__isnull=True).count()
        available = Appointment.objects.available(NOW).count()
        assert min(*states.values(), free) > 0, (size, states, free)
        assert available == free + states[ReservationState.EXPIRED], (size, states, free, available)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_example_queries_never_write_even_when_a_schedule_is_due(client, staff_user, frozen, method) -> None:
    """Every example query runs SELECTs only, without row locks, over GET and POST, even a week after a weekly
    schedule was published: the horizon moves when schedules are written and daily (``publish_schedules``),
    never during a read, so reads could be served by a replica."""
    populate(0, SIZES[0])
    provider = Provider.objects.order_by("pk").first()
    assert provider is not None
    weekly_schedule_set(provider_id=provider.pk, ranges=MORNINGS)
    frozen.tick(timedelta(days=7))
    published = refreshed(provider).schedule_published_until
    queries = [operation for operation in EXAMPLES if not operation.is_mutation]

    for operation in queries:
        variables = json.dumps(operation.variables)
        with CaptureQueriesContext(connection) as context:
            if method == "GET":
                response = client.get(
                    "/graphql", {"query": operation.query, "variables": variables}, headers=bearer(staff_user)
                )
            else:
                response = client.post(
                    "/graphql",
                    json.dumps({"query": operation.query, "variables": operation.variables}),
                    content_type="application/json",
                    headers=bearer(staff_user),
                )
        assert_no_errors(operation, response.json())
        statements = [query["sql"].lstrip().upper() for query in context.captured_queries]
        assert statements, operation.name
        assert [sql for sql in statements if not sql.startswith("SELECT") or "FOR UPDATE" in sql] == [], operation.name

    assert refreshed(provider).schedule_published_until == published


def test_reservation_create_example_query_count(frozen) -> None:
    """reservationCreate (example 05) sent by a client takes the statements of `EXPECTED_RESERVATION_CREATE`."""
    client = make_client("Margaret", "Hamilton")
    client.user = User.objects.create_user("margaret")
    client.save(update_fields=["user"])
    slot = make_slot(make_provider(), NOW + timedelta(days=2))
    token, _ = issue_access_token(client.user)

    data, count, statements = post_listing(example("reservationCreate"), token, appointmentId=slot_gid(slot))

    assert data["errors"] == []
    listing = "\n".join(f"  {sql[:120]}" for sql in statements)
    assert count == EXPECTED_RESERVATION_CREATE, listing
