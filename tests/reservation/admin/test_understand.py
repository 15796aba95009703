"""Understanding: a slot's state now and who holds it until when, its reservations with their history; a person's
upcoming and past reservations; times in the provider's zone with its label and UTC beside; readable titles."""

import re
from datetime import timedelta

import pytest

from reservation.models import Appointment, ReservationState
from tests.factories import NOW, make_reservation, make_slot

pytestmark = pytest.mark.django_db

SLOT_PAGE = "/admin/reservation/appointment/{}/change/"


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_held_slot_says_who_holds_it_until_when_in_the_providers_zone(support, clinic):
    page = support.get(SLOT_PAGE.format(clinic.held.appointment_id)).content.decode()

    # Held at 08:50 UTC for 30 minutes: until 09:20 UTC, 04:20 EST in New York.
    assert "held by" in page
    assert "Ada Lovelace (ada)" in page
    assert "Mon 7 Jan 2030 04:20 EST" in text_of(page)
    assert "09:20 UTC" in page
    assert 'title="2030-01-07T09:20:00+00:00 (America/New_York)"' in page


def test_a_slot_lists_its_reservations_with_their_history(support, clinic):
    slot = clinic.slots[4]
    released = make_reservation(
        clinic.namesake,
        slot,
        NOW - timedelta(hours=3),
        ended_at=NOW - timedelta(hours=2),
        end_reason=ReservationState.RELEASED,
    )
    released.events.create(kind="held", at=released.created_at)
    released.events.create(kind="released", at=NOW - timedelta(hours=2), actor=clinic.namesake.user)

    page = text_of(support.get(SLOT_PAGE.format(slot.pk)).content.decode())

    assert f"#{released.pk} Ada Lovelace (ada2)" in page
    assert "released" in page
    assert "released Mon 7 Jan 2030 02:00 EST · 07:00 UTC by ada2" in page
    assert "open" in page


def test_an_expired_holds_history_ends_with_its_derived_expiry(support, clinic):
    page = text_of(support.get(SLOT_PAGE.format(clinic.expired.appointment_id)).content.decode())

    # Made 07:00 UTC, ran out 07:30 UTC (02:30 EST); the slot is open again.
    assert "expired Mon 7 Jan 2030 02:30 EST" in page
    assert "State now: open" in page


@pytest.mark.parametrize(
    ("which", "sentence"),
    [
        ("booked", "booked by Ada Lovelace (ada) ( the booking )"),
        ("closed", "closed: starts within the 24-hour notice"),
        ("withdrawn", "withdrawn on Mon 7 Jan 2030 04:00 EST"),
        ("past", "closed: already started"),
    ],
)
def test_each_slot_state_is_told_as_a_sentence(support, clinic, which, sentence):
    if which == "booked":
        slot = clinic.booked.appointment
    elif which == "withdrawn":
        slot = clinic.slots[5]
    else:
        slot = make_slot(clinic.provider, NOW + timedelta(hours=3 if which == "closed" else -3))
    if which == "withdrawn":
        Appointment.objects.filter(pk=slot.pk).update(withdrawn_at=NOW)

    page = text_of(support.get(SLOT_PAGE.format(slot.pk)).content.decode())

    assert sentence in page


def test_the_slot_list_shows_local_times_and_when_a_hold_runs_out(support, clinic):
    response = support.get("/admin/reservation/appointment/", {"state": "held"})

    page = text_of(response.content.decode())
    assert [row.pk for row in response.context["cl"].result_list] == [clinic.held.appointment_id]
    assert "Wed 9 Jan 2030 04:00 EST · 09:00 UTC" in page
    assert "Mon 7 Jan 2030 04:20 EST · 09:20 UTC" in page


def test_titles_read_as_people_say_them(support, clinic):
    page = support.get(f"/admin/reservation/reservation/{clinic.booked.pk}/change/").content.decode()

    assert str(clinic.booked) == "Ada Lovelace with Grace Hopper, Wed 9 Jan 2030 04:15 EST, confirmed"
    assert "Ada Lovelace with Grace Hopper, Wed 9 Jan 2030 04:15 EST, confirmed" in page
    assert str(clinic.slots[0]) == "Grace Hopper, Wed 9 Jan 2030 04:00 EST"
    assert "Reservation 1 of" not in page


def test_a_clients_page_lists_upcoming_and_past_reservations_linked(support, clinic):
    old = make_slot(clinic.provider, NOW - timedelta(days=3))
    past = make_reservation(clinic.client, old, NOW - timedelta(days=5), confirmed=True)

    page = support.get(f"/admin/reservation/client/{clinic.client.pk}/change/").content.decode()

    upcoming_part, past_part = page.split("Past reservations", 1)
    assert f"/admin/reservation/reservation/{clinic.booked.pk}/change/" in upcoming_part
    assert f"/admin/reservation/reservation/{clinic.held.pk}/change/" in upcoming_part
    assert f"/admin/reservation/reservation/{past.pk}/change/" in past_part
    assert f"/admin/reservation/reservation/{past.pk}/change/" not in upcoming_part
    assert f"/admin/reservation/reservation/{clinic.expired.pk}/change/" not in page  # the namesake's


def test_a_providers_page_lists_the_reservations_of_their_slots(support, clinic):
    page = support.get(f"/admin/reservation/provider/{clinic.provider.pk}/change/").content.decode()

    for reservation in (clinic.held, clinic.booked, clinic.expired):
        assert f"/admin/reservation/reservation/{reservation.pk}/change/" in page
    assert "Withdraw free slots" in page
    assert "America/New_York" in page


def test_read_only_pages_show_no_save_button(support, clinic):
    for url in (
        f"/admin/reservation/reservation/{clinic.booked.pk}/change/",
        SLOT_PAGE.format(clinic.slots[0].pk),
    ):
        page = support.get(url).content.decode()
        assert 'name="_save"' not in page
        assert 'name="_continue"' not in page
