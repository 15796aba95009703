"""The scheduling operations through /graphql: who may call them, their inputs and payloads, the time zone arguments
of the read fields, the schedule on ProviderType, and the horizon, which reads never move (publish_schedules does)."""

from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from freezegun.api import FrozenDateTimeFactory

from reservation.models import Appointment, DateOverride, Provider, WeeklyScheduleRange
from tests.factories import (
    NEW_YORK,
    NOW,
    SYDNEY,
    make_client,
    make_provider,
    make_reservation,
    make_slot,
    provider_id,
    provider_in,
)
from tests.graphql import (
    AVAILABILITY_ADD_LOCAL,
    AVAILABILITY_WITHDRAW,
    AVAILABLE_ON_DATE,
    DATE_OVERRIDE_DELETE,
    DATE_OVERRIDE_SET,
    PROVIDER_TIME_ZONE_SET,
    WEEKLY_SCHEDULE_SET,
)

pytestmark = pytest.mark.django_db

MORNINGS = [{"weekday": day, "startTime": "09:00", "endTime": "12:00"} for day in ("MONDAY", "TUESDAY", "FRIDAY")]
PROVIDER_SCHEDULE = """
query {
  providers {
    edges { node { id timeZone schedulePublishedUntil weeklySchedule { weekday startTime endTime }
      dateOverrides { date dayOff ranges { startTime endTime } } } }
  }
}
"""
PROVIDER_CREATE = """
mutation($timeZone: String) {
  providerCreate(input: {firstName: "Nova", lastName: "Newprovider", timeZone: $timeZone}) {
    provider { id timeZone } errors { code field message }
  }
}
"""
TIMES_IN_ZONE = """
query($zone: String) {
  appointments { edges { node { timeSlot(timeZone: $zone) endTime(timeZone: $zone) reservations { edges { node {
    expiry(timeZone: $zone) reservedAt(timeZone: $zone) } } } } } }
}
"""


def payload(body: dict[str, Any], field: str) -> dict[str, Any]:
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"][field]
    return result


# --- who may call them --------------------------------------------------------------------------------------------


def operations(provider: Provider) -> dict[str, tuple[str, dict[str, Any]]]:
    pid = provider_id(provider)
    return {
        "providerTimeZoneSet": (PROVIDER_TIME_ZONE_SET, {"providerId": pid, "timeZone": SYDNEY}),
        "weeklyScheduleSet": (WEEKLY_SCHEDULE_SET, {"providerId": pid, "ranges": MORNINGS}),
        "dateOverrideSet": (DATE_OVERRIDE_SET, {"providerId": pid, "date": "2030-01-08", "ranges": []}),
        "dateOverrideDelete": (DATE_OVERRIDE_DELETE, {"providerId": pid, "date": "2030-01-09"}),
        "availabilityAddLocal": (
            AVAILABILITY_ADD_LOCAL,
            {"providerId": pid, "date": "2030-01-09", "startTime": "09:00", "endTime": "10:00"},
        ),
        "availabilityWithdraw": (
            AVAILABILITY_WITHDRAW,
            {"providerId": pid, "startTime": "2030-01-10T09:00:00+00:00", "endTime": "2030-01-10T10:00:00+00:00"},
        ),
    }


def state(provider: Provider) -> tuple[object, ...]:
    return (
        Provider.objects.get(pk=provider.pk).time_zone,
        WeeklyScheduleRange.objects.count(),
        DateOverride.objects.count(),
        Appointment.objects.count(),
        Appointment.objects.filter(withdrawn_at__isnull=False).count(),
    )


