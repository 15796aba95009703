"""The hold limit: a client may hold at most ``RESERVATION_MAX_ACTIVE_HOLDS`` (3) unconfirmed reservations.

Only live holds count: once one expires, is released, confirmed or cancelled, the client may hold another.
Bookings never count, and the limit is per client, whoever sends the request (the client or staff). The
limit is read from settings when the request runs, so ``override_settings`` changes it.
"""

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import override_settings

from reservation import rules
from reservation.models import Client, Reservation, ReservationEvent
from tests.factories import Cast
from tests.graphql import GraphQL, book, cancel, confirm, hold, node, refused, release, succeeded

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


def holds(
    graphql: GraphQL, cast: Cast, count: int, client: Client | None = None, user: User | None = None, start: int = 0
) -> list[dict[str, Any]]:
    """``count`` holds of ``client`` (the cast's client) on slots an hour apart, sent by ``user``."""
    client = client or cast.client
    user = user or client.user
    assert user is not None
    return [succeeded(hold(graphql, client, cast.slot(HOUR * (start + index)), as_user=user)) for index in range(count)]


def test_the_default_limit_is_three():
    assert rules.maximum_active_holds() == 3


@pytest.mark.parametrize("sender", ["client", "staff"])
def test_the_fourth_hold_is_too_many_holds_and_writes_nothing(graphql, frozen, cast, sender):
    user = cast.client_user if sender == "client" else cast.staff
    holds(graphql, cast, 3, user=user)
    fourth = cast.slot(HOUR * 10)
    counts = (Reservation.objects.count(), ReservationEvent.objects.count())

    assert refused(hold(graphql, cast.client, fourth, as_user=user)) == ("TOO_MANY_HOLDS", "appointmentId")

    assert (Reservation.objects.count(), ReservationEvent.objects.count()) == counts
    assert not Reservation.objects.filter(appointment=fourth).exists()


def test_the_limit_is_per_client(graphql, frozen, cast):
    holds(graphql, cast, 3)

    other = succeeded(hold(graphql, cast.other_client, cast.slot(HOUR * 10), as_user=cast.other_client_user))

    assert other["state"] == "HELD"


def test_allowed_again_once_a_hold_expires(graphql, frozen, cast):
    (first,) = holds(graphql, cast, 1)
    frozen.tick(timedelta(minutes=10))
    holds(graphql, cast, 2, start=1)
    fourth = cast.slot(HOUR * 10)
    frozen.tick(timedelta(minutes=19, seconds=59))
    assert refused(hold(graphql, cast.client, fourth, as_user=cast.client_user)) == ("TOO_MANY_HOLDS", "appointmentId")

    frozen.tick(timedelta(seconds=1))  # the first hold is now exactly 30 minutes old: expired

    assert succeeded(hold(graphql, cast.client, fourth, as_user=cast.client_user))["state"] == "HELD"
    assert node(graphql, first["id"])["state"] == "EXPIRED"


@pytest.mark.parametrize("how", ["released", "confirmed", "cancelled by the provider"])
def test_allowed_again_once_a_hold_is_released_confirmed_or_cancelled(graphql, frozen, cast, how):
    first, *_ = holds(graphql, cast, 3)
    fourth = cast.slot(HOUR * 10)
    assert refused(hold(graphql, cast.client, fourth, as_user=cast.client_user)) == ("TOO_MANY_HOLDS", "appointmentId")

    if how == "released":
        succeeded(release(graphql, first["id"], as_user=cast.client_user))
    elif how == "confirmed":
        succeeded(confirm(graphql, first["id"], as_user=cast.client_user))
    else:
        succeeded(cancel(graphql, first["id"], "Out sick.", as_user=cast.provider_user))

    assert succeeded(hold(graphql, cast.client, fourth, as_user=cast.client_user))["state"] == "HELD"
    assert refused(hold(graphql, cast.client, cast.slot(HOUR * 11), as_user=cast.client_user)) == (
        "TOO_MANY_HOLDS",
        "appointmentId",
    )


def test_bookings_do_not_count(graphql, frozen, cast):
    for index in range(5):
        book(graphql, cast.client, cast.slot(HOUR * (20 + index)), as_user=cast.client_user)

    assert len(holds(graphql, cast, 3)) == 3


@override_settings(RESERVATION_MAX_ACTIVE_HOLDS=1)
def test_the_limit_is_a_setting(graphql, frozen, cast):
    (first,) = holds(graphql, cast, 1)
    second = cast.slot(HOUR * 10)

    assert refused(hold(graphql, cast.client, second)) == ("TOO_MANY_HOLDS", "appointmentId")
    succeeded(confirm(graphql, first["id"]))
    assert succeeded(hold(graphql, cast.client, second))["state"] == "HELD"


def test_a_larger_limit_from_settings(graphql, frozen, cast):
    with override_settings(RESERVATION_MAX_ACTIVE_HOLDS=5):
        holds(graphql, cast, 5)
        assert refused(hold(graphql, cast.client, cast.slot(HOUR * 10))) == ("TOO_MANY_HOLDS", "appointmentId")
    # Back to 3: the five holds stay, and no more may be added.
    assert refused(hold(graphql, cast.client, cast.slot(HOUR * 11))) == ("TOO_MANY_HOLDS", "appointmentId")


def test_a_rule_failure_is_reported_before_the_limit(graphql, frozen, cast):
    """With three holds, a taken slot is still SLOT_UNAVAILABLE: the slot's own rules are checked first."""
    holds(graphql, cast, 3)
    taken = cast.slot(HOUR * 10)
    succeeded(hold(graphql, cast.other_client, taken, as_user=cast.other_client_user))

    assert refused(hold(graphql, cast.client, taken, as_user=cast.client_user)) == ("SLOT_UNAVAILABLE", "appointmentId")
