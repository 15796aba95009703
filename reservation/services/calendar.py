"""Calendar feeds: each user's secret feed token, and their bookings as an iCalendar (RFC 5545) calendar.

A feed is a `CalendarFeed` row: one per user, holding a random token (``secrets.token_urlsafe(32)``, 256 bits)
that is the only credential of the feed's URL. `calendar_feed_create` makes it once; `calendar_feed_rotate`
replaces the token, so that the old URL stops working at once.

`feed_calendar` renders what the feed's user may see of the schedule, as calendar apps poll it:

- a provider gets the bookings of their slots, each titled "Appointment with <client>";
- a client gets their own bookings, each titled "Appointment with <provider>" (never another client);
- a user with both profiles gets both, a user with neither (staff) an empty calendar.

One VEVENT per confirmed booking whose slot starts within `PAST_WINDOW` before and `FUTURE_WINDOW` after now,
``STATUS:CONFIRMED``. A booking cancelled or rescheduled within `ENDED_KEPT_FOR`, whose slot is still to come,
stays in the feed as ``STATUS:CANCELLED`` with a higher ``SEQUENCE``, so that calendar apps which keep events
remove or strike it. Holds (confirmed or not yet), expired and released holds never appear.

Each event's ``UID`` is ``reservation-<id>@<domain>``, stable for the reservation's life; ``DTSTAMP`` and
``LAST-MODIFIED`` are when it was last revised (confirmed, or ended), as RFC 5545 asks for an object without
``METHOD``. The output is therefore the same from one request to the next until the schedule changes, which
makes it cacheable by ETag. Times are UTC (``Z``). Two SQL queries per request, whatever the number of events:
the feed with its user and profiles, and the reservations with their slots, providers and clients.
"""

import hmac
import secrets
from datetime import datetime, timedelta
from functools import reduce
from operator import or_

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.utils import timezone
from icalendar import Calendar, Event, vDuration
from icalendar.enums import CLASS, STATUS, TRANSP

from reservation.models import CalendarFeed, Client, Provider, Reservation, ReservationState

# Confirmed bookings are listed from this long before now ...
PAST_WINDOW = timedelta(days=30)
# ... to this long after.
FUTURE_WINDOW = timedelta(days=365)
# A cancelled or rescheduled booking stays in the feed (STATUS:CANCELLED) this long after it ended.
ENDED_KEPT_FOR = timedelta(days=30)
# How often calendar apps are asked to poll (REFRESH-INTERVAL, X-PUBLISHED-TTL).
REFRESH_INTERVAL = timedelta(hours=1)

PRODID = "-//Reservation service//Appointment calendar feed//EN"
TOKEN_BYTES = 32  # secrets.token_urlsafe(32): 43 characters
TOKEN_MAX_LENGTH = 64  # CalendarFeed.token's column
TOKEN_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

CALLED_OFF = (ReservationState.CANCELLED, ReservationState.RESCHEDULED)
# What a called-off booking's title starts with, so that apps which show cancelled events still say so.
CALLED_OFF_PREFIX = {ReservationState.CANCELLED.value: "Cancelled: ", ReservationState.RESCHEDULED.value: "Moved: "}


def new_token() -> str:
    """A fresh feed secret: 32 random bytes, URL-safe base64 (43 characters)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def calendar_feed_create(user: AbstractBaseUser, now: datetime | None = None) -> CalendarFeed:
    """The feed of ``user``, created with a new token if they have none yet (then it is returned as it is)."""
    feed, _ = CalendarFeed.objects.get_or_create(
        user_id=user.pk, defaults={"token": new_token(), "created_at": now or timezone.now()}
    )
    return feed


def calendar_feed_rotate(user: AbstractBaseUser, now: datetime | None = None) -> CalendarFeed:
    """Give ``user``'s feed a new token (creating the feed if they have none): the old URL stops working."""
    token = new_token()
    feed, _ = CalendarFeed.objects.update_or_create(
        user_id=user.pk,
        defaults={"token": token},
        create_defaults={"token": token, "created_at": now or timezone.now()},
    )
    return feed


def feed_by_token(token: str) -> CalendarFeed | None:
    """The feed whose secret is ``token``, with its user and their profiles; None if there is none or the
    user is inactive. A malformed token is refused without a query."""
    if not 0 < len(token) <= TOKEN_MAX_LENGTH or not TOKEN_ALPHABET.issuperset(token):
        return None
    feed = CalendarFeed.objects.select_related("user__provider", "user__client").filter(token=token).first()
    # The lookup found an equal token; compare again in constant time in case a collation ever folds case.
    if feed is None or not feed.user.is_active or not hmac.compare_digest(feed.token, token):
        return None
    return feed


def _profiles(feed: CalendarFeed) -> tuple[Provider | None, Client | None]:
    """The provider and client profiles of the feed's user (loaded with the feed: no query)."""
    return getattr(feed.user, "provider", None), getattr(feed.user, "client", None)


def feed_reservations(feed: CalendarFeed, now: datetime) -> list[Reservation]:
    """The reservations the feed lists at ``now``: confirmed bookings in the window, and recently called-off
    ones still to come; with their slot, provider and client; by start time. One query (none for staff)."""
    provider, client = _profiles(feed)
    whose = [
        *([Q(appointment__provider_id=provider.pk)] if provider is not None else []),
        *([Q(client_id=client.pk)] if client is not None else []),
    ]
    if not whose:
        return []
    booked = Q(ended_at__isnull=True)
    called_off = Q(
        end_reason__in=[state.value for state in CALLED_OFF],
        ended_at__gte=now - ENDED_KEPT_FOR,
        appointment__start_time__gte=now,
    )
    return list(
        Reservation.objects.filter(
            reduce(or_, whose),
            booked | called_off,
            confirmed_at__isnull=False,
            appointment__start_time__gte=now - PAST_WINDOW,
            appointment__start_time__lt=now + FUTURE_WINDOW,
        )
        .select_related("appointment__provider", "client")
        .order_by("appointment__start_time", "pk")
    )


def _event(reservation: Reservation, provider: Provider | None, domain: str) -> Event:
    """The VEVENT of one reservation, titled for the feed's user: the provider of ``provider``'s slots sees
    the client's name, anyone else (the client) only the provider's."""
    appointment = reservation.appointment
    theirs = provider is not None and appointment.provider_id == provider.pk
    other = reservation.client if theirs else appointment.provider
    ended = reservation.ended_at is not None
    # When it was last revised: ended, or else confirmed (feed_reservations lists confirmed ones only).
    revised = reservation.ended_at or reservation.confirmed_at or reservation.created_at
    prefix = CALLED_OFF_PREFIX.get(reservation.end_reason, "") if ended else ""
    return Event.new(
        uid=f"reservation-{reservation.pk}@{domain}",
        stamp=revised,
        last_modified=revised,
        start=appointment.start_time,
        end=appointment.end_time,
        summary=f"{prefix}Appointment with {other.first_name} {other.last_name}",
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
        subcomponents=[_event(reservation, provider, domain) for reservation in feed_reservations(feed, now)],
    )
    calendar.add("refresh-interval", vDuration(REFRESH_INTERVAL), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH_INTERVAL))
    text: bytes = calendar.to_ical()
    return text