@pytest.mark.parametrize(
    "operation",
    [
        "providerTimeZoneSet",
        "weeklyScheduleSet",
        "dateOverrideSet",
        "dateOverrideDelete",
        "availabilityAddLocal",
        "availabilityWithdraw",
    ],
)
@pytest.mark.parametrize(
    ("caller", "outcome"),
    [
        ("anonymous", "UNAUTHENTICATED"),
        ("client", "FORBIDDEN"),
        ("other provider", "FORBIDDEN"),
        ("the provider", "ok"),
        ("staff", "ok"),
    ],
)
def test_only_the_provider_themselves_or_staff_may_change_their_schedule(
    graphql, frozen, staff_user: User, operation: str, caller: str, outcome: str
) -> None:
    provider = provider_in("UTC", username="provider-a")
    other = provider_in("UTC", "Alan", "Turing", username="provider-b")
    make_slot(provider, datetime(2030, 1, 10, 9, tzinfo=UTC))
    DateOverride.objects.create(provider=provider, date="2030-01-09")
    client = make_client()
    client.user = User.objects.create_user("client-x", password="client-password-2030")
    client.save()
    users = {
        "anonymous": None,
        "client": client.user,
        "other provider": other.user,
        "the provider": provider.user,
        "staff": staff_user,
    }
    document, variables = operations(provider)[operation]
    before = state(provider)

    body = graphql(document, variables, as_user=users[caller])

    if outcome == "ok":
        assert payload(body, operation)["errors"] == []
        assert state(provider) != before
    else:
        assert [error["extensions"]["code"] for error in body["errors"]] == [outcome]
        assert body["data"][operation] is None
        assert state(provider) == before


# --- inputs and payloads -------------------------------------------------------------------------------------------


def test_provider_create_takes_a_time_zone(graphql, frozen) -> None:
    created = payload(graphql(PROVIDER_CREATE, {"timeZone": "Europe/Paris"}), "providerCreate")
    assert created["provider"]["timeZone"] == "Europe/Paris"
    default = payload(graphql(PROVIDER_CREATE, {"timeZone": None}), "providerCreate")
    assert default["provider"]["timeZone"] == "UTC"

    refused = payload(graphql(PROVIDER_CREATE, {"timeZone": "Europe/Pariss"}), "providerCreate")
    assert refused["provider"] is None
    assert [(error["code"], error["field"]) for error in refused["errors"]] == [("UNKNOWN_TIME_ZONE", "timeZone")]
    assert Provider.objects.count() == 2
    assert User.objects.filter(first_name="Nova").count() == 2  # the refused one made no login either


def test_provider_time_zone_set_reports_the_schedule_it_moved(graphql, frozen) -> None:
    provider = provider_in("UTC")
    graphql(WEEKLY_SCHEDULE_SET, {"providerId": provider_id(provider), "ranges": MORNINGS})

    result = payload(
        graphql(PROVIDER_TIME_ZONE_SET, {"providerId": provider_id(provider), "timeZone": NEW_YORK}),
        "providerTimeZoneSet",
    )

    assert result["provider"] == {"id": provider_id(provider), "timeZone": NEW_YORK}
    # Twelve mornings of 12 slots (from 2030-01-07): every one moves five hours later.
    assert (result["changes"]["added"], result["changes"]["withdrawn"]) == (144, 144)
    assert result["errors"] == []

    unknown = payload(
        graphql(PROVIDER_TIME_ZONE_SET, {"providerId": provider_id(provider), "timeZone": "+05:00"}),
        "providerTimeZoneSet",
    )
    assert [(error["code"], error["field"]) for error in unknown["errors"]] == [("UNKNOWN_TIME_ZONE", "timeZone")]
    assert unknown["provider"] is None


def test_weekly_schedule_set_returns_the_schedule_and_what_it_published(graphql, frozen) -> None:
    provider = provider_in(SYDNEY)
    ranges = [
        {"weekday": "TUESDAY", "startTime": "13:00", "endTime": "17:00"},
        {"weekday": "TUESDAY", "startTime": "09:00", "endTime": "12:00"},
        {"weekday": "SATURDAY", "startTime": "10:00", "endTime": "11:30"},
    ]

    result = payload(
        graphql(WEEKLY_SCHEDULE_SET, {"providerId": provider_id(provider), "ranges": ranges}), "weeklyScheduleSet"
    )

    assert result["weeklySchedule"] == [
        {"weekday": "TUESDAY", "startTime": "09:00:00", "endTime": "12:00:00"},
        {"weekday": "TUESDAY", "startTime": "13:00:00", "endTime": "17:00:00"},
        {"weekday": "SATURDAY", "startTime": "10:00:00", "endTime": "11:30:00"},
    ]
    assert result["provider"]["schedulePublishedUntil"] == "2030-02-03"  # Sydney's today is 2030-01-07 + 27 days
    assert result["changes"] == {"added": 4 * 28 + 4 * 6, "restored": 0, "withdrawn": 0, "kept": []}


