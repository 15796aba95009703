"""The Django admin for support staff, as a logged-in superuser sees it (under a frozen clock).

Changelists of the four models load with their data; reservation and appointment states are computed at page
load and filterable; the ``confirm_holds`` action confirms live holds through the domain service and refuses
expired ones with a warning; reservations and slots cannot be added by hand.
"""

from datetime import timedelta
from typing import Any

import pytest
from django.contrib import messages
from django.test import Client as HttpClient

from reservation.models import Reservation
from tests.factories import NOW, make_client, make_provider, make_reservation, make_slot

pytestmark = pytest.mark.django_db

DAY_AFTER = NOW + timedelta(days=2)
RESERVATIONS_URL = "/admin/reservation/reservation/"
APPOINTMENTS_URL = "/admin/reservation/appointment/"


@pytest.fixture
def staff(frozen, admin_client):
    """The superuser's client, logged in under the frozen clock (so the session is not already expired)."""
    return admin_client


@pytest.fixture
def schedule(frozen):
    """One provider's slots in each state a client can see, with a reservation in each state."""
    provider = make_provider()
    patient = make_client()
    slots = {
        "open": make_slot(provider, DAY_AFTER),
        "held": make_slot(provider, DAY_AFTER + timedelta(minutes=15)),
        "expired": make_slot(provider, DAY_AFTER + timedelta(minutes=30)),
        "booked": make_slot(provider, DAY_AFTER + timedelta(minutes=45)),
        "closed": make_slot(provider, NOW + timedelta(hours=23, minutes=45)),
    }
    reservations = {
        "held": make_reservation(patient, slots["held"], NOW - timedelta(minutes=29, seconds=59)),
        "expired": make_reservation(patient, slots["expired"], NOW - timedelta(minutes=30)),
        "confirmed": make_reservation(patient, slots["booked"], NOW - timedelta(hours=1), confirmed=True),
    }
    return {"provider": provider, "client": patient, "slots": slots, "reservations": reservations}


def changelist_pks(response: Any) -> set[int]:
    assert response.status_code == 200
    return {row.pk for row in response.context["cl"].result_list}


@pytest.mark.parametrize(
    ("url", "text"),
    [
        ("/admin/reservation/provider/", "Hopper"),
        ("/admin/reservation/client/", "Lovelace"),
        (APPOINTMENTS_URL, "Grace Hopper"),
        (RESERVATIONS_URL, "Ada Lovelace"),
    ],
)
def test_changelists_load_with_their_data(staff, schedule, url, text):
    response = staff.get(url)

    assert response.status_code == 200
    assert text in response.content.decode()
    assert response.context["cl"].result_count > 0


def test_changelists_search(staff, schedule):
    make_provider("Alan", "Turing")

    response = staff.get("/admin/reservation/provider/", {"q": "Turing"})

    assert [provider.last_name for provider in response.context["cl"].result_list] == ["Turing"]


def test_reservation_changelist_shows_each_state(staff, schedule):
    response = staff.get(RESERVATIONS_URL)

    rows = {row.pk: row.state for row in response.context["cl"].result_list}
    reservations = schedule["reservations"]
    assert rows == {reservations[name].pk: name for name in ("held", "expired", "confirmed")}
    content = response.content.decode()
    for state in ("held", "expired", "confirmed"):
        assert f">{state}<" in content


@pytest.mark.parametrize("state", ["held", "expired", "confirmed"])
def test_reservation_state_filter(staff, schedule, state):
    response = staff.get(RESERVATIONS_URL, {"state": state})

    assert changelist_pks(response) == {schedule["reservations"][state].pk}


def test_reservation_state_filter_follows_the_clock(staff, schedule, frozen):
    frozen.tick(timedelta(seconds=1))  # the 29:59-old hold reaches 30:00

    response = staff.get(RESERVATIONS_URL, {"state": "expired"})

    reservations = schedule["reservations"]
    assert changelist_pks(response) == {reservations["held"].pk, reservations["expired"].pk}


