"""Races of visits (issue 13), on PostgreSQL with real threads: overlapping visits of different lengths, "any
provider" for the last free times, daily caps. Each race repeats on fresh rows; a summary line per test
(rounds, winners, violations) is printed for the notes (`pytest -s`).

The invariant checked after every round, straight from the table: no two live reservations of one provider
cover overlapping time (the rule migration 0010's exclusion constraint enforces).
"""

from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from reservation.errors import ErrorCode
from reservation.models import Reservation
from reservation.services.reservations import reservation_create
from tests.factories import make_client, make_provider, make_slots, make_visit_type
from tests.threads import assert_no_crash, future_start, race

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

ROUNDS = 10
THREADS = 12


def overlapping_live_pairs() -> int:
    """Pairs of live reservations of one provider whose covered times overlap (must be 0)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM reservation_reservation a JOIN reservation_reservation b
              ON a.provider_id = b.provider_id AND a.id < b.id
             AND a.covers_from < b.covers_until AND b.covers_from < a.covers_until
            WHERE a.ended_at IS NULL AND b.ended_at IS NULL
              AND (a.confirmed_at IS NOT NULL OR a.expires_at > %s)
              AND (b.confirmed_at IS NOT NULL OR b.expires_at > %s)
            """,
            [timezone.now(), timezone.now()],
        )
        return int(cursor.fetchone()[0])


def test_overlapping_30_and_45_minute_visits_exactly_one_wins_each_round():
    provider = make_provider()
    intake = make_visit_type("Intake", slots=3, offered_by=(provider,))  # 45 minutes
    follow_up = make_visit_type("Follow-up", slots=2, offered_by=(provider,))  # 30 minutes
    base = future_start()
    winners_by_type: Counter[str] = Counter()
    for round_number in range(ROUNDS):
        start = base + round_number * timedelta(hours=2)
        slots = make_slots(provider, start, 5)
        # 45 min from :00, 30 min from :15 and from :30 (and, every other round, one slot at :30): all share the
        # slot at :30. Visits-only rounds show which visit wins; mixed rounds that single-slot holds join the race.
        calls: list[Callable[[], Any]] = []
        kinds = 4 if round_number % 2 else 3
        for index in range(THREADS):
            client = make_client(f"Client{index}", f"Round{round_number}")
            kind = index % kinds
            if kind == 0:
                calls.append(
                    partial(
                        reservation_create, client_id=client.pk, appointment_id=slots[0].pk, visit_type_id=intake.pk
                    )
                )
            elif kind == 1:
                calls.append(
                    partial(
                        reservation_create, client_id=client.pk, appointment_id=slots[1].pk, visit_type_id=follow_up.pk
                    )
                )
            elif kind == 2:
                calls.append(
                    partial(
                        reservation_create, client_id=client.pk, appointment_id=slots[2].pk, visit_type_id=follow_up.pk
                    )
                )
            else:
                calls.append(partial(reservation_create, client_id=client.pk, appointment_id=slots[2].pk))

        outcomes = race(calls)

        assert_no_crash(outcomes)
        winners = [outcome.value for outcome in outcomes if outcome.value is not None]
        codes = Counter(outcome.domain_error.code for outcome in outcomes if outcome.domain_error)
        assert len(winners) == 1, f"round {round_number}: {len(winners)} winners, errors {codes}"
        assert codes == {ErrorCode.SLOT_UNAVAILABLE: THREADS - 1}, f"round {round_number}: {codes}"
        winner = winners[0]
        winners_by_type[winner.visit_type.name if winner.visit_type else "single slot"] += 1
        assert overlapping_live_pairs() == 0
    print(
        f"\n30- vs 45-minute visits: {ROUNDS} rounds x {THREADS} threads, winners {dict(winners_by_type)}, violations 0"
    )


def test_any_provider_races_for_the_last_times_of_two_providers_two_of_three_win():
    results: Counter[str] = Counter()
    base = future_start()
    for round_number in range(ROUNDS):
        providers = [make_provider("Doc", f"R{round_number}-{index}") for index in range(2)]
        follow_up = make_visit_type(f"Follow-up {round_number}", slots=2, offered_by=tuple(providers))
        start = base + round_number * timedelta(hours=2)
        slots = [make_slots(provider, start, 2) for provider in providers]
        clients = [make_client(f"Any{index}", f"Round{round_number}") for index in range(3)]
        # each client names a start slot of either provider: the provider is chosen under the locks
        calls: list[Callable[[], Any]] = [
            partial(
                reservation_create,
                client_id=client.pk,
                appointment_id=slots[index % 2][0].pk,
                visit_type_id=follow_up.pk,
                any_provider=True,
            )
            for index, client in enumerate(clients)
        ]

        outcomes = race(calls)

        assert_no_crash(outcomes)
        winners = [outcome.value for outcome in outcomes if outcome.value is not None]
        codes = Counter(outcome.domain_error.code for outcome in outcomes if outcome.domain_error)
        assert len(winners) == 2, f"round {round_number}: {len(winners)} winners, errors {codes}"
        assert codes == {ErrorCode.SLOT_UNAVAILABLE: 1}, f"round {round_number}: {codes}"
        assert {winner.provider_id for winner in winners} == {provider.pk for provider in providers}
        assert overlapping_live_pairs() == 0
        results["winners"] += len(winners)
    print(
        f"\nany provider, last times of two providers: {ROUNDS} rounds x 3 clients, {results['winners']} winners "
        f"(2 a round, different providers), violations 0"
    )


def test_a_daily_cap_is_never_exceeded_under_concurrency():
    base = future_start()
    cap = 2
    held_per_round = []
    for round_number in range(ROUNDS):
        provider = make_provider("Capped", f"R{round_number}")
        intake = make_visit_type(f"Intake {round_number}", slots=1, offered_by=(provider,), daily_cap=cap)
        start = base.replace(hour=12) + round_number * timedelta(days=1)  # each round on its own UTC day
        slots = make_slots(provider, start, THREADS)  # as many different times as clients: only the cap limits
        calls: list[Callable[[], Any]] = [
            partial(
                reservation_create,
                client_id=make_client(f"Cap{index}", f"Round{round_number}").pk,
                appointment_id=slot.pk,
                visit_type_id=intake.pk,
            )
            for index, slot in enumerate(slots)
        ]

        outcomes = race(calls)

        assert_no_crash(outcomes)
        winners = [outcome.value for outcome in outcomes if outcome.value is not None]
        codes = Counter(outcome.domain_error.code for outcome in outcomes if outcome.domain_error)
        assert len(winners) == cap, f"round {round_number}: {len(winners)} winners, errors {codes}"
        assert codes == {ErrorCode.DAILY_CAP_REACHED: THREADS - cap}, f"round {round_number}: {codes}"
        assert Reservation.objects.filter(visit_type=intake).count() == cap
        held_per_round.append(len(winners))
    print(
        f"\ndaily cap {cap}: {ROUNDS} rounds x {THREADS} threads at different times, held per round "
        f"{held_per_round}, over the cap 0"
    )
