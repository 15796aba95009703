"""examples/25_reservationCreateIdempotent sent twice, as its comment says: one reservation, the same answer."""

import pytest

from reservation.models import IdempotencyRecord, Reservation
from tests.examples import assert_no_errors, example
from tests.examples.test_examples import replay_walkthrough
from tests.factories import gid

pytestmark = pytest.mark.django_db(transaction=True, reset_sequences=True)


def test_the_idempotent_example_sent_twice_reserves_once(graphql, frozen, staff_user):
    replay_walkthrough(graphql, frozen)
    operation = example("reservationCreateIdempotent")
    reservations = Reservation.objects.count()

    first = graphql(operation.query, operation.variables)
    again = graphql(operation.query, operation.variables)

    assert_no_errors(operation, first)
    assert again == first
    assert Reservation.objects.count() == reservations + 1
    record = IdempotencyRecord.objects.get()
    assert (record.scope, record.key) == (f"user:{staff_user.pk}", operation.variables["idempotencyKey"])

    another_slot = {**operation.variables, "appointmentId": gid("AppointmentType", 3)}
    refused = graphql(operation.query, another_slot)["data"]["reservationCreateIdempotent"]
    assert [error["code"] for error in refused["errors"]] == ["IDEMPOTENCY_KEY_REUSED"]
    assert Reservation.objects.count() == reservations + 1
