"""`calendarFeedCreate` and `calendarFeedRotate`: the caller's secret iCalendar feed URL."""

from typing import Any

import graphene

from api.auth.permissions import get_viewer, require_authenticated
from api.core.context import context_of, signed_in_user
from api.core.mutation import DomainMutation
from api.http.calendar import feed_url
from reservation.services.calendar import calendar_feed_create, calendar_feed_rotate

URL_DESCRIPTION = (
    "The feed's secret URL (https://<host>/calendar/<token>.ics): subscribe to it in a calendar app. Anyone "
    "who has it can read the feed, so keep it private; rotate it if it leaks."
)


class CalendarFeedCreate(DomainMutation):
    """The caller's iCalendar feed of their confirmed appointments: created on the first call, the same URL
    on later ones. A provider's feed lists the bookings of their slots, with the clients' names; a client's,
    their own bookings, with the provider's name. Needs a signed-in caller (else UNAUTHENTICATED)."""

    url = graphene.String(description=URL_DESCRIPTION)

    class Meta:
        # No idempotencyKey (api.core.idempotency): a stored result would keep the secret URL in another table, and a
        # replayed rotation would hand back a URL that may have been rotated away since.
        idempotent = False

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, **data: Any) -> "CalendarFeedCreate":
        require_authenticated(get_viewer(info))
        feed = calendar_feed_create(signed_in_user(info))
        return cls(url=feed_url(context_of(info).request, feed), errors=[])


class CalendarFeedRotate(DomainMutation):
    """Give the caller's calendar feed a new secret URL: the old one stops working at once (404), so calendar
    apps must subscribe again. Creates the feed if there is none. Needs a signed-in caller."""

    url = graphene.String(description=URL_DESCRIPTION)

    class Meta:
        # No idempotencyKey (api.core.idempotency): a stored result would keep the secret URL in another table, and a
        # replayed rotation would hand back a URL that may have been rotated away since.
        idempotent = False

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, **data: Any) -> "CalendarFeedRotate":
        require_authenticated(get_viewer(info))
        feed = calendar_feed_rotate(signed_in_user(info))
        return cls(url=feed_url(context_of(info).request, feed), errors=[])


class CalendarFeedMutations(graphene.ObjectType):
    """Root mutation fields for calendar feeds."""

    calendar_feed_create = CalendarFeedCreate.Field()
    calendar_feed_rotate = CalendarFeedRotate.Field()
