"""Every list page issues the same number of SQL queries whatever its size (no query per row), counted at two
sizes; each page is also opened with a search, a filter and the date drill-down. The figures at 10⁵ slots are
measured by ``python manage.py admin_query_counts`` (docs/support-staff.md)."""

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.auth.tokens import issue_tokens
from reservation.models import DateOverride, WeeklyScheduleRange
from reservation.services.calendar import calendar_feed_create
from tests.factories import NEW_YORK, NOW, make_client, make_provider, make_reservation, make_slot

pytestmark = pytest.mark.django_db

PAGES = [
    ("/admin/reservation/reservation/", {}),
    ("/admin/reservation/reservation/", {"state": "confirmed", "q": "Lovelace"}),
    ("/admin/reservation/reservation/", {"q": "2030-01-09", "when": "upcoming"}),
    ("/admin/reservation/reservation/", {"appointment__start_time__year": "2030"}),
    ("/admin/reservation/reservation/", {"o": "4"}),
    ("/admin/reservation/reservation/", {"client": "1", "provider": "1"}),
    ("/admin/reservation/appointment/", {}),
    ("/admin/reservation/appointment/", {"state": "held"}),
    ("/admin/reservation/appointment/", {"state": "open"}),
    ("/admin/reservation/appointment/", {"o": "4"}),
    ("/admin/reservation/appointment/", {"provider": "1", "when": "upcoming"}),
    ("/admin/reservation/appointment/", {"q": "Hopper", "start_time__year": "2030"}),
    ("/admin/reservation/provider/", {}),
    ("/admin/reservation/client/", {}),
    ("/admin/reservation/client/", {"q": "Lovelace"}),
    ("/admin/auth/user/", {}),
    ("/admin/reservation/refreshtoken/", {}),
    ("/admin/reservation/calendarfeed/", {}),
    ("/admin/reservation/weeklyschedulerange/", {}),
    ("/admin/reservation/dateoverride/", {}),
    ("/admin/reservation/externalidentity/", {}),
]


def populate(size: int, offset: int) -> None:
    """``size`` providers (two zones), clients, slots with a hold and a booking each, sessions and feeds."""
    for index in range(size):
        n = offset + index
        provider = make_provider("Grace", "Hopper", username=f"p{n}", time_zone=NEW_YORK if n % 2 else "UTC")
        patient = make_client("Ada", "Lovelace", username=f"c{n}")
        start = NOW + timedelta(days=2, hours=n)
        held = make_slot(provider, start)
        booked = make_slot(provider, start + timedelta(minutes=15))
        make_slot(provider, start + timedelta(minutes=30))
        make_reservation(patient, held, NOW - timedelta(minutes=5))
        make_reservation(patient, booked, NOW - timedelta(hours=1), confirmed=True)
        assert patient.user is not None
        issue_tokens(patient.user)
        calendar_feed_create(patient.user)
        WeeklyScheduleRange.objects.create(provider=provider, weekday=0, start_time="09:00", end_time="12:00")
        DateOverride.objects.create(provider=provider, date=NOW.date() + timedelta(days=3))


def count(support: Any, url: str, query: dict[str, str]) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = support.get(url, query)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured)


@pytest.mark.parametrize(("url", "query"), PAGES)
def test_a_list_page_issues_as_many_queries_for_3_rows_as_for_30(support, url, query):
    populate(3, 0)
    small = count(support, url, query)
    populate(27, 3)
    large = count(support, url, query)

    assert large == small, f"{url} {query}: {small} queries for 3 rows, {large} for 30"
