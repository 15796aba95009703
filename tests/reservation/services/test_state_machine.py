"""A stateful property test of the domain: random publish / reserve / confirm / release / cancel / reschedule /
withdraw / clock advances across several clients and providers, checked against a model of the rules after every step.

Hypothesis's ``RuleBasedStateMachine`` drives the domain services of ``reservation/services`` directly (no GraphQL),
under a frozen clock that the ``advance`` rule moves (1 minute to a day, the 30-minute hold and the 24-hour notice
boundaries included). Two providers publish 15-minute slots at the same instants, so one client's holds with both can
overlap; three clients share them. The model (`Model`) predicts each service's answer (the result or the error
code) from the rules; after every step the invariants hold:

- no slot has two live reservations; no client has two live reservations overlapping in time;
- no client holds more than ``RESERVATION_MAX_ACTIVE_HOLDS`` unconfirmed reservations;
- every answer matched the model's, and every reservation's state and every slot's withdrawal match the model;
- history agrees with state: each reservation's events are the ones its life implies, in order, none in the future.

Each run of the machine is rolled back at its end. ``STATE_MACHINE_RUNS`` (60) runs of up to
``STATE_MACHINE_STEPS`` (40) steps each; the derandomized draw is the same every run (CI cannot flake on a new
draw); set ``STATE_MACHINE_SEED`` to explore others.
"""

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from freezegun import freeze_time
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from reservation import rules as domain_rules
from reservation.actors import Actor
from reservation.errors import DomainError
from reservation.models import Appointment, Client, Provider, Reservation, ReservationEvent, ReservationState
from reservation.selectors import reservation_histories
from reservation.services.availability import appointment_bulk_create
from reservation.services.reservations import (
    reservation_cancel,
    reservation_confirm,
    reservation_create,
    reservation_release,
    reservation_reschedule,
)
from reservation.services.withdrawal import availability_withdraw
from tests.factories import NOW

pytestmark = pytest.mark.django_db
T = TypeVar("T")

RUNS = int(os.environ.get("STATE_MACHINE_RUNS", "60"))
STEPS = int(os.environ.get("STATE_MACHINE_STEPS", "40"))
SLOT = timedelta(minutes=15)
DAYS = (1, 2)  # slots start 1 or 2 days (plus a few quarter-hours) after the start: the 24 h notice bites
INDEXES = range(8)
STEPS_TAKEN = {"runs": 0, "steps": 0}


def slot_start(day: int, index: int) -> datetime:
    return NOW + timedelta(days=day, minutes=15 * (index + 1))


@dataclass
class ModelSlot:
    provider: int
    start: datetime
    withdrawn: bool = False

    @property
    def end(self) -> datetime:
        return self.start + SLOT


@dataclass
class ModelReservation:
    client: int
    slot: int
    created: datetime
    confirmed: datetime | None = None
    ended: ReservationState | None = None
    events: list[str] = field(default_factory=list)

    @property
    def expires(self) -> datetime:
        return self.created + domain_rules.hold_duration()

    def state(self, now: datetime) -> ReservationState:
        if self.ended is not None:
            return self.ended
        if self.confirmed is not None:
            return ReservationState.CONFIRMED
        return ReservationState.HELD if now < self.expires else ReservationState.EXPIRED

    def live(self, now: datetime) -> bool:
        return self.state(now) in (ReservationState.HELD, ReservationState.CONFIRMED)


class Model:
    """The rules, as plain Python over the model's slots and reservations."""

    def __init__(self) -> None:
        self.slots: dict[int, ModelSlot] = {}
        self.reservations: dict[int, ModelReservation] = {}

    def live_on(self, slot_id: int, now: datetime) -> list[int]:
        return [pk for pk, r in self.reservations.items() if r.slot == slot_id and r.live(now)]

    def bookable_error(self, slot_id: int, client: int, now: datetime, moving: int | None = None) -> str | None:
        slot = self.slots[slot_id]
        if slot.withdrawn:
            return "SLOT_UNAVAILABLE"
        if slot.start - now < domain_rules.minimum_notice():
            return "INSUFFICIENT_NOTICE"
        if self.live_on(slot_id, now):
            return "SLOT_UNAVAILABLE"
        for pk, reservation in self.reservations.items():
            other = self.slots[reservation.slot]
            if (
                pk != moving
                and reservation.client == client
                and reservation.live(now)
                and other.start < slot.end
                and other.end > slot.start
            ):
                return "CLIENT_OVERLAP"
        return None

    def holds_of(self, client: int, now: datetime) -> int:
        return sum(
            1 for r in self.reservations.values() if r.client == client and r.state(now) is ReservationState.HELD
        )


