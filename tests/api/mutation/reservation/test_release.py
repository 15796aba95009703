"""`reservationRelease`: a client gives a hold up before confirming it, and the slot is free again at once.

Releasing twice is harmless; a booking is cancelled instead (ALREADY_CONFIRMED); a hold that already ran out
cannot be released (RESERVATION_EXPIRED); a cancelled or rescheduled reservation has ended
(RESERVATION_ENDED). A refusal changes nothing and records nothing.
"""

from datetime import timedelta

import pytest

from reservation import rules
from reservation.models import Reservation, ReservationEvent
from tests.factories import NOW
from tests.graphql import (
    book,
    cancel,
    confirm,
    hold,
    is_available,
    kinds,
    node,
    refused,
    release,
    reschedule,
    succeeded,
)

pytestmark = pytest.mark.django_db

MINUTE = timedelta(minutes=1)


def test_releasing_a_hold_ends_it_and_frees_the_slot_at_once(graphql, frozen, cast):
    slot = cast.slot()
    held = succeeded(hold(graphql, cast.client, slot, as_user=cast.client_user))
    assert not is_available(graphql, slot)
    frozen.tick(MINUTE)

    released = succeeded(release(graphql, held["id"], as_user=cast.client_user))

    assert released["id"] == held["id"]
    assert released["state"] == "RELEASED"
    assert (released["confirmed"], released["expired"], released["confirmedAt"]) == (False, False, None)
    assert released["endedAt"] == (NOW + MINUTE).isoformat()
    assert released["cancelReason"] is None
    assert released["rescheduledTo"] is None
    assert released["history"] == [
        {"kind": "HELD", "at": NOW.isoformat(), "note": None},
        {"kind": "RELEASED", "at": (NOW + MINUTE).isoformat(), "note": None},
    ]
    # Free again at the very instant of the release, for anyone.
    assert is_available(graphql, slot)
    other = succeeded(hold(graphql, cast.other_client, slot, as_user=cast.other_client_user))
    assert other["state"] == "HELD"
    stored = Reservation.objects.get(client=cast.client)
    assert (stored.ended_at, stored.end_reason, stored.ended_by) == (NOW + MINUTE, "released", cast.client_user)


def test_releasing_twice_is_harmless(graphql, frozen, cast):
    held = succeeded(hold(graphql, cast.client, cast.slot(), as_user=cast.client_user))
    frozen.tick(MINUTE)
    first = succeeded(release(graphql, held["id"], as_user=cast.client_user))
    frozen.tick(MINUTE)

    second = succeeded(release(graphql, held["id"], as_user=cast.client_user))

    assert second == first
    assert ReservationEvent.objects.filter(kind="released").count() == 1


def test_releasing_a_booking_is_already_confirmed_and_changes_nothing(graphql, frozen, cast):
    slot = cast.slot()
    booked = book(graphql, cast.client, slot, as_user=cast.client_user)
    frozen.tick(MINUTE)

    assert refused(release(graphql, booked["id"], as_user=cast.client_user)) == ("ALREADY_CONFIRMED", "reservationId")

    after = node(graphql, booked["id"])
    assert after["state"] == "CONFIRMED"
    assert after["endedAt"] is None
    assert kinds(after) == ["HELD", "CONFIRMED"]
    assert not is_available(graphql, slot)


@pytest.mark.parametrize("age", [rules.hold_duration(), rules.hold_duration() + timedelta(hours=1)])
def test_releasing_an_expired_hold_is_reservation_expired(graphql, frozen, cast, age):
    held = succeeded(hold(graphql, cast.client, cast.slot(), as_user=cast.client_user))
    frozen.tick(age)  # at exactly 30:00 the hold has run out

    assert refused(release(graphql, held["id"], as_user=cast.client_user)) == ("RESERVATION_EXPIRED", "reservationId")

    after = node(graphql, held["id"])
    assert (after["state"], after["endedAt"]) == ("EXPIRED", None)
    assert kinds(after) == ["HELD", "EXPIRED"]  # the refusal recorded nothing; the expiry is derived when read


def test_a_hold_can_be_released_in_its_last_microsecond(graphql, frozen, cast):
    held = succeeded(hold(graphql, cast.client, cast.slot(), as_user=cast.client_user))
    frozen.tick(rules.hold_duration() - timedelta(microseconds=1))

    assert succeeded(release(graphql, held["id"], as_user=cast.client_user))["state"] == "RELEASED"


def test_releasing_a_cancelled_or_rescheduled_reservation_is_reservation_ended(graphql, frozen, cast):
    first, second, target = cast.next_slots(3)
    cancelled = book(graphql, cast.client, first, as_user=cast.client_user)
    moved = book(graphql, cast.client, second, as_user=cast.client_user)
    frozen.tick(MINUTE)
    succeeded(cancel(graphql, cancelled["id"], as_user=cast.client_user))
    succeeded(reschedule(graphql, moved["id"], target, as_user=cast.client_user))

    for ended in (cancelled, moved):
        payload = release(graphql, ended["id"], as_user=cast.client_user)
        assert refused(payload) == ("RESERVATION_ENDED", "reservationId")


def test_a_released_hold_cannot_be_confirmed(graphql, frozen, cast):
    held = succeeded(hold(graphql, cast.client, cast.slot(), as_user=cast.client_user))
    succeeded(release(graphql, held["id"], as_user=cast.client_user))

    assert refused(confirm(graphql, held["id"], as_user=cast.client_user)) == ("RESERVATION_ENDED", "reservationId")
    assert node(graphql, held["id"])["state"] == "RELEASED"


def test_a_released_hold_no_longer_blocks_its_client_at_that_time(graphql, frozen, cast):
    """Released holds are not live: the client may hold another provider's slot at the same time."""
    slot = cast.slot()
    same_time = cast.slot(provider=cast.other_provider)
    held = succeeded(hold(graphql, cast.client, slot, as_user=cast.client_user))
    assert refused(hold(graphql, cast.client, same_time, as_user=cast.client_user)) == (
        "CLIENT_OVERLAP",
        "appointmentId",
    )

    succeeded(release(graphql, held["id"], as_user=cast.client_user))

    assert succeeded(hold(graphql, cast.client, same_time, as_user=cast.client_user))["state"] == "HELD"


def test_the_client_may_hold_the_slot_again_after_releasing_it(graphql, frozen, cast):
    slot = cast.slot()
    held = succeeded(hold(graphql, cast.client, slot, as_user=cast.client_user))
    succeeded(release(graphql, held["id"], as_user=cast.client_user))

    again = succeeded(hold(graphql, cast.client, slot, as_user=cast.client_user))

    assert again["id"] != held["id"]
    assert Reservation.objects.filter(appointment=slot).count() == 2
    assert [r.end_reason for r in Reservation.objects.filter(appointment=slot).order_by("pk")] == ["released", ""]


def test_releasing_an_unknown_reservation_is_not_found(graphql, cast):
    assert refused(release(graphql, "UmVzZXJ2YXRpb25UeXBlOjk5OQ==")) == ("NOT_FOUND", "reservationId")


def test_releasing_with_the_id_of_another_type_is_invalid(graphql, cast):
    assert refused(release(graphql, "Q2xpZW50VHlwZTox")) == ("INVALID", "reservationId")
