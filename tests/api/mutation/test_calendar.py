"""`calendarFeedCreate`, `calendarFeedRotate` and `viewer.calendarFeedUrl` through /graphql."""

import json
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client as HttpClient
from django.test import override_settings

from reservation.models import CalendarFeed
from tests.factories import NOW, CalendarSchedule
from tests.graphql import bearer

LISTED = CalendarSchedule.LISTED

ERRORS = "errors { code field message }"
CREATE = f"mutation {{ calendarFeedCreate(input: {{}}) {{ url {ERRORS} }} }}"
ROTATE = f"mutation {{ calendarFeedRotate(input: {{}}) {{ url {ERRORS} }} }}"
VIEWER = "query { viewer { username calendarFeedUrl } }"
FEED_URL = re.compile(r"^http://testserver/calendar/(?P<token>[A-Za-z0-9_-]{43})\.ics$")


def url_of(body: dict[str, Any], mutation: str) -> str:
    """The URL of a successful feed mutation's payload."""
    assert "errors" not in body, body
    payload = body["data"][mutation]
    assert payload["errors"] == []
    url: str = payload["url"]
    return url


def path_of(url: str) -> str:
    match = FEED_URL.match(url)
    assert match is not None, url
    return f"/calendar/{match['token']}.ics"


@pytest.mark.parametrize(
    ("document", "mutation"), [(CREATE, "calendarFeedCreate"), (ROTATE, "calendarFeedRotate")], ids=["create", "rotate"]
)
def test_anonymous_callers_are_unauthenticated(graphql, document: str, mutation: str) -> None:
    body = graphql(document, as_user=None)

    assert body["data"] == {mutation: None}
    assert [error["extensions"]["code"] for error in body["errors"]] == ["UNAUTHENTICATED"]
    assert CalendarFeed.objects.count() == 0


def test_create_makes_the_feed_once(graphql, schedule: CalendarSchedule, client) -> None:
    user = schedule.users["C"]

    first = url_of(graphql(CREATE, as_user=user), "calendarFeedCreate")
    again = url_of(graphql(CREATE, as_user=user), "calendarFeedCreate")

    assert first == again
    feed = CalendarFeed.objects.get()
    assert (feed.user, feed.created_at) == (user, NOW)
    assert path_of(first) == f"/calendar/{feed.token}.ics"
    assert client.get(path_of(first)).status_code == 200


def test_each_user_gets_their_own_feed(graphql, schedule: CalendarSchedule, client) -> None:
    urls = {role: url_of(graphql(CREATE, as_user=user), "calendarFeedCreate") for role, user in schedule.users.items()}

    assert len(set(urls.values())) == len(urls)
    assert CalendarFeed.objects.count() == len(urls)
    for role, url in urls.items():
        response = client.get(path_of(url))
        assert response.status_code == 200
        assert response.content.count(b"BEGIN:VEVENT") == len(LISTED[role]), role


def test_rotate_gives_a_new_url_and_the_old_one_stops_working(graphql, schedule: CalendarSchedule, client) -> None:
    user = schedule.users["D"]
    old = url_of(graphql(CREATE, as_user=user), "calendarFeedCreate")

    new = url_of(graphql(ROTATE, as_user=user), "calendarFeedRotate")

    assert new != old
    assert client.get(path_of(old)).status_code == 404
    assert client.get(path_of(new)).status_code == 200
    assert url_of(graphql(CREATE, as_user=user), "calendarFeedCreate") == new
    assert CalendarFeed.objects.count() == 1


def test_rotate_without_a_feed_creates_one(graphql, schedule: CalendarSchedule, client) -> None:
    url = url_of(graphql(ROTATE, as_user=schedule.users["P"]), "calendarFeedRotate")

    assert client.get(path_of(url)).status_code == 200
    assert CalendarFeed.objects.get().user == schedule.users["P"]


def test_rotating_ones_feed_leaves_the_others_alone(graphql, schedule: CalendarSchedule, client) -> None:
    theirs = url_of(graphql(CREATE, as_user=schedule.users["C"]), "calendarFeedCreate")

    graphql(ROTATE, as_user=schedule.users["D"])

    assert client.get(path_of(theirs)).status_code == 200


def test_viewer_calendar_feed_url(graphql, schedule: CalendarSchedule, staff_user: User) -> None:
    user = schedule.users["C"]
    assert graphql(VIEWER, as_user=user)["data"]["viewer"]["calendarFeedUrl"] is None

    created = url_of(graphql(CREATE, as_user=user), "calendarFeedCreate")
    assert graphql(VIEWER, as_user=user)["data"]["viewer"]["calendarFeedUrl"] == created
    rotated = url_of(graphql(ROTATE, as_user=user), "calendarFeedRotate")
    assert graphql(VIEWER, as_user=user)["data"]["viewer"]["calendarFeedUrl"] == rotated
    assert graphql(VIEWER)["data"]["viewer"]["calendarFeedUrl"] is None, "staff have none of their own"
    assert graphql(VIEWER, as_user=None)["data"]["viewer"] is None


@override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"), ALLOWED_HOSTS=["api.example.com"])
def test_the_url_is_built_from_the_request(schedule: CalendarSchedule) -> None:
    """Behind nginx (production trusts X-Forwarded-Proto), the URL is https on the host the caller used."""
    response = HttpClient().post(
        "/graphql",
        json.dumps({"query": CREATE}),
        content_type="application/json",
        headers={**bearer(schedule.users["C"]), "Host": "api.example.com", "X-Forwarded-Proto": "https"},
    )

    url = url_of(response.json(), "calendarFeedCreate")
    token = CalendarFeed.objects.get().token
    assert url == f"https://api.example.com/calendar/{token}.ics"
    feed = HttpClient().get(f"/calendar/{token}.ics", headers={"Host": "api.example.com"})
    assert b"@api.example.com\r\n" in feed.content, "UIDs name the host"
