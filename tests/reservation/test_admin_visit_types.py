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