def outcome(call: Callable[[], T]) -> tuple[T | None, str | None]:
    """What ``call`` returned, or the code of the DomainError it raised."""
    try:
        return call(), None
    except DomainError as error:
        return None, error.code.name


class ReservationMachine(RuleBasedStateMachine):
    slots = Bundle("slots")
    reservations = Bundle("reservations")

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self._clock = freeze_time(NOW)
        self.clock = self._clock.start()
        self.model = Model()
        self.providers = [
            Provider.objects.create(first_name="P", last_name=str(index), user=User.objects.create_user(f"p{index}"))
            for index in range(2)
        ]
        self.clients = [
            Client.objects.create(first_name="C", last_name=str(index), user=User.objects.create_user(f"c{index}"))
            for index in range(3)
        ]
        STEPS_TAKEN["runs"] += 1

    def teardown(self) -> None:
        self._clock.stop()
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    @property
    def now(self) -> datetime:
        return datetime.now(NOW.tzinfo)

    def step(self) -> None:
        STEPS_TAKEN["steps"] += 1

    # --- publishing and withdrawing --------------------------------------------------------------------------

    def _publish(self, provider: int, day: int, first: int, count: int) -> tuple[list[int], str | None]:
        start = slot_start(day, first)
        end = start + SLOT * count
        result, error = outcome(
            lambda: list(
                appointment_bulk_create(provider_id=self.providers[provider].pk, start_time=start, end_time=end)
            )
        )
        expected = "IN_THE_PAST" if start < self.now else None
        assert error == expected, (error, expected)
        if error is not None:
            return [], error
        assert result is not None
        ids = []
        for appointment in result:
            slot = self.model.slots.setdefault(appointment.pk, ModelSlot(provider, appointment.start_time))
            assert (slot.provider, slot.start) == (provider, appointment.start_time)
            slot.withdrawn = False  # re-publishing a range offers its withdrawn slots again
            ids.append(appointment.pk)
        assert len(ids) == count
        return ids, None

    @initialize(target=slots)
    def publish_both_providers(self):
        ids: list[int] = []
        for provider in range(2):
            for day in DAYS:
                ids += self._publish(provider, day, 0, len(INDEXES))[0]
        return multiple(*ids)

    @rule(
        target=slots,
        provider=st.integers(0, 1),
        day=st.sampled_from(DAYS),
        first=st.sampled_from(list(INDEXES)),
        count=st.integers(1, 3),
    )
    def publish(self, provider: int, day: int, first: int, count: int):
        self.step()
        count = min(count, len(INDEXES) - first)
        return multiple(*self._publish(provider, day, first, count)[0])

    @rule(slot=slots)
    def withdraw(self, slot: int) -> None:
        self.step()
        model_slot = self.model.slots[slot]
        result, error = outcome(
            lambda: availability_withdraw(provider_id=self.providers[model_slot.provider].pk, appointment_ids=[slot])
        )
        if model_slot.start < self.now:
            assert error == "IN_THE_PAST"
            return
        assert error is None, error
        assert result is not None
        live = self.model.live_on(slot, self.now)
        kept = [kept.appointment.pk for kept in result.kept]
        if model_slot.withdrawn:
            assert (result.withdrawn, kept) == (0, [])
        elif live:
            assert (result.withdrawn, kept) == (0, [slot])
        else:
            assert (result.withdrawn, kept) == (1, [])
            model_slot.withdrawn = True

    # --- a reservation's life --------------------------------------------------------------------------------

    @rule(target=reservations, client=st.integers(0, 2), slot=slots)
    def reserve(self, client: int, slot: int):
        self.step()
        now = self.now
        expected = self.model.bookable_error(slot, client, now)
        if expected is None and self.model.holds_of(client, now) >= domain_rules.maximum_active_holds():
            expected = "TOO_MANY_HOLDS"
        result, error = outcome(
            lambda: reservation_create(
                client_id=self.clients[client].pk,
                appointment_id=slot,
                actor=Actor(self.clients[client].user_id, False, None, self.clients[client].pk),
            )
        )
        assert error == expected, (error, expected)
        if error is not None:
            return multiple()
        assert result is not None
        self.model.reservations[result.pk] = ModelReservation(client, slot, now, events=["held"])
        return result.pk

    @rule(reservation=reservations)
    def confirm(self, reservation: int) -> None:
        self.step()
        now = self.now
        model = self.model.reservations[reservation]
        state = model.state(now)
        expected = {
            ReservationState.EXPIRED: "RESERVATION_EXPIRED",
            ReservationState.RELEASED: "RESERVATION_ENDED",
            ReservationState.CANCELLED: "RESERVATION_ENDED",
            ReservationState.RESCHEDULED: "RESERVATION_ENDED",
        }.get(state)
        _result, error = outcome(lambda: reservation_confirm(reservation_id=reservation))
        assert error == expected, (error, expected, state)
        if state is ReservationState.HELD:
            model.confirmed = now
            model.events.append("confirmed")

    @rule(reservation=reservations)
    def release(self, reservation: int) -> None:
        self.step()
        now = self.now
        model = self.model.reservations[reservation]
        state = model.state(now)
        expected = {
            ReservationState.CONFIRMED: "ALREADY_CONFIRMED",
            ReservationState.EXPIRED: "RESERVATION_EXPIRED",
            ReservationState.CANCELLED: "RESERVATION_ENDED",
            ReservationState.RESCHEDULED: "RESERVATION_ENDED",
        }.get(state)
        _result, error = outcome(lambda: reservation_release(reservation_id=reservation))
        assert error == expected, (error, expected, state)
        if state is ReservationState.HELD:
            model.ended = ReservationState.RELEASED
            model.events.append("released")

    @rule(reservation=reservations)
    def cancel(self, reservation: int) -> None:
        self.step()
        now = self.now
        model = self.model.reservations[reservation]
        state = model.state(now)
        expected: str | None = None
        if state is ReservationState.EXPIRED:
            expected = "RESERVATION_EXPIRED"
        elif state in (ReservationState.RELEASED, ReservationState.RESCHEDULED):
            expected = "RESERVATION_ENDED"
        elif state is not ReservationState.CANCELLED and self.model.slots[model.slot].start <= now:
            expected = "APPOINTMENT_STARTED"
        _result, error = outcome(lambda: reservation_cancel(reservation_id=reservation, reason="state machine"))
        assert error == expected, (error, expected, state)
        if expected is None and state is not ReservationState.CANCELLED:
            model.ended = ReservationState.CANCELLED
            model.events.append("cancelled")

    @rule(target=reservations, reservation=reservations, slot=slots)
    def reschedule(self, reservation: int, slot: int):
        self.step()
        now = self.now
        model = self.model.reservations[reservation]
        state = model.state(now)
        expected: str | None = None
        if state in (ReservationState.HELD, ReservationState.EXPIRED):
            expected = "NOT_CONFIRMED"
        elif state is not ReservationState.CONFIRMED:
            expected = "RESERVATION_ENDED"
        elif self.model.slots[model.slot].start <= now:
            expected = "APPOINTMENT_STARTED"
        elif slot == model.slot:
            expected = "SLOT_UNAVAILABLE"
        else:
            expected = self.model.bookable_error(slot, model.client, now, moving=reservation)
        result, error = outcome(lambda: reservation_reschedule(reservation_id=reservation, appointment_id=slot))
        assert error == expected, (error, expected, state)
        if error is not None:
            return multiple()
        assert result is not None
        model.ended = ReservationState.RESCHEDULED
        model.events.append("rescheduled")
        moved = ModelReservation(model.client, slot, now, confirmed=now, events=["confirmed"])
        self.model.reservations[result.pk] = moved
        return result.pk

    @rule(minutes=st.sampled_from([1, 14, 15, 29, 30, 31, 60, 6 * 60, 24 * 60]))
    def advance(self, minutes: int) -> None:
        self.step()
        self.clock.tick(timedelta(minutes=minutes))

    # --- invariants, after every step --------------------------------------------------------------------------

    @invariant()
    def no_slot_has_two_live_reservations(self) -> None:
        live = list(Reservation.objects.live(self.now).values_list("appointment_id", flat=True))
        assert len(live) == len(set(live)), live

    @invariant()
    def no_client_has_overlapping_live_reservations(self) -> None:
        live = list(Reservation.objects.live(self.now).select_related("appointment"))
        for index, first in enumerate(live):
            for second in live[index + 1 :]:
                if first.client_id == second.client_id:
                    a, b = first.appointment, second.appointment
                    assert not (a.start_time < b.end_time and b.start_time < a.end_time), (first.pk, second.pk)

    @invariant()
    def no_client_exceeds_the_hold_limit(self) -> None:
        for client in self.clients:
            assert (
                Reservation.objects.held(self.now).filter(client=client).count() <= domain_rules.maximum_active_holds()
            )

    @invariant()
    def state_matches_the_model(self) -> None:
        now = self.now
        rows = {row.pk: row for row in Reservation.objects.all()}
        assert set(rows) == set(self.model.reservations)
        for pk, model in self.model.reservations.items():
            assert rows[pk].state_at(now) is model.state(now), (pk, rows[pk].state_at(now), model.state(now))
            assert (rows[pk].client_id, rows[pk].appointment_id) == (self.clients[model.client].pk, model.slot)
        withdrawn = dict(Appointment.objects.values_list("pk", "withdrawn_at"))
        assert set(withdrawn) == set(self.model.slots)
        for pk, slot in self.model.slots.items():
            assert (withdrawn[pk] is not None) == slot.withdrawn, pk

    @invariant()
    def history_agrees_with_state(self) -> None:
        now = self.now
        events: dict[int, list[tuple[str, datetime]]] = {}
        for reservation_id, kind, at in ReservationEvent.objects.order_by("at", "id").values_list(
            "reservation_id", "kind", "at"
        ):
            events.setdefault(reservation_id, []).append((kind, at))
        for pk, model in self.model.reservations.items():
            recorded = events.get(pk, [])
            assert sorted(kind for kind, _at in recorded) == sorted(model.events), (pk, recorded, model.events)
            assert all(at <= now for _kind, at in recorded)
            kinds = [kind for kind, _at in recorded]
            assert kinds[0] in ("held", "confirmed"), kinds
            state = model.state(now)
            assert ("confirmed" in kinds) == (model.confirmed is not None)
            assert ("released" in kinds) == (state is ReservationState.RELEASED)
            assert ("cancelled" in kinds) == (state is ReservationState.CANCELLED)
            assert ("rescheduled" in kinds) == (state is ReservationState.RESCHEDULED)
            assert "expired" not in kinds  # an expiry is never recorded: it is derived when the history is read
        # Read, every history ends with its expiry exactly when the reservation is expired.
        rows = list(Reservation.objects.filter(pk__in=list(self.model.reservations)))
        histories = reservation_histories(rows, now)
        for row in rows:
            read = [event.kind for event in histories[row.pk]]
            expired = self.model.reservations[row.pk].state(now) is ReservationState.EXPIRED
            assert (read[-1:] == ["expired"]) == expired, (row.pk, read)
            assert read.count("expired") == int(expired)


ReservationMachine.TestCase.settings = settings(
    max_examples=RUNS,
    stateful_step_count=STEPS,
    deadline=None,
    database=None,
    derandomize="STATE_MACHINE_SEED" not in os.environ,
    suppress_health_check=list(HealthCheck),
)


def test_the_domain_keeps_its_rules_whatever_happens(capsys):
    STEPS_TAKEN.update(runs=0, steps=0)
    seed_value = os.environ.get("STATE_MACHINE_SEED")
    machine_settings = ReservationMachine.TestCase.settings
    if seed_value is not None:
        from hypothesis import seed as hypothesis_seed

        hypothesis_seed(int(seed_value))(ReservationMachine.TestCase)
    run_state_machine_as_test(ReservationMachine, settings=machine_settings)

    with capsys.disabled():
        print(f"\nstate machine: {STEPS_TAKEN['runs']} runs, {STEPS_TAKEN['steps']} steps")
    assert STEPS_TAKEN["runs"] >= RUNS // 2
    assert STEPS_TAKEN["steps"] >= STEPS_TAKEN["runs"]
