"""`reservationCancel`: a booking is cancelled before its appointment starts.

Who: the client cancels their own booking (a hold is released instead: NOT_CONFIRMED); the slot's provider
cancels a hold or booking on their slot and must say why (INVALID without a reason); staff may cancel
anything. A reservation the caller may not see is NOT_FOUND, exactly as one that does not exist.

What: the reservation ends as CANCELLED (``endedAt``, ``cancelReason``, a "cancelled" event whose note is the
reason) and the slot is available again at once if it still starts at least 24 hours ahead; inside those 24
hours it is cancelled but no longer offered. Cancelling twice is harmless; from the appointment's start on,
cancelling fails with APPOINTMENT_STARTED. A refusal changes nothing.
"""

from datetime import timedelta

import pytest

from reservation.models import Reservation, ReservationEvent
from tests.factories import NOW, gid
from tests.graphql import book, cancel, hold, is_available, kinds, node, refused, release, reschedule, succeeded

pytestmark = pytest.mark.django_db

MINUTE = timedelta(minutes=1)
REASON = "The clinic is closed for a power cut."


def test_client_cancels_own_booking_and_the_slot_is_available_again_at_once(graphql, frozen, cast):
    slot = cast.slot()
    booked = book(graphql, cast.client, slot, as_user=cast.client_user)
    assert not is_available(graphql, slot)
    frozen.tick(MINUTE)

    cancelled = succeeded(cancel(graphql, booked["id"], as_user=cast.client_user))

    assert cancelled["id"] == booked["id"]
    assert cancelled["state"] == "CANCELLED"
    assert cancelled["confirmed"] is False
    assert cancelled["confirmedAt"] == NOW.isoformat()  # kept: it was a booking
    assert cancelled["endedAt"] == (NOW + MINUTE).isoformat()
    assert cancelled["cancelReason"] is None
    assert cancelled["history"] == [
        {"kind": "HELD", "at": NOW.isoformat(), "note": None},
        {"kind": "CONFIRMED", "at": NOW.isoformat(), "note": None},
        {"kind": "CANCELLED", "at": (NOW + MINUTE).isoformat(), "note": None},
    ]
    assert is_available(graphql, slot)
    assert succeeded(hold(graphql, cast.other_client, slot, as_user=cast.other_client_user))["state"] == "HELD"
    stored = Reservation.objects.get(client=cast.client)
    assert (stored.end_reason, stored.ended_by, stored.cancel_reason) == ("cancelled", cast.client_user, "")


def test_a_client_may_give_a_reason_too(graphql, frozen, cast):
    booked = book(graphql, cast.client, cast.slot(), as_user=cast.client_user)

    cancelled = succeeded(cancel(graphql, booked["id"], "  Feeling better.  ", as_user=cast.client_user))

    assert cancelled["cancelReason"] == "Feeling better."
    assert cancelled["history"][-1]["note"] == "Feeling better."


@pytest.mark.parametrize(
    ("ahead", "available_again"),
    [
        (timedelta(hours=48), True),
        (timedelta(hours=24), True),  # exactly 24 hours ahead may still be reserved
        (timedelta(hours=24) - timedelta(seconds=1), False),
        (timedelta(hours=1), False),
        (timedelta(microseconds=1), False),
    ],
    ids=["48h", "24h", "23:59:59", "1h", "1us"],
)
def test_cancelled_slot_is_offered_again_only_with_24_hours_notice(graphql, frozen, cast, ahead, available_again):
    slot = cast.slot()
    booked = book(graphql, cast.client, slot, as_user=cast.client_user)
    frozen.move_to(slot.start_time - ahead)

    assert succeeded(cancel(graphql, booked["id"], as_user=cast.client_user))["state"] == "CANCELLED"

    assert is_available(graphql, slot) is available_again
    other = hold(graphql, cast.other_client, slot, as_user=cast.other_client_user)
    if available_again:
        assert succeeded(other)["state"] == "HELD"
    else:
        assert refused(other) == ("INSUFFICIENT_NOTICE", "appointmentId")


