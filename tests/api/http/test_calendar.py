"""GET /calendar/<token>.ics: each user's bookings as an RFC 5545 calendar, read with the icalendar library.

The world is `tests.calendar.conftest`'s schedule (its table says which reservation each feed lists).
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from icalendar import Calendar, Event

from reservation.models import CalendarFeed, Provider, Reservation
from reservation.services.calendar import calendar_feed_create, calendar_feed_rotate
from tests.factories import NOW, CalendarSchedule, make_booking, make_client, make_provider

CANCELLED = CalendarSchedule.CANCELLED
LISTED = CalendarSchedule.LISTED

ROLES = sorted(LISTED)


def feed_path(user: User) -> str:
    """The path of ``user``'s feed (created if need be)."""
    return f"/calendar/{calendar_feed_create(user).token}.ics"


def fetch(path: str, **headers: str) -> tuple[Calendar, bytes]:
    """The parsed calendar at ``path`` and its raw text, fetched without any credential but the URL."""
    response = HttpClient().get(path, headers=headers)
    assert response.status_code == 200, response.content
    return Calendar.from_ical(response.content), response.content


def events_by_label(calendar: Calendar, schedule: CalendarSchedule) -> dict[str, Event]:
    return {schedule.label(str(event["UID"])): event for event in calendar.events}


@pytest.mark.parametrize("role", ROLES)
def test_each_feed_lists_exactly_the_users_bookings(client, schedule: CalendarSchedule, role: str) -> None:
    calendar, _ = fetch(feed_path(schedule.users[role]))

    events = events_by_label(calendar, schedule)
    assert set(events) == LISTED[role]
    for label, event in events.items():
        reservation = schedule.reservations[label]
        assert event.start == reservation.appointment.start_time
        assert event.end == reservation.appointment.end_time
        assert str(event["STATUS"]) == ("CANCELLED" if label in CANCELLED else "CONFIRMED")
    starts = [event.start for event in calendar.events]
    assert starts == sorted(starts)


def test_the_feed_is_an_rfc_5545_calendar(client, schedule: CalendarSchedule) -> None:
    response = client.get(feed_path(schedule.users["C"]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, max-age=300"
    assert response.cookies == {}
    text = response.content.decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR\r\n")
    assert text.endswith("END:VCALENDAR\r\n")
    assert all(line.endswith("\r") for line in text.split("\n")[:-1]), "every line ends with CRLF"
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == "-//Reservation service//Appointment calendar feed//EN"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["X-WR-CALNAME"]) == "Appointments (Ada Lovelace)"
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in text
    for event in calendar.events:
        for required in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "SEQUENCE", "STATUS"):
            assert required in event, required
    # Times in UTC, written with Z.
    booked = schedule.reservations["c-booked-p"]
    assert f"DTSTART:{booked.appointment.start_time:%Y%m%dT%H%M%S}Z\r\n" in text
    assert f"DTEND:{booked.appointment.end_time:%Y%m%dT%H%M%S}Z\r\n" in text


def test_a_booking_as_served(client, schedule: CalendarSchedule) -> None:
    """One event in full: when it was confirmed is its DTSTAMP and LAST-MODIFIED, and it is private."""
    booked = schedule.reservations["d-booked-q"]
    _, text = fetch(feed_path(schedule.users["D"]))

    expected = (
        "BEGIN:VEVENT\r\n"
        "SUMMARY:Appointment with Alan Turing\r\n"
        "DTSTART:20300109T120000Z\r\n"
        "DTEND:20300109T121500Z\r\n"
        "DTSTAMP:20300105T090100Z\r\n"
        f"UID:reservation-{booked.pk}@testserver\r\n"
        "SEQUENCE:0\r\n"
        "CLASS:PRIVATE\r\n"
        "LAST-MODIFIED:20300105T090100Z\r\n"
        "STATUS:CONFIRMED\r\n"
        "TRANSP:OPAQUE\r\n"
        "END:VEVENT\r\n"
    )
    assert expected in text.decode("utf-8")


def test_clients_see_the_provider_and_providers_see_the_client(client, schedule: CalendarSchedule) -> None:
    as_client = events_by_label(fetch(feed_path(schedule.users["C"]))[0], schedule)
    as_provider = events_by_label(fetch(feed_path(schedule.users["P"]))[0], schedule)

    assert str(as_client["c-booked-p"]["SUMMARY"]) == "Appointment with Grace Hopper"
    assert str(as_client["c-booked-q"]["SUMMARY"]) == "Appointment with Alan Turing"
    assert str(as_provider["c-booked-p"]["SUMMARY"]) == "Appointment with Ada Lovelace"
    assert str(as_provider["d-booked-p"]["SUMMARY"]) == "Appointment with Edsger Dijkstra"


