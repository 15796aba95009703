"""``GET /calendar/<token>.ics``: a user's bookings as an iCalendar feed that calendar apps subscribe to.

The secret token in the URL is the only credential: calendar apps cannot send a bearer token, so the view
reads no ``Authorization`` header and no session, and sets no cookie. An unknown, rotated, malformed or
deactivated user's token gets the same bare 404, which tells nothing about whether it ever existed. The
calendar itself is built by `reservation.feeds`.

Responses carry ``Cache-Control: private, max-age=300`` (no shared cache may keep them; the app may reuse
one for 5 minutes) and an ``ETag``: the calendar is the same from one request to the next until the
schedule changes, so a poll with ``If-None-Match`` is answered ``304 Not Modified`` without a body.
"""

import hashlib

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.http.request import split_domain_port
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.views.decorators.http import require_safe

from reservation.feeds import feed_calendar
from reservation.models import CalendarFeed
from reservation.selectors import calendar_feed_by_token

CONTENT_TYPE = "text/calendar; charset=utf-8"
CACHE_CONTROL = "private, max-age=300"


def feed_url(request: HttpRequest, feed: CalendarFeed) -> str:
    """The absolute URL of ``feed``, on the scheme and host this request came in on."""
    return request.build_absolute_uri(reverse("calendar-feed", kwargs={"token": feed.token}))


def _not_found() -> HttpResponse:
    response = HttpResponse("Not found.\n", status=404, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponseBase:
    """The iCalendar feed whose secret is ``token`` (GET or HEAD)."""
    feed = calendar_feed_by_token(token)
    if feed is None:
        return _not_found()
    domain, _ = split_domain_port(request.get_host())
    body = feed_calendar(feed, now=timezone.now(), domain=domain or "localhost")
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = HttpResponse(body, content_type=CONTENT_TYPE)
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    return response
