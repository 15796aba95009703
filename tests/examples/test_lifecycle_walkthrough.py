"""The examples 26 to 28 as examples/README.md's "Release, cancel and reschedule with curl" sends them.

On a fresh database (primary keys from 1) under the frozen clock: the walkthrough (steps 1 to 6), then the
section's requests in its order, each over HTTP with the token its role got from ``tokenCreate`` and the IDs
the earlier responses returned, exactly as the shell variables of the README carry them.
"""

from typing import Any

import pytest

from tests.examples import example
from tests.examples.test_examples import WALKTHROUGH, Caller, demo_staff_user, step_time
from tests.factories import NOW

pytestmark = pytest.mark.django_db(transaction=True, reset_sequences=True)


def payload_of(caller: Caller, name: str, token: str, **variables: Any) -> dict[str, Any]:
    """The payload of example ``name`` (HTTP 200, no top-level error), whatever its ``errors``."""
    operation = example(name)
    status, body = caller.post(operation, token, **variables)
    assert status == 200, body
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"][operation.field]
    return result


def error_code(payload: dict[str, Any]) -> str:
    assert payload["reservation"] is None
    (error,) = payload["errors"]
    return str(error["code"])


def test_release_cancel_and_reschedule_as_in_the_readme(frozen) -> None:
    demo_staff_user()
    caller = Caller()
    frozen.move_to(step_time(WALKTHROUGH[0]))
    staff_token = caller.send(example("tokenCreate"))["accessToken"]
    provider_example, client_example = example("providerCreate"), example("clientCreate")
    provider_id = caller.send(provider_example, staff_token)["provider"]["id"]
    client_id = caller.send(client_example, staff_token)["client"]["id"]
    provider_login = (provider_example.variables["username"], provider_example.variables["password"])
    client_login = (client_example.variables["username"], client_example.variables["password"])
    provider_token = caller.log_in(*provider_login)["accessToken"]
    caller.send(example("appointmentBulkCreate"), provider_token, providerId=provider_id)
    client_token = caller.log_in(*client_login)["accessToken"]
    listed = caller.send(example("availableAppointments"), client_token, provider=provider_id)
    appointment_id = listed["edges"][0]["node"]["id"]
    held = caller.send(example("reservationCreate"), client_token, appointmentId=appointment_id)["reservation"]
    reservation_id = held["id"]
    caller.send(example("reservationConfirm"), client_token, reservationId=reservation_id)
    # At NOW the walkthrough's 09:00 slot starts exactly 24 hours later: still reservable, as in the README,
    # whose slots (January 2030) are years ahead.
    frozen.move_to(NOW)

    # Log in again: the walkthrough's tokens may have expired.
    client_token = caller.log_in(*client_login)["accessToken"]
    provider_token = caller.log_in(*provider_login)["accessToken"]

    # Release a hold: the first slot still available (09:15).
    slot_id = caller.send(example("availableAppointments"), provider=provider_id)["edges"][0]["node"]["id"]
    hold_id = caller.send(example("reservationCreate"), client_token, appointmentId=slot_id)["reservation"]["id"]
    released = caller.send(example("reservationRelease"), client_token, reservationId=hold_id)["reservation"]
    assert released["state"] == "RELEASED"
    assert released["appointment"]["timeSlot"] == "2030-01-08T09:15:00+00:00"
    assert [event["kind"] for event in released["history"]] == ["HELD", "RELEASED"]
    assert caller.send(example("availableAppointments"), provider=provider_id)["edges"][0]["node"]["id"] == slot_id
    refused = payload_of(caller, "reservationRelease", client_token, reservationId=reservation_id)
    assert error_code(refused) == "ALREADY_CONFIRMED"

    # Reschedule the booking to the first free slot from 10:00.
    later = caller.send(example("availableAppointments"), provider=provider_id, startFrom="2030-01-08T10:00:00+00:00")
    later_slot_id = later["edges"][0]["node"]["id"]
    moved = caller.send(
        example("reservationReschedule"), client_token, reservationId=reservation_id, appointmentId=later_slot_id
    )["reservation"]
    assert (moved["state"], moved["appointment"]["timeSlot"]) == ("CONFIRMED", "2030-01-08T10:00:00+00:00")
    assert moved["client"]["id"] == client_id
    new_reservation_id = moved["id"]
    assert caller.send(example("node"), client_token, id=reservation_id)["state"] == "RESCHEDULED"
    first_free = caller.send(example("availableAppointments"), provider=provider_id)["edges"][0]["node"]
    assert (first_free["id"], first_free["timeSlot"]) == (appointment_id, "2030-01-08T09:00:00+00:00")
    again = payload_of(
        caller, "reservationReschedule", client_token, reservationId=reservation_id, appointmentId=later_slot_id
    )
    assert error_code(again) == "RESERVATION_ENDED"

    # Cancel: the provider must give a reason.
    no_reason = payload_of(caller, "reservationCancel", provider_token, reservationId=new_reservation_id, reason=None)
    assert error_code(no_reason) == "INVALID"
    reason = "Rosalind is at a conference that day."
    cancelled = caller.send(
        example("reservationCancel"), provider_token, reservationId=new_reservation_id, reason=reason
    )["reservation"]
    assert (cancelled["state"], cancelled["cancelReason"]) == ("CANCELLED", reason)
    assert [(event["kind"], event["note"]) for event in cancelled["history"]][-1] == ("CANCELLED", reason)
    later_again = caller.send(
        example("availableAppointments"), provider=provider_id, startFrom="2030-01-08T10:00:00+00:00"
    )
    assert later_again["edges"][0]["node"]["id"] == later_slot_id
