"""A user's bookings as an iCalendar (RFC 5545) calendar, as calendar apps poll it from their feed's URL.

What the feed lists is `reservation.selectors.calendar_feed_reservations`:

- a provider gets the bookings of their slots, each titled "Appointment with <client>";
- a client gets their own bookings, each titled "Appointment with <provider>" (never another client);
- a user with both profiles gets both, a user with neither (staff) an empty calendar.

One VEVENT per confirmed booking (a visit from its start to its end, buffers excluded, titled with its visit
type's name; a video visit with its join link as ``URL`` and ``LOCATION``) whose slot starts from 30 days
before to 365 days after now, ``STATUS:CONFIRMED``. A booking cancelled or rescheduled within the last 30
days, whose slot is still to come, stays in the feed as ``STATUS:CANCELLED`` with a higher ``SEQUENCE``, so
that calendar apps which keep events remove or strike it. Holds (confirmed or not yet), expired and released
holds never appear.

Each event's ``UID`` is ``reservation-<id>@<domain>``, stable for the reservation's life; ``DTSTAMP`` and
``LAST-MODIFIED`` are when it was last revised (confirmed, or ended), as RFC 5545 asks for an object without
``METHOD``. The output is therefore the same from one request to the next until the schedule changes, which
makes it cacheable by ETag. Times are UTC (``Z``). Two SQL queries per request, whatever the number of events:
the feed with its user and profiles (`reservation.selectors.calendar_feed_by_token`), and the reservations with
their slots, providers and clients.
"""

from datetime import datetime, timedelta

from icalendar import Calendar, Event, vDuration
from icalendar.enums import CLASS, STATUS, TRANSP

from reservation.models import CalendarFeed, Client, Provider, Reservation, ReservationState
from reservation.selectors import calendar_feed_reservations

# How often calendar apps are asked to poll (REFRESH-INTERVAL, X-PUBLISHED-TTL).
REFRESH_INTERVAL = timedelta(hours=1)
PRODID = "-//Reservation service//Appointment calendar feed//EN"
# What a called-off booking's title starts with, so that apps which show cancelled events still say so.
CALLED_OFF_PREFIX = {ReservationState.CANCELLED.value: "Cancelled: ", ReservationState.RESCHEDULED.value: "Moved: "}


def _profiles(feed: CalendarFeed) -> tuple[Provider | None, Client | None]:
    """The provider and client profiles of the feed's user (loaded with the feed: no query)."""
    return getattr(feed.user, "provider", None), getattr(feed.user, "client", None)


def _event(reservation: Reservation, provider: Provider | None, domain: str) -> Event:
    """The VEVENT of one reservation, titled for the feed's user: the provider of ``provider``'s slots sees
    the client's name, anyone else (the client) only the provider's."""
    appointment = reservation.appointment
    theirs = provider is not None and appointment.provider_id == provider.pk
    other = reservation.client if theirs else appointment.provider
    ended = reservation.ended_at is not None
    # When it was last revised: ended, or else confirmed (calendar_feed_reservations lists confirmed ones only).
    revised = reservation.ended_at or reservation.confirmed_at or reservation.created_at
    prefix = CALLED_OFF_PREFIX.get(reservation.end_reason, "") if ended else ""
    what = reservation.visit_type.name if reservation.visit_type is not None else "Appointment"
    return Event.new(
        uid=f"reservation-{reservation.pk}@{domain}",
        stamp=revised,
        last_modified=revised,
        start=reservation.starts_at,
        end=reservation.ends_at,
        summary=f"{prefix}{what} with {other.first_name} {other.last_name}",
        # A confirmed video visit's join link; cleared when it is cancelled or moved, so never on those.
        url=reservation.video_url or None,
        location=reservation.video_url or None,
        # A booking's time never changes (rescheduling makes a new one), so ending it is its only revision.
        sequence=1 if ended else 0,
        status=STATUS.CANCELLED if ended else STATUS.CONFIRMED,
        transparency=TRANSP.TRANSPARENT if ended else TRANSP.OPAQUE,
        # Health appointments: calendar apps that share free/busy should not show the details.
        classification=CLASS.PRIVATE,
    )


def feed_calendar(feed: CalendarFeed, now: datetime, domain: str) -> bytes:
    """The feed's calendar at ``now`` as iCalendar text (UTF-8, CRLF line ends); ``domain`` names the UIDs."""
    provider, client = _profiles(feed)
    names = [f"{person.first_name} {person.last_name}" for person in (provider, client) if person is not None]
    calendar = Calendar.new(
        prodid=PRODID,
        calscale="GREGORIAN",
        name=f"Appointments ({', '.join(dict.fromkeys(names))})" if names else "Appointments",
        uid=f"appointments-{feed.user_id}@{domain}",
        subcomponents=[_event(reservation, provider, domain) for reservation in calendar_feed_reservations(feed, now)],
    )
    calendar.add("refresh-interval", vDuration(REFRESH_INTERVAL), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH_INTERVAL))
    text: bytes = calendar.to_ical()
    return text
