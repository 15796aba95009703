"""Reads on a real streaming replica: gunicorn (production settings) -> PgBouncer (transaction mode) -> a primary of
the test's own and its hot standby, cloned with pg_basebackup.

- A query reads from the replica, a mutation from the primary (each request's log line says which: ``read_from``).
- Read-your-writes: while the replica's replay is paused (``pg_wal_replay_pause()``, a replica as far behind as we
  like), a client who just reserved sees their hold, while a caller who wrote nothing is still shown the old rows.
- Replica lag never causes a double booking: a slot the stale replica still lists as open is refused on the
  primary, and of many clients racing for it exactly one holds it.
- A replica that is down leaves the reads to the primary.
"""

import base64
import json
import signal
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.devops.stack import (
    Gunicorn,
    PostgreSQL,
    create_staff,
    gunicorn,
    start_pgbouncer,
    start_postgresql,
    start_replica,
    stop_process,
    temporary_directory,
)

pytestmark = pytest.mark.postgresql

STAFF = ("replica-staff", "replica-staff-password-2030")
PASSWORD = "replica-client-password-2030"
WINDOW_SECONDS = 2  # DATABASE_READ_YOUR_WRITES_SECONDS of the app server under test
AVAILABLE = """query($provider: ID) { availableAppointments(provider: $provider, first: 100)
  { edges { node { id timeSlot } } } }"""
RESERVE = """mutation($slot: ID!) { reservationCreate(input: {appointmentId: $slot})
  { reservation { id state } errors { code } } }"""
MY_RESERVATIONS = "query { reservations(first: 20) { edges { node { id state appointment { id } } } } }"


@dataclass
class Stack:
    primary: PostgreSQL
    replica: PostgreSQL
    server: Gunicorn
    provider_id: str
    addresses: Iterator[int]

    def caller(self, token: str | None = None) -> "Caller":
        """A caller at an address of its own (nginx's X-Real-IP, trusted from loopback), so that marks differ."""
        return Caller(self.server, token, f"10.12.0.{next(self.addresses)}")

    def pause_replay(self) -> None:
        self.replica.psql("select pg_wal_replay_pause()")

    def resume_replay(self) -> None:
        self.replica.psql("select pg_wal_replay_resume()")
        deadline = time.monotonic() + 20
        target = self.primary.psql("select pg_current_wal_lsn()")
        while time.monotonic() < deadline:
            if self.replica.psql(f"select pg_last_wal_replay_lsn() >= '{target}'::pg_lsn") == "t":
                return
            time.sleep(0.05)
        pytest.fail("the replica did not catch up within 20 s")


