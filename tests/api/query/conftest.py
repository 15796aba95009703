"""Rows the query tests share, under the frozen clock (`tests.factories.NOW`)."""

from datetime import timedelta

import pytest

from reservation.models import Appointment
from tests.factories import NOW, SLOT_DAY, make_client, make_provider, make_reservation, make_slot

DAY_AFTER = SLOT_DAY


@pytest.fixture
def two_schedules():
    """Hopper (created first) and Turing, each with slots at 09:00, 09:15 and 09:30 two days ahead.

    Turing's 09:00 slot is created before Hopper's, so at equal times id order differs from provider order.
    """
    hopper = make_provider("Grace", "Hopper")
    turing = make_provider("Alan", "Turing")
    turing_9 = make_slot(turing, DAY_AFTER)
    hopper_9 = make_slot(hopper, DAY_AFTER)
    hopper_930 = make_slot(hopper, DAY_AFTER + timedelta(minutes=30))
    turing_930 = make_slot(turing, DAY_AFTER + timedelta(minutes=30))
    hopper_915 = make_slot(hopper, DAY_AFTER + timedelta(minutes=15))
    turing_915 = make_slot(turing, DAY_AFTER + timedelta(minutes=15))
    return {
        "hopper": hopper,
        "turing": turing,
        "order": [turing_9, hopper_9, hopper_915, turing_915, hopper_930, turing_930],
    }


@pytest.fixture
def availability():
    """Slots of one provider in every situation, named by what a client should see now (NOW)."""
    provider = make_provider()
    patient = make_client()
    other = make_client("Edsger", "Dijkstra")

    def slot(minutes: int) -> Appointment:
        return make_slot(provider, DAY_AFTER + timedelta(minutes=minutes))

    free = slot(0)
    held = slot(15)
    make_reservation(patient, held, NOW - timedelta(minutes=10))
    held_for_29_59 = slot(30)
    make_reservation(other, held_for_29_59, NOW - timedelta(minutes=29, seconds=59))
    expired_exactly = slot(45)
    make_reservation(patient, expired_exactly, NOW - timedelta(minutes=30))
    expired_long_ago = slot(60)
    make_reservation(other, expired_long_ago, NOW - timedelta(hours=5))
    booked = slot(75)
    make_reservation(patient, booked, NOW - timedelta(hours=1), confirmed=True)
    too_soon = make_slot(provider, NOW + timedelta(hours=23, minutes=45))
    exactly_24h = make_slot(provider, NOW + timedelta(hours=24))
    return {
        "provider": provider,
        "held_for_29_59": held_for_29_59,
        "exactly_24h": exactly_24h,
        "available": [exactly_24h, free, expired_exactly, expired_long_ago],
        "unavailable": [held, held_for_29_59, booked, too_soon],
    }


@pytest.fixture
def bookings():
    """Ada and Edsger each hold, let expire and confirm a slot with Hopper or Turing."""
    hopper = make_provider("Grace", "Hopper")
    turing = make_provider("Alan", "Turing")
    ada = make_client("Ada", "Lovelace")
    edsger = make_client("Edsger", "Dijkstra")
    rows = {
        "ada_held": make_reservation(ada, make_slot(hopper, DAY_AFTER), NOW - timedelta(minutes=5)),
        "ada_expired": make_reservation(ada, make_slot(turing, DAY_AFTER), NOW - timedelta(minutes=30)),
        "ada_confirmed": make_reservation(
            ada, make_slot(hopper, DAY_AFTER + timedelta(hours=1)), NOW - timedelta(hours=3), confirmed=True
        ),
        "edsger_held": make_reservation(edsger, make_slot(turing, DAY_AFTER + timedelta(hours=2)), NOW),
        "edsger_expired": make_reservation(
            edsger, make_slot(hopper, DAY_AFTER + timedelta(hours=3)), NOW - timedelta(hours=2)
        ),
        "edsger_confirmed": make_reservation(
            edsger, make_slot(turing, DAY_AFTER + timedelta(hours=4)), NOW - timedelta(hours=1), confirmed=True
        ),
    }
    return {"hopper": hopper, "turing": turing, "ada": ada, "edsger": edsger, "rows": rows}