@pytest.mark.parametrize(("role", "other"), [("C", "D"), ("D", "C")])
def test_a_client_feed_holds_nothing_of_another_client(
    client, schedule: CalendarSchedule, role: str, other: str
) -> None:
    _, text = fetch(feed_path(schedule.users[role]))

    stranger = schedule.clients[other]
    assert stranger.first_name.encode() not in text
    assert stranger.last_name.encode() not in text
    for label, reservation in schedule.reservations.items():
        if reservation.client_id == stranger.pk:
            assert schedule.uid(label).encode() not in text


def test_a_provider_feed_holds_nothing_of_another_providers_slots(client, schedule: CalendarSchedule) -> None:
    _, text = fetch(feed_path(schedule.users["Q"]))

    for label in LISTED["P"] - LISTED["Q"]:
        assert schedule.uid(label).encode() not in text
    assert b"Hopper" not in text


def test_cancelled_and_rescheduled_bookings_are_cancelled_events(client, schedule: CalendarSchedule) -> None:
    """Calendar apps that keep events remove or strike them: STATUS:CANCELLED, a higher SEQUENCE, and a
    title that says so for apps that show cancelled events as they are."""
    events = events_by_label(fetch(feed_path(schedule.users["C"]))[0], schedule)

    cancelled, moved = events["c-cancelled-p"], events["c-moved-from-p"]
    assert (str(cancelled["STATUS"]), cancelled["SEQUENCE"]) == ("CANCELLED", 1)
    assert str(cancelled["SUMMARY"]) == "Cancelled: Appointment with Grace Hopper"
    assert str(cancelled["TRANSP"]) == "TRANSPARENT"
    assert schedule.reservations["c-cancelled-p"].ended_at == cancelled.DTSTAMP
    assert (str(moved["STATUS"]), moved["SEQUENCE"]) == ("CANCELLED", 1)
    assert str(moved["SUMMARY"]) == "Moved: Appointment with Grace Hopper"
    moved_to = events["c-moved-to-p"]
    assert (str(moved_to["STATUS"]), moved_to["SEQUENCE"]) == ("CONFIRMED", 0)
    assert moved_to["UID"] != moved["UID"]


def test_cancelling_turns_a_listed_event_into_a_cancelled_one_with_the_same_uid(
    client, schedule: CalendarSchedule, frozen
) -> None:
    path = feed_path(schedule.users["C"])
    before = events_by_label(fetch(path)[0], schedule)["c-booked-q"]

    frozen.tick(timedelta(hours=1))
    booking = schedule.reservations["c-booked-q"]
    Reservation.objects.filter(pk=booking.pk).update(ended_at=NOW + timedelta(hours=1), end_reason="cancelled")
    after = events_by_label(fetch(path)[0], schedule)["c-booked-q"]

    assert after["UID"] == before["UID"]
    assert after.sequence > before.sequence
    assert after.DTSTAMP > before.DTSTAMP
    assert str(after["STATUS"]) == "CANCELLED"


def test_uids_and_content_are_stable_across_requests(client, schedule: CalendarSchedule, frozen) -> None:
    path = feed_path(schedule.users["P"])
    first = client.get(path)
    frozen.tick(timedelta(minutes=7))
    second = client.get(path)

    assert [str(event["UID"]) for event in Calendar.from_ical(first.content).events] == [
        str(event["UID"]) for event in Calendar.from_ical(second.content).events
    ]
    assert first.content == second.content
    assert first["ETag"] == second["ETag"]


def test_a_poll_with_the_etag_is_not_modified(client, schedule: CalendarSchedule) -> None:
    path = feed_path(schedule.users["D"])
    etag = client.get(path)["ETag"]

    response = client.get(path, headers={"If-None-Match": etag})

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert response["Cache-Control"] == "private, max-age=300"
    assert client.get(path, headers={"If-None-Match": '"something-else"'}).status_code == 200


def test_the_window_moves_with_the_clock(client, schedule: CalendarSchedule, frozen) -> None:
    """Bookings are listed from 30 days before now to 365 days after; cancelled ones until their slot starts."""
    path = feed_path(schedule.users["D"])
    assert "d-past-p" in events_by_label(fetch(path)[0], schedule)

    frozen.move_to(NOW + timedelta(days=20, seconds=1))  # d-past-p started 30 days and 1 second ago
    assert "d-past-p" not in events_by_label(fetch(path)[0], schedule)

    path = feed_path(schedule.users["C"])
    frozen.move_to(schedule.reservations["c-cancelled-p"].appointment.start_time)
    assert "c-cancelled-p" in events_by_label(fetch(path)[0], schedule)
    frozen.tick(timedelta(seconds=1))
    assert "c-cancelled-p" not in events_by_label(fetch(path)[0], schedule)


