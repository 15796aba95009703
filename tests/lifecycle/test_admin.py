"""The admin shows a reservation's life: its history inline, and the new states in the list and its filter.

The reservations are made through the API, so that their history is the real one.
"""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client as HttpClient

from reservation.models import Reservation, ReservationState
from tests.lifecycle import book, cancel, hold, release, reschedule, succeeded

pytestmark = pytest.mark.django_db

RESERVATIONS_URL = "/admin/reservation/reservation/"
APPOINTMENTS_URL = "/admin/reservation/appointment/"


@pytest.fixture
def lives(graphql, frozen, cast) -> dict[str, Reservation]:
    """One reservation of the cast's client in each of the six states (and "moved to", the booking the
    rescheduled one became), made through the API; the clock is then 40 minutes after NOW."""
    labels = ["expired", "held", "confirmed", "released", "cancelled", "rescheduled", "moved to"]
    slots = dict(zip(labels, cast.next_slots(len(labels)), strict=True))
    user = cast.client_user
    succeeded(hold(graphql, cast.client, slots["expired"], as_user=user))
    frozen.tick(timedelta(minutes=40))
    succeeded(hold(graphql, cast.client, slots["held"], as_user=user))
    book(graphql, cast.client, slots["confirmed"], as_user=user)
    released = succeeded(hold(graphql, cast.client, slots["released"], as_user=user))
    succeeded(release(graphql, released["id"], as_user=user))
    cancelled = book(graphql, cast.client, slots["cancelled"], as_user=user)
    succeeded(cancel(graphql, cancelled["id"], "Clinic closed for a power cut.", as_user=cast.provider_user))
    moved = book(graphql, cast.client, slots["rescheduled"], as_user=user)
    succeeded(reschedule(graphql, moved["id"], slots["moved to"], as_user=user))
    return {label: Reservation.objects.get(appointment=slot) for label, slot in slots.items()}


@pytest.fixture
def admin(lives, admin_client: HttpClient) -> HttpClient:
    """The superuser's client, logged in after `lives` under the frozen clock (a session from the real clock
    would already have expired in 2030)."""
    return admin_client


def changelist_pks(response: Any) -> set[int]:
    assert response.status_code == 200
    return {row.pk for row in response.context["cl"].result_list}


def test_the_change_page_shows_the_history_inline(admin: HttpClient, lives, cast):
    cancelled = lives["cancelled"]

    response = admin.get(f"{RESERVATIONS_URL}{cancelled.pk}/change/")

    assert response.status_code == 200
    (inline,) = response.context["inline_admin_formsets"]
    assert inline.opts.model.__name__ == "ReservationEvent"
    shown = [(form.original.kind, form.original.actor, form.original.note) for form in inline]
    assert shown == [
        ("held", cast.client_user, ""),
        ("confirmed", cast.client_user, ""),
        ("cancelled", cast.provider_user, "Clinic closed for a power cut."),
    ]
    page = response.content.decode()
    for text in ("cancelled", "Clinic closed for a power cut.", cast.provider_user.username):
        assert text in page
    # Read-only: no row can be added or deleted from here.
    assert inline.has_add_permission is False
    assert 'name="events-MAX_NUM_FORMS" value="0"' in page
    assert inline.formset.can_delete is False


def test_the_change_page_of_a_rescheduled_booking_shows_where_it_went(admin: HttpClient, lives):
    old, new = lives["rescheduled"], lives["moved to"]

    page = admin.get(f"{RESERVATIONS_URL}{old.pk}/change/").content.decode()

    assert f"to reservation {new.pk}" in page
    assert "rescheduled" in page


@pytest.mark.parametrize("state", [state.value for state in ReservationState])
def test_the_state_filter_finds_each_state(admin: HttpClient, lives, state):
    response = admin.get(RESERVATIONS_URL, {"state": state})

    expected = {lives[state].pk} | ({lives["moved to"].pk} if state == "confirmed" else set())
    assert changelist_pks(response) == expected


def test_the_list_shows_each_state(admin: HttpClient, lives):
    response = admin.get(RESERVATIONS_URL)

    shown = {row.pk: row.state for row in response.context["cl"].result_list}
    assert shown == {row.pk: state if state != "moved to" else "confirmed" for state, row in lives.items()}


def test_an_unknown_state_is_refused(admin: HttpClient, lives):
    response = admin.get(RESERVATIONS_URL, {"state": "vanished"})

    # Django's admin answers an invalid lookup by redirecting to ?e=1.
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


def test_slots_freed_by_release_cancel_and_reschedule_are_open_again(admin: HttpClient, lives):
    freed = {lives[state].appointment_id for state in ("released", "cancelled", "rescheduled")}

    response = admin.get(APPOINTMENTS_URL, {"state": "open"})

    open_slots = changelist_pks(response)
    assert freed <= open_slots
    assert lives["moved to"].appointment_id not in open_slots
    booked = changelist_pks(admin.get(APPOINTMENTS_URL, {"state": "booked"}))
    assert booked == {lives["confirmed"].appointment_id, lives["moved to"].appointment_id}