@pytest.mark.parametrize(
    ("ranges", "code"),
    [
        (
            [
                {"weekday": "MONDAY", "startTime": "09:00", "endTime": "12:00"},
                {"weekday": "MONDAY", "startTime": "11:45", "endTime": "13:00"},
            ],
            "OVERLAPPING_RANGES",
        ),
        ([{"weekday": "MONDAY", "startTime": "12:00", "endTime": "09:00"}], "INVALID_RANGE"),
        ([{"weekday": "MONDAY", "startTime": "09:20", "endTime": "12:00"}], "NOT_ALIGNED"),
        ([{"weekday": "MONDAY", "startTime": "09:00+02:00", "endTime": "12:00"}], "INVALID"),
    ],
)
def test_weekly_schedule_set_refuses_bad_ranges_in_the_payload(graphql, frozen, ranges, code) -> None:
    provider = provider_in("UTC")
    result = payload(
        graphql(WEEKLY_SCHEDULE_SET, {"providerId": provider_id(provider), "ranges": ranges}), "weeklyScheduleSet"
    )
    assert [(error["code"], error["field"]) for error in result["errors"]] == [(code, "ranges")]
    assert (result["weeklySchedule"], result["changes"], result["provider"]) == (None, None, None)
    assert not Appointment.objects.exists()


def test_weekday_must_be_a_weekday_and_times_must_be_times(graphql, frozen) -> None:
    provider = provider_in("UTC")
    for ranges in (
        [{"weekday": "FUNDAY", "startTime": "09:00", "endTime": "12:00"}],
        [{"weekday": "MONDAY", "startTime": "25:00", "endTime": "26:00"}],
    ):
        body = graphql(WEEKLY_SCHEDULE_SET, {"providerId": provider_id(provider), "ranges": ranges}, expect_status=400)
        assert {error["extensions"]["code"] for error in body["errors"]} == {"GRAPHQL_VALIDATION_FAILED"}


def test_date_override_set_and_delete(graphql, frozen) -> None:
    provider = provider_in("UTC")
    graphql(WEEKLY_SCHEDULE_SET, {"providerId": provider_id(provider), "ranges": MORNINGS})
    variables = {"providerId": provider_id(provider), "date": "2030-01-08"}

    day_off = payload(graphql(DATE_OVERRIDE_SET, {**variables, "ranges": []}), "dateOverrideSet")
    assert day_off["dateOverride"] == {"date": "2030-01-08", "dayOff": True, "ranges": []}
    assert day_off["changes"] == {"added": 0, "restored": 0, "withdrawn": 12, "kept": []}

    other_hours = payload(
        graphql(DATE_OVERRIDE_SET, {**variables, "ranges": [{"startTime": "15:00", "endTime": "16:00"}]}),
        "dateOverrideSet",
    )
    assert other_hours["dateOverride"] == {
        "date": "2030-01-08",
        "dayOff": False,
        "ranges": [{"startTime": "15:00:00", "endTime": "16:00:00"}],
    }
    assert (other_hours["changes"]["added"], other_hours["changes"]["withdrawn"]) == (4, 0)

    deleted = payload(graphql(DATE_OVERRIDE_DELETE, variables), "dateOverrideDelete")
    assert deleted["deleted"] is True
    assert deleted["changes"] == {"added": 0, "restored": 12, "withdrawn": 4, "kept": []}

    missing = payload(graphql(DATE_OVERRIDE_DELETE, variables), "dateOverrideDelete")
    assert (missing["deleted"], [(error["code"], error["field"]) for error in missing["errors"]]) == (
        None,
        [("NOT_FOUND", "date")],
    )
    past = payload(graphql(DATE_OVERRIDE_SET, {**variables, "date": "2030-01-06", "ranges": []}), "dateOverrideSet")
    assert [(error["code"], error["field"]) for error in past["errors"]] == [("IN_THE_PAST", "date")]


