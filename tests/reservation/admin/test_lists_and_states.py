"""The Django admin for support staff, as a logged-in superuser sees it (under a frozen clock).

Changelists of the four models load with their data; reservation and appointment states are computed at page
load and filterable; the ``confirm_holds`` action confirms live holds through the domain service and refuses
expired ones with a warning; reservations and slots cannot be added by hand. A reservation's life shows as
its history inline and its states in the list; schedules and overrides are read-only (they change through
the API, which publishes the slots), and so is a provider's time zone.
"""

from datetime import time, timedelta
from typing import Any

import pytest
from django.contrib import messages
from django.test import Client as HttpClient

from reservation.models import Appointment, Reservation, ReservationState
from reservation.services.schedules import WeeklyRange, date_override_set, weekly_schedule_set
from reservation.timezones import LocalRange
from tests.factories import NOW, SYDNEY, make_client, make_provider, make_reservation, make_slot, provider_in
from tests.graphql import book, cancel, hold, release, reschedule, succeeded

pytestmark = pytest.mark.django_db

DAY_AFTER = NOW + timedelta(days=2)
RESERVATIONS_URL = "/admin/reservation/reservation/"
APPOINTMENTS_URL = "/admin/reservation/appointment/"


@pytest.fixture
def staff(frozen, admin_client):
    """The superuser's client, logged in under the frozen clock (so the session is not already expired)."""
    return admin_client


def changelist_pks(response: Any) -> set[int]:
    assert response.status_code == 200
    return {row.pk for row in response.context["cl"].result_list}


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
        (
            messages.SUCCESS,
            f"Reservation {hold.pk} (Ada Lovelace with Grace Hopper, Wed 9 Jan 2030 09:15 UTC): confirmed.",
        )
    ]


def test_confirm_holds_action_refuses_an_expired_hold_with_a_warning(staff, schedule):
    expired = schedule["reservations"]["expired"]

    response = confirm_holds(staff, expired)

    expired.refresh_from_db()
    assert expired.confirmed_at is None
    reported = [(message.level, str(message)) for message in response.context["messages"]]
    assert len(reported) == 1
    assert reported[0][0] == messages.WARNING
    assert reported[0][1].startswith(f"Reservation {expired.pk} (")
    assert reported[0][1].endswith("not done: the hold expired at 09:00 UTC, unconfirmed.")


def test_confirm_holds_action_handles_a_mixed_selection(staff, schedule):
    reservations = schedule["reservations"]

    response = confirm_holds(staff, reservations["held"], reservations["expired"], reservations["confirmed"])

    reported = [(message.level, str(message).split("): ", 1)[-1]) for message in response.context["messages"]]
    # One line per row, in reservation order (held, expired, confirmed), then the tally: the booking that was
    # already confirmed is not counted as confirmed (the "Confirmed 2" miscount).
    assert reported == [
        (messages.SUCCESS, "confirmed."),
        (messages.WARNING, "not done: the hold expired at 09:00 UTC, unconfirmed."),
        (messages.INFO, "already confirmed; nothing to do."),
        (messages.INFO, "Confirmed 1; nothing to do for 1; refused 1."),
    ]
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


# --- a reservation's life, made through the API so that its history is the real one ---------------------


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


def test_the_change_page_of_an_expired_hold_says_when_it_expired(admin: HttpClient, lives):
    """Expiry is never recorded (it is derived when read), so the page derives it: at the hold's expires_at."""
    expired, confirmed = lives["expired"], lives["confirmed"]

    page = admin.get(f"{RESERVATIONS_URL}{expired.pk}/change/").content.decode()
    other = admin.get(f"{RESERVATIONS_URL}{confirmed.pk}/change/").content.decode()

    assert f"{expired.expires_at:%Y-%m-%d %H:%M:%S} UTC, unconfirmed" in page
    assert "unconfirmed (derived, never recorded)" not in other
    assert not expired.events.filter(kind="expired").exists()


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


# --- schedules and overrides ----------------------------------------------------------------------------------


def test_schedules_and_overrides_are_listed_read_only(staff) -> None:
    provider = provider_in(SYDNEY)
    weekly_schedule_set(provider_id=provider.pk, ranges=[WeeklyRange(0, time(9), time(12))])
    override, _ = date_override_set(provider_id=provider.pk, day=NOW.date() + timedelta(days=3), ranges=[])
    date_override_set(
        provider_id=provider.pk, day=NOW.date() + timedelta(days=4), ranges=[LocalRange(time(14), time(15))]
    )

    schedule = staff.get("/admin/reservation/weeklyschedulerange/")
    overrides = staff.get("/admin/reservation/dateoverride/")
    detail = staff.get(f"/admin/reservation/dateoverride/{override.pk}/change/")

    assert schedule.status_code == overrides.status_code == detail.status_code == 200
    assert b"Hopper" in schedule.content
    assert len(overrides.context["cl"].result_list) == 2
    assert not schedule.context["has_add_permission"]
    assert staff.get("/admin/reservation/weeklyschedulerange/add/").status_code == 403
    assert staff.post(f"/admin/reservation/dateoverride/{override.pk}/delete/", {"post": "yes"}).status_code == 403


def test_withdrawn_slots_have_their_own_state(staff) -> None:
    provider = provider_in("UTC")
    offered = make_slot(provider, NOW + timedelta(days=2))
    withdrawn = make_slot(provider, NOW + timedelta(days=2, minutes=15))
    Appointment.objects.filter(pk=withdrawn.pk).update(withdrawn_at=NOW)

    listed = staff.get("/admin/reservation/appointment/", {"state": "withdrawn"})
    opened = staff.get("/admin/reservation/appointment/", {"state": "open"})

    assert [row.pk for row in listed.context["cl"].result_list] == [withdrawn.pk]
    assert [row.pk for row in opened.context["cl"].result_list] == [offered.pk]


def test_a_providers_time_zone_is_shown_but_not_edited_by_hand(staff) -> None:
    provider = provider_in(SYDNEY)
    staff.post(
        f"/admin/reservation/provider/{provider.pk}/change/",
        {"first_name": "Grace", "last_name": "Hopper", "time_zone": "Nowhere/Land"},
    )
    provider.refresh_from_db()
    assert provider.time_zone == SYDNEY
    assert SYDNEY.encode() in staff.get("/admin/reservation/provider/").content
