"""Domain-level races: many threads, each with its own database connection, call the services at once.

Real time, not freezegun (which is not thread-safe): slots are created a few days ahead, on the 15-minute
grid, so every reservation passes the 24-hour notice rule. Each test repeats its race on fresh rows so that
a lucky interleaving cannot make it pass.
"""

from collections import Counter
from datetime import timedelta
from functools import partial

import pytest
from django.utils import timezone

from reservation import rules
from reservation.errors import ErrorCode
from reservation.models import Reservation
from reservation.services.reservations import reservation_confirm, reservation_create
from tests.factories import make_client, make_provider, make_reservation, make_slot
from tests.threads import assert_no_crash, future_start, race

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

ROUNDS = 5
THREADS = 20


def test_many_clients_race_for_one_slot_exactly_one_wins():
    provider = make_provider()
    base = future_start()
    for round_number in range(ROUNDS):
        slot = make_slot(provider, base + round_number * rules.slot_duration())
        clients = [make_client(f"Client{i}", f"Round{round_number}") for i in range(THREADS)]

        outcomes = race([partial(reservation_create, client_id=c.pk, appointment_id=slot.pk) for c in clients])

        assert_no_crash(outcomes)
        winners = [outcome.value for outcome in outcomes if outcome.value is not None]
        codes = Counter(outcome.domain_error.code for outcome in outcomes if outcome.domain_error)
        assert len(winners) == 1, f"round {round_number}: {len(winners)} winners, errors {codes}"
        assert codes == {ErrorCode.SLOT_UNAVAILABLE: THREADS - 1}, f"round {round_number}: {codes}"
        stored = list(Reservation.objects.filter(appointment=slot))
        assert len(stored) == 1, f"round {round_number}: {len(stored)} reservations stored for one slot"
        assert stored[0].pk == winners[0].pk
        assert stored[0].client_id == winners[0].client_id
        assert stored[0].confirmed_at is None
        assert stored[0].expires_at - stored[0].created_at == rules.hold_duration()


def test_one_client_races_for_simultaneous_slots_of_different_providers():
    slots_per_round = 10
    providers = [make_provider(f"Provider{i}", "Race") for i in range(slots_per_round)]
    base = future_start()
    for round_number in range(ROUNDS):
        start = base + round_number * timedelta(hours=1)
        slots = [make_slot(provider, start) for provider in providers]
        client = make_client("Solo", f"Round{round_number}")

        outcomes = race([partial(reservation_create, client_id=client.pk, appointment_id=s.pk) for s in slots])

        assert_no_crash(outcomes)
        winners = [outcome.value for outcome in outcomes if outcome.value is not None]
        codes = Counter(outcome.domain_error.code for outcome in outcomes if outcome.domain_error)
        assert len(winners) == 1, f"round {round_number}: {len(winners)} winners, errors {codes}"
        assert codes == {ErrorCode.CLIENT_OVERLAP: slots_per_round - 1}, f"round {round_number}: {codes}"
        stored = list(Reservation.objects.filter(client=client))
        assert [reservation.pk for reservation in stored] == [winners[0].pk]
        assert stored[0].appointment_id in {slot.pk for slot in slots}


def test_concurrent_confirmations_of_one_hold_all_succeed_and_confirm_once():
    provider = make_provider()
    base = future_start()
    for round_number in range(ROUNDS):
        slot = make_slot(provider, base + round_number * rules.slot_duration())
        held = make_reservation(make_client("Confirm", f"Round{round_number}"), slot, created_at=timezone.now())

        outcomes = race([partial(reservation_confirm, reservation_id=held.pk) for _ in range(THREADS)])

        assert_no_crash(outcomes)
        errors = [outcome.domain_error for outcome in outcomes if outcome.domain_error]
        assert not errors, f"round {round_number}: {[(error.code, error.message) for error in errors]}"
        held.refresh_from_db()
        assert held.confirmed_at is not None
        assert held.created_at < held.confirmed_at < held.expires_at
        returned = {outcome.value.confirmed_at for outcome in outcomes}
        # Each thread read its own clock: had two UPDATEs matched, the threads would not agree on one value.
        assert returned == {held.confirmed_at}, f"round {round_number}: confirmed_at values {returned}"
        assert {outcome.value.pk for outcome in outcomes} == {held.pk}
        assert Reservation.objects.filter(appointment=slot).count() == 1
