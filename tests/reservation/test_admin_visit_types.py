"""The visit types' admin (issue 13), as a logged-in superuser sees it: the list, a type with its offers and
caps inline, each visit booked of it with its time and video link, and the notice floor in the form."""

from datetime import timedelta

import pytest

from reservation.models import VisitType
from reservation.services.reservations import reservation_confirm, reservation_create
from tests.factories import NOW, make_client, make_provider, make_slots, make_visit_type

pytestmark = pytest.mark.django_db

URL = "/admin/reservation/visittype/"


@pytest.fixture
def staff(frozen, admin_client):
    return admin_client


def test_the_list_shows_lengths_in_minutes(staff):
    make_visit_type("Therapy", slots=4, after=1, offered_by=(make_provider(),))
    page = staff.get(URL).content.decode()
    assert "Therapy" in page
    assert '<td class="field-duration_minutes">60</td>' in page
    assert "0 / 15" in page


def test_a_type_shows_its_offers_and_its_visits_with_their_links(staff):
    provider = make_provider()
    video = make_visit_type("Video follow-up", slots=2, video=True, offered_by=(provider,), daily_cap=6)
    slots = make_slots(provider, NOW + timedelta(days=2), 2)
    visit = reservation_create(client_id=make_client().pk, appointment_id=slots[0].pk, visit_type_id=video.pk)
    link = reservation_confirm(reservation_id=visit.pk).video_url

    page = staff.get(f"{URL}{video.pk}/change/").content.decode()
    assert 'value="6"' in page  # the daily cap, editable inline
    assert link in page


def test_the_form_refuses_a_notice_below_24_hours_and_saves_a_valid_type(staff):
    form = {
        "name": "Quick",
        "description": "",
        "duration_slots": 1,
        "buffer_before_slots": 0,
        "buffer_after_slots": 0,
        "minimum_notice_hours": 12,
        "booking_window_days": 30,
        "offers-TOTAL_FORMS": 0,
        "offers-INITIAL_FORMS": 0,
        "reservations-TOTAL_FORMS": 0,
        "reservations-INITIAL_FORMS": 0,
    }
    refused = staff.post(f"{URL}add/", form)
    assert refused.status_code == 200
    assert "At least 24 hours" in refused.content.decode()
    assert not VisitType.objects.exists()
    saved = staff.post(f"{URL}add/", {**form, "minimum_notice_hours": 48})
    assert saved.status_code == 302, saved.content.decode()[:2000]
    assert VisitType.objects.get().minimum_notice_hours == 48


def test_a_visit_shows_in_the_reservation_pages_with_its_type_time_and_link(staff):
    provider = make_provider()
    video = make_visit_type("Video intake", slots=3, after=1, video=True, offered_by=(provider,))
    slots = make_slots(provider, NOW + timedelta(days=2), 4)
    visit = reservation_create(client_id=make_client().pk, appointment_id=slots[0].pk, visit_type_id=video.pk)
    link = reservation_confirm(reservation_id=visit.pk).video_url

    listed = staff.get("/admin/reservation/reservation/").content.decode()
    assert "Video intake (45 min)" in listed
    page = staff.get(f"/admin/reservation/reservation/{visit.pk}/change/").content.decode()
    assert "Video intake (45 min)" in page
    assert "with buffers" in page  # the 15 minutes of notes after it
    assert f'href="{link}"' in page


def test_a_slot_inside_a_visit_reads_as_held_by_it_and_lists_it(staff):
    provider = make_provider()
    intake = make_visit_type("Intake", slots=3, offered_by=(provider,))
    slots = make_slots(provider, NOW + timedelta(days=2), 3)
    client = make_client()
    visit = reservation_create(client_id=client.pk, appointment_id=slots[0].pk, visit_type_id=intake.pk)

    page = staff.get(f"/admin/reservation/appointment/{slots[2].pk}/change/").content.decode()
    assert "held by" in page  # the state sentence names the visit's hold, not "open"
    assert f"/admin/reservation/reservation/{visit.pk}/change/" in page  # and its reservations list the visit
    held = staff.get("/admin/reservation/appointment/?state=held").content.decode()
    assert f"/admin/reservation/appointment/{slots[2].pk}/change/" in held


def test_a_visit_is_offered_only_the_starts_where_the_whole_visit_fits(staff):
    from reservation.selectors import reschedule_options

    provider = make_provider()
    intake = make_visit_type("Intake", slots=2, offered_by=(provider,))
    slots = make_slots(provider, NOW + timedelta(days=2), 6)
    visit = reservation_create(client_id=make_client().pk, appointment_id=slots[0].pk, visit_type_id=intake.pk)
    booking = reservation_confirm(reservation_id=visit.pk)

    offered = [slot.pk for slot in reschedule_options(booking, NOW)]
    # slots 0-1 are the visit's own; a 30-minute visit fits from 2, 3 and 4, not from the last slot alone.
    assert offered == [slots[2].pk, slots[3].pk, slots[4].pk]