def test_availability_add_local_uses_the_providers_zone_or_the_one_given(graphql, frozen) -> None:
    provider = provider_in(NEW_YORK)
    variables = {"providerId": provider_id(provider), "date": "2030-01-09", "startTime": "09:00", "endTime": "09:30"}

    own = payload(graphql(AVAILABILITY_ADD_LOCAL, {**variables, "timeZone": None}), "availabilityAddLocal")
    given = payload(
        graphql(AVAILABILITY_ADD_LOCAL, {**variables, "timeZone": "Asia/Kathmandu"}), "availabilityAddLocal"
    )

    assert [edge["node"]["timeSlot"] for edge in own["appointments"]["edges"]] == [
        "2030-01-09T14:00:00+00:00",
        "2030-01-09T14:15:00+00:00",
    ]
    assert [edge["node"]["local"] for edge in given["appointments"]["edges"]] == [
        "2030-01-09T09:00:00+05:45",
        "2030-01-09T09:15:00+05:45",
    ]
    assert [edge["node"]["timeSlot"] for edge in given["appointments"]["edges"]] == [
        "2030-01-09T03:15:00+00:00",
        "2030-01-09T03:30:00+00:00",
    ]
    assert {edge["node"]["source"] for edge in own["appointments"]["edges"]} == {"RANGE"}

    for overrides, code, field in (
        ({"timeZone": "Nowhere/Land"}, "UNKNOWN_TIME_ZONE", "timeZone"),
        ({"timeZone": None, "date": "2030-01-06"}, "IN_THE_PAST", "startTime"),
        ({"timeZone": None, "startTime": "09:10"}, "NOT_ALIGNED", "startTime"),
        ({"timeZone": None, "startTime": "10:00"}, "INVALID_RANGE", "startTime"),
    ):
        refused = payload(graphql(AVAILABILITY_ADD_LOCAL, {**variables, **overrides}), "availabilityAddLocal")
        assert [(error["code"], error["field"]) for error in refused["errors"]] == [(code, field)], overrides
        assert refused["appointments"] is None


# --- time zone arguments of the read fields ------------------------------------------------------------------------


def test_times_can_be_presented_in_a_requested_zone(graphql, frozen) -> None:
    slot = make_slot(make_provider(), datetime(2030, 1, 8, 9, tzinfo=UTC))
    make_reservation(make_client(), slot, created_at=NOW - timedelta(minutes=5))

    utc = graphql(TIMES_IN_ZONE, {"zone": None})["data"]["appointments"]["edges"][0]["node"]
    sydney = graphql(TIMES_IN_ZONE, {"zone": SYDNEY})["data"]["appointments"]["edges"][0]["node"]

    assert (utc["timeSlot"], utc["endTime"]) == ("2030-01-08T09:00:00+00:00", "2030-01-08T09:15:00+00:00")
    assert (sydney["timeSlot"], sydney["endTime"]) == ("2030-01-08T20:00:00+11:00", "2030-01-08T20:15:00+11:00")
    reservation = sydney["reservations"]["edges"][0]["node"]
    assert (reservation["reservedAt"], reservation["expiry"]) == (
        "2030-01-07T19:55:00+11:00",
        "2030-01-07T20:25:00+11:00",
    )


def test_an_unknown_zone_argument_is_bad_user_input(graphql, frozen) -> None:
    make_slot(make_provider(), datetime(2030, 1, 8, 9, tzinfo=UTC))

    body = graphql(TIMES_IN_ZONE, {"zone": "Atlantis/Capital"})

    assert {error["extensions"]["code"] for error in body["errors"]} == {"BAD_USER_INPUT"}
    assert body["errors"][0]["path"] == ["appointments", "edges", 0, "node", "timeSlot"]
    assert "Atlantis/Capital" in body["errors"][0]["message"]


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"date": "2030-01-08", "timeZone": "Atlantis/Capital"}, "timeZone: Unknown time zone"),
        ({"date": None, "timeZone": SYDNEY}, "give a date too"),
    ],
)
def test_bad_date_filters_are_bad_user_input(graphql, frozen, variables, message) -> None:
    body = graphql(AVAILABLE_ON_DATE, {"provider": None, **variables})
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert message in error["message"]
    assert body["data"]["availableAppointments"] is None


