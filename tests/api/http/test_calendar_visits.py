"""Visits in the calendar feed (issue 13): from the visit's start to its end (buffers excluded), titled with
the visit type, a confirmed video visit with its link as URL and LOCATION, and no link once cancelled or moved."""

from datetime import timedelta
from typing import Any

import pytest
from icalendar import Calendar

from reservation.actors import SYSTEM
from reservation.services.calendar import calendar_feed_create
from reservation.services.reservations import (
    reservation_cancel,
    reservation_confirm,
    reservation_create,
    reservation_reschedule,
)
from tests.factories import NOW, SLOT, make_client, make_provider, make_slots, make_user, make_visit_type

pytestmark = pytest.mark.django_db


def events(user) -> list[Any]:
    from django.test import Client as HttpClient

    response = HttpClient().get(f"/calendar/{calendar_feed_create(user).token}.ics")
    assert response.status_code == 200
    return list(Calendar.from_ical(response.content).events)


def test_a_video_visit_in_both_feeds_with_its_link_then_without_it_once_moved_and_cancelled(frozen, settings):
    settings.VIDEO_VISIT_URL_TEMPLATE = "https://meet.example.org/{room}"
    provider_user, client_user = make_user("provider-v"), make_user("client-v")
    provider = make_provider(username=None)
    provider.user = provider_user
    provider.save()
    patient = make_client()
    patient.user = client_user
    patient.save()
    video = make_visit_type("Video intake", slots=3, before=1, after=1, video=True, offered_by=(provider,))
    start = NOW + timedelta(days=2)
    slots = make_slots(provider, start, 10)
    visit = reservation_create(client_id=patient.pk, appointment_id=slots[1].pk, visit_type_id=video.pk)
    link = reservation_confirm(reservation_id=visit.pk).video_url

    for user, other in ((client_user, "Grace Hopper"), (provider_user, "Ada Lovelace")):
        (event,) = events(user)
        assert str(event["SUMMARY"]) == f"Video intake with {other}"
        assert event.decoded("DTSTART") == start + SLOT  # the visit, not its buffer before
        assert event.decoded("DTEND") == start + 4 * SLOT
        assert str(event["URL"]) == link
        assert str(event["LOCATION"]) == link

    moved = reservation_reschedule(reservation_id=visit.pk, appointment_id=slots[5].pk)
    by_status = {str(event["STATUS"]): event for event in events(client_user)}
    assert "URL" not in by_status["CANCELLED"]
    assert str(by_status["CONFIRMED"]["URL"]) == moved.video_url != link

    reservation_cancel(reservation_id=moved.pk, actor=SYSTEM)
    assert all("URL" not in event and "LOCATION" not in event for event in events(client_user))