def test_the_url_works_without_authorization_and_ignores_any(client, schedule: CalendarSchedule) -> None:
    path = feed_path(schedule.users["C"])

    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic Y2FsOmNhbA=="}):
        response = HttpClient().get(path, headers=headers)
        assert response.status_code == 200, headers
        assert len(Calendar.from_ical(response.content).events) == len(LISTED["C"])


def test_unknown_tokens_get_a_bare_404(client, schedule: CalendarSchedule) -> None:
    real = calendar_feed_create(schedule.users["C"]).token
    unknown = [
        "A" * 43,  # well formed, but no feed has it
        real[:-1],
        real.swapcase(),
        real + "x",
        "x" * 100,  # longer than any token
        "not.a.token",  # not URL-safe base64
    ]
    responses = [client.get(f"/calendar/{token}.ics") for token in unknown]

    for token, response in zip(unknown, responses, strict=True):
        assert response.status_code == 404, token
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        assert response.content == b"Not found.\n"
        assert response["Cache-Control"] == "no-store"
    assert client.get(f"/calendar/{real}").status_code == 404  # without .ics
    assert client.get(f"/calendar/{real}.ics").status_code == 200


def test_a_rotated_token_stops_working(client, schedule: CalendarSchedule) -> None:
    old = feed_path(schedule.users["C"])
    new = f"/calendar/{calendar_feed_rotate(schedule.users['C']).token}.ics"

    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_a_deactivated_users_feed_is_gone(client, schedule: CalendarSchedule) -> None:
    user = schedule.users["D"]
    path = feed_path(user)
    user.is_active = False
    user.save(update_fields=["is_active"])

    assert client.get(path).status_code == 404


def test_staff_without_a_profile_get_an_empty_calendar(client, schedule: CalendarSchedule, staff_user: User) -> None:
    calendar, _ = fetch(feed_path(staff_user))

    assert calendar.events == []
    assert str(calendar["X-WR-CALNAME"]) == "Appointments"


def test_a_user_with_both_profiles_gets_both_views(client, schedule: CalendarSchedule) -> None:
    """Their own bookings say who the provider is; the bookings of their slots, who the client is."""
    provider = Provider.objects.create(user=schedule.clients["C"].user, first_name="Ada", last_name="Lovelace")
    booking = make_booking(schedule.clients["D"], provider, NOW + 2 * timedelta(days=1) + timedelta(hours=5))

    events = {str(event["UID"]): event for event in fetch(feed_path(schedule.users["C"]))[0].events}

    assert len(events) == len(LISTED["C"]) + 1
    assert str(events[f"reservation-{booking.pk}@testserver"]["SUMMARY"]) == "Appointment with Edsger Dijkstra"
    assert str(events[schedule.uid("c-booked-p")]["SUMMARY"]) == "Appointment with Grace Hopper"


def test_only_get_and_head(client, schedule: CalendarSchedule) -> None:
    path = feed_path(schedule.users["C"])

    assert client.head(path).status_code == 200
    assert client.post(path).status_code == 405
    assert client.put(path).status_code == 405
    assert client.delete(path).status_code == 405
    assert CalendarFeed.objects.count() == 1


def grow(provider: Provider, count: int) -> None:
    """Give ``provider`` ``count`` more bookings, each by a new client, 15 minutes apart from tomorrow on."""
    existing = provider.appointments.count()
    for index in range(existing, existing + count):
        patient = make_client("Pat", f"Ient {index}", username=f"patient-{index}")
        make_booking(patient, provider, NOW + timedelta(days=1, minutes=15 * index))


def count_queries(path: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = HttpClient().get(path)
    assert response.status_code == 200
    return len(context.captured_queries)


def test_queries_do_not_grow_with_the_bookings(client, db, frozen) -> None:
    """Two queries: the feed with its user and profiles; the bookings with their slots, providers and clients."""
    provider = make_provider("Barbara", "Liskov", username="busy-provider")
    assert provider.user is not None
    path = feed_path(provider.user)
    counts = {}
    for size in (5, 50):
        grow(provider, size - provider.appointments.count())
        assert len(Calendar.from_ical(HttpClient().get(path).content).events) == size
        counts[size] = count_queries(path)

    assert counts == {5: 2, 50: 2}
