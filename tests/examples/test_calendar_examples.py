"""The calendar feed examples (examples/23_calendarFeedCreate, 24_calendarFeedRotate) as examples/README.md
uses them: the client creates their feed, fetches it with curl (no token), rotates it.

Their snapshots (tests/examples) show the URL with "<token>" for its random secret; this is what it stands for.
"""

from django.test import Client as HttpClient
from icalendar import Calendar

from tests.examples import assert_no_errors, example
from tests.examples.test_examples import CALENDAR_FEED_URL, without_tokens
from tests.factories import CalendarSchedule

LISTED = CalendarSchedule.LISTED


def run(graphql, name: str, user) -> str:
    operation = example(name)
    body = graphql(operation.query, operation.variables, as_user=user)
    assert_no_errors(operation, body)
    url: str = body["data"][operation.field]["url"]
    assert without_tokens(url) == "http://testserver/calendar/<token>.ics"
    return url


def test_the_examples_give_a_working_url_and_rotate_it(graphql, schedule: CalendarSchedule) -> None:
    user = schedule.users["C"]

    url = run(graphql, "calendarFeedCreate", user)
    assert run(graphql, "calendarFeedCreate", user) == url
    response = HttpClient().get(url)  # as `curl "$FEED_URL"`: no Authorization header
    assert response.status_code == 200
    assert len(Calendar.from_ical(response.content).events) == len(LISTED["C"])

    rotated = run(graphql, "calendarFeedRotate", user)
    assert rotated != url
    assert HttpClient().get(url).status_code == 404
    assert HttpClient().get(rotated).status_code == 200


def test_the_snapshot_pattern_matches_only_feed_urls() -> None:
    assert CALENDAR_FEED_URL.match("https://example.com/calendar/" + "a" * 43 + ".ics")
    assert not CALENDAR_FEED_URL.match("https://example.com/calendar/" + "a" * 42 + ".ics")
    assert not CALENDAR_FEED_URL.match("https://example.com/graphql")