def test_cancelling_twice_is_harmless(graphql, frozen, cast):
    booked = book(graphql, cast.client, cast.slot(), as_user=cast.client_user)
    frozen.tick(MINUTE)
    first = succeeded(cancel(graphql, booked["id"], as_user=cast.client_user))
    frozen.tick(MINUTE)

    second = succeeded(cancel(graphql, booked["id"], as_user=cast.client_user))

    assert second == first
    assert ReservationEvent.objects.filter(kind="cancelled").count() == 1


def test_cancelling_twice_keeps_the_first_reason(graphql, frozen, cast):
    booked = book(graphql, cast.client, cast.slot(), as_user=cast.client_user)
    succeeded(cancel(graphql, booked["id"], "first", as_user=cast.provider_user))

    again = succeeded(cancel(graphql, booked["id"], "second", as_user=cast.staff))

    assert again["cancelReason"] == "first"
    assert Reservation.objects.get().ended_by == cast.provider_user


def test_client_cancelling_own_hold_is_not_confirmed(graphql, frozen, cast):
    slot = cast.slot()
    held = succeeded(hold(graphql, cast.client, slot, as_user=cast.client_user))

    assert refused(cancel(graphql, held["id"], as_user=cast.client_user)) == ("NOT_CONFIRMED", "reservationId")

    after = node(graphql, held["id"])
    assert (after["state"], after["endedAt"], kinds(after)) == ("HELD", None, ["HELD"])
    assert not is_available(graphql, slot)


@pytest.mark.parametrize("after_start", [timedelta(0), timedelta(minutes=5), timedelta(days=1)])
def test_cancelling_from_the_start_on_is_appointment_started(graphql, frozen, cast, after_start):
    slot = cast.slot()
    booked = book(graphql, cast.client, slot, as_user=cast.client_user)
    frozen.move_to(slot.start_time + after_start)

    for user in (cast.client_user, cast.staff):
        assert refused(cancel(graphql, booked["id"], REASON, as_user=user)) == ("APPOINTMENT_STARTED", "reservationId")

    assert node(graphql, booked["id"])["state"] == "CONFIRMED"
    assert not ReservationEvent.objects.filter(kind="cancelled").exists()


def test_cancelling_a_microsecond_before_the_start_is_allowed(graphql, frozen, cast):
    slot = cast.slot()
    booked = book(graphql, cast.client, slot, as_user=cast.client_user)
    frozen.move_to(slot.start_time - timedelta(microseconds=1))

    assert succeeded(cancel(graphql, booked["id"], as_user=cast.client_user))["state"] == "CANCELLED"


@pytest.mark.parametrize("state", ["HELD", "CONFIRMED"])
def test_provider_cancels_a_reservation_on_their_slot_with_a_reason(graphql, frozen, cast, state):
    held = succeeded(hold(graphql, cast.client, cast.slot(), as_user=cast.client_user))
    booked = book(graphql, cast.client, cast.slot(timedelta(minutes=15)), as_user=cast.client_user)
    reservation_id = held["id"] if state == "HELD" else booked["id"]
    frozen.tick(MINUTE)

    cancelled = succeeded(cancel(graphql, reservation_id, f"  {REASON}\n", as_user=cast.provider_user))

    assert cancelled["state"] == "CANCELLED"
    assert cancelled["cancelReason"] == REASON
    assert cancelled["history"][-1] == {"kind": "CANCELLED", "at": (NOW + MINUTE).isoformat(), "note": REASON}
    stored = Reservation.objects.get(ended_at__isnull=False)
    assert gid("ReservationType", stored.pk) == reservation_id
    assert (stored.ended_by, stored.cancel_reason) == (cast.provider_user, REASON)


