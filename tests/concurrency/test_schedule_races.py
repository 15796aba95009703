"""Races between withdrawing slots (or changing the schedule) and reserving them, on PostgreSQL, with real threads.

Whatever the interleaving, a slot never ends up both withdrawn and occupied by a live reservation: either the
withdrawal wins (the slot is withdrawn, the reservation is refused with SLOT_UNAVAILABLE) or the reservation
does (it holds the slot, which the withdrawal keeps and reports as HELD). Real time, not freezegun (which is
not thread-safe): the slots are a few days ahead.
"""

from collections.abc import Callable
from datetime import time, timedelta
from functools import partial
from typing import Any

import pytest
from django.utils import timezone

from reservation.errors import ErrorCode
from reservation.models import Appointment, Reservation
from reservation.services.reservations import reservation_create
from reservation.services.schedules import WeeklyRange, weekly_schedule_set
from reservation.services.withdrawal import KeptReason, availability_withdraw
from tests.factories import make_client, make_provider, make_slot, provider_in
from tests.threads import assert_no_crash, future_start, race

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

ROUNDS = 5
CLIENTS = 8


def assert_consistent(slots: list[Appointment]) -> None:
    """No withdrawn slot has a live reservation."""
    now = timezone.now()
    occupied = set(Reservation.objects.live(now).values_list("appointment_id", flat=True))
    withdrawn = set(
        Appointment.objects.filter(pk__in=[slot.pk for slot in slots], withdrawn_at__isnull=False).values_list(
            "pk", flat=True
        )
    )
    assert not occupied & withdrawn


def test_withdrawing_a_range_while_clients_reserve_its_slots() -> None:
    for round_ in range(ROUNDS):
        provider = make_provider("Race", f"Round {round_}")
        start = future_start(days=3 + round_)
        slots = [make_slot(provider, start + timedelta(minutes=15 * index)) for index in range(CLIENTS)]
        clients = [make_client("Client", f"{round_}-{index}") for index in range(CLIENTS)]
        calls: list[Callable[[], Any]] = [
            partial(reservation_create, client_id=client.pk, appointment_id=slot.pk)
            for slot, client in zip(slots, clients, strict=True)
        ]
        calls.append(
            partial(
                availability_withdraw, provider_id=provider.pk, start_time=start, end_time=start + timedelta(hours=3)
            )
        )

        outcomes = race(calls)

        assert_no_crash(outcomes)
        changes = outcomes[-1].value
        held = {outcome.value.appointment_id for outcome in outcomes[:-1] if outcome.value is not None}
        refused = [outcome.domain_error for outcome in outcomes[:-1] if outcome.domain_error is not None]
        assert {error.code for error in refused} <= {ErrorCode.SLOT_UNAVAILABLE}
        assert len(held) + len(refused) == CLIENTS
        assert changes.withdrawn == CLIENTS - len(held)
        # Every hold made before the withdrawal locked the slots is reported as kept; none made after exists.
        assert {kept.appointment.pk for kept in changes.kept} == held
        assert {kept.reason for kept in changes.kept} <= {KeptReason.HELD}
        assert_consistent(slots)


def test_clearing_the_schedule_while_clients_reserve_its_slots() -> None:
    for round_ in range(ROUNDS):
        provider = provider_in("UTC", "Race", f"Schedule {round_}")
        day = future_start(days=3 + round_)
        weekly_schedule_set(provider_id=provider.pk, ranges=[WeeklyRange(day.weekday(), time(9), time(11))])
        published = Appointment.objects.filter(provider=provider, start_time__date=day.date()).order_by("start_time")
        slots = list(published[:CLIENTS])
        assert len(slots) == CLIENTS
        clients = [make_client("Client", f"s{round_}-{index}") for index in range(len(slots))]
        calls: list[Callable[[], Any]] = [
            partial(reservation_create, client_id=client.pk, appointment_id=slot.pk)
            for slot, client in zip(slots, clients, strict=True)
        ]
        calls.append(partial(weekly_schedule_set, provider_id=provider.pk, ranges=[]))

        outcomes = race(calls)

        assert_no_crash(outcomes)
        _, changes = outcomes[-1].value
        held = {outcome.value.appointment_id for outcome in outcomes[:-1] if outcome.value is not None}
        assert {kept.appointment.pk for kept in changes.kept} == held
        assert_consistent(slots)
