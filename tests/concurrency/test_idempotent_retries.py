"""Concurrent requests with idempotency keys, on PostgreSQL: threads post to /graphql at once, each with its own
database connection.

Real time, not freezegun (which is not thread-safe): slots are a few days ahead, on the 15-minute grid. Each
test repeats its race on fresh rows so that a lucky interleaving cannot make it pass.
"""

import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from api.mutation.reservation import ReservationCreate
from reservation import rules
from reservation.models import Appointment, IdempotencyRecord, Reservation
from tests.factories import gid, make_client, make_provider, make_slot
from tests.graphql import KEYED_RESERVATION_CREATE as RESERVATION_CREATE
from tests.graphql import post
from tests.threads import future_start, race_values

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

ROUNDS = 3
THREADS = 10


@pytest.fixture
def slow_performs(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Count reservationCreate's real runs, each made 0.2 s slower: the other requests surely arrive meanwhile."""
    calls: Counter[str] = Counter()
    original = ReservationCreate.perform.__func__  # type: ignore[attr-defined]
    lock = threading.Lock()

    def slow(cls: Any, /, info: Any, **data: Any) -> Any:
        with lock:
            calls["ReservationCreate"] += 1
        time.sleep(0.2)
        return original(cls, info, **data)

    monkeypatch.setattr(ReservationCreate, "perform", classmethod(slow))
    return calls


def reserve_call(user: Any, slot: Appointment, key: str) -> Callable[[], dict[str, Any]]:
    variables = {"appointmentId": gid("AppointmentType", slot.pk), "key": key}
    return lambda: post(RESERVATION_CREATE, variables, user)


def outcome(body: dict[str, Any]) -> str:
    """The outcome of one request: "ok", the payload's error code, or "top-level" and the errors' codes."""
    if "errors" in body:
        return "top-level " + ",".join(error["extensions"]["code"] for error in body["errors"])
    payload = body["data"]["reservationCreate"]
    return payload["errors"][0]["code"] if payload["errors"] else "ok"


def test_ten_retries_at_once_with_one_key_reserve_once_and_answer_alike(slow_performs):
    provider = make_provider()
    base = future_start()
    for round_number in range(ROUNDS):
        slot = make_slot(provider, base + round_number * rules.slot_duration())
        client = make_client(username=f"ada-{round_number}")
        key = f"retry-{round_number}"

        bodies = race_values([reserve_call(client.user, slot, key) for _ in range(THREADS)])

        assert Counter(map(outcome, bodies)) == {"ok": THREADS}, f"round {round_number}: {bodies}"
        assert all(body == bodies[0] for body in bodies), f"round {round_number}: the responses differ"
        stored = list(Reservation.objects.filter(appointment=slot))
        assert len(stored) == 1, f"round {round_number}: {len(stored)} reservations"
        assert bodies[0]["data"]["reservationCreate"]["reservation"]["id"] == gid("ReservationType", stored[0].pk)
        assert IdempotencyRecord.objects.filter(key=key).count() == 1
        assert slow_performs["ReservationCreate"] == round_number + 1, "the mutation ran more than once"


def test_one_key_with_two_inputs_at_once_runs_one_input_and_refuses_the_other(slow_performs):
    provider = make_provider()
    base = future_start()
    for round_number in range(ROUNDS):
        first = make_slot(provider, base + 2 * round_number * rules.slot_duration())
        second = make_slot(provider, first.end_time)
        client = make_client(username=f"ada-{round_number}")
        key = f"two-inputs-{round_number}"
        slots = [first, second] * (THREADS // 2)

        bodies = race_values([reserve_call(client.user, slot, key) for slot in slots])

        outcomes = Counter(map(outcome, bodies))
        assert outcomes == {"ok": THREADS // 2, "IDEMPOTENCY_KEY_REUSED": THREADS // 2}, f"round {round_number}"
        (reservation,) = Reservation.objects.filter(client=client)
        winners = [slot.pk for slot, body in zip(slots, bodies, strict=True) if outcome(body) == "ok"]
        assert set(winners) == {reservation.appointment_id}, f"round {round_number}: both inputs ran"


def test_many_keys_racing_for_one_slot_still_queue_on_its_row_lock():
    """The key's transaction wraps the reservation's: the slot's row lock still lets exactly one client win."""
    provider = make_provider()
    base = future_start()
    for round_number in range(ROUNDS):
        slot = make_slot(provider, base + round_number * rules.slot_duration())
        clients = [make_client(username=f"client-{round_number}-{index}") for index in range(THREADS)]

        bodies = race_values([reserve_call(client.user, slot, f"key-{index}") for index, client in enumerate(clients)])

        outcomes = Counter(map(outcome, bodies))
        assert outcomes == {"ok": 1, "SLOT_UNAVAILABLE": THREADS - 1}, f"round {round_number}: {outcomes}"
        assert Reservation.objects.filter(appointment=slot).count() == 1
        # Every key stored its result, the refusals included.
        scopes = [f"user:{client.user.pk}" for client in clients if client.user is not None]
        assert IdempotencyRecord.objects.filter(scope__in=scopes).count() == THREADS


def test_ten_retries_at_once_with_an_expired_key_take_it_over_once(slow_performs):
    provider = make_provider()
    base = future_start()
    for round_number in range(ROUNDS):
        slot = make_slot(provider, base + round_number * rules.slot_duration())
        client = make_client(username=f"ada-{round_number}")
        key = f"expired-{round_number}"
        assert client.user is not None
        IdempotencyRecord.objects.create(
            scope=f"user:{client.user.pk}",
            key=key,
            operation="reservationCreate",
            request_hash="0" * 64,
            response={"fields": {"reservation": None}, "errors": []},
            created_at=timezone.now() - timedelta(hours=25),
        )

        bodies = race_values([reserve_call(client.user, slot, key) for _ in range(THREADS)])

        assert Counter(map(outcome, bodies)) == {"ok": THREADS}, f"round {round_number}: {bodies}"
        assert all(body == bodies[0] for body in bodies), f"round {round_number}: the responses differ"
        assert Reservation.objects.filter(appointment=slot).count() == 1
        record = IdempotencyRecord.objects.get(key=key)
        assert record.created_at > timezone.now() - timedelta(minutes=1)
        assert record.response["fields"]["reservation"]["pk"] == Reservation.objects.get(appointment=slot).pk
        assert slow_performs["ReservationCreate"] == round_number + 1, "the mutation ran more than once"