@pytest.mark.parametrize("reason", [None, "", "   \n\t "], ids=["null", "empty", "blank"])
def test_provider_must_give_a_reason(graphql, frozen, cast, reason):
    booked = book(graphql, cast.client, cast.slot(), as_user=cast.client_user)

    assert refused(cancel(graphql, booked["id"], reason, as_user=cast.provider_user)) == ("INVALID", "reason")

    assert node(graphql, booked["id"])["state"] == "CONFIRMED"


def test_a_long_reason_is_kept_to_500_characters(graphql, frozen, cast):
    booked = book(graphql, cast.client, cast.slot(), as_user=cast.client_user)

    cancelled = succeeded(cancel(graphql, booked["id"], "x" * 600, as_user=cast.provider_user))

    assert cancelled["cancelReason"] == "x" * 500
    assert ReservationEvent.objects.get(kind="cancelled").note == "x" * 500


def test_provider_cannot_cancel_another_providers_reservation(graphql, frozen, cast):
    booked = book(graphql, cast.client, cast.slot(), as_user=cast.client_user)

    payload = cancel(graphql, booked["id"], REASON, as_user=cast.other_provider_user)

    assert refused(payload) == ("NOT_FOUND", "reservationId")
    assert node(graphql, booked["id"])["state"] == "CONFIRMED"


def test_another_client_cannot_cancel_the_booking(graphql, frozen, cast):
    booked = book(graphql, cast.client, cast.slot(), as_user=cast.client_user)

    assert refused(cancel(graphql, booked["id"], REASON, as_user=cast.other_client_user)) == (
        "NOT_FOUND",
        "reservationId",
    )
    assert node(graphql, booked["id"])["state"] == "CONFIRMED"


@pytest.mark.parametrize("state", ["HELD", "CONFIRMED"])
@pytest.mark.parametrize("reason", [None, REASON])
def test_staff_may_cancel_anything(graphql, frozen, cast, state, reason):
    slot = cast.slot()
    reservation = succeeded(hold(graphql, cast.client, slot)) if state == "HELD" else book(graphql, cast.client, slot)

    cancelled = succeeded(cancel(graphql, reservation["id"], reason, as_user=cast.staff))

    assert (cancelled["state"], cancelled["cancelReason"]) == ("CANCELLED", reason)
    assert Reservation.objects.get().ended_by == cast.staff
    assert is_available(graphql, slot)


def test_cancelling_an_expired_hold_is_reservation_expired(graphql, frozen, cast):
    held = succeeded(hold(graphql, cast.client, cast.slot()))
    frozen.tick(timedelta(minutes=30))

    for user in (cast.provider_user, cast.staff):
        assert refused(cancel(graphql, held["id"], REASON, as_user=user)) == ("RESERVATION_EXPIRED", "reservationId")
    assert node(graphql, held["id"])["state"] == "EXPIRED"


def test_cancelling_a_released_or_rescheduled_reservation_is_reservation_ended(graphql, frozen, cast):
    first, second, target = cast.next_slots(3)
    released = succeeded(hold(graphql, cast.client, first))
    succeeded(release(graphql, released["id"]))
    moved = book(graphql, cast.client, second)
    succeeded(reschedule(graphql, moved["id"], target))

    for ended in (released, moved):
        assert refused(cancel(graphql, ended["id"], REASON)) == ("RESERVATION_ENDED", "reservationId")


def test_a_cancelled_booking_no_longer_makes_the_client_the_providers_client(graphql, frozen, cast):
    """``ProviderType.clients`` lists the clients with a booking: a cancelled one no longer counts."""
    booked = book(graphql, cast.client, cast.slot(), as_user=cast.client_user)
    query = "query { providers { edges { node { clients { edges { node { id } } } } } } }"

    def clients_of_provider() -> list[str]:
        body = graphql(query, as_user=cast.provider_user)
        return [e["node"]["id"] for p in body["data"]["providers"]["edges"] for e in p["node"]["clients"]["edges"]]

    assert len(clients_of_provider()) == 1
    succeeded(cancel(graphql, booked["id"], as_user=cast.client_user))
    assert clients_of_provider() == []