@dataclass
class Caller:
    server: Gunicorn
    token: str | None
    address: str

    def post(self, query: str, variables: dict[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
        """The response body and the server's log line for this request (matched by request id)."""
        request_id = f"replica-test-{time.monotonic_ns()}-{threading.get_ident()}"
        headers = {"Content-Type": "application/json", "X-Real-IP": self.address, "X-Request-ID": request_id}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(self.server.url + "/graphql", data=body, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                answer = json.loads(response.read())
        except urllib.error.HTTPError as error:
            pytest.fail(f"HTTP {error.code}: {error.read()[:500]!r}")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            for line in reversed(self.server.json_lines()):
                if line.get("request_id") == request_id:
                    return answer, line
            time.sleep(0.02)
        pytest.fail(f"no log line for request {request_id}")

    def login(self, username: str, password: str) -> "Caller":
        body, _ = self.post(
            "mutation($u: String!, $p: String!) { tokenCreate(input: {username: $u, password: $p}) { accessToken } }",
            {"u": username, "p": password},
        )
        return Caller(self.server, body["data"]["tokenCreate"]["accessToken"], self.address)


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    for base in temporary_directory():
        primary = start_postgresql(base / "primary")
        replica: PostgreSQL | None = None
        bouncers = []
        server: Gunicorn | None = None
        try:
            create_staff(primary, *STAFF)
            replica = start_replica(base / "replica", primary)
            bouncers = [
                start_pgbouncer(base / name, db, pool_size=4) for name, db in (("b1", primary), ("b2", replica))
            ]
            server = gunicorn(
                base,
                "app",
                bouncers[0].url(),
                1,
                4,
                DATABASE_POOLER="pgbouncer",
                DATABASE_REPLICA_URLS=bouncers[1].url(),
                DATABASE_READ_YOUR_WRITES_SECONDS=str(WINDOW_SECONDS),
            )
            server.start()
            stack = Stack(primary, replica, server, "", iter(range(1, 250)))
            staff = stack.caller().login(*STAFF)
            body, _ = staff.post(
                'mutation { providerCreate(input: {firstName: "Ada", lastName: "Replica"}) { provider { id } } }'
            )
            stack.provider_id = body["data"]["providerCreate"]["provider"]["id"]
            yield stack
        finally:
            if server is not None:
                server.stop()
            for bouncer in bouncers:
                stop_process(bouncer.process)
            if replica is not None:
                stop_process(replica.process, signal.SIGINT)
            stop_process(primary.process, signal.SIGINT)


def publish(stack: Stack, day: int, hours: int = 1) -> list[str]:
    """Publish ``hours`` of slots ``day`` days ahead (as staff), wait for the replica, return the slots' ids."""
    start = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=day)
    staff = stack.caller().login(*STAFF)
    body, _ = staff.post(
        """mutation($p: ID!, $s: DateTime!, $e: DateTime!) { appointmentBulkCreate(input:
          {providerId: $p, startTime: $s, endTime: $e}) { appointments(first: 100) { edges { node { id } } } } }""",
        {"p": stack.provider_id, "s": start.isoformat(), "e": (start + timedelta(hours=hours)).isoformat()},
    )
    stack.resume_replay()
    return [edge["node"]["id"] for edge in body["data"]["appointmentBulkCreate"]["appointments"]["edges"]]


def new_client(stack: Stack, name: str) -> Caller:
    stack.caller().post(
        'mutation($u: String!, $p: String!) { clientCreate(input: {firstName: $u, lastName: "Replica",'
        " username: $u, password: $p}) { client { id } } }",
        {"u": name, "p": PASSWORD},
    )
    stack.resume_replay()
    return stack.caller().login(name, PASSWORD)


def listed(stack: Stack, caller: Caller) -> tuple[set[str], str]:
    body, line = caller.post(AVAILABLE, {"provider": stack.provider_id})
    return {edge["node"]["id"] for edge in body["data"]["availableAppointments"]["edges"]}, line["read_from"]


def test_queries_read_from_the_replica_and_mutations_from_the_primary(stack: Stack):
    first = publish(stack, day=3)
    anonymous = stack.caller()
    slots, read_from = listed(stack, anonymous)
    assert read_from == "replica1"
    assert set(first) <= slots

    stack.pause_replay()
    try:
        staff = stack.caller().login(*STAFF)
        start = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=4)
        body, line = staff.post(
            """mutation($p: ID!, $s: DateTime!, $e: DateTime!) { appointmentBulkCreate(input:
              {providerId: $p, startTime: $s, endTime: $e}) { appointments(first: 10) { edges { node { id } } } } }""",
            {"p": stack.provider_id, "s": start.isoformat(), "e": (start + timedelta(minutes=30)).isoformat()},
        )
        assert line["read_from"] == "default"
        added = {edge["node"]["id"] for edge in body["data"]["appointmentBulkCreate"]["appointments"]["edges"]}
        assert len(added) == 2

        # The replica is behind: someone who wrote nothing is shown the slots as they were ...
        slots, read_from = listed(stack, stack.caller())
        assert read_from == "replica1"
        assert not added & slots
        # ... while the staff member who just published them reads their own writes, from the primary.
        slots, read_from = listed(stack, staff)
        assert read_from == "default"
        assert added <= slots
    finally:
        stack.resume_replay()
    slots, read_from = listed(stack, stack.caller())
    assert read_from == "replica1"
    assert added <= slots


def test_a_client_reads_its_own_hold_while_the_replica_lags(stack: Stack):
    (slot, *_) = publish(stack, day=5)
    client = new_client(stack, "reader")
    stack.pause_replay()
    try:
        body, line = client.post(RESERVE, {"slot": slot})
        assert body["data"]["reservationCreate"]["errors"] == [], body
        assert line["read_from"] == "default"
        body, line = client.post(MY_RESERVATIONS)
        assert line["read_from"] == "default"
        mine = [edge["node"] for edge in body["data"]["reservations"]["edges"]]
        assert [(node["appointment"]["id"], node["state"]) for node in mine] == [(slot, "HELD")]
        # Someone else still reads the lagging replica, where the slot looks open.
        slots, read_from = listed(stack, stack.caller())
        assert read_from == "replica1"
        assert slot in slots
        # After the window, the client reads from the replica again.
        time.sleep(WINDOW_SECONDS + 0.5)
        _, line = client.post(MY_RESERVATIONS)
        assert line["read_from"] == "replica1"
    finally:
        stack.resume_replay()


def test_replica_lag_never_causes_a_double_booking(stack: Stack):
    (slot, *_) = publish(stack, day=6)
    racers = [new_client(stack, f"racer{index}") for index in range(8)]
    first = new_client(stack, "first")
    time.sleep(WINDOW_SECONDS + 0.5)  # their logins were writes: let the read-your-writes window pass
    stack.pause_replay()
    try:
        body, _ = first.post(RESERVE, {"slot": slot})
        assert body["data"]["reservationCreate"]["errors"] == [], body
        # Every racer sees the slot as open on the stale replica, and tries to take it at once.
        for racer in racers:
            slots, read_from = listed(stack, racer)
            assert read_from == "replica1"
            assert slot in slots
        results: list[dict[str, Any]] = []
        barrier = threading.Barrier(len(racers))

        def race(racer: Caller) -> None:
            barrier.wait()
            results.append(racer.post(RESERVE, {"slot": slot})[0]["data"]["reservationCreate"])

        threads = [threading.Thread(target=race, args=(racer,)) for racer in racers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        stack.resume_replay()
    assert [result["errors"] for result in results] == [[{"code": "SLOT_UNAVAILABLE"}]] * len(racers)
    slot_pk = base64.b64decode(slot).decode().rpartition(":")[2]
    live = stack.primary.psql(
        f"select count(*) from reservation_reservation where appointment_id = {int(slot_pk)} and ended_at is null"  # noqa: S608 - an int
    )
    assert live == "1"


def test_a_replica_that_is_down_leaves_reads_to_the_primary(stack: Stack):
    publish(stack, day=7)
    stop_process(stack.replica.process, signal.SIGINT)
    slots, read_from = listed(stack, stack.caller())
    assert read_from == "default"
    assert slots
    # Left out for a while: the next query goes to the primary straight away.
    _, read_from = listed(stack, stack.caller())
    assert read_from == "default"