def test_reservation_changelist_sorts_by_state(staff, schedule):
    response = staff.get(RESERVATIONS_URL, {"o": "4"})  # the fourth column is the state

    assert [row.state for row in response.context["cl"].result_list] == ["confirmed", "expired", "held"]


def test_reservation_changelist_filtered_and_sorted_by_state(staff, schedule):
    response = staff.get(RESERVATIONS_URL, {"state": "held", "o": "4"})

    assert changelist_pks(response) == {schedule["reservations"]["held"].pk}


def test_reservation_unknown_state_filter_is_not_a_server_error(staff, schedule):
    response = staff.get(RESERVATIONS_URL, {"state": "bogus"})

    assert response.status_code in (200, 302)


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("open", ["open", "expired"]),
        ("held", ["held"]),
        ("booked", ["booked"]),
        ("closed", ["closed"]),
    ],
)
def test_appointment_state_filter(staff, schedule, state, expected):
    response = staff.get(APPOINTMENTS_URL, {"state": state})

    assert changelist_pks(response) == {schedule["slots"][name].pk for name in expected}


def test_appointment_changelist_shows_states(staff, schedule):
    response = staff.get(APPOINTMENTS_URL)

    states = {row.pk: row.state for row in response.context["cl"].result_list}
    slots = schedule["slots"]
    assert states == {
        slots["open"].pk: "open",
        slots["held"].pk: "held",
        slots["expired"].pk: "open",
        slots["booked"].pk: "booked",
        slots["closed"].pk: "closed",
    }


def confirm_holds(staff: HttpClient, *reservations: Reservation) -> Any:
    return staff.post(
        RESERVATIONS_URL,
        {"action": "confirm_holds", "_selected_action": [reservation.pk for reservation in reservations]},
        follow=True,
    )


def test_confirm_holds_action_confirms_a_live_hold(staff, schedule):
    hold = schedule["reservations"]["held"]

    response = confirm_holds(staff, hold)

    hold.refresh_from_db()
    assert hold.confirmed_at == NOW
    assert [(message.level, str(message)) for message in response.context["messages"]] == [
        (messages.SUCCESS, "Confirmed 1 reservation(s).")
    ]


def test_confirm_holds_action_refuses_an_expired_hold_with_a_warning(staff, schedule):
    expired = schedule["reservations"]["expired"]

    response = confirm_holds(staff, expired)

    expired.refresh_from_db()
    assert expired.confirmed_at is None
    reported = [(message.level, str(message)) for message in response.context["messages"]]
    assert len(reported) == 1
    assert reported[0][0] == messages.WARNING
    assert reported[0][1].startswith(f"Reservation {expired.pk}: ")
    assert "expired" in reported[0][1]


def test_confirm_holds_action_handles_a_mixed_selection(staff, schedule):
    reservations = schedule["reservations"]

    response = confirm_holds(staff, reservations["held"], reservations["expired"], reservations["confirmed"])

    levels = sorted(message.level for message in response.context["messages"])
    assert levels == [messages.SUCCESS, messages.WARNING]
    assert "Confirmed 2 reservation(s)." in [str(message) for message in response.context["messages"]]
    assert Reservation.objects.confirmed().count() == 2
    confirmed = Reservation.objects.get(pk=reservations["confirmed"].pk)
    assert confirmed.confirmed_at == reservations["confirmed"].confirmed_at


@pytest.mark.parametrize("url", [RESERVATIONS_URL + "add/", APPOINTMENTS_URL + "add/"])
def test_adding_reservations_and_slots_is_forbidden(staff, url):
    response = staff.get(url)

    assert response.status_code == 403


@pytest.mark.parametrize("url", [RESERVATIONS_URL, APPOINTMENTS_URL])
def test_changelist_offers_no_add_link(staff, schedule, url):
    response = staff.get(url)

    assert response.context["has_add_permission"] is False
    assert f'href="{url}add/"' not in response.content.decode()


def test_providers_and_clients_can_be_added(staff):
    assert staff.get("/admin/reservation/provider/add/").status_code == 200
    assert staff.get("/admin/reservation/client/add/").status_code == 200


def test_admin_requires_login(frozen, client):
    response = client.get(RESERVATIONS_URL)

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