# --- the schedule on ProviderType, and the horizon --------------------------------------------------------------


def test_providers_show_their_zone_schedule_and_upcoming_overrides(graphql, frozen) -> None:
    provider = provider_in(SYDNEY)
    graphql(WEEKLY_SCHEDULE_SET, {"providerId": provider_id(provider), "ranges": MORNINGS[:1]})
    graphql(DATE_OVERRIDE_SET, {"providerId": provider_id(provider), "date": "2030-01-14", "ranges": []})
    DateOverride.objects.create(provider=provider, date="2030-01-06")  # already past: not shown
    provider_in(NEW_YORK, "Alan", "Turing")

    nodes = [edge["node"] for edge in graphql(PROVIDER_SCHEDULE)["data"]["providers"]["edges"]]

    assert nodes[0] == {
        "id": provider_id(provider),
        "timeZone": SYDNEY,
        "schedulePublishedUntil": "2030-02-03",
        "weeklySchedule": [{"weekday": "MONDAY", "startTime": "09:00:00", "endTime": "12:00:00"}],
        "dateOverrides": [{"date": "2030-01-14", "dayOff": True, "ranges": []}],
    }
    assert nodes[1]["timeZone"] == NEW_YORK
    assert (nodes[1]["weeklySchedule"], nodes[1]["dateOverrides"], nodes[1]["schedulePublishedUntil"]) == ([], [], None)


def test_provider_schedules_are_loaded_in_batches(graphql, frozen) -> None:
    def count_for(providers: int) -> int:
        while Provider.objects.count() < providers:
            provider = provider_in(SYDNEY, "Provider", f"Number {Provider.objects.count():03}")
            graphql(WEEKLY_SCHEDULE_SET, {"providerId": provider_id(provider), "ranges": MORNINGS})
            graphql(DATE_OVERRIDE_SET, {"providerId": provider_id(provider), "date": "2030-01-15", "ranges": []})
        with CaptureQueriesContext(connection) as queries:
            graphql(PROVIDER_SCHEDULE)
        return len(queries)

    # The token's user; the page of providers; their weekly ranges; their overrides and the overrides' ranges.
    assert count_for(2) == count_for(12) == 5


def test_reading_availability_never_writes_and_the_daily_command_tops_up_the_horizon(
    graphql, frozen: FrozenDateTimeFactory
) -> None:
    provider = provider_in(NEW_YORK)
    graphql(WEEKLY_SCHEDULE_SET, {"providerId": provider_id(provider), "ranges": MORNINGS})
    frozen.move_to(datetime(2030, 1, 14, 9, tzinfo=UTC))  # a week later: Monday 2030-01-14 04:00 in New York
    on_friday = {"provider": provider_id(provider), "date": "2030-02-08", "timeZone": NEW_YORK}

    # A read writes nothing, and does not look at the schedules: the token's user; the page of slots (empty).
    with CaptureQueriesContext(connection) as queries:
        body = graphql(AVAILABLE_ON_DATE, on_friday)
    statements = [query["sql"].lstrip().upper() for query in queries]
    assert len(statements) == 2
    assert all(sql.startswith("SELECT") and "FOR UPDATE" not in sql for sql in statements)
    assert body["data"]["availableAppointments"]["edges"] == []  # Friday 2030-02-08 is beyond the horizon
    provider.refresh_from_db()
    assert str(provider.schedule_published_until) == "2030-02-03"

    call_command("publish_schedules", stdout=StringIO())

    assert len(graphql(AVAILABLE_ON_DATE, on_friday)["data"]["availableAppointments"]["edges"]) == 12
    provider.refresh_from_db()
    assert str(provider.schedule_published_until) == "2030-02-10"
